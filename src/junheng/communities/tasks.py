"""Job bodies of the education communities, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.jobs.actions import JobFailed

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def pairing_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """Compute a pairing run; the run row keeps its own status, the job the progress."""
    from junheng.communities.actions import execute_pairing_run

    out = execute_pairing_run(run_id, job=job)
    if out.get("status") == "infeasible":
        raise JobFailed(str(out.get("message", "")))
    return out


def pairing_failed(job: Job) -> None:
    """The job failed or was cancelled (wherever that was decided): so is the run, unless the
    engine already said why the rules cannot hold."""
    from junheng.communities.models import PairingRun, RunStatus

    message = job.error if job.state == "failed" else _("已取消。")
    PairingRun.objects.filter(pk=job.args["run_id"]).exclude(
        status__in=[RunStatus.DONE, RunStatus.INFEASIBLE]
    ).update(status=RunStatus.FAILED, message=message[:2000], finished_at=timezone.now())


def schedule_job(job: Job, *, schedule_id: int) -> dict[str, Any]:
    """Compute a term's synchronous-lesson timetable."""
    from junheng.communities.lessons import execute_schedule

    return execute_schedule(schedule_id, job=job)


def schedule_failed(job: Job) -> None:
    from junheng.communities.models import SyncSchedule

    SyncSchedule.objects.filter(pk=job.args["schedule_id"]).update(computing=False)
