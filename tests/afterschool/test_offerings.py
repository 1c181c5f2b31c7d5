"""New offerings: blocked by an expired white list or an expired instructor background check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from junheng.afterschool import actions
from junheng.afterschool.models import Instructor, Offering, OfferingSource, RequestStatus
from junheng.errors import ActionError
from tests.afterschool.conftest import pdf, today

pytestmark = pytest.mark.django_db


def _offer(course, region, term, slot, by=None, **kw):
    return actions.do_create_offering(
        by=by,
        term=term,
        course=course,
        school=region["school_a"],
        slot=slot,
        seats=20,
        source=OfferingSource.SUPPLY,
        **kw,
    )


def test_valid_provider_and_instructor_can_offer(make_provider, make_course, region, term, slots):
    staff, p = make_provider()
    course = make_course(p, staff)
    o = _offer(course, region, term, slots[0])
    assert o.fee == Decimal("300.00") and o.seats == 20


def test_expired_white_list_blocks_new_offerings(make_provider, make_course, region, term, slots):
    staff, p = make_provider(until=today() + dt.timedelta(days=10))
    course = make_course(p, staff)
    with pytest.raises(ActionError, match="白名单已于"):
        _offer(course, region, term, slots[0], on=today() + dt.timedelta(days=11))
    actions.do_expire_providers(today=today() + dt.timedelta(days=11))
    with pytest.raises(ActionError, match="不在白名单内"):
        _offer(course, region, term, slots[0])
    assert not Offering.objects.exists()


def test_expired_background_check_blocks_new_offerings(
    make_provider, make_course, region, term, slots
):
    staff, p = make_provider()
    course = make_course(p, staff)
    Instructor.objects.filter(provider=p).update(
        background_check_expires=today() - dt.timedelta(days=1)
    )
    with pytest.raises(ActionError, match="无犯罪记录证明"):
        _offer(course, region, term, slots[0])
    # A fresh certificate lifts the block.
    actions.do_add_instructor(
        p,
        by=staff,
        name="赵老师",
        qualifications="教师资格证",
        background_check=pdf("c.pdf"),
        background_check_expires=today() + dt.timedelta(days=30),
    )
    assert _offer(course, region, term, slots[0]).pk


def test_course_bound_to_an_expired_instructor_is_blocked(
    make_provider, make_course, region, term, slots
):
    staff, p = make_provider()
    old = Instructor.objects.get(provider=p)
    course = make_course(p, staff, instructor=old)
    actions.do_add_instructor(
        p,
        by=staff,
        name="赵老师",
        qualifications="教师资格证",
        background_check=pdf("c.pdf"),
        background_check_expires=today() + dt.timedelta(days=30),
    )
    Instructor.objects.filter(pk=old.pk).update(
        background_check_expires=today() - dt.timedelta(days=1)
    )
    with pytest.raises(ActionError, match="没有持有效无犯罪记录证明的授课人员"):
        _offer(course, region, term, slots[0])


def test_suspended_provider_cannot_offer(make_provider, make_course, users, region, term, slots):
    staff, p = make_provider()
    course = make_course(p, staff)
    actions.do_suspend_provider(p, by=users["bureau"], reason="调查")
    with pytest.raises(ActionError, match="暂停"):
        _offer(course, region, term, slots[0])


def test_unapproved_course_cannot_be_offered(make_provider, make_course, region, term, slots):
    staff, p = make_provider()
    course = make_course(p, staff, approve=False)
    with pytest.raises(ActionError, match="尚未通过审核"):
        _offer(course, region, term, slots[0])


def test_expired_instructor_cannot_be_added(make_provider):
    staff, p = make_provider()
    with pytest.raises(ActionError, match="已过期"):
        actions.do_add_instructor(
            p,
            by=staff,
            name="x",
            qualifications="y",
            background_check=pdf(),
            background_check_expires=today() - dt.timedelta(days=1),
        )


def test_offering_slot_must_be_in_the_school_after_school_time(
    make_provider, make_course, users, region, term, slots
):
    staff, p = make_provider()
    course = make_course(p, staff)
    actions.do_set_school_slots(region["school_a"], by=users["school"], slots=slots[:2])
    with pytest.raises(ActionError, match="不在本校课后服务时间内"):
        _offer(course, region, term, slots[5])
    assert _offer(course, region, term, slots[1]).slot == slots[1]


def test_course_request_path_creates_an_offering(
    make_provider, make_course, users, region, term, slots
):
    staff, p = make_provider()
    course = make_course(p, staff)
    req = actions.do_send_course_request(
        by=users["school"],
        term=term,
        school=region["school_a"],
        course=course,
        slot=slots[3],
        seats_wanted=25,
    )
    with pytest.raises(ActionError, match="只有机构已确认的点单可以批准"):
        actions.do_approve_course_request(req, by=users["school"])
    inst = p.instructors.get()
    actions.do_confirm_course_request(
        req, by=staff, instructor=inst, seats=22, price=Decimal("250")
    )
    actions.do_approve_course_request(req, by=users["school"])
    assert req.status == RequestStatus.APPROVED
    o = req.offering
    assert (o.school, o.slot, o.seats, o.fee, o.instructor, o.source) == (
        region["school_a"],
        slots[3],
        22,
        Decimal("250.00"),
        inst,
        "request",
    )


def test_request_approval_is_blocked_when_the_white_list_lapsed_meanwhile(
    make_provider, make_course, users, region, term, slots
):
    staff, p = make_provider()
    course = make_course(p, staff)
    req = actions.do_send_course_request(
        by=users["school"],
        term=term,
        school=region["school_a"],
        course=course,
        slot=slots[0],
        seats_wanted=10,
    )
    actions.do_confirm_course_request(
        req, by=staff, instructor=p.instructors.get(), seats=10, price=Decimal("100")
    )
    actions.do_suspend_provider(p, by=users["bureau"], reason="投诉")
    with pytest.raises(ActionError, match="不在白名单内（暂停）"):
        actions.do_approve_course_request(req, by=users["school"])
    req.refresh_from_db()
    assert req.status == RequestStatus.CONFIRMED and req.offering is None
