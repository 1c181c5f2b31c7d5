"""Background tasks of the enrolment app (django_tasks: immediate in the demo, a worker in
production)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def run_draw(draw_id: int) -> dict[str, Any]:
    """Run a closed window's draw; a failure is written on the draw row."""
    from junheng.enrolment.actions import execute_draw
    from junheng.enrolment.models import Draw, DrawState

    try:
        return execute_draw(draw_id)
    except Exception as err:
        logger.exception("draw %s failed", draw_id)
        Draw.objects.filter(pk=draw_id).exclude(state=DrawState.DONE).update(
            state=DrawState.FAILED,
            message=f"{type(err).__name__}: {err}"[:2000],
            finished_at=timezone.now(),
        )
        raise


@task()
def expire_waitlist_offers() -> int:
    """Lapse overdue waitlist offers and pass their seats on (schedule e.g. every 10 minutes)."""
    from junheng.enrolment.actions import expire_offers

    return expire_offers()
