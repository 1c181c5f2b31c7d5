"""The one place that decides what each user may see and do.

Every view and API call gets its querysets and objects from here, never from a bare
`Model.objects`. Objects outside a user's scope are reported as missing (404), so their
existence does not leak; a role that may not use a page at all gets 403.

| role     | schools      | students                      | teachers       |
|----------|--------------|-------------------------------|----------------|
| bureau   | all          | all                           | all            |
| school   | its own      | its own school's              | its own school |
| provider | all (public) | none here (masked rosters via afterschool) | none |
| parent   | children's   | own children                  | none           |
| teacher  | own school   | none                          | self           |
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from junheng.accounts.models import Role, User
from junheng.region.models import School, Student, Teacher
from junheng.web import AuthenticatedHttpRequest

if TYPE_CHECKING:
    from junheng.afterschool.models import Provider, ProviderStaff

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)
M = TypeVar("M", bound=Model)


def role_required(
    *roles: str,
) -> Callable[
    [Callable[Concatenate[AuthenticatedHttpRequest, P], R]],
    Callable[Concatenate[HttpRequest, P], R],
]:
    """Log in first (302 to login), then the role must be one of `roles` (403).

    The view it wraps takes an `AuthenticatedHttpRequest`: behind this check `request.user` is
    always a logged-in `User`."""

    def decorator(
        view: Callable[Concatenate[AuthenticatedHttpRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            user = request.user
            if not isinstance(user, User) or user.role not in roles:
                raise PermissionDenied
            return view(cast(AuthenticatedHttpRequest, request), *args, **kwargs)

        update_wrapper(wrapped, view)
        return login_required(wrapped)

    return decorator


def require_role(user: User, *roles: str) -> None:
    if not user.is_authenticated or user.role not in roles:
        raise PermissionDenied


def schools_for(user: User) -> QuerySet[School]:
    qs = School.objects.select_related("county")
    if not user.is_authenticated:
        return qs.none()
    if user.role in (Role.BUREAU, Role.PROVIDER):
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(pk=user.school_id) if user.school_id else qs.none()
    if user.role == Role.TEACHER:
        return qs.filter(teachers__account=user)
    if user.role == Role.PARENT:
        return qs.filter(students__guardianships__user=user).distinct()
    return qs.none()


def students_for(user: User) -> QuerySet[Student]:
    qs = Student.objects.select_related("school", "school_class")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    if user.role == Role.PARENT:
        return qs.filter(guardianships__user=user)
    return qs.none()


def teachers_for(user: User) -> QuerySet[Teacher]:
    qs = Teacher.objects.select_related("school")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    if user.role == Role.TEACHER:
        return qs.filter(account=user)
    return qs.none()


def _get_or_404(qs: QuerySet[M], **lookup: Any) -> M:
    try:
        return qs.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def access_school(user: User, school_id: int) -> School:
    return _get_or_404(schools_for(user), pk=school_id)


def access_school_for_edit(user: User, school_id: int) -> School:
    """Only the bureau and the school's own admin may change a school's data."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    return access_school(user, school_id)


def access_student(user: User, student_id: int) -> Student:
    """A student's record; non-parent access is audited by the caller's view."""
    return _get_or_404(students_for(user), pk=student_id)


def access_teacher(user: User, teacher_id: int) -> Teacher:
    return _get_or_404(teachers_for(user), pk=teacher_id)


def provider_of(user: User) -> Provider | None:
    """The provider a provider-staff user belongs to, or None."""
    if not user.is_authenticated or user.role != Role.PROVIDER:
        return None
    staff: ProviderStaff | None = getattr(user, "provider_staff", None)
    return staff.provider if staff is not None else None
