"""Attendance alerts, ratings after sessions, quality score, bills with subsidies, settlement."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from junheng import exports
from junheng.accounts.models import AuditLog
from junheng.enrolment import actions
from junheng.enrolment.models import HourRate, Notification, SubsidyRule
from junheng.errors import ActionError
from tests.enrolment.conftest import close_and_draw, rank_all
from tests.exportcheck import body, xlsx_rows

D = dt.date(2025, 9, 1)


@pytest.fixture
def enrolled(window, market, users):
    """Kids 1 and 2 in chess (2 seats), kid 3 in choir."""
    rank_all(window, market, {1: ["chess"], 2: ["chess"], 3: ["choir"]})
    close_and_draw(window, users)
    return market


def mark(market, users, day, statuses, by="provider"):
    marks = {market["kids"][i].pk: s for i, s in statuses.items()}
    return actions.do_mark_attendance(market["chess"], day, marks, by=users[by])


def test_three_absences_in_a_row_alert_the_school_admins_once(enrolled, users):
    m = enrolled
    mark(m, users, D, {1: "absent", 2: "present"})
    mark(m, users, D + dt.timedelta(days=7), {1: "absent", 2: "present"})
    assert not Notification.objects.filter(user=users["school"]).exists()
    mark(m, users, D + dt.timedelta(days=14), {1: "absent", 2: "absent"})
    alerts = Notification.objects.filter(user=users["school"])
    assert alerts.count() == 1 and m["kids"][1].code in alerts.get().text
    # A fourth absence continues the same streak: no second alert; re-saving changes nothing.
    mark(m, users, D + dt.timedelta(days=21), {1: "absent", 2: "present"})
    mark(m, users, D + dt.timedelta(days=21), {1: "absent", 2: "present"})
    assert Notification.objects.filter(user=users["school"]).count() == 1
    # The other school's admin hears nothing.
    assert not Notification.objects.filter(user=users["school_b"]).exists()


def test_excused_absence_does_not_count_and_presence_resets(enrolled, users):
    m = enrolled
    for k, s in enumerate(["absent", "excused", "absent", "present", "absent", "absent"]):
        mark(m, users, D + dt.timedelta(days=7 * k), {1: s})
    assert not Notification.objects.filter(user=users["school"]).exists()


def test_only_enrolled_children_can_be_marked_and_only_by_allowed_staff(enrolled, users):
    m = enrolled
    with pytest.raises(ActionError, match="名单中没有该学生"):
        mark(m, users, D, {3: "present"})  # kid 3 is in choir, not chess
    with pytest.raises(PermissionDenied):
        mark(m, users, D, {1: "present"}, by="school_b")
    with pytest.raises(PermissionDenied):
        mark(m, users, D, {1: "present"}, by="parent")
    mark(m, users, D, {1: "present"}, by="school")


def test_rating_is_allowed_only_after_three_sessions_attended(enrolled, users):
    m = enrolled
    kid, parent = m["kids"][1], m["parents"][1]
    for k in range(2):
        mark(m, users, D + dt.timedelta(days=7 * k), {1: "present"})
    mark(m, users, D + dt.timedelta(days=14), {1: "absent"})
    with pytest.raises(ActionError, match="3"):
        actions.do_rate_course(kid, m["chess"], 5, by=parent)
    mark(m, users, D + dt.timedelta(days=21), {1: "present"})
    r = actions.do_rate_course(kid, m["chess"], 4, "好", by=parent)
    r2 = actions.do_rate_course(kid, m["chess"], 5, "很好", by=parent)  # editable, still one
    assert r.pk == r2.pk and r2.stars == 5
    with pytest.raises(PermissionDenied):
        actions.do_rate_course(kid, m["chess"], 5, by=m["parents"][2])  # not their child


def test_quality_score_formula_by_hand():
    # 3 ratings of mean 4.0, county mean 3.5, prior 5: R~ = (12 + 17.5) / 8 = 3.6875
    # attendance 9/10: 1 + 4 * 0.9 = 4.6; base = 0.6 * 3.6875 + 0.4 * 4.6 = 4.0525
    # 1 complaint over 20 enrolments: penalty 0.5 -> 3.5525 -> 3.55
    assert actions.quality_score(3, 4.0, 3.5, 9, 1, 1, 20) == pytest.approx(3.55)
    assert actions.quality_score(0, None, None, 0, 0, 0, 0) is None
    # No ratings anywhere: attendance only.
    assert actions.quality_score(0, None, None, 1, 1, 0, 2) == pytest.approx(3.0)


def test_provider_quality_is_stored_for_the_vetting_page(enrolled, users):
    m = enrolled
    assert actions.provider_quality(m["provider"]) is None  # no ratings, no attendance yet
    for k in range(3):
        mark(m, users, D + dt.timedelta(days=7 * k), {1: "present", 2: "absent"})
    actions.do_rate_course(m["kids"][1], m["chess"], 5, by=m["parents"][1])
    # R~ = (5 + 5 * 5) / 6 = 5 (county mean 5); A = 3/6 -> 3.0; base = 3 + 1.2 = 4.2
    m["provider"].refresh_from_db()
    assert m["provider"].quality_score == pytest.approx(4.2)
    assert actions.provider_quality(m["provider"]) == pytest.approx(4.2)


def test_bill_with_subsidies_computed_by_hand(enrolled, users):
    m = enrolled
    term = m["term"]  # 2025-09-01 .. 2026-01-20: 5 months
    assert actions.term_months(term) == 5
    SubsidyRule.objects.create(
        name="低收入全免", target="low_income", percent=100, monthly_cap=Decimal("50")
    )
    SubsidyRule.objects.create(name="留守减半", target="left_behind", percent=50)
    k1, k3 = m["kids"][1], m["kids"][3]
    k1.low_income = True  # chess 300: 100% capped at 50 x 5 = 250 -> due 50
    k1.save()
    k3.left_behind = True  # choir 200: 50% = 100 -> due 100
    k3.low_income = True  # and low income: min(200, 250) = 200 is the larger -> due 0
    k3.save()
    b1 = actions.do_issue_bill(m["parents"][1], term)
    assert (b1.total_fee, b1.subsidy, b1.due) == (Decimal("300"), Decimal("250"), Decimal("50"))
    assert b1.lines.get().rule == "低收入全免"
    b3 = actions.do_issue_bill(m["parents"][3], term)
    assert (b3.total_fee, b3.subsidy, b3.due) == (Decimal("200"), Decimal("200"), Decimal("0"))
    b2 = actions.do_issue_bill(m["parents"][2], term)
    assert (b2.total_fee, b2.subsidy, b2.due) == (Decimal("300"), Decimal("0"), Decimal("300"))
    # Re-issuing replaces, never duplicates.
    assert actions.do_issue_bill(m["parents"][1], term).lines.count() == 1


def test_bill_export_is_audited(enrolled, users, login):
    m = enrolled
    actions.do_issue_bill(m["parents"][1], m["term"])
    data = login(m["parents"][1]).get("/enrolment/bills/?format=xlsx").getvalue()
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.cell(2, 2).value == m["kids"][1].code and ws.cell(2, 8).value == 300
    assert AuditLog.objects.filter(action="enrolment.export.bills").count() == 1


@pytest.fixture
def sibling_at_b(enrolled, window, region):
    """Parent 1's second child goes to school B and takes the choir (a shared course)."""
    from junheng.accounts.models import Guardianship
    from junheng.enrolment.models import Enrolment

    m = enrolled
    Guardianship.objects.create(user=m["parents"][1], student=region["student_b"])
    Enrolment.objects.create(
        window=window, student=region["student_b"], offering=m["choir"], rank=1
    )
    return region["student_b"]


def _codes(response):
    return {r[1] for r in xlsx_rows(body(response))[1:]}


def test_a_schools_bills_hold_its_own_children_only(enrolled, users, sibling_at_b, login):
    """Parent 1 has a child at each school: each school's file has its own child, never the
    sibling at the other school; the parent's own bill has both."""
    m = enrolled
    kid_a, kid_b = m["kids"][1].code, sibling_at_b.code
    assert _codes(login(users["school"]).get("/enrolment/bills/school.xlsx")) >= {kid_a}
    assert kid_b not in _codes(login(users["school"]).get("/enrolment/bills/school.xlsx"))
    bureau = login(users["bureau"])
    at_b = _codes(bureau.get(f"/enrolment/bills/school.xlsx?school={sibling_at_b.school_id}"))
    assert at_b == {kid_b}
    assert _codes(login(m["parents"][1]).get("/enrolment/bills/?format=xlsx")) == {kid_a, kid_b}
    (mine,) = actions.bill_statements([m["parents"][1]], m["term"], school=m["school"])
    assert [line.student.code for line in mine.lines] == [kid_a]


def test_settlement_counts_class_hours_actually_delivered(enrolled, users):
    m = enrolled
    HourRate.objects.create(term=m["term"], provider=None, yuan_per_hour=Decimal("60"))
    HourRate.objects.create(term=m["term"], provider=m["provider"], yuan_per_hour=Decimal("80"))
    for k in range(3):
        mark(m, users, D + dt.timedelta(days=7 * k), {1: "present", 2: "absent"})
    # A session row without any attendance taken is not a delivered class-hour.
    from junheng.enrolment.models import Session

    Session.objects.create(offering=m["chess"], date=D + dt.timedelta(days=28))
    rows = {r["offering"].pk: r for r in actions.settlement_rows(m["school"], m["term"])}
    assert rows[m["chess"].pk]["hours"] == 3
    assert rows[m["chess"].pk]["amount"] == Decimal("240.00")
    assert rows[m["choir"].pk]["hours"] == 0 and rows[m["choir"].pk]["amount"] == Decimal("0")
    export = actions.do_export_settlement(
        by=users["school"], school_id=m["school"].pk, term_id=m["term"].pk
    )
    ws = load_workbook(io.BytesIO(exports.content(export))).active
    assert [c.value for c in ws[1]][4] == "实际课时"


def test_bill_and_settlement_exports_keep_formula_text_and_large_ones_are_jobs(
    enrolled, users, login, settings
):
    from junheng.afterschool.models import Course, Provider
    from junheng.region.models import Student
    from tests.exportcheck import (
        FORMULA,
        assert_formula_stays_text,
        assert_job_path,
        body,
        xlsx_rows,
    )

    m = enrolled
    Student.objects.filter(pk=m["kids"][1].pk).update(name=FORMULA)
    Course.objects.filter(pk=m["chess"].course_id).update(title="@SUM(A1)")
    Provider.objects.filter(pk=m["provider"].pk).update(name="+cmd")
    HourRate.objects.create(term=m["term"], provider=None, yuan_per_hour=Decimal("60"))
    parent = login(m["parents"][1])
    own = body(parent.get("/enrolment/bills/?format=xlsx"))
    assert xlsx_rows(own)[0][:3] == ["家长账号", "学生编码", "学生"]
    assert_formula_stays_text(own)
    assert_formula_stays_text(own, "@SUM(A1)")
    staff = login(users["school"])
    school = f"/enrolment/bills/school.xlsx?school={m['school'].pk}"
    bills = body(staff.get(school))
    assert [m["kids"][1].code, FORMULA] == xlsx_rows(bills)[1][1:3]
    settle = f"/enrolment/settlement/?school={m['school'].pk}&format=xlsx"
    assert_formula_stays_text(body(staff.get(settle)), "+cmd")
    # Another school's admin gets its own school's (none of these); a parent no school's.
    assert len(xlsx_rows(body(login(users["school_b"]).get(school)))) == 1
    assert login(m["parents"][1]).get(school).status_code == 403
    staff = login(users["school"])
    queued = assert_job_path(staff, settings, school)
    assert xlsx_rows(queued) == xlsx_rows(bills)
    assert_formula_stays_text(assert_job_path(staff, settings, settle), "+cmd")
