"""Education-community JSON API (django-ninja), scoped as the pages are.

`/communities`: the active communities anyone logged in may list (as the public page);
`/communities/{id}`: one community with its members, for the bureau and the schools in it
(403 for other roles, 404 outside the scope); `/rounds/{id}/proposal`: the bureau's pairing
proposal (pairs with lift, mode and km, and the summary).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from junheng.communities.access import access_community, access_round, public_communities
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["communities"])


class MemberOut(Schema):
    school_id: str
    name: str
    mode: str
    joined_year: int


class CommunityOut(Schema):
    id: int
    name: str
    kind: str
    core_id: str
    core_name: str
    start_year: int
    active: bool
    partner_region: str
    partner_school: str
    members: list[MemberOut]


class PairOut(Schema):
    member_id: str
    core_id: str
    mode: str
    km: float
    lift: float
    locked: bool


class ProposalOut(Schema):
    round_id: int
    year: int
    status: str
    run_status: str
    summary: dict[str, Any]
    pairs: list[PairOut]


def _community(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "core_id": c.core.code,
        "core_name": c.core.name,
        "start_year": c.start_year,
        "active": c.active,
        "partner_region": c.partner_region,
        "partner_school": c.partner_school,
        "members": [
            {
                "school_id": m.school.code,
                "name": m.school.name,
                "mode": m.mode,
                "joined_year": m.joined_year,
            }
            for m in c.memberships.all()
        ],
    }


@router.get("/communities", response=list[CommunityOut])
def communities(request: HttpRequest) -> list[dict[str, Any]]:
    qs = public_communities().prefetch_related("memberships__school")
    return [_community(c) for c in qs]


@router.get("/communities/{community_id}", response=CommunityOut)
def community(request: AuthenticatedHttpRequest, community_id: int) -> dict[str, Any]:
    c = access_community(request.user, community_id)
    return _community(c)


@router.get("/rounds/{round_id}/proposal", response=ProposalOut)
def proposal(request: AuthenticatedHttpRequest, round_id: int) -> dict[str, Any]:
    rnd = access_round(request.user, round_id)
    run = rnd.published_run or rnd.latest_run()
    pairs = list(run.pairs.select_related("member", "core")) if run and run.is_done else []
    return {
        "round_id": rnd.pk,
        "year": rnd.year,
        "status": rnd.status,
        "run_status": run.status if run else "none",
        "summary": run.summary if run else {},
        "pairs": [
            {
                "member_id": p.member.code,
                "core_id": p.core.code,
                "mode": p.mode,
                "km": p.km,
                "lift": p.lift,
                "locked": p.locked,
            }
            for p in pairs
        ],
    }
