"""Job bodies of the education communities, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junheng.communities.actions import execute_pairing_run
from junheng.communities.lessons import execute_schedule
from junheng.communities.models import PairingRun, RunStatus, SyncSchedule
from junheng.jobs.actions import JobFailed, mark_ended

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def pairing_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a pairing run; the run row keeps its own status, the job the progress."""
    out = execute_pairing_run(run_id, job=job)
    if out.get("status") == "infeasible":
        raise JobFailed(str(out.get("message", "")))
    return out


def pairing_failed(job: Job) -> None:
    """The job failed or was cancelled (wherever that was decided): so is the run, unless the
    engine already said why the rules cannot hold."""
    mark_ended(
        PairingRun.objects.filter(pk=job.args["run_id"]).exclude(
            status__in=[RunStatus.DONE, RunStatus.INFEASIBLE]
        ),
        job,
        status=RunStatus.FAILED,
    )


def schedule_job(job: Job, *, schedule_id: int) -> dict[str, Any]:
    """Compute a term's synchronous-lesson timetable."""
    return execute_schedule(schedule_id, job=job)


def schedule_failed(job: Job) -> None:
    SyncSchedule.objects.filter(pk=job.args["schedule_id"]).update(computing=False)
