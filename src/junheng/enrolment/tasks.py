"""Job bodies of the enrolment app, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junheng.enrolment.actions import close_due_windows, execute_draw, expire_offers
from junheng.enrolment.models import Draw, DrawState
from junheng.jobs.actions import JobFailed, mark_ended

if TYPE_CHECKING:
    from junheng.jobs.models import Job


def draw_job(job: Job, *, draw_id: int) -> dict[str, Any]:
    """Run a closed window's draw (progress on the job; every row stored in one transaction)."""
    out = execute_draw(draw_id, job=job)
    if "error" in out:
        raise JobFailed(str(out["error"]))
    return out


def draw_failed(job: Job) -> None:
    """The draw's job failed or was cancelled: the draw is marked failed and may be run again."""
    mark_ended(
        Draw.objects.filter(pk=job.args["draw_id"]).exclude(state=DrawState.DONE),
        job,
        state=DrawState.FAILED,
    )


def expire_offers_job(job: Job) -> dict[str, int]:
    """Periodic: lapse overdue waitlist offers and pass their seats on in lottery order."""
    return {"lapsed": expire_offers()}


def close_due_windows_job(job: Job) -> dict[str, Any]:
    """Periodic job body (junheng.jobs.schedule): close every open window past `closes_at`."""
    return {"closed": close_due_windows()}
