"""Read-side helpers of the community pages: what each page shows, in few queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from junheng.balance.models import BalanceSnapshot
from junheng.balance.texts import indicator_labels
from junheng.communities import adapters
from junheng.communities.models import (
    EXCLUSIVE_KINDS,
    Community,
    Kind,
    Membership,
    PairingRound,
    RoundSchool,
    SchoolResult,
)
from junheng.communities.models import Role as SchoolRole
from junheng.region.models import County, School

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from junheng.communities.models import SyncRequest


def kind_counts(communities: Iterable[Community]) -> list[dict[str, Any]]:
    counts = Counter(c.kind for c in communities)
    return [
        {"kind": k, "label": label, "count": counts.get(k, 0)}
        for k, label in Kind.choices
        if counts.get(k)
    ]


def unpaired_schools(county: County | None) -> list[School]:
    """Schools of the county in no active community (neither core nor member)."""
    if county is None:
        return []
    busy = set(
        Membership.objects.filter(community__active=True, community__county=county).values_list(
            "school_id", flat=True
        )
    ) | set(Community.objects.filter(active=True, county=county).values_list("core_id", flat=True))
    return list(School.objects.filter(county=county).exclude(pk__in=busy).order_by("code"))


def results_rows(schools: Sequence[School], year: int) -> list[dict[str, Any]]:
    scores = dict(
        SchoolResult.objects.filter(school__in=schools, year=year).values_list("school_id", "score")
    )
    return [{"school": s, "score": scores.get(s.pk)} for s in schools]


# --------------------------------------------------------------------------- a community


def history(community: Community, schools: Sequence[School]) -> dict[str, Any]:
    """Per year (balance snapshots, the latest of each year): each school's indicators-only
    strength and L1..L7, and each member's gap to the core."""
    by_year: dict[int, BalanceSnapshot] = {}
    for snap in BalanceSnapshot.objects.order_by("year", "taken_at"):
        by_year[snap.year] = snap  # the latest of the year wins
    codes = [s.code for s in schools]
    years: list[dict[str, Any]] = []
    for year, snap in sorted(by_year.items()):
        rows = [r for r in snap.schools if r.get("code") in codes]
        years.append(
            {
                "year": year,
                "synthetic": snap.synthetic,
                "schools": adapters.snapshot_strengths(rows),
            }
        )
    core = community.core.code
    table = []
    for s in schools:
        cells = []
        for y in years:
            v = y["schools"].get(s.code)
            strength = v["strength"] if v else None
            core_v = y["schools"].get(core)
            gap = (
                round(core_v["strength"] - strength, 2)
                if v
                and core_v
                and strength is not None
                and core_v["strength"] is not None
                and s.code != core
                else None
            )
            cells.append(
                {
                    "strength": strength,
                    "gap": gap,
                    "parts": v["parts"] if v else {},
                    "passes": v["passes"] if v else None,
                }
            )
        gaps = [c["gap"] for c in cells if c["gap"] is not None]
        first, last = (gaps[0], gaps[-1]) if len(gaps) >= 2 else (None, None)
        table.append(
            {
                "school": s,
                "is_core": s.code == core,
                "cells": cells,
                # over two snapshots at least: narrower at the last than at the first
                "closing": None if first is None or last is None else last < first,
            }
        )
    return {
        "years": [y["year"] for y in years],
        "synthetic": any(y["synthetic"] for y in years),
        "rows": table,
        "indicators": [
            {"year": y["year"], "rows": _indicator_rows(schools, core, y["schools"])}
            for y in reversed(years)
        ],
        "labels": indicator_labels(),
    }


def _indicator_rows(
    schools: Sequence[School], core: str, strengths: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The seven balance indicators of each school (each part of a nine-year school) in one
    snapshot, each with whether it meets its national threshold: the core first."""
    from junheng.engines.balance import THRESHOLDS

    rows = []
    for s in schools:
        v = strengths.get(s.code)
        if not v:
            continue
        for level, values in sorted(v["parts"].items()):
            rows.append(
                {
                    "school": s,
                    "is_core": s.code == core,
                    "level": level,
                    "cells": [
                        {"v": round(x, 2), "ok": x >= t}
                        for x, t in zip(values, THRESHOLDS[level], strict=True)
                    ],
                }
            )
    return rows


def community_page(community: Community) -> dict[str, Any]:
    schools = adapters.community_schools(community)
    strength, _left = adapters.county_strengths(community.county_id, community.start_year, 0.5)
    members = list(community.memberships.select_related("school").order_by("school__code"))
    core_strength = strength.get(community.core_id)
    member_rows = [
        {
            "m": m,
            "strength": strength.get(m.school_id),
            "gap": round(core_strength - strength[m.school_id], 2)
            if core_strength is not None and m.school_id in strength
            else None,
        }
        for m in members
    ]
    return {
        "members": member_rows,
        "core_strength": core_strength,
        "goals": list(community.goals.order_by("-year")),
        "history": history(community, schools),
        "exclusive": community.kind in EXCLUSIVE_KINDS,
    }


# --------------------------------------------------------------------------- a pairing round


def round_page(rnd: PairingRound) -> dict[str, Any]:
    from junheng.jobs.models import Job

    strength, left_out = adapters.county_strengths(rnd.county_id, rnd.year, rnd.results_weight)
    roles = list(RoundSchool.objects.filter(round=rnd).select_related("school"))
    counts = Counter(r.role for r in roles)
    run = rnd.published_run or rnd.latest_run()
    pairs = (
        list(run.pairs.select_related("member", "core").order_by("member__code"))
        if run is not None and run.is_done
        else []
    )
    schools = [r.school for r in roles]
    role_of = {r.school_id: r.role for r in roles if r.role != SchoolRole.NONE}
    current = adapters.pair_map(schools, adapters.current_pairs(rnd.county_id), role_of)
    proposed = adapters.pair_map(
        schools, [(p.member_id, p.core_id, p.mode) for p in pairs], role_of
    )
    cores = [r for r in roles if r.role == SchoolRole.CORE]
    members = [r for r in roles if r.role == SchoolRole.MEMBER]
    paired = {p.member_id for p in pairs}
    return {
        "round": rnd,
        "roles": [
            {"rs": r, "strength": strength.get(r.school_id), "missing": r.school in left_out}
            for r in sorted(roles, key=lambda r: (r.role != SchoolRole.CORE, r.role, r.school.code))
        ],
        "role_choices": SchoolRole.choices,
        "counts": {
            "core": counts.get(SchoolRole.CORE, 0),
            "member": counts.get(SchoolRole.MEMBER, 0),
        },
        "pins": list(rnd.pins.select_related("member", "core")),
        "run": run,
        "runs": list(rnd.runs.order_by("-pk")[:5]),
        "job": Job.latest_for(run) if run is not None else None,
        "pairs": pairs,
        "cores": cores,
        "unpaired": [r.school for r in members if r.school_id not in paired]
        if run and run.is_done
        else [],
        "current_map": current,
        "proposed_map": proposed,
    }


# --------------------------------------------------------------------------- synchronous lessons


def school_requests(school_id: int) -> QuerySet[SyncRequest]:
    from django.db.models import Q

    from junheng.communities.models import SyncRequest

    return SyncRequest.objects.filter(
        Q(membership__school_id=school_id) | Q(membership__community__core_id=school_id),
        membership__community__active=True,
    ).select_related(
        "membership__school", "membership__community__core", "teacher", "core_class", "member_class"
    )


def school_week(school_id: int, schedule: Any) -> dict[str, Any]:
    """The school's synchronous lessons of a schedule on the weekly grid (days × periods)."""
    from junheng.communities.models import DAYS, PERIODS, SyncSlot

    reqs = {r.pk: r for r in school_requests(school_id)}
    grid: dict[tuple[int, int], list[Any]] = {}
    if schedule is not None:
        for slot in SyncSlot.objects.filter(schedule=schedule, request_id__in=reqs):
            grid.setdefault((slot.day, slot.period), []).append(reqs[slot.request_id])
    rows = [
        {"period": p, "cells": [grid.get((d, p), []) for d in range(1, DAYS + 1)]}
        for p in range(1, PERIODS + 1)
    ]
    return {"rows": rows, "count": sum(len(v) for v in grid.values())}


def school_lessons(school_id: int, today: Any, before: int = 21, after: int = 14) -> list[Any]:
    import datetime as dt

    from junheng.communities.models import SyncLesson

    reqs = list(school_requests(school_id).values_list("pk", flat=True))
    return list(
        SyncLesson.objects.filter(
            request_id__in=reqs,
            date__gte=today - dt.timedelta(days=before),
            date__lte=today + dt.timedelta(days=after),
        ).select_related(
            "request__membership__school",
            "request__membership__community__core",
            "request__teacher",
            "request__core_class",
            "request__member_class",
        )
    )


def community_delivery(community: Community, year: int) -> dict[str, Any]:
    """Per pair: requests, lessons scheduled, held, cancelled in `year`; totals vs the goal."""
    from django.db.models import Count, Q

    from junheng.communities.models import LessonStatus, SyncLesson

    rows = []
    counts = {
        r["request__membership_id"]: r
        for r in SyncLesson.objects.filter(
            request__membership__community=community, date__year=year
        )
        .values("request__membership_id")
        .annotate(
            total=Count("id"),
            held=Count("id", filter=Q(status=LessonStatus.HELD)),
            cancelled=Count("id", filter=Q(status=LessonStatus.CANCELLED)),
        )
        .order_by()
    }
    for m in community.memberships.select_related("school").prefetch_related(
        "sync_requests__teacher", "sync_requests__core_class", "sync_requests__member_class"
    ):
        c = counts.get(m.pk, {})
        rows.append(
            {
                "m": m,
                "requests": list(m.sync_requests.all()),
                "total": c.get("total", 0),
                "held": c.get("held", 0),
                "cancelled": c.get("cancelled", 0),
            }
        )
    goal = community.goals.filter(year=year).first()
    held = sum(r["held"] for r in rows)
    return {
        "year": year,
        "rows": rows,
        "held": held,
        "scheduled": sum(r["total"] for r in rows),
        "cancelled": sum(r["cancelled"] for r in rows),
        "goal": goal.lessons if goal else None,
        "share": round(100 * held / goal.lessons) if goal and goal.lessons else None,
    }


# --------------------------------------------------------------------------- activities, county


def activities_page(community: Community, year: int) -> dict[str, Any]:
    """The community's activities, their count per term and kind, and the year's goal."""
    from junheng.communities.models import ActivityKind
    from junheng.region.models import Term

    acts = list(community.activities.select_related("host").order_by("-date", "-pk"))
    terms = list(Term.objects.order_by("start"))

    def term_of(d: Any) -> str:
        for t in terms:
            if t.start <= d <= t.end:
                return t.name
        return str(d.year)

    per_term: dict[str, Counter[str]] = {}
    for a in acts:
        per_term.setdefault(term_of(a.date), Counter())[a.kind] += 1
    kinds = ActivityKind.choices
    goal = community.goals.filter(year=year).first()
    done = sum(1 for a in acts if a.date.year == year)
    return {
        "activities": acts,
        "kinds": kinds,
        "per_term": [
            {"term": name, "counts": [c.get(k, 0) for k, _l in kinds], "total": sum(c.values())}
            for name, c in sorted(per_term.items())
        ],
        "year": year,
        "done": done,
        "goal": goal.activities if goal else None,
    }


def _snap_gap(snap: dict[str, Any], core: str, member: str) -> float | None:
    a, b = snap.get(core), snap.get(member)
    if not a or not b or a["strength"] is None or b["strength"] is None:
        return None
    return round(float(a["strength"]) - float(b["strength"]), 2)


def county_view(county: County | None, year: int) -> list[dict[str, Any]]:
    """Every member of an active community with its strength, its gap to the core (now and in
    the first and last balance snapshots), lessons held and activities: weakest first."""
    if county is None:
        return []
    from django.db.models import Count, Q

    from junheng.communities.models import LessonStatus, SyncLesson

    strength, _left = adapters.county_strengths(county.pk, year, 0.5, cached=True)
    snaps = list(BalanceSnapshot.objects.order_by("year", "taken_at"))
    first = adapters.snapshot_strengths(snaps[0].schools) if snaps else {}
    last = adapters.snapshot_strengths(snaps[-1].schools) if snaps else {}
    held = dict(
        SyncLesson.objects.filter(
            request__membership__community__county=county,
            date__year=year,
            status=LessonStatus.HELD,
        )
        .values_list("request__membership_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    acts = dict(
        Community.objects.filter(county=county)
        .annotate(n=Count("activities", filter=Q(activities__date__year=year)))
        .values_list("pk", "n")
    )
    rows = []
    members = Membership.objects.filter(
        community__county=county, community__active=True
    ).select_related("school", "community__core")
    for m in members:
        c = m.community
        s, cs = strength.get(m.school_id), strength.get(c.core_id)

        g0 = _snap_gap(first, c.core.code, m.school.code)
        g1 = _snap_gap(last, c.core.code, m.school.code)
        rows.append(
            {
                "m": m,
                "community": c,
                "strength": s,
                "gap": round(cs - s, 2) if s is not None and cs is not None else None,
                "gap_first": g0,
                "gap_last": g1,
                "closing": None if g0 is None or g1 is None or len(snaps) < 2 else g1 < g0,
                "held": held.get(m.pk, 0),
                "activities": acts.get(c.pk, 0),
            }
        )
    rows.sort(key=lambda r: (r["strength"] is None, r["strength"] or 0.0, r["m"].school.code))
    return rows
