"""Background tasks of school places (django_tasks: immediate in the demo, a worker in
production)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def compute_forecast(run_id: int) -> dict[str, Any]:
    """Compute a forecast run; a failure is written on the run."""
    from junheng.places.actions import execute_forecast
    from junheng.places.models import ForecastRun, RunStatus

    try:
        return execute_forecast(run_id)
    except Exception as err:
        logger.exception("forecast run %s failed", run_id)
        ForecastRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
            status=RunStatus.FAILED,
            message=f"{type(err).__name__}: {err}"[:2000],
            finished_at=timezone.now(),
        )
        raise
