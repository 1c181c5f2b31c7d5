"""The real queues: two worker processes over one PostgreSQL, and the RQ backend on Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from junheng.jobs.actions import start_job
from junheng.jobs.models import Job, JobState, WorkerBeat

REPO = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_two_workers_over_one_postgresql_never_run_a_job_twice(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("two worker processes need a database both can reach (PostgreSQL)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "JUNHENG_TASKS": "db",
        "DJANGO_SETTINGS_MODULE": "junheng.config.settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
        "JUNHENG_VAR": str(tmp_path),
    }
    cmd = [sys.executable, "-m", "junheng.cli", "worker", "--interval", "0.05", "--no-scheduler"]
    workers = [
        subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL) for _ in range(2)
    ]
    try:
        _wait(lambda: WorkerBeat.objects.count() == 2, 120, "two workers")
        log = tmp_path / "runs.log"
        jobs = [
            start_job("mark", "tests.jobs.bodies.mark", by=None, n=n, log=str(log), sleep=0.05)
            for n in range(40)
        ]
        ids = [j.pk for j in jobs]
        _wait(
            lambda: not Job.objects.filter(pk__in=ids, state__in=["queued", "running"]).exists(),
            240,
            "the jobs",
        )
    finally:
        for w in workers:
            w.send_signal(signal.SIGINT)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
    assert set(Job.objects.filter(pk__in=ids).values_list("state", flat=True)) == {JobState.DONE}
    runs = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(n) for n, _pid in runs) == list(range(40))  # each exactly once
    assert len({pid for _n, pid in runs}) == 2  # and both workers took their share
    assert set(Job.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def rq_queue(settings):
    """A queue of its own on the Redis at REDIS_URL (skipped locally without Redis; CI has it)."""
    redis = pytest.importorskip("redis")
    pytest.importorskip("django_tasks_rq")
    try:
        redis.Redis.from_url(_redis_url(), socket_connect_timeout=1).ping()
    except Exception as err:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"CI must test the RQ backend, no Redis: {err}") from err
        pytest.skip(f"no Redis at {_redis_url()}")
    name = f"junheng-test-{uuid.uuid4().hex[:12]}"
    settings.RQ_QUEUES = {name: {"URL": _redis_url()}}
    settings.JOBS_QUEUE = name
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    import django_rq

    queue = django_rq.get_queue(name)
    yield queue
    queue.delete(delete_jobs=True)


def _rq_work(queue) -> None:
    from django_tasks_rq import Job as RQJob
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection, job_class=RQJob).work(burst=True)


@pytest.mark.django_db
def test_rq_backend_queues_in_redis_and_a_worker_runs_the_job(
    rq_queue, users, django_capture_on_commit_callbacks
):
    from tests.jobs import bodies

    with django_capture_on_commit_callbacks(execute=True):
        job = start_job("count", bodies.count_to, by=users["bureau"], n=4)
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.task_result_id
    assert rq_queue.count == 1
    _rq_work(rq_queue)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result == {"counted": 4}


@pytest.mark.django_db
def test_rq_health_check_reports_redis(rq_queue, client):
    data = client.get("/healthz").json()
    assert data["queue"]["backend"] == "RQBackend" and data["queue"]["redis"] is True
