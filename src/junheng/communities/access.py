"""Who may see and do what in the education communities (extends junheng.accounts.scoping).

| role      | communities (page, lessons, activities)      | manage, pairing rounds, results, report |
|-----------|----------------------------------------------|------------------------------------------|
| bureau    | all                                          | all                                      |
| school    | those its school leads or is a member of;    | 403                                      |
|           | its synchronous lessons (records delivery)   |                                          |
| teacher   | those of their school                        | 403                                      |
| others    | the public list only                          | 403                                      |

Anyone (logged in or not) reads the public list of active communities. Objects outside a
user's scope answer 404.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import get_in_scope, require_bureau, require_role, schools_for
from junheng.communities.models import (
    Community,
    PairingRound,
    PairPin,
    RoundSchool,
    SyncLesson,
    SyncRequest,
)
from junheng.region.models import School

READ_ROLES = (Role.BUREAU, Role.SCHOOL, Role.TEACHER)


M = TypeVar("M", bound=Model)


def own_school_id(user: User) -> int | None:
    """The school a school admin or teacher belongs to."""
    if not user.is_authenticated:
        return None
    if user.role == Role.SCHOOL:
        return user.school_id
    if user.role == Role.TEACHER and user.teacher is not None:
        return user.teacher.school_id
    return None


def communities_for(user: User) -> QuerySet[Community]:
    """Communities a user may open: all for the bureau; a school's (or teacher's school's)
    own, led or joined; none for other roles (they read the public list)."""
    qs = Community.objects.select_related("core", "county")
    if not user.is_authenticated or user.role not in READ_ROLES:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    sid = own_school_id(user)
    if sid is None:
        return qs.none()
    return qs.filter(Q(core_id=sid) | Q(memberships__school_id=sid)).distinct()


def public_communities() -> QuerySet[Community]:
    return Community.objects.filter(active=True).select_related("core", "county")


def access_community(user: User, community_id: int) -> Community:
    """A community's page: the bureau, or a school (its admin, its teachers) in it."""
    require_role(user, *READ_ROLES)
    return get_in_scope(communities_for(user), pk=community_id)


def access_community_edit(user: User, community_id: int) -> Community:
    require_bureau(user)
    return get_in_scope(communities_for(user), pk=community_id)


def access_school_in(user: User, community: Community, school_id: int) -> School:
    """A school of a community (its core or a member) that this user may act for: the bureau
    any of them, a school admin only its own."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    in_it = (
        community.core_id == school_id or community.memberships.filter(school_id=school_id).exists()
    )
    if not in_it:
        raise Http404
    return get_in_scope(schools_for(user), pk=school_id)


def access_round(user: User, round_id: int) -> PairingRound:
    require_bureau(user)
    return get_in_scope(PairingRound.objects.select_related("county"), pk=round_id)


def access_round_school(user: User, rnd: PairingRound, school_id: int) -> RoundSchool:
    require_bureau(user)
    return get_in_scope(
        RoundSchool.objects.filter(round=rnd).select_related("school"), pk=school_id
    )


def access_county_school(user: User, county_id: int, school_id: int) -> School:
    require_bureau(user)
    return get_in_scope(School.objects.filter(county_id=county_id), pk=school_id)


def access_pin(user: User, rnd: PairingRound, pin_id: int) -> PairPin:
    require_bureau(user)
    return get_in_scope(
        PairPin.objects.filter(round=rnd).select_related("member", "core"), pk=pin_id
    )


def access_request(user: User, community: Community, request_id: int) -> SyncRequest:
    """A synchronous-lesson request of a community (the community already accessed)."""
    return get_in_scope(
        SyncRequest.objects.filter(membership__community=community).select_related(
            "membership__community"
        ),
        pk=request_id,
    )


def access_lesson(user: User, lesson_id: int) -> SyncLesson:
    """A dated synchronous lesson: the bureau, or the admin of its core or member school."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    qs = SyncLesson.objects.select_related("request__membership__community")
    if user.role == Role.SCHOOL:
        sid = user.school_id
        qs = qs.filter(
            Q(request__membership__school_id=sid) | Q(request__membership__community__core_id=sid)
        )
    return get_in_scope(qs, pk=lesson_id)
