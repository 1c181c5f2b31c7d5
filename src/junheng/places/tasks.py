"""Job bodies of school places, run by a worker through `junheng.jobs` (inline in the demo and
the test suite's immediate backend)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.jobs.actions import JobFailed

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def forecast_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a forecast run; the run keeps its own status, the job the progress."""
    from junheng.places.actions import execute_forecast

    out = execute_forecast(run_id, job=job)
    if out.get("status") == "failed":
        raise JobFailed(str(out.get("message", "")))
    return out


def forecast_failed(job: Job) -> None:
    """The job failed or was cancelled (wherever that was decided): so is the run."""
    from junheng.places.models import ForecastRun, RunStatus

    message = job.error if job.state == "failed" else _("已取消。")
    ForecastRun.objects.filter(pk=job.args["run_id"]).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, message=(message or "")[:2000], finished_at=timezone.now()
    )
