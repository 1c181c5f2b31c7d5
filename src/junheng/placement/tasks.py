"""Background tasks of class placement (django_tasks: immediate in the demo)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def run_bulk_placement(run_id: int) -> dict[str, Any]:
    """Every school's placement of a grade (BulkPlacementRun); progress is kept on the row."""
    from junheng.placement.actions import execute_bulk_run
    from junheng.placement.models import BulkPlacementRun, BulkStatus

    try:
        return execute_bulk_run(run_id)
    except Exception as err:
        logger.exception("bulk placement run %s failed", run_id)
        BulkPlacementRun.objects.filter(pk=run_id).update(
            status=BulkStatus.FAILED,
            message=f"{type(err).__name__}: {err}"[:2000],
            finished_at=timezone.now(),
        )
        raise
