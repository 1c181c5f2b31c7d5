"""Course requests between schools and providers, and the bureau's approval."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.afterschool.actions.offerings import (
    check_can_offer,
    do_create_offering,
    school_slot_ids,
)
from junheng.afterschool.models import (
    Course,
    CourseRequest,
    Instructor,
    OfferingSource,
    RequestStatus,
)
from junheng.errors import ActionError
from junheng.region.models import School, Term, TimeSlot


def do_send_course_request(
    *,
    by: User,
    term: Term,
    school: School,
    course: Course,
    slot: TimeSlot,
    seats_wanted: int,
    note: str = "",
) -> CourseRequest:
    """A school asks a vetted provider for a course at a day and time (点单)."""
    require_actor(by, Role.SCHOOL, school_id=school.pk)
    if course.provider_id is None:
        raise ActionError(_("只能向校外机构的课程点单。"))
    check_can_offer(course, need_instructor=False)
    if slot.pk not in school_slot_ids(school):
        raise ActionError(_("时段“%(s)s”不在本校课后服务时间内。") % {"s": slot})
    return CourseRequest.objects.create(
        term=term,
        school=school,
        course=course,
        slot=slot,
        seats_wanted=seats_wanted,
        note=note,
        created_by=by,
    )


def _move_request(req: CourseRequest, frm: Sequence[str], to: str, **fields: Any) -> CourseRequest:
    with transaction.atomic():
        r = CourseRequest.objects.select_for_update().get(pk=req.pk)
        if r.status not in frm:
            raise ActionError(
                _("该点单当前为“%(s)s”，不能进行此操作。") % {"s": r.get_status_display()}
            )
        for k, v in fields.items():
            setattr(r, k, v)
        r.status = to
        r.updated_at = timezone.now()
        r.save()
    req.refresh_from_db()
    return req


def do_confirm_course_request(
    req: CourseRequest,
    *,
    by: User,
    instructor: Instructor,
    seats: int,
    price: Decimal,
    reply: str = "",
) -> CourseRequest:
    """The provider confirms the instructor, the seats and the price."""
    require_actor(by, Role.PROVIDER, provider_id=req.course.provider_id)
    check_can_offer(req.course, instructor=instructor)
    if seats < 1:
        raise ActionError(_("名额至少为 1。"))
    return _move_request(
        req,
        (RequestStatus.SENT,),
        RequestStatus.CONFIRMED,
        instructor=instructor,
        seats=seats,
        price=price,
        reply=reply,
    )


def do_decline_course_request(req: CourseRequest, *, by: User, reason: str) -> CourseRequest:
    require_actor(by, Role.PROVIDER, provider_id=req.course.provider_id)
    if not (reason or "").strip():
        raise ActionError(_("婉拒点单必须填写理由。"))
    return _move_request(req, (RequestStatus.SENT,), RequestStatus.DECLINED, reply=reason.strip())


def do_cancel_course_request(req: CourseRequest, *, by: User) -> CourseRequest:
    require_actor(by, Role.SCHOOL, school_id=req.school_id)
    return _move_request(
        req, (RequestStatus.SENT, RequestStatus.CONFIRMED), RequestStatus.CANCELLED
    )


def do_approve_course_request(req: CourseRequest, *, by: User) -> CourseRequest:
    """The school approves a confirmed request: the offering is created (checks apply again)."""
    require_actor(by, Role.SCHOOL, school_id=req.school_id)
    with transaction.atomic():
        if req.status != RequestStatus.CONFIRMED:
            raise ActionError(_("只有机构已确认的点单可以批准。"))
        offering = do_create_offering(
            by=by,
            term=req.term,
            course=req.course,
            school=req.school,
            slot=req.slot,
            seats=req.seats or req.seats_wanted,
            fee=req.price,
            instructor=req.instructor,
            source=OfferingSource.REQUEST,
        )
        return _move_request(
            req, (RequestStatus.CONFIRMED,), RequestStatus.APPROVED, offering=offering
        )
