"""Course supermarket JSON API: the public white list, and offerings scoped by afterschool.access."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Schema

from junheng.afterschool import access
from junheng.afterschool.models import Course, CourseStatus
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["afterschool"])


class CourseOut(Schema):
    id: int
    title: str
    category: str
    grade_min: int
    grade_max: int
    seats: int
    sessions_per_week: int
    fee_per_term: Decimal


class ProviderOut(Schema):
    id: int
    name: str
    org_type: str
    whitelist_until: str
    service_items: str
    fee_standards: str
    courses: list[CourseOut]


class OfferingOut(Schema):
    id: int
    code: str
    term: str
    school_id: int
    school: str
    course_id: int
    course: str
    category: str
    slot: str
    seats: int
    fee: Decimal
    status: str


@router.get("/providers", response=list[ProviderOut], auth=None)
def list_white_list(request: HttpRequest) -> object:
    """The public white list: providers, their service items, fee standards and courses."""
    qs = access.whitelisted_providers().prefetch_related(
        Prefetch(
            "courses",
            queryset=Course.objects.filter(status=CourseStatus.APPROVED),
            to_attr="public_courses",
        )
    )
    return [
        {
            "id": p.pk,
            "name": p.name,
            "org_type": p.org_type,
            "whitelist_until": p.whitelist_until.isoformat() if p.whitelist_until else "",
            "service_items": p.service_items,
            "fee_standards": p.fee_standards,
            "courses": p.public_courses,
        }
        for p in qs
    ]


@router.get("/offerings", response=list[OfferingOut])
def list_offerings(
    request: AuthenticatedHttpRequest, term_id: int | None = None, school_id: int | None = None
) -> object:
    """Offerings the user may see (parents: published menus of their children's schools)."""
    qs = access.offerings_for(request.user)
    if term_id is not None:
        qs = qs.filter(term_id=term_id)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    return [
        {
            "id": o.pk,
            "code": o.engine_id,
            "term": o.term.name,
            "school_id": o.school_id,
            "school": o.school.name,
            "course_id": o.course_id,
            "course": o.course.title,
            "category": o.course.category,
            "slot": o.slot.code,
            "seats": o.seats,
            "fee": o.fee,
            "status": o.status,
        }
        for o in qs[:5000]
    ]
