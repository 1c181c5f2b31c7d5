"""Rotation JSON API (django-ninja), scoped as the pages are.

The bureau lists rounds and reads a round's plan (summary, before/after indicators, moves); a
school admin or teacher reads the moves it may see (`rotation.access.moves_for`: published
only, own school / own move); parents and providers get 403.
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from junheng.rotation.access import access_round, access_round_read, moves_for, rounds_for
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["rotation"])


class RoundOut(Schema):
    id: int
    year: int
    status: str
    min_years: int
    share: str
    max_share: str | None
    target_share: str | None
    backbone_share: str
    backbone_basis: str
    max_km: float


class MoveOut(Schema):
    teacher_id: str
    teacher_name: str
    subject: str
    from_school: str
    to_school: str
    km: float
    backbone: bool
    qualified: bool
    pref_rank: int


class PlanOut(Schema):
    round: RoundOut
    status: str
    message: str
    summary: dict[str, Any]
    balance: dict[str, Any]
    moves: list[MoveOut]


def _round(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "year": r.year,
        "status": r.status,
        "min_years": r.min_years,
        "share": str(r.share),
        "max_share": None if r.max_share is None else str(r.max_share),
        "target_share": None if r.target_share is None else str(r.target_share),
        "backbone_share": str(r.backbone_share),
        "backbone_basis": r.backbone_basis,
        "max_km": r.max_km,
    }


def _moves(qs: Any) -> list[dict[str, Any]]:
    return [
        {
            "teacher_id": m.teacher.code,
            "teacher_name": m.teacher.name,
            "subject": m.teacher.subject,
            "from_school": m.from_school.code,
            "to_school": m.to_school.code,
            "km": m.km,
            "backbone": m.backbone,
            "qualified": m.qualified,
            "pref_rank": m.pref_rank,
        }
        for m in qs
    ]


@router.get("/rounds", response=list[RoundOut])
def rounds(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    from junheng.accounts.scoping import require_role

    user = request.user
    require_role(user, "bureau", "school", "teacher")
    return [_round(r) for r in rounds_for(user)]


@router.get("/rounds/{round_id}/plan", response=PlanOut)
def plan(request: AuthenticatedHttpRequest, round_id: int) -> dict[str, Any]:
    """The bureau's view of the round's plan (the published one, or the latest draft)."""
    user = request.user
    rnd = access_round(user, round_id)
    run = rnd.published_run or rnd.latest_run()
    return {
        "round": _round(rnd),
        "status": run.status if run else "none",
        "message": run.message if run else "",
        "summary": run.summary if run else {},
        "balance": run.balance if run else {},
        "moves": _moves(moves_for(user, rnd)) if run else [],
    }


@router.get("/rounds/{round_id}/moves", response=list[MoveOut])
def moves(request: AuthenticatedHttpRequest, round_id: int) -> list[dict[str, Any]]:
    """The moves this user may see: all for the bureau; own school's or own move once published."""
    user = request.user
    rnd = access_round_read(user, round_id)
    return _moves(moves_for(user, rnd))
