"""Background tasks of the course supermarket (django_tasks: immediate in the demo)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def compute_supply_run(run_id: int) -> dict[str, Any]:
    """Compute a balanced-supply run; progress and the outcome are written on the run row."""
    from junheng.afterschool.actions import execute_supply_run
    from junheng.afterschool.models import RunStatus, SupplyRun

    try:
        return execute_supply_run(run_id)
    except Exception as err:
        logger.exception("supply run %s failed", run_id)
        SupplyRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            progress=100,
            message=f"{type(err).__name__}: {err}"[:2000],
            finished_at=timezone.now(),
        )
        raise
