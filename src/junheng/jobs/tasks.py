"""The one task every job runs through (the tasks framework's queue carries only the job id)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task


@task(queue_name=getattr(settings, "JOBS_QUEUE", "default"))
def run_job(job_id: int) -> dict[str, Any]:
    from junheng.jobs.actions import execute_job

    return execute_job(job_id)
