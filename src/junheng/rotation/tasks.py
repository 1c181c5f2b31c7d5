"""Job bodies of the rotation planner (交流轮岗), run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.jobs.actions import JobFailed

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def plan_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a plan run; an infeasible round ends the job with the reason (the run keeps it)."""
    from junheng.rotation.actions import execute_plan_run
    from junheng.rotation.models import RunStatus

    out = execute_plan_run(run_id, job=job)
    if out.get("status") == RunStatus.INFEASIBLE:
        raise JobFailed(str(out.get("message", "")))
    return out


def plan_failed(job: Job) -> None:
    from junheng.rotation.models import PlanRun, RunStatus

    message = job.error if job.state == "failed" else _("已取消。")
    PlanRun.objects.filter(pk=job.args["run_id"]).exclude(
        status__in=(RunStatus.DONE, RunStatus.INFEASIBLE)
    ).update(status=RunStatus.FAILED, message=message[:2000], finished_at=timezone.now())


def tradeoff_job(job: Job, *, tradeoff_id: int) -> dict[str, Any]:
    """Compute the trade-off table (one plan per share of movers)."""
    from junheng.rotation.actions import execute_tradeoff
    from junheng.rotation.models import RunStatus

    out = execute_tradeoff(tradeoff_id, job=job)
    if out.get("status") == RunStatus.INFEASIBLE:
        raise JobFailed(str(out.get("message", "")))
    return out


def tradeoff_failed(job: Job) -> None:
    from junheng.rotation.models import RunStatus, Tradeoff

    message = job.error if job.state == "failed" else _("已取消。")
    Tradeoff.objects.filter(pk=job.args["tradeoff_id"]).exclude(
        status__in=(RunStatus.DONE, RunStatus.INFEASIBLE)
    ).update(status=RunStatus.FAILED, message=message[:2000], finished_at=timezone.now())
