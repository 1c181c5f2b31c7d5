"""Old job rows are pruned: ended more than JOBS_KEEP_DAYS ago, with their export files; active
jobs and recent ones stay; it runs daily as a periodic job."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from junheng.jobs.actions import prune_jobs
from junheng.jobs.files import keep_result
from junheng.jobs.models import Job
from junheng.jobs.schedule import PERIODIC

pytestmark = pytest.mark.django_db


def job(state, ended_days_ago, **kw):
    now = timezone.now()
    when = now - dt.timedelta(days=ended_days_ago)
    return Job.objects.create(
        kind="test",
        task_path="x.y",
        state=state,
        created_at=when,
        finished_at=None if state in ("queued", "running") else when,
        **kw,
    )


def test_old_finished_jobs_and_their_files_go_recent_and_active_ones_stay(settings, tmp_path):
    settings.JOBS_KEEP_DAYS = 30
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    path = keep_result(io.BytesIO(b"rows"), "junheng-students.csv")
    old_export = job("done", 40, result={"file": path, "filename": "x.csv", "rows": 1})
    old_failed = job("failed", 31)
    recent = job("done", 29)
    stuck = job("running", 60)  # the sweep's business, never the pruner's
    queued = job("queued", 60)

    assert prune_jobs() == {"jobs": 2, "files": 1, "tasks": 0}
    left = set(Job.objects.values_list("pk", flat=True))
    assert left == {recent.pk, stuck.pk, queued.pk}
    assert old_export.pk not in left and old_failed.pk not in left
    assert not default_storage.exists(path)

    settings.JOBS_KEEP_DAYS = 7
    assert prune_jobs()["jobs"] == 1 and not Job.objects.filter(pk=recent.pk).exists()


def test_pruning_is_a_daily_periodic_job():
    (p,) = [p for p in PERIODIC if p.name == "prune_jobs"]
    assert p.every == dt.timedelta(days=1) and p.task_path.endswith("prune_jobs_job")
