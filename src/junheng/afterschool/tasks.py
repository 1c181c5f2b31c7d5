"""Job bodies of the course supermarket, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.jobs.actions import JobFailed

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def supply_run_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a balanced-supply run; the run row keeps its own status, the job the progress."""
    from junheng.afterschool.actions import execute_supply_run

    out = execute_supply_run(run_id, job=job)
    if out.get("status") == "failed":
        raise JobFailed(str(out.get("message", "")))
    return out


def supply_run_failed(job: Job) -> None:
    """The job failed or was cancelled (wherever that was decided): so is the run."""
    from junheng.afterschool.models import RunStatus, SupplyRun

    message = job.error if job.state == "failed" else _("已取消。")
    SupplyRun.objects.filter(pk=job.args["run_id"]).exclude(status=RunStatus.PUBLISHED).update(
        status=RunStatus.FAILED,
        progress=100,
        message=message[:2000],
        finished_at=timezone.now(),
    )


def expire_whitelist_job(job: Job) -> dict[str, int]:
    """Periodic: white-list entries whose date has passed become "expired" (with history)."""
    from junheng.afterschool.actions import do_expire_providers

    return {"expired": do_expire_providers(by=None)}
