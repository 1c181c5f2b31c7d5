"""Importing graduates: every bad row named by row and column, nothing saved unless all good."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from junheng.quotas import actions
from junheng.quotas.models import GraduatesSource

pytestmark = pytest.mark.django_db


def _grads(table):
    return {g.school.code: g.graduates for g in table.graduates.select_related("school")}


def test_csv_import_updates_the_listed_juniors_only(draft, users):
    report = actions.do_import_graduates(
        draft, b"junior_id,graduates\nJA,10\nJC,4\n", "grads.csv", by=users["bureau"]
    )
    assert report.ok and report.updated == 2 and report.unlisted == 2
    assert _grads(draft) == {"JA": 10, "JB": 6, "JC": 4, "S02": 0}
    draft.refresh_from_db()
    assert draft.graduates_source == GraduatesSource.IMPORT


def test_xlsx_import_with_chinese_headers(draft, users):
    book = Workbook()
    ws = book.active
    ws.append(["初中学校代码", "毕业生数"])
    ws.append(["JB", 12])
    ws.append(["S02", 30])
    buf = io.BytesIO()
    book.save(buf)
    report = actions.do_import_graduates(draft, buf.getvalue(), "g.xlsx", by=users["bureau"])
    assert report.ok
    assert _grads(draft) == {"JA": 6, "JB": 12, "JC": 2, "S02": 30}


def test_bad_rows_are_each_named_and_nothing_is_saved(draft, users):
    data = (
        b"junior_id,graduates\n"
        b"JA,100\n"  # row 2: good
        b"JB,-3\n"  # row 3: negative
        b"S01,5\n"  # row 4: a primary school
        b"ZZ,5\n"  # row 5: unknown
        b"JC,two\n"  # row 6: not an integer
        b"JA,7\n"  # row 7: duplicate of row 2
    )
    report = actions.do_import_graduates(draft, data, "grads.csv", by=users["bureau"])
    got = [(e.row, e.column) for e in report.errors]
    assert got == [
        (3, "graduates"),
        (4, "junior_id"),
        (5, "junior_id"),
        (6, "graduates"),
        (7, "junior_id"),
    ]
    assert "不能为负数" in str(report.errors[0]) and "第 3 行" in str(report.errors[0])
    assert _grads(draft) == {"JA": 6, "JB": 6, "JC": 2, "S02": 0}  # nothing saved


def test_a_missing_column_is_a_file_error(draft, users):
    report = actions.do_import_graduates(draft, b"junior_id\nJA\n", "g.csv", by=users["bureau"])
    assert [(e.row, e.column) for e in report.errors] == [(1, "毕业生数 (graduates)")]
    assert _grads(draft)["JA"] == 6


def test_import_page_shows_the_errors_and_saves_nothing(draft, users, login):
    c = login(users["bureau"])
    upload = io.BytesIO(b"junior_id,graduates\nJA,5\nJB,x\n")
    upload.name = "grads.csv"
    r = c.post(reverse("quotas:import_graduates", args=[draft.pk]), {"file": upload})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-testid="import-errors"' in html and "第 3 行" in html and "graduates" in html
    assert _grads(draft)["JA"] == 6
