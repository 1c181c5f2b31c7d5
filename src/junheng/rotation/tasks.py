"""Background tasks of the rotation planner (django_tasks: immediate in the demo)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def compute_rotation_plan(run_id: int) -> dict[str, Any]:
    """Compute a plan run; the outcome (moves, figures or the reason) is written on the run."""
    from junheng.rotation.actions import execute_plan_run
    from junheng.rotation.models import PlanRun, RunStatus

    try:
        return execute_plan_run(run_id)
    except Exception as err:
        logger.exception("rotation plan run %s failed", run_id)
        PlanRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            message=f"{type(err).__name__}: {err}"[:2000],
            finished_at=timezone.now(),
        )
        raise
