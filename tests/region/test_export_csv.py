"""The streamed CSV export: the .xlsx export's rows, scoped, audited, read in chunks."""

from __future__ import annotations

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.region.models import Student


def read(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_students_csv_streams_the_bureaus_rows_with_the_import_header(users, login, region):
    response = login(users["bureau"]).get(reverse("region:export_csv", args=["students"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = read(response)
    assert rows[0][:2] == ["学生编码 (code)", "姓名 (name)"]
    assert [r[0] for r in rows[1:]] == ["P0001", "P0002"]
    assert AuditLog.objects.filter(action="export_students", actor=users["bureau"]).exists()


def test_school_admin_csv_has_only_its_school_and_formulas_stay_text(users, login, region):
    Student.objects.filter(code="P0001").update(name="=1+2")
    rows = read(login(users["school"]).get(reverse("region:export_csv", args=["students"])))
    assert [r[0] for r in rows[1:]] == ["P0001"]
    assert rows[1][1] == "'=1+2"


def test_other_roles_get_no_csv(users, login):
    for key in ("parent", "teacher", "provider"):
        r = login(users[key]).get(reverse("region:export_csv", args=["students"]))
        assert r.status_code == 403


def test_csv_export_reads_the_rows_in_a_few_chunked_queries(users, login, region):
    school = region["school_a"]
    Student.objects.bulk_create(
        Student(code=f"Q{i:05d}", name="学生", gender="F", school=school, grade=2)
        for i in range(4500)
    )
    response = login(users["bureau"]).get(reverse("region:export_csv", args=["students"]))
    with CaptureQueriesContext(connection) as ctx:
        rows = read(response)
    assert len(rows) == 1 + 4502
    assert len(ctx.captured_queries) <= 6  # chunks of 2,000 (SQLite) or one server-side cursor
