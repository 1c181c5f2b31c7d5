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

from collections.abc import Callable, Collection
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from junheng.accounts.models import Guardianship, Role, User
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
    """The user is logged in and has one of `roles` (PermissionDenied, a 403, otherwise)."""
    if not user.is_authenticated or user.role not in roles:
        raise PermissionDenied


def require_bureau(user: User) -> None:
    """County-wide pages, data and actions: the bureau only (PermissionDenied otherwise)."""
    require_role(user, Role.BUREAU)


def require_actor(
    by: User | None,
    *roles: str,
    school_id: int | None = None,
    school_ids: Collection[int] | None = None,
    provider_id: int | None = None,
    student_id: int | None = None,
    user_id: int | None = None,
) -> None:
    """The rule every `do_*(…, by)` action applies before it changes anything.

    Actions do not trust the view's check: they are also called from the API, the admin,
    commands and jobs. `by=None` is the system itself (a scheduled job, the demo loader) and
    passes. Raises PermissionDenied (403); the scopes are those of `may_act`."""
    if not may_act(
        by,
        *roles,
        school_id=school_id,
        school_ids=school_ids,
        provider_id=provider_id,
        student_id=student_id,
        user_id=user_id,
    ):
        raise PermissionDenied


def may_act(
    by: User | None,
    *roles: str,
    school_id: int | None = None,
    school_ids: Collection[int] | None = None,
    provider_id: int | None = None,
    student_id: int | None = None,
    user_id: int | None = None,
) -> bool:
    """Whether `by` may make a change (the test behind `require_actor`, for pages that show or
    hide a button). The acting user has one of `roles`, and each scope given holds for it:

    - `school_id` / `school_ids`: a school admin, or a teacher (through its teacher record),
      acts only for its own school / one of these schools (a community's core and members);
    - `provider_id`: a provider's staff acts only for its own provider;
    - `student_id`: a parent acts only for its own child (a guardianship; `is_guardian`);
    - `user_id`: only that very user (one's own record); give it only with the roles it binds.

    Roles a scope does not name are not narrowed by it (the bureau is county-wide)."""
    if by is None:
        return True
    if not by.is_authenticated or by.role not in roles:
        return False
    if by.role in (Role.SCHOOL, Role.TEACHER) and (school_id is not None or school_ids is not None):
        own = by.school_id if by.role == Role.SCHOOL else _teacher_school_id(by)
        if own is None:
            return False
        if school_id is not None and own != school_id:
            return False
        if school_ids is not None and own not in school_ids:
            return False
    if provider_id is not None and by.role == Role.PROVIDER:
        provider = provider_of(by)
        if provider is None or provider.pk != provider_id:
            return False
    if student_id is not None and by.role == Role.PARENT and not is_guardian(by, student_id):
        return False
    return user_id is None or by.pk == user_id


def _teacher_school_id(user: User) -> int | None:
    teacher = user.teacher if user.teacher_id is not None else None
    return teacher.school_id if teacher is not None else None


def is_guardian(user: User, student_id: int) -> bool:
    """The parent `user` is a guardian of the student (the one guardianship rule)."""
    return (
        user.is_authenticated
        and user.role == Role.PARENT
        and Guardianship.objects.filter(user=user, student_id=student_id).exists()
    )


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


def get_in_scope(qs: QuerySet[M], **lookup: Any) -> M:
    """The one object of a scoped queryset matching `lookup`; a missing object and one outside
    the user's scope are the same 404 (existence does not leak). Every app's `access_*` lookup
    goes through here."""
    try:
        return qs.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def access_school(user: User, school_id: int) -> School:
    return get_in_scope(schools_for(user), pk=school_id)


def access_school_for_edit(user: User, school_id: int) -> School:
    """Only the bureau and the school's own admin may change a school's data."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    return access_school(user, school_id)


def access_student(user: User, student_id: int) -> Student:
    """A student's record; non-parent access is audited by the caller's view."""
    return get_in_scope(students_for(user), pk=student_id)


def school_of(user: User) -> School:
    """The school a school admin runs (403 for other roles, 404 if the account has none)."""
    require_role(user, Role.SCHOOL)
    if user.school_id is None:
        raise Http404
    return get_in_scope(School.objects.all(), pk=user.school_id)


def access_child(user: User, student_id: int) -> Student:
    """A parent's own child (403 for other roles; other children: 404)."""
    require_role(user, Role.PARENT)
    return get_in_scope(students_for(user), pk=student_id)


def provider_of(user: User) -> Provider | None:
    """The provider a provider-staff user belongs to, or None."""
    if not user.is_authenticated or user.role != Role.PROVIDER:
        return None
    staff: ProviderStaff | None = getattr(user, "provider_staff", None)
    return staff.provider if staff is not None else None
