"""Job bodies of the rotation planner (交流轮岗), run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junheng.jobs.actions import JobFailed, mark_ended
from junheng.rotation.actions import execute_plan_run, execute_tradeoff
from junheng.rotation.models import PlanRun, RunStatus, Tradeoff

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def plan_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a plan run; an infeasible round ends the job with the reason (the run keeps it)."""
    out = execute_plan_run(run_id, job=job)
    if out.get("status") == RunStatus.INFEASIBLE:
        raise JobFailed(str(out.get("message", "")))
    return out


def plan_failed(job: Job) -> None:
    mark_ended(
        PlanRun.objects.filter(pk=job.args["run_id"]).exclude(
            status__in=(RunStatus.DONE, RunStatus.INFEASIBLE)
        ),
        job,
        status=RunStatus.FAILED,
    )


def tradeoff_job(job: Job, *, tradeoff_id: int) -> dict[str, Any]:
    """Compute the trade-off table (one plan per share of movers)."""
    out = execute_tradeoff(tradeoff_id, job=job)
    if out.get("status") == RunStatus.INFEASIBLE:
        raise JobFailed(str(out.get("message", "")))
    return out


def tradeoff_failed(job: Job) -> None:
    mark_ended(
        Tradeoff.objects.filter(pk=job.args["tradeoff_id"]).exclude(
            status__in=(RunStatus.DONE, RunStatus.INFEASIBLE)
        ),
        job,
        status=RunStatus.FAILED,
    )
