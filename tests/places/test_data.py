"""Enrolment snapshots, imports of past years, births and capacity (per-row errors, all or
nothing)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from junheng.errors import ActionError
from tests.places.conftest import csv_bytes

pytestmark = pytest.mark.django_db


def test_the_snapshot_counts_the_regions_students_by_school_and_grade(region, users, year):
    from junheng.places.actions import do_import_enrolment, do_snapshot_enrolment
    from junheng.places.models import EnrolmentCount
    from junheng.region.models import Student

    Student.objects.create(
        code="P0003", name="李小华", gender="F", school=region["school_a"], grade=3
    )
    # an imported row of the same year is replaced by the snapshot
    do_import_enrolment(
        csv_bytes("学校代码,学年,年级,学生数", [("S01", year, 1, 99)]), "x.csv", by=users["bureau"]
    )
    assert do_snapshot_enrolment(by=users["bureau"]) == 2
    rows = {
        (r.school.code, r.grade): (r.students, r.source)
        for r in EnrolmentCount.objects.filter(year=year)
    }
    assert rows == {("S01", 3): (2, "snapshot"), ("S02", 7): (1, "snapshot")}


def test_only_the_bureau_snapshots_and_a_future_year_is_refused(region, users, year):
    from junheng.places.actions import do_snapshot_enrolment

    for role in ("school", "provider", "parent", "teacher"):
        with pytest.raises(PermissionDenied):
            do_snapshot_enrolment(by=users[role])
    with pytest.raises(ActionError, match="快照学年须在 1990 到"):
        do_snapshot_enrolment(by=users["bureau"], year=year + 1)


def test_an_enrolment_import_saves_every_row_and_updates_on_reimport(region, users, year):
    from junheng.accounts.models import AuditLog
    from junheng.places.actions import do_import_enrolment
    from junheng.places.models import EnrolmentCount

    rows = [("S01", year - 1, g, 30 + g) for g in range(1, 7)] + [("S02", year - 1, 7, 80)]
    rep = do_import_enrolment(
        csv_bytes("学校代码,学年,年级,学生数", rows), "h.csv", by=users["bureau"]
    )
    assert (rep.ok, rep.rows, rep.created, rep.updated) == (True, 7, 7, 0)
    again = do_import_enrolment(
        csv_bytes(
            "school_id,year,grade,students", [("S01", year - 1, 1, 99), ("S01", year - 1, 2, 32)]
        ),
        "h2.csv",
        by=users["bureau"],
    )
    assert (again.created, again.updated) == (0, 1)
    assert EnrolmentCount.objects.get(school__code="S01", year=year - 1, grade=1).students == 99
    assert AuditLog.objects.filter(action="places.import_enrolment").count() == 2


def test_an_xlsx_import_reads_the_first_sheet_with_the_code_column(region, users, year):
    from junheng.places.actions import do_import_enrolment

    wb = Workbook()
    ws = wb.active
    ws.append(["学校代码", "学年", "年级", "学生数"])
    ws.append(["S02", year - 2, 8, 41])
    buf = io.BytesIO()
    wb.save(buf)
    rep = do_import_enrolment(buf.getvalue(), "h.xlsx", by=users["bureau"])
    assert rep.ok and rep.created == 1


def test_a_bad_enrolment_file_names_every_row_and_column_and_saves_nothing(region, users, year):
    from junheng.places.actions import do_import_enrolment
    from junheng.places.models import EnrolmentCount

    rows = [
        ("S01", year - 1, 1, 40),  # row 2: fine
        ("S99", year - 1, 1, 40),  # row 3: unknown school
        ("S01", year - 1, 7, 40),  # row 4: a primary school has no grade 7
        ("S01", year - 1, 1, 41),  # row 5: duplicate of row 2
        ("S02", year - 1, 8, -3),  # row 6: negative
        ("S02", year + 1, 8, 3),  # row 7: a future year
        ("S02", year - 1, "八", 3),  # row 8: not an integer
    ]
    rep = do_import_enrolment(
        csv_bytes("学校代码,学年,年级,学生数", rows), "bad.csv", by=users["bureau"]
    )
    assert not rep.ok
    found = [(e.row, e.column) for e in rep.errors]
    assert found == [
        (3, "学校代码"),
        (4, "年级"),
        (5, "年级"),
        (6, "学生数"),
        (7, "学年"),
        (8, "年级"),
    ]
    assert "S99" in str(rep.errors[0]) and "第 3 行" in str(rep.errors[0])
    assert "与第 2 行重复" in str(rep.errors[2])
    assert not EnrolmentCount.objects.exists()


def test_a_file_without_a_required_column_is_refused_whole(region, users):
    from junheng.places.actions import do_import_enrolment

    rep = do_import_enrolment(
        b"\xe5\xad\xa6\xe6\xa0\xa1\xe4\xbb\xa3\xe7\xa0\x81,year\nS01,2020\n",
        "x.csv",
        by=users["bureau"],
    )
    assert not rep.ok
    assert {e.column for e in rep.errors} >= {"年级 (grade)", "学生数 (students)"}


def test_births_are_for_schools_with_a_grade_1_only(region, users, year):
    from junheng.places.actions import do_import_births
    from junheng.places.models import ZoneBirths

    rep = do_import_births(
        csv_bytes("学校代码,出生年份,出生人口", [("S01", year - 6, 120), ("S02", year - 6, 300)]),
        "b.csv",
        by=users["bureau"],
    )
    assert [(e.row, e.column) for e in rep.errors] == [(3, "学校代码")]
    assert "没有一年级" in str(rep.errors[0])
    assert not ZoneBirths.objects.exists()
    ok = do_import_births(
        csv_bytes("学校代码,出生年份,出生人口", [("S01", year - 6, 120)]),
        "b.csv",
        by=users["bureau"],
    )
    assert ok.ok and ZoneBirths.objects.get().births == 120


def test_capacity_import_and_form_defaults_to_the_national_class_limit(region, users):
    from junheng.places.actions import do_import_capacity, do_set_capacity
    from junheng.places.models import Capacity

    rep = do_import_capacity(
        csv_bytes("学校代码,普通教室,班额上限", [("S01", 24, ""), ("S02", 12, ""), ("S02", 1, 1)]),
        "c.csv",
        by=users["bureau"],
    )
    assert [(e.row, e.column) for e in rep.errors] == [(4, "学校代码")]
    rep = do_import_capacity(
        csv_bytes("学校代码,普通教室,班额上限", [("S01", 24, ""), ("S02", 12, "")]),
        "c.csv",
        by=users["bureau"],
    )
    assert rep.ok
    caps = {c.school.code: (c.classrooms, c.max_class, c.places) for c in Capacity.objects.all()}
    assert caps == {"S01": (24, 45, 1080), "S02": (12, 50, 600)}
    do_set_capacity(region["school_a"], by=users["bureau"], classrooms=30, max_class=40)
    assert Capacity.objects.get(school=region["school_a"]).places == 1200
    with pytest.raises(ActionError, match="普通教室至少 1 间"):
        do_set_capacity(region["school_a"], by=users["bureau"], classrooms=0, max_class=40)
    with pytest.raises(PermissionDenied):
        do_set_capacity(region["school_a"], by=users["school"], classrooms=30, max_class=40)
