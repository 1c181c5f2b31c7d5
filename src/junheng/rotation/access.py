"""Who may see and do what in the rotation planner (extends junheng.accounts.scoping).

| role      | rounds, runs, pins, publish, export, stints | needs               | moves                          |
|-----------|---------------------------------------------|---------------------|--------------------------------|
| bureau    | all                                         | every school's      | every move, drafts included    |
| school    | 403                                         | its own school only | own school's, published only   |
| teacher   | 403                                         | 403                 | own outcome, published only    |
| others    | 403                                         | 403                 | 403                            |
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import (
    access_school_for_edit,
    get_in_scope,
    require_bureau,
    require_role,
)
from junheng.region.models import School, Teacher
from junheng.rotation.models import Move, Pin, RotationRound, RoundStatus, Stint

READ_ROLES = (Role.BUREAU, Role.SCHOOL, Role.TEACHER)


M = TypeVar("M", bound=Model)


def rounds_for(user: User) -> QuerySet[RotationRound]:
    """Rounds a user may open: all for the bureau; school admins and teachers see their county's."""
    qs = RotationRound.objects.select_related("county")
    if not user.is_authenticated or user.role not in READ_ROLES:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(county__schools=user.school_id) if user.school_id else qs.none()
    teacher = user.teacher
    return qs.filter(county__schools__teachers=teacher) if teacher else qs.none()


def access_round(user: User, round_id: int) -> RotationRound:
    """A whole round (rules, runs, pins, publish, export): the bureau only."""
    require_bureau(user)
    return get_in_scope(rounds_for(user), pk=round_id)


def access_round_read(user: User, round_id: int) -> RotationRound:
    """A round as a school admin or teacher sees it (its own part only)."""
    require_role(user, *READ_ROLES)
    return get_in_scope(rounds_for(user), pk=round_id)


def access_needs_school(user: User, rnd: RotationRound, school_id: int) -> School:
    """Needs of a school: the bureau (any school of the round's county) or its own admin."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    school = access_school_for_edit(user, school_id)
    if school.county_id != rnd.county_id:
        raise Http404
    return school


def own_teacher(user: User) -> Teacher | None:
    """The teacher row of a teacher account (403 for any other role)."""
    require_role(user, Role.TEACHER)
    t = user.teacher
    return Teacher.objects.select_related("school").get(pk=t.pk) if t is not None else None


def moves_for(user: User, rnd: RotationRound) -> QuerySet[Move]:
    """Moves of the round's plan a user may see: the latest draft for the bureau; the published
    plan's own-school moves for a school admin; the own move for a teacher."""
    base = Move.objects.select_related("teacher", "from_school", "to_school")
    if not user.is_authenticated:
        return base.none()
    if user.role == Role.BUREAU:
        run = rnd.published_run or rnd.latest_run()
        return base.filter(run=run) if run else base.none()
    if rnd.status != RoundStatus.PUBLISHED or rnd.published_run_id is None:
        return base.none()
    qs = base.filter(run_id=rnd.published_run_id)
    if user.role == Role.SCHOOL and user.school_id:
        return qs.filter(Q(from_school_id=user.school_id) | Q(to_school_id=user.school_id))
    if user.role == Role.TEACHER and user.teacher_id:
        return qs.filter(teacher_id=user.teacher_id)
    return base.none()


def access_pin(user: User, rnd: RotationRound, pin_id: int) -> Pin:
    require_bureau(user)
    return get_in_scope(
        Pin.objects.filter(round=rnd).select_related("teacher", "school", "round"), pk=pin_id
    )


def access_round_teacher(user: User, rnd: RotationRound, teacher_id: int) -> Teacher:
    """A teacher of the round's county, for the bureau's pins."""
    require_bureau(user)
    return get_in_scope(
        Teacher.objects.filter(school__county_id=rnd.county_id).select_related("school"),
        pk=teacher_id,
    )


def access_round_school(user: User, rnd: RotationRound, school_id: int) -> School:
    require_bureau(user)
    return get_in_scope(School.objects.filter(county_id=rnd.county_id), pk=school_id)


def access_stint(user: User, stint_id: int) -> Stint:
    require_bureau(user)
    return get_in_scope(Stint.objects.select_related("teacher", "round"), pk=stint_id)
