"""Retention of growth-portrait records (保存期限), per record kind.

A record is kept for `PORTRAIT_RETENTION_YEARS[kind]` years after the end of its term, then
deleted by a periodic job (`junheng.jobs.schedule`); scores follow their records (a term whose
records are all gone loses its scores too). Defaults below; a bureau overrides them with the
setting of the same name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from junheng.portraits.models import (
    CohortScore,
    DimensionScore,
    IndicatorScore,
    PortraitRecord,
    RecordKind,
)

DEFAULT_RETENTION_YEARS = {
    RecordKind.OBSERVATION: 3,  # teachers' observations: the school stage and a year
    RecordKind.GRADE: 6,
    RecordKind.FITNESS: 3,
    RecordKind.ARTS: 6,
    RecordKind.LABOUR: 6,
    RecordKind.AFTERSCHOOL: 2,
}


def retention_years() -> dict[str, int]:
    over = getattr(settings, "PORTRAIT_RETENTION_YEARS", {}) or {}
    return {str(k): int(over.get(str(k), v)) for k, v in DEFAULT_RETENTION_YEARS.items()}


def apply_retention(today: dt.date | None = None) -> dict[str, Any]:
    """Delete the records past their kind's retention; returns how many of each kind."""
    today = today or timezone.localdate()
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for kind, years in retention_years().items():
            cutoff = today.replace(year=today.year - years)
            n, _ = PortraitRecord.objects.filter(kind=kind, term__end__lt=cutoff).delete()
            deleted[kind] = n
        kept_terms = PortraitRecord.objects.values("term_id")
        DimensionScore.objects.exclude(term_id__in=kept_terms).delete()
        IndicatorScore.objects.exclude(term_id__in=kept_terms).delete()
        CohortScore.objects.exclude(term_id__in=kept_terms).delete()
    return {"deleted": deleted}
