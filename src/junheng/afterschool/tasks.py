"""Job bodies of the course supermarket, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junheng.afterschool.actions import do_expire_providers, execute_supply_run
from junheng.afterschool.models import RunStatus, SupplyRun
from junheng.jobs.actions import JobFailed, mark_ended

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def supply_run_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a balanced-supply run; the run row keeps its own status, the job the progress."""
    out = execute_supply_run(run_id, job=job)
    if out.get("status") == "failed":
        raise JobFailed(str(out.get("message", "")))
    return out


def supply_run_failed(job: Job) -> None:
    """The job failed or was cancelled (wherever that was decided): so is the run."""
    mark_ended(
        SupplyRun.objects.filter(pk=job.args["run_id"]).exclude(status=RunStatus.PUBLISHED),
        job,
        status=RunStatus.FAILED,
        progress=100,
    )


def expire_whitelist_job(job: Job) -> dict[str, int]:
    """Periodic: white-list entries whose date has passed become "expired" (with history)."""
    return {"expired": do_expire_providers(by=None)}
