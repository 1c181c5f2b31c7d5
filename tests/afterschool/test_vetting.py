"""The vetting state machine: no skipping states, reasons required, every step in the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from junheng.afterschool import actions
from junheng.afterschool.models import Provider, ProviderStatus, VettingEvent
from junheng.afterschool.models.providers import TRANSITIONS, validate_credit_code
from junheng.errors import ActionError
from tests.afterschool.conftest import VALID_CREDIT, today

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=365)


def test_full_path_writes_one_history_row_per_step(make_provider, users):
    staff, p = make_provider(status="submitted")
    bureau = users["bureau"]
    actions.do_request_provider_info(p, by=bureau, reason="请补充消防验收材料")
    actions.do_resubmit_provider(p, by=staff, note="已补充")
    actions.do_approve_provider(p, by=bureau, until=today() + LATER, note="材料齐全")
    actions.do_suspend_provider(p, by=bureau, reason="家长投诉，调查中")
    actions.do_reinstate_provider(p, by=bureau, note="调查结束")
    actions.do_exit_provider(p, by=bureau, reason="主动退出")
    steps = list(VettingEvent.objects.filter(provider=p).values_list("from_status", "to_status"))
    assert steps == [
        ("draft", "submitted"),
        ("submitted", "info_requested"),
        ("info_requested", "resubmitted"),
        ("resubmitted", "approved"),
        ("approved", "suspended"),
        ("suspended", "approved"),
        ("approved", "exited"),
    ]
    ev = VettingEvent.objects.get(provider=p, to_status="info_requested")
    assert ev.by == bureau and ev.reason == "请补充消防验收材料"
    assert VettingEvent.objects.get(provider=p, to_status="resubmitted").by == staff
    assert p.status == ProviderStatus.EXITED and p.status_reason == "主动退出"


def test_draft_cannot_be_approved_without_submission(make_provider, users):
    _staff, p = make_provider(status="draft")
    with pytest.raises(ActionError, match="草稿"):
        actions.do_approve_provider(p, by=users["bureau"], until=today() + LATER)
    p.refresh_from_db()
    assert p.status == ProviderStatus.DRAFT
    assert not VettingEvent.objects.filter(provider=p).exists()


@pytest.mark.parametrize(
    ("start", "act", "says"),
    [
        (
            "submitted",
            lambda p, b: actions.do_suspend_provider(p, by=b, reason="x"),
            "不能从“已提交待审”直接变为“暂停”",
        ),
        (
            "submitted",
            lambda p, b: actions.do_exit_provider(p, by=b, reason="x"),
            "不能从“已提交待审”直接变为“已退出”",
        ),
        (
            "submitted",
            lambda p, b: actions.do_reinstate_provider(p, by=b),
            "只有暂停中的机构可以恢复",
        ),
        (
            "approved",
            lambda p, b: actions.do_approve_provider(p, by=b, until=today() + LATER),
            "不能从“已入白名单”直接变为“已入白名单”",
        ),
        (
            "approved",
            lambda p, b: actions.do_reject_provider(p, by=b, reason="x"),
            "不能从“已入白名单”直接变为“未通过”",
        ),
        (
            "approved",
            lambda p, b: actions.do_request_provider_info(p, by=b, reason="x"),
            "不能从“已入白名单”直接变为“需补充材料”",
        ),
    ],
)
def test_no_skipping_states(make_provider, users, start, act, says):
    _staff, p = make_provider(status=start)
    n = VettingEvent.objects.filter(provider=p).count()
    with pytest.raises(ActionError, match=says):
        act(p, users["bureau"])
    assert Provider.objects.get(pk=p.pk).status == start
    assert VettingEvent.objects.filter(provider=p).count() == n


def test_exited_is_final_and_rejected_only_goes_back_through_resubmission(make_provider, users):
    _s, p = make_provider(status="submitted")
    actions.do_reject_provider(p, by=users["bureau"], reason="非学科类资质不符")
    with pytest.raises(ActionError, match="不能从“未通过”直接变为“已入白名单”"):
        actions.do_approve_provider(p, by=users["bureau"], until=today() + LATER)
    assert [k for k in TRANSITIONS if k[0] == "exited"] == []
    assert [k for k in TRANSITIONS if k[0] == "rejected"] == [("rejected", "resubmitted")]


def test_provider_is_told_of_rejection_with_the_reason_and_resubmits(
    make_provider, make_course, users
):
    from junheng.afterschool.models import Course
    from junheng.enrolment.models import Notification

    staff, p = make_provider(status="submitted")
    course = actions.do_propose_course(
        p,
        by=staff,
        fields={
            "title": "古琴",
            "category": "heritage",
            "grade_min": 3,
            "grade_max": 9,
            "seats": 20,
            "sessions_per_week": 1,
            "fee_per_term": 0,
            "content": "古琴入门",
            "max_km": 30,
        },
    )
    actions.do_reject_provider(p, by=users["bureau"], reason="营业执照已过期")
    note = Notification.objects.get(user=staff)
    assert "审核未通过" in note.text and "营业执照已过期" in note.text
    assert note.link == "/afterschool/my/"
    # Its course waiting for review follows it out of the queue, and cannot be sent again
    # until the provider is back.
    assert Course.objects.get(pk=course.pk).status == "withdrawn"
    with pytest.raises(ActionError, match="机构不在白名单内，请先重新提交机构审核"):
        actions.do_submit_course(Course.objects.get(pk=course.pk), by=staff)
    actions.do_resubmit_provider(p, by=staff, note="已换新执照")
    assert Provider.objects.get(pk=p.pk).status == "resubmitted"
    actions.do_approve_provider(p, by=users["bureau"], until=today() + LATER)
    approved = Notification.objects.filter(user=staff).order_by("-pk").first()
    assert "审核通过" in approved.text and p.name in approved.text
    actions.do_submit_course(Course.objects.get(pk=course.pk), by=staff)
    assert Course.objects.get(pk=course.pk).status == "submitted"


@pytest.mark.parametrize("act", ["reject", "info", "suspend", "exit"])
def test_reasons_are_required(make_provider, users, act):
    _s, p = make_provider(status="approved" if act in ("suspend", "exit") else "submitted")
    fn = {
        "reject": actions.do_reject_provider,
        "info": actions.do_request_provider_info,
        "suspend": actions.do_suspend_provider,
        "exit": actions.do_exit_provider,
    }[act]
    before = p.status
    with pytest.raises(ActionError, match="必须填写理由"):
        fn(p, by=users["bureau"], reason="   ")
    assert Provider.objects.get(pk=p.pk).status == before


def test_approval_needs_a_future_white_list_date(make_provider, users):
    _s, p = make_provider(status="submitted")
    with pytest.raises(ActionError, match="晚于今天"):
        actions.do_approve_provider(p, by=users["bureau"], until=today())
    actions.do_approve_provider(p, by=users["bureau"], until=today() + dt.timedelta(days=1))
    p.refresh_from_db()
    assert p.is_whitelisted() and p.whitelist_until == today() + dt.timedelta(days=1)


def test_submission_needs_licence_and_a_checked_instructor(make_provider):
    staff, p = make_provider(status="draft")
    with pytest.raises(ActionError, match="无犯罪记录"):
        actions.do_submit_provider(p, by=staff)
    assert Provider.objects.get(pk=p.pk).status == ProviderStatus.DRAFT


def test_expiry_moves_due_entries_and_they_can_apply_again(make_provider, users):
    staff, p = make_provider(status="approved", until=today() + dt.timedelta(days=3))
    _s2, q = make_provider("另一机构", status="approved", until=today() + LATER)
    assert actions.do_expire_providers(today=today() + dt.timedelta(days=4)) == 1
    p.refresh_from_db()
    q.refresh_from_db()
    assert p.status == ProviderStatus.EXPIRED and q.status == ProviderStatus.APPROVED
    assert VettingEvent.objects.filter(provider=p, to_status="expired", by=None).exists()
    actions.do_resubmit_provider(p, by=staff)
    assert p.status == ProviderStatus.RESUBMITTED


def test_white_list_lapses_on_its_date_even_before_the_sweep(make_provider):
    _s, p = make_provider(status="approved", until=today() + dt.timedelta(days=3))
    assert p.is_whitelisted(today() + dt.timedelta(days=3))
    assert not p.is_whitelisted(today() + dt.timedelta(days=4))


def test_quality_score_hook_shows_a_dash_until_rated(make_provider):
    _s, p = make_provider()
    assert p.quality_display() == "—"
    p.quality_score = 4.56
    assert p.quality_display() == "4.6"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9144030070846113", "18 位"),
        ("91440300708461136I", "不允许"),
        ("91440300708461136X", "校验位"),
    ],
)
def test_bad_credit_codes_are_refused_with_a_reason(code, message):
    with pytest.raises(ValidationError, match=message):
        validate_credit_code(code)


def test_valid_credit_code_passes():
    validate_credit_code(VALID_CREDIT)
    validate_credit_code("91350100M000100Y43")


def test_expire_command_sweeps_lapsed_entries(make_provider):
    from django.core.management import call_command

    from junheng.afterschool.models import Provider

    _s, p = make_provider(status="approved", until=today() + dt.timedelta(days=1))
    Provider.objects.filter(pk=p.pk).update(whitelist_until=today() - dt.timedelta(days=1))
    call_command("expire_whitelist")
    p.refresh_from_db()
    assert p.status == ProviderStatus.EXPIRED
