"""Imports run as jobs: the upload returns at once, the page polls, the report comes back."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from junheng.jobs.models import Job
from junheng.jobs.worker import drain
from junheng.region.models import Student
from tests.region.test_import import good_students, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_queue(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path


def _post(client, rows, dry_run=False):
    upload = SimpleUploadedFile("学生.xlsx", xlsx(rows))
    data = {"kind": "students", "file": upload}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/region/import/", data)


def test_an_import_returns_at_once_and_the_page_shows_the_report_when_done(
    client, users, db_queue, tmp_path
):
    client.force_login(users["bureau"])
    resp = _post(client, good_students())
    assert resp.status_code == 302 and "?job=" in resp["Location"]
    job = Job.objects.get(kind="region_import")
    assert job.state == "queued" and not Student.objects.filter(code="P1001").exists()
    assert default_storage.exists(job.args["path"])
    page = client.get(resp["Location"]).content.decode()
    assert 'data-testid="job-progress"' in page and 'data-testid="import-result"' not in page
    drain()
    page = client.get(resp["Location"]).content.decode()
    assert 'data-testid="import-result"' in page and 'data-testid="created">3<' in page
    assert Student.objects.filter(code__in=["P1001", "P1002", "P1003"]).count() == 3
    assert not default_storage.exists(job.args["path"])  # the upload is not kept


def test_a_dry_run_job_saves_nothing_and_bad_rows_come_back_named(client, users, db_queue):
    client.force_login(users["bureau"])
    rows = good_students()
    rows[2][5] = "abc"  # grade of 钱二
    resp = _post(client, rows, dry_run=True)
    drain()
    page = client.get(resp["Location"])
    assert page.status_code == 422
    body = page.content.decode()
    assert 'data-testid="import-errors"' in body and '<td class="num">3</td>' in body
    assert "年级" in body and not Student.objects.filter(code="P1001").exists()
    job = Job.objects.get(kind="region_import")
    assert job.state == "done" and job.result["errors"] == 1 and job.result["saved"] is False


def test_another_school_cannot_read_the_import_report(client, users, db_queue):
    client.force_login(users["school"])
    resp = _post(client, [good_students()[0], good_students()[1]])
    client.force_login(users["school_b"])
    assert client.get(resp["Location"]).status_code == 404


def test_an_import_counts_the_pages_region_counts_again_in_the_worker(
    client, users, db_queue, settings
):
    from django.core.cache import cache

    from junheng import kept
    from junheng.region import queries

    settings.JUNHENG_BALANCE_CACHE_S = 300
    # every kept count: a transactional test before this one may have committed cache rows
    # (the db:// cache table is not flushed with the models' tables)
    cache.delete_many(kept.kept_keys())
    client.force_login(users["bureau"])
    before = client.get("/").context["glance"]["totals"]["students"]  # counted and kept
    _post(client, good_students(), dry_run=True)
    drain()
    assert kept.peek(queries.GLANCE_KEY)["totals"]["students"] == before  # a dry run: nothing
    _post(client, good_students())
    drain()
    # The bulk write sent no signal; the job itself counted again before it ended.
    assert kept.peek(queries.GLANCE_KEY)["totals"]["students"] == before + 3
    assert client.get("/").context["glance"]["totals"]["students"] == Student.objects.count()
    cache.clear()
