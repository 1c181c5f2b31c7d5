"""Job bodies of the enrolment app, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.jobs.actions import JobFailed

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def draw_job(job: Job, *, draw_id: int) -> dict[str, Any]:
    """Run a closed window's draw (progress on the job; every row stored in one transaction)."""
    from junheng.enrolment.actions import execute_draw

    out = execute_draw(draw_id, job=job)
    if "error" in out:
        raise JobFailed(str(out["error"]))
    return out


def draw_failed(job: Job) -> None:
    """The draw's job failed or was cancelled: the draw is marked failed and may be run again."""
    from junheng.enrolment.models import Draw, DrawState

    message = job.error if job.state == "failed" else _("已取消。")
    Draw.objects.filter(pk=job.args["draw_id"]).exclude(state=DrawState.DONE).update(
        state=DrawState.FAILED, message=message[:2000], finished_at=timezone.now()
    )


def expire_offers_job(job: Job) -> dict[str, int]:
    """Periodic: lapse overdue waitlist offers and pass their seats on in lottery order."""
    from junheng.enrolment.actions import expire_offers

    return {"lapsed": expire_offers()}


def close_due_windows_job(job: Job) -> dict[str, Any]:
    """Periodic job body (junheng.jobs.schedule): close every open window past `closes_at`."""
    from junheng.enrolment.actions import close_due_windows

    return {"closed": close_due_windows()}
