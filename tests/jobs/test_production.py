"""Production basics: hashed static files, the health check, errors logged with the request."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from junheng.jobs.actions import start_job
from junheng.jobs.models import Job, WorkerBeat
from tests.jobs import bodies


def test_collectstatic_writes_hashed_names_the_pages_use(settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "junheng.config.storage.StaticStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    url = Template("{% load static %}{% static 'junheng/site.css' %}").render(Context())
    assert url.startswith("/static/junheng/site.") and url.endswith(".css")
    assert url != "/static/junheng/site.css"
    name = url.removeprefix("/static/")
    assert (tmp_path / name).exists() and (tmp_path / f"{name}.gz").exists()


@pytest.mark.django_db
def test_healthz_reports_database_and_queue(client, users, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    WorkerBeat.objects.create(worker_id="w1", hostname="h", pid=1, backend="db")
    page = client.get("/healthz")
    assert page.status_code == 200
    data = page.json()
    assert data["status"] == "ok" and data["database"]["ok"] is True
    assert data["queue"]["workers"] == 1 and data["queue"]["queued"] == 0

    job = start_job("count", bodies.count_to, by=users["bureau"], n=1)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    page = client.get("/healthz")
    assert page.status_code == 503
    data = page.json()
    assert data["status"] == "error" and data["queue"]["ok"] is False
    assert data["queue"]["oldest_queued_s"] >= 3600


def test_log_lines_name_the_request():
    from junheng.jobs.logs import RequestContextFilter

    request = RequestFactory().get("/region/students/?q=1")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.request = request
    assert RequestContextFilter().filter(record)
    assert record.request_line == "[GET /region/students/?q=1 user=-] "


def _settings_with(env: dict[str, str]) -> dict:
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json; from junheng.config import settings as s; print(json.dumps({"
        "'admins': s.ADMINS, 'tasks': s.TASKS['default']['BACKEND'], "
        "'apps': s.INSTALLED_APPS, 'media': s.STORAGES['default'], "
        "'static': s.STORAGES['staticfiles']['BACKEND'], 'mail': s.LOGGING['loggers']"
        "['django.request']['handlers']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JUNHENG_", "ADMINS"))}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_settings_come_from_the_environment():
    default = _settings_with({})
    assert default["tasks"] == "django_tasks_db.DatabaseBackend"
    assert default["static"] == "junheng.config.storage.StaticStorage"
    assert default["media"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert default["admins"] == [] and "mail_admins" in default["mail"]

    prod = _settings_with(
        {
            "JUNHENG_TASKS": "rq",
            "ADMINS": "值班 <ops@example.org>, dev@example.org",
            "JUNHENG_MEDIA_STORAGE": "django.core.files.storage.InMemoryStorage",
            "JUNHENG_MEDIA_OPTIONS": '{"location": "uploads"}',
        }
    )
    assert prod["tasks"] == "django_tasks_rq.RQBackend"
    assert "django_rq" in prod["apps"] and "django_tasks_rq" in prod["apps"]
    assert prod["admins"] == [["值班", "ops@example.org"], ["", "dev@example.org"]]
    assert prod["media"] == {
        "BACKEND": "django.core.files.storage.InMemoryStorage",
        "OPTIONS": {"location": "uploads"},
    }
