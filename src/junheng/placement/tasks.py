"""Job bodies of class placement (均衡编班), run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junheng.accounts.models import User
from junheng.jobs.actions import mark_ended
from junheng.placement.actions import execute_bulk_run, execute_draw
from junheng.placement.models import BulkPlacementRun, BulkStatus

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def placement_draw_job(job: Job, *, placement_id: int, by_id: int | None) -> dict[str, Any]:
    """One school's draw: engine outside any transaction, the result stored exactly once."""
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return execute_draw(placement_id, by=by, job=job)


def bulk_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Every school's placement of a grade (BulkPlacementRun); progress on the job and the run."""
    return execute_bulk_run(run_id, job=job)


def bulk_failed(job: Job) -> None:
    """Nothing of the run was stored (one transaction at the end): it may be run again; the
    seeds are fixed, so a second run gives the same classes."""
    mark_ended(
        BulkPlacementRun.objects.filter(pk=job.args["run_id"]).exclude(status=BulkStatus.DONE),
        job,
        status=BulkStatus.FAILED,
    )
