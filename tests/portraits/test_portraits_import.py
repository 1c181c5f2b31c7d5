"""Imports of growth records and class teachers: the region's machinery (limits, header first,
per-row errors naming row and column, all or nothing), each role's scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.portraits import imports
from junheng.portraits.models import ClassTeacher, PortraitRecord
from junheng.region.models import ImportBatch, ImportUndo, SchoolClass, Teacher
from tests.region.test_import import csv_bytes, xlsx
from tests.region.test_import_limits import rebuilt

pytestmark = pytest.mark.django_db

HEADER = ["学生编码 (student)", "学期 (term)", "指标 (indicator)", "数值 (value)", "说明 (note)"]


def good_rows():
    return [
        list(HEADER),
        ["P0001", "", "moral.award", 1, "区级三好学生"],
        ["PA00", "", "labour.hours", "6.5", ""],
        ["PA01", "2026-09-01", "health.run_50m", 9.8, ""],
    ]


def errors_of(report):
    return [(e.row, e.column, e.reason) for e in report.errors]


def test_a_school_imports_records_of_its_own_children_all_at_once(users, portraits):
    before = PortraitRecord.objects.count()
    report = imports.import_rows(
        "records", xlsx(good_rows()), filename="r.xlsx", by=users["school"]
    )
    assert report.ok and report.saved, errors_of(report)
    assert report.created == 3
    assert PortraitRecord.objects.count() == before + 3
    award = PortraitRecord.objects.get(indicator="moral.award")
    assert award.term == portraits["autumn"] and award.kind == "observation"
    assert award.source == "import" and award.recorded_by == users["school"]
    assert award.note == "区级三好学生"
    assert not ImportUndo.objects.exists()  # the undo journal is dropped once written
    assert ImportBatch.objects.get().kind == "portrait_records"
    log = AuditLog.objects.get(action="portraits.import_records")
    assert log.detail["created"] == 3 and log.detail["saved"] is True
    # The same file again adds nothing twice.
    again = imports.import_rows("records", xlsx(good_rows()), filename="r.xlsx", by=users["school"])
    assert again.ok and again.created == 0 and again.unchanged == 3
    assert PortraitRecord.objects.count() == before + 3


def test_english_headers_csv_and_a_past_term_by_name(users, portraits):
    rows = [
        ["student_id", "term", "indicator", "value"],
        ["PA02", portraits["spring"].name, "academic.maths", "88"],
    ]
    report = imports.import_rows("records", csv_bytes(rows), filename="r.csv", by=users["school"])
    assert report.ok and report.created == 1, errors_of(report)
    assert PortraitRecord.objects.filter(
        term=portraits["spring"], indicator="academic.maths", value=88, student__code="PA02"
    ).exists()


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_written(users, portraits):
    rows = good_rows() + [
        ["P0002", "", "moral.award", 1, ""],  # school B's child
        ["PA03", "", "moral.nonsense", 1, ""],
        ["PA04", "", "moral.award", "abc", ""],
        ["PA05", "2019-09-01", "moral.award", 1, ""],
        ["PA06", "", "arts.afterschool", 3, ""],
        ["PA07", "", "moral.award", 1.23456, "x" * 201],
        ["P0001", "", "moral.award", 1, "区级三好学生"],  # the same as row 2
        ["", "", "", "", ""],  # blank: skipped
    ]
    before = PortraitRecord.objects.count()
    report = imports.import_rows("records", xlsx(rows), filename="bad.xlsx", by=users["school"])
    assert not report.saved
    assert errors_of(report) == [
        (5, "学生编码 (student)", "「P0002」不是本校学生（或编码不存在）"),
        (6, "指标 (indicator)", "该学期的指标库中没有指标「moral.nonsense」"),
        (7, "数值 (value)", "应为数字，实际为「abc」"),
        (8, "学期 (term)", "没有学期「2019-09-01」"),
        (9, "指标 (indicator)", "课后服务的出勤由平台自动统计，不能导入"),
        (10, "数值 (value)", "最多 4 位小数"),
        (10, "说明 (note)", "最多 200 字，实际 201 字"),
        (11, "", "与第 2 行完全相同"),
    ]
    assert PortraitRecord.objects.count() == before
    assert not ImportBatch.objects.exists()


def test_a_teacher_imports_only_for_the_classes_it_teaches_this_term(users, portraits):
    teacher = users["teacher"]
    rows = [list(HEADER), ["PA00", "", "moral.observation", 5, "课堂表现"]]
    report = imports.import_rows("records", xlsx(rows), filename="t.xlsx", by=teacher)
    assert report.ok and report.created == 1
    rows = [
        list(HEADER),
        ["P0002", "", "moral.observation", 4, ""],  # another school's child
        ["PA00", portraits["spring"].name, "moral.observation", 4, ""],  # last term
    ]
    before = PortraitRecord.objects.count()
    report = imports.import_rows("records", xlsx(rows), filename="t.xlsx", by=teacher)
    assert errors_of(report) == [
        (2, "学生编码 (student)", "「P0002」不是您本学期任教班级的学生（或编码不存在）"),
        (3, "学期 (term)", "教师只能录入本学期的记录"),
    ]
    assert PortraitRecord.objects.count() == before
    ClassTeacher.objects.all().delete()  # no class this term: none of its children any more
    report = imports.import_rows(
        "records", xlsx([list(HEADER), ["PA00", "", "moral.observation", 3, ""]]), by=teacher
    )
    assert [e.column for e in report.errors] == ["学生编码 (student)"]


@pytest.mark.parametrize("role", ["bureau", "provider", "parent"])
def test_other_roles_may_not_import_records(users, portraits, role):
    with pytest.raises(PermissionDenied):
        imports.import_rows("records", xlsx(good_rows()), by=users[role])


def test_a_teacher_may_not_import_class_teachers(users, portraits):
    with pytest.raises(PermissionDenied):
        imports.import_rows("class_teachers", b"x", by=users["teacher"])


def test_the_header_is_checked_and_a_region_file_is_named(users, portraits):
    rows = [["学生编码 (code)", "姓名", "性别", "学校代码", "年级"], ["P1", "x", "M", "S01", 3]]
    report = imports.import_rows("records", xlsx(rows), filename="s.xlsx", by=users["school"])
    reasons = [e.reason for e in report.errors]
    assert "这似乎是「学生」文件" in reasons[0]
    assert (1, "指标 (indicator)", "缺少必填列") in errors_of(report)


def test_a_zip_bomb_is_refused_and_nothing_is_written(users, portraits):
    def pad(fh, body):
        fh.write(body)
        for _ in range(120):
            fh.write(b" " * 1024 * 1024)

    bomb = rebuilt(xlsx(good_rows()), {"xl/worksheets/sheet1.xml": pad})
    before = PortraitRecord.objects.count()
    report = imports.import_rows("records", bomb, filename="bomb.xlsx", by=users["school"])
    assert len(report.errors) == 1 and "压缩炸弹" in report.errors[0].reason
    assert PortraitRecord.objects.count() == before


def test_too_many_rows_are_refused(users, portraits, settings):
    settings.JUNHENG_IMPORT_LIMITS = {"max_rows": 2}
    report = imports.import_rows("records", xlsx(good_rows()), by=users["school"])
    assert errors_of(report) == [(None, "", "行数过多（最多 2 行）")]


def test_a_failure_part_way_undoes_every_chunk_written(users, portraits, monkeypatch):
    from junheng.region import batches

    monkeypatch.setattr(batches, "WRITE_CHUNK", 1)
    calls = []

    def fail_at_second(done, total):
        calls.append(done)
        if done == 2:
            raise RuntimeError("worker stopped")

    before = PortraitRecord.objects.count()
    with pytest.raises(RuntimeError, match="worker stopped"):
        imports.import_rows(
            "records", xlsx(good_rows()), by=users["school"],
            progress=lambda stage, d, t: fail_at_second(d, t) if stage == "write" else None,
        )  # fmt: skip
    assert PortraitRecord.objects.count() == before
    assert ImportBatch.objects.get().state == "undone"


def test_dry_run_counts_and_writes_nothing(users, portraits):
    before = PortraitRecord.objects.count()
    report = imports.import_rows("records", xlsx(good_rows()), by=users["school"], dry_run=True)
    assert report.ok and not report.saved and report.created == 3
    assert PortraitRecord.objects.count() == before


CT_HEADER = ["教师编号 (teacher)", "年级 (grade)", "班号 (class)", "班主任 (homeroom)"]


def test_a_school_imports_its_class_teachers_for_this_term(users, region, portraits):
    Teacher.objects.create(
        code="T03", name="赵老师", school=region["school_a"], subject="chinese",
        qualification="bachelor", years_at_school=2, age=28, gender="F",
    )  # fmt: skip
    SchoolClass.objects.create(school=region["school_a"], grade=3, number=2)
    rows = [list(CT_HEADER), ["T01", 3, 1, "是"], ["T03", 3, 1, ""], ["T03", 3, 2, "是"]]
    report = imports.import_rows("class_teachers", xlsx(rows), by=users["school"])
    assert report.ok and report.saved, errors_of(report)
    assert (report.created, report.updated) == (2, 1)  # T01 → 3(1) was there: now homeroom
    got = ClassTeacher.objects.filter(term=portraits["autumn"]).order_by("teacher__code", "pk")
    assert [(c.teacher.code, str(c.school_class), c.homeroom) for c in got] == [
        ("T01", "3(1)", True), ("T03", "3(1)", False), ("T03", "3(2)", True),
    ]  # fmt: skip
    bad = [
        list(CT_HEADER),
        ["T02", 3, 1, ""],  # school B's teacher
        ["T03", 4, 9, ""],  # no such class
        ["T03", 3, 1, "maybe"],
        ["T03", 3, 2, "是"],
        ["T03", 3, 2, ""],
    ]
    n = ClassTeacher.objects.count()
    report = imports.import_rows(
        "class_teachers", csv_bytes(bad), filename="c.csv", by=users["school"]
    )
    assert errors_of(report) == [
        (2, "教师编号 (teacher)", "「T02」不是本校教师（或编号不存在）"),
        (3, "班号 (class)", "本校没有 4 年级 9 班（班级随学生导入建立）"),
        (4, "班主任 (homeroom)", "应为「是」或「否」，实际为「maybe」"),
        (6, "", "与第 5 行重复"),
    ]
    assert ClassTeacher.objects.count() == n


def test_the_import_page_runs_the_job_and_shows_the_report(users, login, portraits):
    client = login(users["school"])
    page = client.get(reverse("portraits:import"))
    assert page.status_code == 200
    assert 'data-testid="format-records"' in page.content.decode()
    upload = SimpleUploadedFile("r.xlsx", xlsx(good_rows()))
    response = client.post(reverse("portraits:import"), {"kind": "records", "file": upload})
    assert response.status_code == 200, response.context["report"].errors
    assert response.context["report"].created == 3
    rows = good_rows()
    rows[1][3] = "abc"
    upload = SimpleUploadedFile("bad.xlsx", xlsx(rows))
    response = client.post(reverse("portraits:import"), {"kind": "records", "file": upload})
    assert response.status_code == 422
    assert "数值 (value)" in response.content.decode()


@pytest.mark.parametrize("kind", ["records", "class_teachers"])
def test_the_template_downloads_with_notes(users, login, portraits, kind):
    client = login(users["school"])
    response = client.get(reverse("portraits:import_template", args=[kind]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == {"records": "成长记录", "class_teachers": "任课安排"}[kind]
    assert len(book.sheetnames) == 2
    # the template imports as it is (a dry run: its example codes are placeholders)
    report = imports.import_rows(kind, response.content, by=users["school"], dry_run=True)
    assert report.total_rows == 1 and {e.column for e in report.errors} <= {
        "学生编码 (student)",
        "教师编号 (teacher)",
        "班号 (class)",
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("bureau", 403), ("provider", 403), ("parent", 403), ("teacher", 200), ("school", 200)],
)
def test_who_may_open_the_import_page(users, login, portraits, role, status):
    assert login(users[role]).get(reverse("portraits:import")).status_code == status


def test_a_teacher_cannot_fetch_the_class_teacher_template(users, login, portraits):
    client = login(users["teacher"])
    assert (
        client.get(reverse("portraits:import_template", args=["class_teachers"])).status_code == 403
    )


def test_a_record_no_rule_of_the_library_scores_for_the_childs_grade_and_sex_is_refused(
    users, portraits
):
    from junheng.portraits.models import IndicatorLibrary

    lib = IndicatorLibrary.objects.get()
    # this version's 50 m run: grades 1-2 and 7-9 boys only
    lib.table = "\n".join(
        line
        for line in lib.table.splitlines()
        if not line.startswith("2026,health.run_50m")
        or line.endswith((",1-2,M", ",1-2,F", ",7-9,M"))
    )
    lib.save()
    rows = [
        list(HEADER),
        ["PA01", "", "health.run_50m", "9.8", ""],  # grade 3 girl: no rule
        ["PA02", "2026-02-16", "health.run_50m", "9.8", ""],  # grade 2 then: the 1-2 F rule
        ["PA03", "", "moral.award", "1", ""],
    ]
    before = PortraitRecord.objects.count()
    report = imports.import_rows("records", xlsx(rows), filename="r.xlsx", by=users["school"])
    assert errors_of(report) == [
        (2, "指标 (indicator)", "指标「health.run_50m」没有适用于 3 年级女生的计分规则")
    ]
    assert PortraitRecord.objects.count() == before  # nothing written while a row is bad
    report = imports.import_rows("records", xlsx(rows[:1] + rows[2:]), filename="r.xlsx",
                                 by=users["school"])  # fmt: skip
    assert report.ok and report.created == 2, errors_of(report)
