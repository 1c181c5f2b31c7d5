"""Job bodies of growth portraits, run by a worker through `junheng.jobs`."""

from __future__ import annotations

from typing import Any


def score_job(job: Any) -> dict[str, Any]:
    from junheng.accounts.models import User
    from junheng.portraits.actions import do_score

    by = User.objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    return do_score(by=by, job=job)


def retention_job(job: Any) -> dict[str, Any]:
    from junheng.portraits.retention import apply_retention

    return apply_retention()
