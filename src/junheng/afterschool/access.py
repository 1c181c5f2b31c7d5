"""Who may see and do what in the course supermarket (extends junheng.accounts.scoping).

| role     | providers / documents | courses                          | offerings / menus            |
|----------|-----------------------|----------------------------------|------------------------------|
| anonymous| white list (public)   | approved, of white-listed ones   | —                            |
| bureau   | all                   | all                              | all                          |
| provider | its own only          | its own                          | of its own courses           |
| school   | white list (public)   | white-listed + its own school's  | its own school (edit)        |
| parent   | white list (public)   | white-listed                     | children's schools, published|

Objects outside a user's scope are missing (404); a role that may not use a page gets 403.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import (
    get_in_scope,
    provider_of,
    require_role,
    schools_for,
)
from junheng.afterschool.models import (
    Course,
    CoursePhoto,
    CourseRequest,
    CourseStatus,
    Instructor,
    Menu,
    MenuStatus,
    Offering,
    OfferingStatus,
    Provider,
    ProviderDocument,
    ProviderStatus,
    SupplyPlacement,
    SupplyRun,
)

M = TypeVar("M", bound=Model)


def whitelisted_providers() -> QuerySet[Provider]:
    """The public white list: approved and not past its date."""
    return Provider.objects.filter(
        status=ProviderStatus.APPROVED, whitelist_until__gte=timezone.localdate()
    )


def providers_for(user: User | AnonymousUser) -> QuerySet[Provider]:
    """Applications a user may read: the bureau all, a provider only its own."""
    if not user.is_authenticated:
        return Provider.objects.none()
    if user.role == Role.BUREAU:
        return Provider.objects.all()
    if user.role == Role.PROVIDER:
        p = provider_of(user)
        return Provider.objects.filter(pk=p.pk) if p is not None else Provider.objects.none()
    return Provider.objects.none()


def access_provider(user: User, provider_id: int) -> Provider:
    return get_in_scope(providers_for(user), pk=provider_id)


def own_provider(user: User) -> Provider:
    """The provider of a provider-staff user (403 for anyone else, 404 if not linked)."""
    require_role(user, Role.PROVIDER)
    p = provider_of(user)
    if p is None:
        raise Http404
    return p


def access_document(user: User | AnonymousUser, document_id: int) -> ProviderDocument:
    """A provider's document: the bureau and that provider's staff only."""
    return get_in_scope(
        ProviderDocument.objects.filter(provider__in=providers_for(user)), pk=document_id
    )


def access_instructor(user: User | AnonymousUser, instructor_id: int) -> Instructor:
    """An instructor (and the background check on file): the bureau and that provider's staff."""
    return get_in_scope(
        Instructor.objects.filter(provider__in=providers_for(user)), pk=instructor_id
    )


def public_courses() -> QuerySet[Course]:
    return Course.objects.filter(status=CourseStatus.APPROVED, provider__in=whitelisted_providers())


def courses_for(user: User | AnonymousUser) -> QuerySet[Course]:
    qs = Course.objects.select_related("provider", "school", "instructor")
    if not user.is_authenticated:
        return qs.filter(pk__in=public_courses())
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.PROVIDER:
        return qs.filter(provider__in=providers_for(user))
    if user.role == Role.SCHOOL:
        return qs.filter(
            Q(pk__in=public_courses()) | Q(school_id=user.school_id, school__isnull=False)
        )
    return qs.filter(pk__in=public_courses())


def access_course(user: User | AnonymousUser, course_id: int) -> Course:
    return get_in_scope(courses_for(user), pk=course_id)


def access_course_for_review(user: User, course_id: int) -> Course:
    require_role(user, Role.BUREAU)
    return access_course(user, course_id)


def access_photo(user: User | AnonymousUser, photo_id: int) -> CoursePhoto:
    """Photos of courses the user may see (public ones for anyone)."""
    return get_in_scope(CoursePhoto.objects.filter(course__in=courses_for(user)), pk=photo_id)


def access_supply_run(user: User, run_id: int) -> SupplyRun:
    require_role(user, Role.BUREAU)
    return get_in_scope(SupplyRun.objects.select_related("term"), pk=run_id)


def access_placement(user: User, placement_id: int) -> SupplyPlacement:
    require_role(user, Role.BUREAU)
    return get_in_scope(
        SupplyPlacement.objects.select_related("run", "course", "school"), pk=placement_id
    )


def offerings_for(user: User) -> QuerySet[Offering]:
    qs = Offering.objects.select_related(
        "course__provider", "course__school", "school", "slot", "term", "instructor"
    )
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    if user.role == Role.PROVIDER:
        return qs.filter(course__provider__in=providers_for(user))
    if user.role == Role.PARENT:
        published = Menu.objects.filter(
            school=OuterRef("school"), term=OuterRef("term"), status=MenuStatus.PUBLISHED
        )
        return qs.filter(
            Exists(published),
            status=OfferingStatus.OPEN,
            school__in=schools_for(user),  # its children's schools
        )
    return qs.none()


def access_offering_for_edit(user: User, offering_id: int) -> Offering:
    """A school admin edits only its own school's offerings (others: 404); bureau too."""
    require_role(user, Role.SCHOOL, Role.BUREAU)
    return get_in_scope(offerings_for(user), pk=offering_id)


def course_requests_for(user: User) -> QuerySet[CourseRequest]:
    qs = CourseRequest.objects.select_related("course__provider", "school", "slot", "term")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    if user.role == Role.PROVIDER:
        return qs.filter(course__provider__in=providers_for(user))
    return qs.none()


def access_course_request(user: User, request_id: int) -> CourseRequest:
    return get_in_scope(course_requests_for(user), pk=request_id)
