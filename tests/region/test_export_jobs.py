"""Large exports run as jobs: the page returns at once with the job, the file is downloaded
from the job's page (only by those who may see the job), and the fast rows read back exactly
as the library's per-cell export wrote them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from junheng.jobs.models import Job
from junheng.region import actions
from junheng.region.actions import _export_queryset, export_values
from junheng.region.resources import RESOURCES, ImportScope
from tests.region.test_import import csv_bytes, good_students


@pytest.mark.parametrize("kind", ["schools", "teachers", "students"])
def test_the_fast_rows_are_the_resources_own_rendering(users, kind):
    actions.import_rows(
        "students", csv_bytes(good_students()), filename="s.csv", by=users["bureau"]
    )
    by = users["bureau"]
    qs = _export_queryset(kind, by, None)
    dataset = RESOURCES[kind](ImportScope.for_user(by)).export(queryset=qs)
    assert [list(r) for r in dataset] == list(export_values(kind, by, qs))


def test_a_large_export_is_a_job_with_a_download(users, login, settings):
    settings.JUNHENG_EXPORT_INLINE_ROWS = 1
    actions.import_rows(
        "students", csv_bytes(good_students()), filename="s.csv", by=users["bureau"]
    )
    client = login(users["bureau"])
    url = reverse("region:export", args=["students"])
    # A GET (a crawler, a prefetch, a bookmark) starts nothing: it shows a button that POSTs.
    page = client.get(url)
    assert page.status_code == 200 and not Job.objects.exists()
    html = page.content.decode()
    assert 'data-testid="export-start"' in html and 'method="post"' in html
    response = client.post(url)
    job = Job.objects.get(kind="region_export")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == "done" and job.result["rows"] == 5  # the immediate backend in tests
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("jobs:download", args=[job.pk]) in page
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert book.sheetnames == ["学生"]
    assert rows[0][0] == "学生编码 (code)" and len(rows) == 1 + 5
    assert {r[0] for r in rows[1:]} >= {"P1001", "P1002", "P1003"}

    # Another school's admin, a parent: no such file.
    for key in ("school_b", "parent"):
        assert login(users[key]).get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_a_large_csv_export_is_a_job_too(users, login, settings):
    settings.JUNHENG_EXPORT_INLINE_ROWS = 0
    client = login(users["school"])
    url = reverse("region:export_csv", args=["students"])
    assert client.get(url).status_code == 200 and not Job.objects.exists()
    response = client.post(url)
    job = Job.objects.get(kind="region_export")
    assert response.status_code == 302 and job.result["rows"] == 1  # school A's one student
    body = b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)
    assert body.startswith("\ufeff".encode()) and b"P0001" in body and b"P0002" not in body


def test_a_school_export_keeps_its_school_through_the_button(users, login, settings):
    """The per-school export link (?school=) leads to a form that POSTs the same school; a
    parent can neither see the page nor start the job; an anonymous POST starts nothing."""
    settings.JUNHENG_EXPORT_INLINE_ROWS = 0
    school = users["school"].school
    url = reverse("region:export", args=["students"])
    html = login(users["bureau"]).get(f"{url}?school={school.pk}").content.decode()
    assert f'name="school" value="{school.pk}"' in html
    assert login(users["parent"]).get(url).status_code in (302, 403, 404)
    assert login(users["parent"]).post(url).status_code in (302, 403, 404)
    from django.test import Client

    Client().post(url)
    assert not Job.objects.exists()
    response = login(users["bureau"]).post(url, {"school": str(school.pk)})
    job = Job.objects.get(kind="region_export")
    assert response.status_code == 302 and job.result["rows"] == 1  # that school's one student


def test_a_small_export_is_still_a_plain_download(users, login):
    response = login(users["bureau"]).get(reverse("region:export_csv", args=["students"]))
    assert response.status_code == 200 and not Job.objects.exists()
    assert response["Content-Type"].startswith("text/csv")
