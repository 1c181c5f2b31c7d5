"""Who may see and do what in choice windows, draws, seats and attendance (extends
junheng.accounts.scoping; objects outside a user's scope are missing: 404; wrong role: 403).

| role      | windows                    | rankings / results          | rosters / attendance      |
|-----------|----------------------------|-----------------------------|---------------------------|
| anonymous | public draw pages only     | —                           | —                         |
| bureau    | all                        | all                         | all                       |
| school    | its own school's           | its own school's students   | its own school's offerings|
| parent    | children's schools         | own children only           | own children's attendance |
| provider  | —                          | —                           | own courses, masked names |
| teacher   | —                          | —                           | own school's offerings    |
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import (
    get_in_scope,
    provider_of,
    require_role,
    schools_for,
    students_for,
)
from junheng.afterschool.models import Offering
from junheng.enrolment.models import (
    ChoiceWindow,
    Draw,
    Enrolment,
    Ranking,
    WaitlistOffer,
)
from junheng.region.models import Student

M = TypeVar("M", bound=Model)


def windows_for(user: User) -> QuerySet[ChoiceWindow]:
    qs = ChoiceWindow.objects.select_related("school", "term")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    if user.role == Role.PARENT:
        return qs.filter(school__in=schools_for(user))  # its children's schools
    return qs.none()


def access_window(user: User, window_id: int) -> ChoiceWindow:
    """Staff view of a window: the bureau, or the admin of the window's school."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    return get_in_scope(windows_for(user), pk=window_id)


def access_window_for_bureau(user: User, window_id: int) -> ChoiceWindow:
    require_role(user, Role.BUREAU)
    return get_in_scope(windows_for(user), pk=window_id)


def access_ranking_window(
    user: User, window_id: int, student_id: int
) -> tuple[ChoiceWindow, Student, int]:
    """A parent's child (403 for other roles, 404 for another's child) and a window of the
    child's school (404 otherwise: `windows_for` a parent is exactly its children's schools'),
    and how many of the parent's children go to that school. Two queries: the rank page is
    the busiest page at window opening."""
    require_role(user, Role.PARENT)
    # the rows alone: the page and the submission read neither school nor class nor term
    children = list(students_for(user).select_related(None))
    child = next((c for c in children if c.pk == student_id), None)
    if child is None:
        raise Http404
    window = get_in_scope(ChoiceWindow.objects.filter(school_id=child.school_id), pk=window_id)
    return window, child, sum(1 for c in children if c.school_id == child.school_id)


def rankings_for(user: User) -> QuerySet[Ranking]:
    qs = Ranking.objects.select_related("window", "student")
    return qs.filter(student__in=students_for(user))


def access_ranking(user: User, ranking_id: int) -> Ranking:
    return get_in_scope(rankings_for(user), pk=ranking_id)


def enrolments_for(user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related("offering__course", "offering__slot", "student").filter(
        student__in=students_for(user)
    )


def access_own_enrolment(user: User, enrolment_id: int) -> Enrolment:
    require_role(user, Role.PARENT)
    return get_in_scope(enrolments_for(user), pk=enrolment_id)


def access_own_offer(user: User, offer_id: int) -> WaitlistOffer:
    require_role(user, Role.PARENT)
    return get_in_scope(
        WaitlistOffer.objects.select_related("entry__window", "offering__course", "student").filter(
            student__in=students_for(user)
        ),
        pk=offer_id,
    )


def public_draw(draw_id: int) -> Draw:
    """Anyone may read a draw once the window opened (the commitment is public)."""
    return get_in_scope(Draw.objects.select_related("window__school", "window__term"), pk=draw_id)


def markable_offerings(user: User) -> QuerySet[Offering]:
    """Offerings whose sessions this user may mark."""
    qs = Offering.objects.select_related("course__provider", "school", "slot", "term")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    if user.role == Role.TEACHER:
        t = user.teacher
        return qs.filter(school_id=t.school_id) if t is not None else qs.none()
    if user.role == Role.PROVIDER:
        p = provider_of(user)
        return qs.filter(course__provider=p) if p is not None else qs.none()
    return qs.none()


def access_offering_roster(user: User, offering_id: int) -> Offering:
    if not user.is_authenticated or user.role == Role.PARENT:
        raise PermissionDenied
    return get_in_scope(markable_offerings(user), pk=offering_id)


def sees_masked_names(user: User) -> bool:
    """Providers only ever see masked names (张*明)."""
    return user.role == Role.PROVIDER
