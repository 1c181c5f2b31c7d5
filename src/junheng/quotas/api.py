"""Quota-table JSON API (django-ninja), scoped as the pages are.

The bureau lists every table and reads every row of a published one; a school admin lists the
published tables and reads its own school's row only; everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from junheng.accounts.models import Role
from junheng.accounts.scoping import require_bureau
from junheng.quotas.access import access_published_table, own_school, tables_for
from junheng.quotas.models import QuotaSeat
from junheng.quotas.queries import quota_share
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["quotas"])


class TableOut(Schema):
    id: int
    year: int
    version: int
    status: str
    share: str
    method: str
    min_seats: int
    supersedes: int | None
    result_sha256: str


class RowOut(Schema):
    junior_id: str
    junior_name: str
    seats: dict[str, int]  # high_school_id -> seats
    total: int


class ShareOut(Schema):
    year: int
    share: float | None


@router.get("/tables", response=list[TableOut])
def tables(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    own_school(request.user)  # bureau or school admin
    return [
        {
            "id": t.pk,
            "year": t.year,
            "version": t.version,
            "status": t.status,
            "share": t.share_text,
            "method": t.method,
            "min_seats": t.min_seats,
            "supersedes": t.supersedes_id,
            "result_sha256": t.result_sha256,
        }
        for t in tables_for(request.user)
    ]


@router.get("/tables/{table_id}/rows", response=list[RowOut])
def rows(request: AuthenticatedHttpRequest, table_id: int) -> list[dict[str, Any]]:
    """Seats per junior school; a school admin gets only its own school's row."""
    table = access_published_table(request.user, table_id)
    seats = QuotaSeat.objects.filter(table=table)
    if request.user.role == Role.SCHOOL:
        school_id = request.user.school_id
        seats = seats.filter(school_id=school_id) if school_id is not None else seats.none()
    out: dict[str, dict[str, Any]] = {}
    for j, name, h, n in seats.order_by("school__code", "high_school__code").values_list(
        "school__code", "school__name", "high_school__code", "seats"
    ):
        row = out.setdefault(j, {"junior_id": j, "junior_name": name, "seats": {}, "total": 0})
        row["seats"][h] = n
        row["total"] += n
    return list(out.values())


@router.get("/share/{year}", response=ShareOut)
def share(request: AuthenticatedHttpRequest, year: int) -> dict[str, Any]:
    """Σ seats / Σ plan of the year's latest published table (the balance item G14)."""
    require_bureau(request.user)
    return {"year": year, "share": quota_share(year)}
