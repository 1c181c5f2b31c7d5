"""Attendance only on the offering's weekly slot inside its term, never ahead; heads counted once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from junheng.enrolment import actions
from junheng.enrolment.models import Attendance, Session
from junheng.errors import ActionError
from tests.enrolment.conftest import close_and_draw, rank_all

MONDAY = dt.date(2025, 9, 1)  # chess meets on Mondays; the term runs 2025-09-01 – 2026-01-20


@pytest.fixture
def enrolled(window, market, users):
    rank_all(window, market, {1: ["chess"], 2: ["chess"], 3: ["choir"]})
    close_and_draw(window, users)
    return market


def mark(market, users, day):
    marks = {market["kids"][i].pk: "present" for i in (1, 2)}
    return actions.do_mark_attendance(market["chess"], day, marks, by=users["provider"])


@pytest.mark.parametrize(
    ("day", "says"),
    [
        (dt.date(2025, 9, 3), "周三"),  # a Wednesday for a Monday course
        (dt.date(2026, 3, 2), "不在学期"),  # a Monday next March, after the term
        (dt.date(2025, 8, 25), "不在学期"),  # a Monday before the term
    ],
)
def test_attendance_is_refused_off_the_weekly_slot_or_outside_the_term(enrolled, users, day, says):
    with pytest.raises(ActionError, match=says):
        mark(enrolled, users, day)
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_attendance_is_refused_for_a_future_day(enrolled, users):
    term = enrolled["term"]
    term.end = dt.date(2099, 1, 1)
    term.save()
    future_monday = dt.date(2098, 12, 29)
    assert future_monday.isoweekday() == 1
    with pytest.raises(ActionError, match="将来"):
        mark(enrolled, users, future_monday)


def test_attendance_on_the_slots_weekday_inside_the_term_is_kept(enrolled, users):
    s = mark(enrolled, users, MONDAY + dt.timedelta(days=7))
    assert s.date == dt.date(2025, 9, 8)
    assert Attendance.objects.filter(session=s).count() == 2


def test_session_dates_are_the_mondays_of_the_term_latest_first(enrolled):
    dates = actions.session_dates(enrolled["chess"])
    assert dates[-1] == MONDAY and dates[0] <= dt.date(2026, 1, 20)
    assert all(d.isoweekday() == 1 for d in dates)
    assert len(dates) == 21  # 2025-09-01 … 2026-01-19
    assert actions.session_dates(enrolled["chess"], until=dt.date(2025, 9, 14)) == [
        dt.date(2025, 9, 8),
        MONDAY,
    ]


def test_the_attendance_list_counts_each_child_once(enrolled, users, client):
    for k in range(5):
        mark(enrolled, users, MONDAY + dt.timedelta(days=7 * k))
    client.force_login(users["provider"])
    page = client.get("/enrolment/attendance/").content.decode()
    assert "2 人 · 5 次课" in page
    assert "10 人" not in page


def test_the_marking_page_offers_only_session_days(enrolled, users, client):
    client.force_login(users["provider"])
    url = f"/enrolment/attendance/{enrolled['chess'].pk}/"
    page = client.get(url + "?date=2025-09-03").content.decode()
    assert "周三" in page  # told why the Wednesday is not offered
    assert 'value="2025-09-03"' not in page
    assert 'value="2025-09-08"' in page and 'value="2025-09-01"' in page
    # A forged POST for a Wednesday is refused and stores nothing.
    client.post(url, {"date": "2025-09-03", f"s{enrolled['kids'][1].pk}": "present"})
    assert not Session.objects.exists()
    client.post(url, {"date": "2025-09-08", f"s{enrolled['kids'][1].pk}": "present"})
    assert Session.objects.get().date == dt.date(2025, 9, 8)
    assert "<script>" not in page and "onchange" not in page


def test_the_parents_results_page_counts_each_courses_attendance(enrolled, users, client):
    kid = enrolled["kids"][1]
    by = users["provider"]
    actions.do_mark_attendance(enrolled["chess"], MONDAY, {kid.pk: "present"}, by=by)
    for day in (MONDAY + dt.timedelta(days=7), MONDAY + dt.timedelta(days=14)):
        actions.do_mark_attendance(enrolled["chess"], day, {kid.pk: "absent"}, by=by)
    client.force_login(enrolled["parents"][1])
    page = client.get("/enrolment/results/").content.decode()
    assert "出勤 1 · 缺勤 2" in page


def test_children_with_the_same_masked_name_are_told_apart_on_the_roster(
    client, users, market, window
):
    from junheng.enrolment.models import Enrolment
    from junheng.region.models import SchoolClass, Student

    klass = SchoolClass.objects.create(school=market["school"], grade=3, number=2)
    twins = [
        Student.objects.create(
            code=f"Z{i:04d}",
            name=name,
            gender="M",
            school=market["school"],
            grade=3,
            school_class=klass if i == 1 else None,
        )
        for i, name in ((1, "张小明"), (2, "张大明"))
    ]
    for kid in twins:
        Enrolment.objects.create(window=window, student=kid, offering=market["chess"], rank=1)
    client.force_login(users["provider"])
    html = client.get(
        reverse("enrolment:attendance_mark", args=[market["chess"].pk])
    ).content.decode()
    assert "张*明（3年级2班·001）" in html
    assert "张*明（002）" in html
