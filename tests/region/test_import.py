"""Import of schools, teachers and students: every bad row named, nothing saved unless all good."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from junheng.accounts.models import AuditLog
from junheng.region import actions
from junheng.region.models import School, SchoolClass, Student, Teacher

STUDENT_HEADER = [
    "学生编码 (code)",
    "姓名 (name)",
    "性别 (gender)",
    "出生日期 (birth_date)",
    "学校代码 (school)",
    "年级 (grade)",
    "班号 (class)",
    "随迁子女 (migrant)",
]


def xlsx(rows, title="students", extra_sheets=()):
    book = openpyxl.Workbook()
    for name, sheet_rows in extra_sheets:
        ws = book.create_sheet(name, 0)
        for r in sheet_rows:
            ws.append(r)
    ws = book["Sheet"]
    ws.title = title
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def good_students():
    return [
        list(STUDENT_HEADER),
        ["P1001", "赵一", "M", "2018-03-02", "S01", 2, 1, "否"],
        ["P1002", "钱二", "女", "2018/7/9", "S01", 2, 1, "是"],
        ["P1003", "孙三", "F", None, "S02", 8, 2, ""],
    ]


def errors_of(report):
    return [(e.row, e.column, e.reason) for e in report.errors]


def test_good_student_file_creates_rows_and_classes(users):
    report = actions.import_rows(
        "students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"]
    )
    assert report.ok, errors_of(report)
    assert (report.created, report.updated, report.unchanged, report.saved) == (3, 0, 0, True)
    s = Student.objects.get(code="P1002")
    assert s.gender == "F" and s.migrant is True and s.birth_date.isoformat() == "2018-07-09"
    assert (s.school.code, s.grade, s.school_class.number) == ("S01", 2, 1)
    assert SchoolClass.objects.filter(school__code="S01", grade=2, number=1).count() == 1
    assert Student.objects.get(code="P1003").birth_date is None


def test_reimport_by_code_updates_instead_of_duplicating(users):
    actions.import_rows("students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"])
    rows = good_students()
    rows[1][1] = "赵一鸣"  # renamed
    rows.append(["P1004", "李四", "M", "", "S01", 3, "", ""])
    report = actions.import_rows("students", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert report.ok, errors_of(report)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 2)
    assert Student.objects.filter(code__startswith="P100").count() == 4
    assert Student.objects.get(code="P1001").name == "赵一鸣"


def test_columns_absent_from_the_file_keep_their_values(users, region):
    rows = [["code", "name"], ["P0001", "张晓明"]]
    # name and code only: gender, school, grade are required columns
    report = actions.import_rows("students", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert {e.column for e in report.errors} >= {"学校代码 (school)", "年级 (grade)"}
    rows = [["code", "name", "gender", "school", "grade"], ["P0001", "张晓明", "M", "S01", 3]]
    report = actions.import_rows("students", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert report.ok and report.updated == 1
    s = Student.objects.get(code="P0001")
    assert s.name == "张晓明" and s.birth_date.isoformat() == "2017-05-01"


@pytest.mark.parametrize(
    ("cell", "value", "column", "reason_part"),
    [
        (5, "abc", "年级 (grade)", "整数"),  # wrong type
        (5, 2.5, "年级 (grade)", "整数"),
        (4, "S99", "学校代码 (school)", "未知的学校代码"),  # unknown school
        (2, "X", "性别 (gender)", "不是可选值"),  # bad choice
        (3, "2018-02-30", "出生日期 (birth_date)", "日期"),
        (7, "也许", "随迁子女 (migrant)", "是"),
        (1, "", "姓名 (name)", "必填"),
        (5, 9, "年级 (grade)", "不属于小学"),  # grade outside the school's level
    ],
)
def test_each_bad_cell_is_named_by_row_and_column_and_nothing_is_saved(
    users, cell, value, column, reason_part
):
    rows = good_students()
    rows[2][cell] = value
    before = Student.objects.count()
    report = actions.import_rows("students", xlsx(rows), filename="s.xlsx", by=users["bureau"])
    assert not report.saved
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert reason_part in report.errors[0].reason
    assert Student.objects.count() == before
    assert not SchoolClass.objects.exists()  # the classes made on the way are rolled back too


def test_duplicate_code_within_the_file_names_both_rows(users):
    rows = good_students()
    rows[3][0] = "P1001"
    report = actions.import_rows("students", xlsx(rows), filename="s.xlsx", by=users["bureau"])
    assert errors_of(report) == [
        (4, "学生编码 (code)", "编码「P1001」在文件中重复（与第 2 行相同）")
    ]
    assert not Student.objects.filter(code="P1001").exists()


def test_every_bad_row_is_reported_not_just_the_first(users):
    rows = good_students()
    rows[1][5] = "二"
    rows[3][4] = "S77"
    report = actions.import_rows("students", xlsx(rows), filename="s.xlsx", by=users["bureau"])
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "年级 (grade)"),
        (4, "学校代码 (school)"),
    ]


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(users):
    rows = good_students()
    rows.insert(2, [None] * 8)
    rows[4][2] = "?"
    report = actions.import_rows("students", xlsx(rows), filename="s.xlsx", by=users["bureau"])
    assert [(e.row, e.column) for e in report.errors] == [(5, "性别 (gender)")]


@pytest.mark.parametrize(
    ("data", "filename", "reason_part"),
    [
        (b"", "s.csv", "文件为空"),
        (csv_bytes([STUDENT_HEADER]), "s.csv", "没有数据行"),
        (b"PK\x03\x04 this is not really a zip", "s.xlsx", "无法读取"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "s.xls", ".xls"),
        (b"\x00\x01\x02binary\x00", "s.csv", "无法读取"),
    ],
)
def test_file_level_problems_are_one_clear_error(users, data, filename, reason_part):
    report = actions.import_rows("students", data, filename=filename, by=users["bureau"])
    assert len(report.errors) == 1
    assert report.errors[0].row is None
    assert reason_part in report.errors[0].reason
    assert not report.saved


def test_missing_required_column_names_the_column(users):
    rows = good_students()
    for r in rows:
        del r[2]  # no gender column
    report = actions.import_rows("students", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert errors_of(report) == [(1, "性别 (gender)", "缺少必填列")]


def test_wrong_sheet_is_reported_with_the_sheet_names(users):
    data = xlsx([["foo", "bar"], [1, 2]], title="其他", extra_sheets=[("封面", [["说明"]])])
    report = actions.import_rows("students", data, filename="s.xlsx", by=users["bureau"])
    assert len(report.errors) == 1
    assert "学生编码 (code)" in report.errors[0].reason and "封面" in report.errors[0].reason


def test_the_data_sheet_is_found_when_it_is_not_the_first(users):
    data = xlsx(good_students(), title="学生", extra_sheets=[("封面", [["说明"], ["x"]])])
    report = actions.import_rows("students", data, filename="s.xlsx", by=users["bureau"])
    assert report.ok and report.created == 3 and report.sheet == "学生"


def test_teachers_file_given_to_the_student_importer_is_missing_columns(users):
    rows = [
        ["教师编号", "姓名", "学校代码", "任教学科", "学历", "年龄", "性别"],
        ["T9", "王", "S01", "math", "bachelor", 30, "F"],
    ]
    report = actions.import_rows("students", csv_bytes(rows), filename="t.csv", by=users["bureau"])
    assert "这似乎是「教师」文件" in report.errors[0].reason
    assert {e.column for e in report.errors[1:]} == {"学生编码 (code)", "年级 (grade)"}


def test_gbk_csv_from_chinese_excel_and_label_headers_are_accepted(users):
    rows = [
        ["教师编号", "姓名", "学校代码", "任教学科", "学历", "骨干等级", "年龄", "性别"],
        ["T9001", "周老师", "S02", "体育", "本科", "县级", "41", "男"],
    ]
    report = actions.import_rows(
        "teachers", csv_bytes(rows, "gbk"), filename="t.csv", by=users["bureau"]
    )
    assert report.ok, errors_of(report)
    t = Teacher.objects.get(code="T9001")
    assert (t.subject, t.qualification, t.backbone_level, t.age, t.gender, t.section) == (
        "pe",
        "bachelor",
        "county",
        41,
        "M",
        "junior",  # section follows the junior school
    )


def test_school_admin_may_import_only_its_own_school(users, region):
    rows = good_students()  # row 4 names S02, school B
    report = actions.import_rows("students", xlsx(rows), filename="s.xlsx", by=users["school"])
    assert errors_of(report) == [(4, "学校代码 (school)", "学校 S02 不在您的管理范围内")]
    assert not Student.objects.filter(code__startswith="P100").exists()


def test_school_admin_cannot_take_over_another_schools_student_by_code(users, region):
    rows = [STUDENT_HEADER[:6], ["P0002", "陈小红", "F", "", "S01", 3]]  # P0002 is in school B
    report = actions.import_rows("students", csv_bytes(rows), filename="s.csv", by=users["school"])
    assert errors_of(report) == [
        (2, "学生编码 (code)", "编码「P0002」已属于其他学校，不能在此导入")
    ]
    assert Student.objects.get(code="P0002").school == region["school_b"]


def test_bureau_may_move_a_student_between_schools_by_reimport(users, region):
    rows = [STUDENT_HEADER[:6], ["P0002", "陈小红", "F", "", "S01", 3]]
    report = actions.import_rows("students", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert report.ok and report.updated == 1
    assert Student.objects.get(code="P0002").school == region["school_a"]


@pytest.mark.parametrize("key", ["parent", "provider", "teacher"])
def test_other_roles_may_not_import(users, key):
    with pytest.raises(PermissionDenied):
        actions.import_rows("students", xlsx(good_students()), filename="s.xlsx", by=users[key])


def test_school_admin_may_not_import_schools(users):
    with pytest.raises(PermissionDenied):
        actions.template_file("schools", by=users["school"])
    data = csv_bytes(
        [["code", "name", "level", "urban_rural"], ["S09", "新校", "primary", "urban"]]
    )
    with pytest.raises(PermissionDenied):
        actions.import_rows("schools", data, filename="s.csv", by=users["school"])


def test_school_import_creates_and_updates_with_the_only_county(users, region):
    rows = [
        ["学校代码", "学校名称", "学段", "城乡类别", "体育运动场馆面积m2", "教学点"],
        ["S09", "新港小学", "小学", "镇区", "5,000", "否"],
        ["S01", "城关小学", "primary", "urban", 15000, ""],
    ]
    report = actions.import_rows("schools", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert report.ok, errors_of(report)
    assert (report.created, report.updated) == (1, 1)
    new = School.objects.get(code="S09")
    assert (new.county, new.urban_rural, new.sports_field_m2) == (region["county"], "town", 5000)
    old = School.objects.get(code="S01")
    assert old.sports_field_m2 == 15000 and old.teaching_room_m2 == 9000  # absent column kept


def test_dry_run_previews_counts_and_saves_nothing(users):
    report = actions.import_rows(
        "students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"], dry_run=True
    )
    assert report.ok and report.created == 3 and not report.saved
    assert not Student.objects.filter(code__startswith="P100").exists()


def test_every_import_is_audited_including_refused_ones(users):
    rows = good_students()
    rows[1][5] = "x"
    actions.import_rows("students", xlsx(rows), filename="bad.xlsx", by=users["bureau"])
    actions.import_rows("students", xlsx(good_students()), filename="ok.xlsx", by=users["bureau"])
    logs = list(AuditLog.objects.filter(action="import_students").order_by("at", "pk"))
    assert [(a.detail["file"], a.detail["saved"], a.detail["errors"]) for a in logs] == [
        ("bad.xlsx", False, 1),
        ("ok.xlsx", True, 0),
    ]
    assert all(a.actor == users["bureau"] for a in logs)


def test_a_student_file_given_to_the_school_importer_says_which_kind_it_looks_like(users):
    report = actions.import_rows(
        "schools", xlsx(good_students()), filename="s.xlsx", by=users["bureau"]
    )
    assert report.errors[0].row is None and "学生" in report.errors[0].reason
    assert {e.column for e in report.errors[1:]} == {"学段 (level)", "城乡类别 (urban_rural)"}
    assert not School.objects.filter(code="P1001").exists()


def test_a_label_with_its_own_unit_is_still_recognised(users, region):
    rows = [
        ["学校代码", "学校名称", "学段", "城乡类别", "横坐标 (km)"],
        ["S01", "城关小学", "primary", "urban", 3.5],
    ]
    report = actions.import_rows("schools", csv_bytes(rows), filename="s.csv", by=users["bureau"])
    assert report.ok and School.objects.get(code="S01").x_km == 3.5
