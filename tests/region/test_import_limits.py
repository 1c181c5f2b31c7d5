"""Imports that cannot hurt the site: size, rows and unzipped-size limits; header first; the
check writes nothing and opens no transaction; the write comes after, in short transactions."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.db import connection

from junheng.accounts.models import AuditLog
from junheng.region import actions, batches, imports, resources
from junheng.region.imports import ImportLimits, read_table
from junheng.region.models import SchoolClass, Student
from junheng.region.resources import STUDENT_COLUMNS
from tests.region.test_import import STUDENT_HEADER, csv_bytes, errors_of, good_students, xlsx

MB = 1024 * 1024


def rebuilt(data: bytes, replace: dict[str, object]) -> bytes:
    """The .xlsx `data` with some parts replaced: bytes, or a callable writing into the part."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info.filename)
            new = replace.get(info.filename)
            if callable(new):
                with dst.open(info.filename, "w") as fh:
                    new(fh, body)
            else:
                dst.writestr(info.filename, new if new is not None else body)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A workbook of 0.15 MB whose sheet unzips to 150 MB (a real header row, then padding)."""

    def pad(fh, body):
        fh.write(body)
        block = b" " * MB
        for _ in range(150):
            fh.write(block)

    return rebuilt(xlsx(good_students()), {"xl/worksheets/sheet1.xml": pad})


@pytest.fixture
def forbid_unzipping(monkeypatch):
    """Call it, and the test fails if anything then opens the workbook or inflates a part."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    def forbid():
        monkeypatch.setattr(imports, "load_workbook", refuse)
        monkeypatch.setattr(zipfile.ZipFile, "open", refuse)

    return forbid


def test_a_zip_bomb_is_refused_from_the_zip_directory_without_unzipping(zip_bomb, forbid_unzipping):
    assert len(zip_bomb) < 0.5 * MB
    forbid_unzipping()
    with pytest.raises(imports.FileError, match="疑似压缩炸弹，已拒绝") as info:
        read_table(zip_bomb, "students.xlsx", STUDENT_COLUMNS)
    [error] = info.value.errors
    assert error.row is None
    assert "疑似压缩炸弹" in error.reason and "xl/worksheets/sheet1.xml" in error.reason
    assert re.search(r"解压后 15\d\.\d MB", error.reason)


def test_the_import_page_action_refuses_a_zip_bomb_saves_nothing_and_audits(users, zip_bomb):
    report = actions.import_rows("students", zip_bomb, filename="bomb.xlsx", by=users["bureau"])
    assert not report.saved and len(report.errors) == 1
    assert "压缩炸弹" in report.errors[0].reason
    assert not Student.objects.filter(code__startswith="P100").exists()
    log = AuditLog.objects.get(action="import_students")
    assert log.detail["file"] == "bomb.xlsx" and log.detail["errors"] == 1


def test_a_workbook_over_the_unzipped_limit_is_refused(settings, forbid_unzipping):
    settings.JUNHENG_IMPORT_LIMITS = {"max_unzipped_bytes": 10_000}
    data = xlsx(good_students())
    forbid_unzipping()
    with pytest.raises(imports.FileError, match="文件解压后过大") as info:
        read_table(data, "s.xlsx", STUDENT_COLUMNS)
    assert "文件解压后过大" in info.value.errors[0].reason
    assert "上限 0.0 MB" in info.value.errors[0].reason


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings, forbid_unzipping):
    settings.JUNHENG_IMPORT_LIMITS = {"max_bytes": 1000}
    data = xlsx(good_students())
    assert len(data) > 1000
    forbid_unzipping()
    with pytest.raises(imports.FileError, match="文件过大") as info:
        read_table(data, "s.xlsx", STUDENT_COLUMNS)
    assert "文件过大" in info.value.errors[0].reason


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_are_refused(kind):
    rows = good_students()
    data = csv_bytes(rows) if kind == "csv" else xlsx(rows)
    with pytest.raises(imports.FileError, match="行数过多（最多 2 行）") as info:
        read_table(data, f"s.{kind}", STUDENT_COLUMNS, ImportLimits(max_rows=2))
    assert [str(e.reason) for e in info.value.errors] == ["行数过多（最多 2 行）"]
    assert len(read_table(data, f"s.{kind}", STUDENT_COLUMNS, ImportLimits(max_rows=3)).rows) == 3


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_header_is_checked_before_any_data_row_is_read(kind):
    """A wrong header is the error, even in a file whose rows are over the row limit: the rows
    were never read."""
    rows = [[c for c in STUDENT_HEADER if "gender" not in c]]
    rows += [["P1", "赵一", "2018-03-02", "S01", 2, 1, "否"]] * 50
    data = csv_bytes(rows) if kind == "csv" else xlsx(rows)
    with pytest.raises(imports.FileError, match=r"「性别 \(gender\)」列：缺少必填列") as info:
        read_table(data, f"s.{kind}", STUDENT_COLUMNS, ImportLimits(max_rows=1))
    assert [(e.row, e.column, e.reason) for e in info.value.errors] == [
        (1, "性别 (gender)", "缺少必填列")
    ]


def test_a_sheet_claiming_the_largest_dimension_is_read_by_its_real_rows():
    """A sheet may declare A1:XFD1048576; read as declared that is 17 billion cells."""
    data = xlsx(good_students())

    def huge(fh, body):
        fh.write(re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', body))

    data = rebuilt(data, {"xl/worksheets/sheet1.xml": huge})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"A1:XFD1048576" in z.read("xl/worksheets/sheet1.xml")
    table = read_table(data, "s.xlsx", STUDENT_COLUMNS)
    assert table.rows == [2, 3, 4]
    assert all(len(r) == len(table.dataset.headers) for r in table.dataset)


def test_cells_beyond_the_column_limit_are_not_read():
    rows = [[*STUDENT_HEADER, *[f"备注{i}" for i in range(300)]]]
    rows += [[*r, *["x"] * 300] for r in good_students()[1:]]
    table = read_table(csv_bytes(rows), "s.csv", STUDENT_COLUMNS, ImportLimits(max_columns=10))
    assert len(table.rows) == 3 and table.dataset.headers[0] == "code"


@pytest.mark.django_db(transaction=True)
def test_the_check_writes_nothing_and_the_write_comes_in_short_transactions(users, monkeypatch):
    """Rows are checked with no transaction open; after the check the rows (new classes, then
    students) are written in chunks, each in its own transaction; a dry run writes only its
    audit record."""
    seen: list[tuple[str, bool]] = []
    original_row = resources.RegionResource.before_import_row
    original_create = batches._create

    def checking(self, row, **kwargs):
        seen.append(("check", connection.in_atomic_block))
        return original_row(self, row, **kwargs)

    def writing(batch, model, objs):
        seen.append((f"write {model._meta.model_name} x{len(objs)}", connection.in_atomic_block))
        return original_create(batch, model, objs)

    monkeypatch.setattr(resources.RegionResource, "before_import_row", checking)
    monkeypatch.setattr(batches, "_create", writing)
    monkeypatch.setattr(batches, "WRITE_CHUNK", 2)

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as dry:
        report = actions.import_rows(
            "students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"], dry_run=True
        )
    assert report.ok and report.created == 3 and not report.saved
    writes = [
        q["sql"] for q in dry.captured_queries if re.match(r"(INSERT|UPDATE|DELETE)", q["sql"])
    ]
    assert len(writes) == 1 and "accounts_auditlog" in writes[0]
    assert seen == [("check", False)] * 3
    assert not SchoolClass.objects.filter(school__code="S01", grade=2).exists()

    seen.clear()
    report = actions.import_rows(
        "students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"]
    )
    assert report.ok and report.saved, errors_of(report)
    assert seen == [("check", False)] * 3 + [
        ("write schoolclass x2", True),
        ("write student x2", True),
        ("write student x1", True),
    ]
    assert Student.objects.get(code="P1002").school_class.number == 1


def test_the_import_page_shows_the_zip_bomb_refusal_in_chinese(users, login, zip_bomb):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = login(users["bureau"])
    upload = SimpleUploadedFile("炸弹.xlsx", zip_bomb)
    response = client.post(
        reverse("region:import"), {"kind": "students", "file": upload, "dry_run": "on"}
    )
    assert response.status_code == 422
    assert "疑似压缩炸弹，已拒绝" in response.content.decode()
