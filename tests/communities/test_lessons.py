"""Synchronous lessons in the app: timetables import, requests, the term's schedule, delivery."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from junheng.communities import lessons
from junheng.communities.models import (
    LessonStatus,
    SyncLesson,
    SyncRequest,
    SyncSchedule,
    TimetableEntry,
)
from junheng.errors import ActionError
from junheng.region.imports import FileError
from junheng.region.models import Term

HEADER = "学校代码,年级,班号,节次,周一,周二,周三,周四,周五\n"


def grid(school, grade, busy_periods=5, cells=None):
    """A class's week: periods 1..busy_periods taken (subject only), `cells` {(day, period): text}."""
    cells = cells or {}
    lines = []
    for p in range(1, busy_periods + 1):
        row = [cells.get((d, p), "语文" if p % 2 else "数学") for d in range(1, 6)]
        lines.append(f"{school},{grade},1,{p}," + ",".join(row))
    return "\n".join(lines) + "\n"


def county_csv():
    core = grid(
        "C01", 4, cells={(1, 1): "语文 C01T00", (2, 1): "math C01T01", (3, 1): "科学 C01T02"}
    )
    return HEADER + core + grid("M01", 4) + grid("M02", 4)


@pytest.fixture
def term(db):
    today = timezone.localdate()
    return Term.objects.create(
        name="本学期",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        is_current=True,
    )


@pytest.fixture
def timetabled(county9, cusers):
    lessons.do_import_timetables(county_csv().encode(), "课表.csv", by=cusers["bureau"])


@pytest.fixture
def requested(community, timetabled, cusers):
    assert lessons.do_default_requests(community, by=cusers["bureau"]) == 6
    return community


@pytest.fixture
def published(requested, term, county9, cusers):
    s = lessons.do_schedule_term(by=cusers["bureau"], county=county9.county, term=term)
    lessons.do_publish_schedule(s, by=cusers["bureau"])
    s.refresh_from_db()
    return s


# --------------------------------------------------------------------------- timetables


def test_a_timetable_file_replaces_the_weeks_of_its_classes(county9, cusers, timetabled):
    assert TimetableEntry.objects.filter(school_class__school__code="C01").count() == 25
    e = TimetableEntry.objects.get(school_class__school__code="C01", day=2, period=1)
    assert (e.subject, e.teacher.code) == ("math", "C01T01")
    lessons.do_import_timetables(
        (HEADER + grid("C01", 4, busy_periods=2)).encode(), "t.csv", by=cusers["bureau"]
    )
    assert TimetableEntry.objects.filter(school_class__school__code="C01").count() == 10
    assert TimetableEntry.objects.filter(school_class__school__code="M01").count() == 25


@pytest.mark.parametrize(
    ("text", "row", "column", "why"),
    [
        ("C01,4,1,1,体操,,,,\n", 2, "周一", "学科"),
        ("C01,4,9,1,语文,,,,\n", 2, "班号", "没有"),
        ("C01,4,1,8,语文,,,,\n", 2, "节次", "1 到 7"),
        ("C01,4,1,x,语文,,,,\n", 2, "节次", "整数"),
        ("C01,4,1,1,语文 M01T00,,,,\n", 2, "周一", "不属于该校"),
        ("C01,4,1,1,语文 T99999,,,,\n", 2, "周一", "未知的教师"),
        ("C01,4,1,1,语文,,,,\nC01,4,1,1,数学,,,,\n", 3, "节次", "重复"),
        ("C01,4,1,1,语文 C01T00,,,,\nC01,5,1,1,语文 C01T00,,,,\n", 3, "周一", "同一时间"),
        ("X99,4,1,1,语文,,,,\n", 2, "学校代码", "不是可导入的学校"),
    ],
)
def test_bad_timetables_name_the_row_and_column_and_import_nothing(
    county9, cusers, text, row, column, why
):
    with pytest.raises(FileError, match=why) as e:
        lessons.do_import_timetables((HEADER + text).encode(), "t.csv", by=cusers["bureau"])
    errs = e.value.errors
    assert any(x.row == row and x.column == column and why in x.reason for x in errs), errs
    assert not TimetableEntry.objects.exists()


def test_a_teacher_already_teaching_another_class_is_refused(county9, cusers, timetabled):
    text = HEADER + "C01,5,1,1,语文 C01T00,,,,\n"  # C01T00 teaches 4(1) on Monday period 1
    with pytest.raises(FileError, match=r"同一时间已在 4\(1\) 上课（已有课表）") as e:
        lessons.do_import_timetables(text.encode(), "t.csv", by=cusers["bureau"])
    assert "已有课表" in str(e.value.errors[0])
    assert not TimetableEntry.objects.filter(school_class__grade=5).exists()


def test_a_school_admin_imports_only_its_own_timetables(county9, cusers):
    with pytest.raises(FileError, match="不是可导入的学校：C01") as e:
        lessons.do_import_timetables(
            (HEADER + grid("C01", 4)).encode(), "t.csv", by=cusers["member"]
        )
    assert "不是可导入的学校" in e.value.errors[0].reason
    n = lessons.do_import_timetables(
        (HEADER + grid("M01", 4)).encode(), "t.csv", by=cusers["member"]
    )
    assert n == 25
    for who in ("teacher", "parent", "provider"):
        with pytest.raises(PermissionDenied):
            lessons.do_import_timetables(
                (HEADER + grid("M01", 4)).encode(), "t.csv", by=cusers[who]
            )


def test_timetables_import_from_xlsx_too(county9, cusers):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(["M01", 4, 1, 1, "语文", "数学", "", "", "英语"])
    buf = io.BytesIO()
    wb.save(buf)
    assert lessons.do_import_timetables(buf.getvalue(), "课表.xlsx", by=cusers["bureau"]) == 3


# --------------------------------------------------------------------------- requests, schedule


def test_default_requests_take_the_core_teacher_of_the_class(requested):
    reqs = SyncRequest.objects.select_related(
        "teacher", "core_class", "member_class", "membership__school"
    )
    got = {(r.membership.school.code, r.subject, r.teacher.code) for r in reqs}
    assert got == {
        (m, s, t)
        for m in ("M01", "M02")
        for s, t in (("chinese", "C01T00"), ("math", "C01T01"), ("science", "C01T02"))
    }
    assert all(r.core_class.grade == 4 and r.member_class.grade == 4 for r in reqs)


def test_the_schedule_places_every_lesson_where_all_three_are_free(
    requested, term, county9, cusers
):
    s = lessons.do_schedule_term(by=cusers["bureau"], county=county9.county, term=term)
    assert s.summary["placed"] == 6 and s.summary["unplaced"] == 0 and s.summary["violations"] == 0
    slots = list(s.slots.select_related("request"))
    assert all(sl.period in (6, 7) for sl in slots)  # periods 1-5 are taken, primary has 7
    core_class_slots = [(sl.day, sl.period) for sl in slots]
    assert len(set(core_class_slots)) == 6  # the core class is never double-booked
    teacher_slots = [(sl.request.teacher_id, sl.day, sl.period) for sl in slots]
    assert len(set(teacher_slots)) == len(teacher_slots)


def test_lessons_that_cannot_be_placed_are_reported_with_the_reason(
    requested, term, county9, cusers
):
    # fill M02's periods 6 and 7: its three lessons have no common free period any more
    lessons.do_import_timetables(
        (HEADER + grid("M02", 4, busy_periods=7)).encode(), "t.csv", by=cusers["bureau"]
    )
    s = lessons.do_schedule_term(by=cusers["bureau"], county=county9.county, term=term)
    assert s.summary["placed"] == 3
    assert {u["reason"] for u in s.unplaced} == {"no_common_period"}
    assert len(s.unplaced) == 3


def test_teacher_load_limit_is_kept(requested, term, county9, cusers):
    s = lessons.do_schedule_term(by=cusers["bureau"], county=county9.county, term=term, max_load=1)
    # each teacher has one period in the timetable already: no room for any lesson
    assert s.summary["placed"] == 0
    assert {u["reason"] for u in s.unplaced} == {"load_limit"}


def test_publishing_writes_the_terms_dated_lessons_on_their_weekdays(published, term):
    assert published.is_published
    n = SyncLesson.objects.count()
    assert 6 * 12 <= n <= 6 * 14  # about thirteen weeks
    for lesson in SyncLesson.objects.select_related("request")[:50]:
        slot = published.slots.get(request=lesson.request)
        assert lesson.date.isoweekday() == slot.day and lesson.period == slot.period
        assert term.start <= lesson.date <= term.end
    with pytest.raises(ActionError, match="本学期同步课堂已发布，不能重新排课"):
        lessons.do_schedule_term(by=published.created_by, county=published.county, term=term)


def test_only_the_bureau_schedules_and_publishes(requested, term, county9, cusers):
    for who in ("core", "member", "teacher", "parent"):
        with pytest.raises(PermissionDenied):
            lessons.do_schedule_term(by=cusers[who], county=county9.county, term=term)
    assert not SyncSchedule.objects.exists()


def test_only_the_core_school_or_the_bureau_sets_requests(community, timetabled, cusers):
    for who in ("member", "teacher", "other"):
        with pytest.raises(PermissionDenied):
            lessons.do_default_requests(community, by=cusers[who])
    assert lessons.do_default_requests(community, by=cusers["core"]) == 6


# --------------------------------------------------------------------------- delivery


def _past_lesson():
    """A lesson of the M01 pair (the `member` user's school) that has already taken place."""
    return (
        SyncLesson.objects.filter(
            date__lte=timezone.localdate(), request__membership__school__code="M01"
        )
        .select_related("request")
        .order_by("-date", "period")
        .first()
    )


def test_a_member_school_records_a_lesson_held_and_the_counts_show_it(
    published, community, cusers, client
):
    lesson = _past_lesson()
    lessons.do_record_lesson(lesson, by=cusers["member"], status="held")
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.HELD and lesson.recorded_by == cusers["member"]
    client.force_login(cusers["bureau"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert "已上 1 节" in page


def test_cancelling_needs_a_reason_and_future_lessons_cannot_be_held(published, cusers):
    lesson = _past_lesson()
    with pytest.raises(ActionError, match="取消须填写原因"):
        lessons.do_record_lesson(lesson, by=cusers["core"], status="cancelled", reason=" ")
    lessons.do_record_lesson(lesson, by=cusers["core"], status="cancelled", reason="网络故障")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.reason) == ("cancelled", "网络故障")
    future = SyncLesson.objects.filter(date__gt=timezone.localdate()).first()
    with pytest.raises(ActionError, match="尚未到上课日期，不能登记为已上"):
        lessons.do_record_lesson(future, by=cusers["core"], status="held")


def test_other_schools_and_roles_cannot_record(published, cusers, client):
    lesson = _past_lesson()
    for who in ("other", "teacher", "parent", "provider"):
        with pytest.raises(PermissionDenied):
            lessons.do_record_lesson(lesson, by=cusers[who], status="held")
    client.force_login(cusers["other"])
    r = client.post(f"/communities/lessons/{lesson.pk}/record/", {"status": "held"})
    assert r.status_code == 404
    client.force_login(cusers["teacher"])
    assert (
        client.post(f"/communities/lessons/{lesson.pk}/record/", {"status": "held"}).status_code
        == 403
    )
    lesson.refresh_from_db()
    assert lesson.status == "planned"


def test_the_school_sees_its_week_and_records_from_its_page(published, cusers, client):
    client.force_login(cusers["member"])
    page = client.get("/communities/sync/mine/").content.decode()
    assert 'data-testid="week"' in page and "语文" in page
    mine = _past_lesson()
    assert f'data-testid="held-{mine.pk}"' in page
    r = client.post(f"/communities/lessons/{mine.pk}/record/", {"status": "held"}, follow=True)
    assert "已登记" in r.content.decode()
    mine.refresh_from_db()
    assert mine.status == "held"


def test_sync_pages_permissions(published, cusers, client):
    for url, allowed in (
        ("/communities/sync/", {"bureau"}),
        ("/communities/timetables/", {"bureau", "core", "member", "other"}),
        ("/communities/sync/mine/", {"core", "member", "other", "teacher"}),
    ):
        for who in ("bureau", "core", "member", "other", "teacher", "parent", "provider"):
            client.force_login(cusers[who])
            code = client.get(url).status_code
            assert (code == 200) == (who in allowed), (url, who, code)
    client.logout()
    assert client.get("/communities/sync/mine/").status_code == 302


def test_the_bureau_schedules_and_publishes_from_the_page(requested, term, cusers, client):
    client.force_login(cusers["bureau"])
    page = client.post("/communities/sync/schedule/", follow=True).content.decode()
    assert 'data-testid="placed">6 / 6' in page
    page = client.post("/communities/sync/publish/", follow=True).content.decode()
    assert "已发布" in page and SyncLesson.objects.exists()


def test_timetable_template_download_round_trips(timetabled, cusers, client):
    client.force_login(cusers["core"])
    r = client.get("/communities/timetables/template.csv")
    data = b"".join(r.streaming_content)
    assert r.status_code == 200 and "语文 C01T00".encode() in data or b"chinese C01T00" in data
    n = lessons.do_import_timetables(data, "back.csv", by=cusers["core"])
    assert n == 25
