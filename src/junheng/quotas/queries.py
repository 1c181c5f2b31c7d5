"""Read-only questions about quota tables, for this app's pages and for other apps.

`quota_share(year)` is what the balance monitor's government item G14 (优质高中招生名额分配比例
≥ 50%) reads: Σ quota seats / Σ plan of the latest published table of the year.
"""

from __future__ import annotations

from django.db.models import Sum

from junheng.quotas.models import QuotaSeat, QuotaTable, Status


def latest_published(year: int) -> QuotaTable | None:
    """The table in force for a year: its published version with the highest number."""
    return (
        QuotaTable.objects.filter(year=year, status=Status.PUBLISHED).order_by("-version").first()
    )


def published_tables() -> list[QuotaTable]:
    """The table in force of every year that has one, newest year first."""
    seen: set[int] = set()
    out = []
    for t in QuotaTable.objects.filter(status=Status.PUBLISHED).order_by("-year", "-version"):
        if t.year not in seen:
            seen.add(t.year)
            out.append(t)
    return out


def quota_share(year: int) -> float | None:
    """Σ seats allocated to junior schools / Σ plan of the quality high schools, in the latest
    published table of `year` (0.7 = 70%); None when the year has no published table or no plan.
    """
    table = latest_published(year)
    if table is None:
        return None
    plan = table.plans.aggregate(n=Sum("plan"))["n"] or 0
    if plan == 0:
        return None
    seats = QuotaSeat.objects.filter(table=table).aggregate(n=Sum("seats"))["n"] or 0
    return seats / plan
