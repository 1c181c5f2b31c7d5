"""Region rows -> pairing-engine inputs, engine results -> rows, and what the pages draw.

The only place where the ORM meets `junheng.engines.pairing`. A school's strength is
`junheng.engines.pairing.school_strengths` of the balance monitor's own engine rows
(`junheng.balance.adapters.balance_rows`: the same counting rules, nine-year schools split in
two parts), blended with the bureau's latest result for the school up to the round's year
(`SchoolResult`). Schools without students have no indicators and are left out of pairing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from junheng.balance.adapters import balance_rows, cached_balance_rows
from junheng.communities.models import (
    Community,
    Membership,
    PairingRound,
    PairPin,
    PinKind,
    Role,
    RoundSchool,
    SchoolResult,
)
from junheng.engines.balance import INDICATORS
from junheng.engines.pairing import (
    Pairing,
    PairRules,
    PairSchool,
    indicator_strength,
    school_strengths,
    suggest_roles,
)
from junheng.region import countymap
from junheng.region.models import County, School


def latest_results(schools: Iterable[int], year: int) -> dict[int, float]:
    """school pk -> the latest result score entered for a year up to `year`."""
    out: dict[int, float] = {}
    rows = SchoolResult.objects.filter(school_id__in=list(schools), year__lte=year).order_by(
        "school_id", "-year"
    )
    for sid, score in rows.values_list("school_id", "score"):
        out.setdefault(sid, float(score))
    return out


def county_strengths(
    county: County | int, year: int, results_weight: float, *, cached: bool = False
) -> tuple[dict[int, float], list[School]]:
    """(school pk -> strength, schools left out for want of students) for a county.

    `cached`: from the region's counts kept for the pages (`balance.adapters.region_raw`,
    as `junheng.kept` keeps them) instead of counting a city's students again."""
    county_id = county if isinstance(county, int) else county.pk
    schools = list(School.objects.filter(county_id=county_id).order_by("code"))
    by_code = {s.code: s for s in schools}
    if cached:
        rows = cached_balance_rows(s.pk for s in schools)
    else:
        rows = balance_rows(School.objects.filter(county_id=county_id))
    results = latest_results((s.pk for s in schools), year)
    by_code_result = {s.code: results[s.pk] for s in schools if s.pk in results}
    strength = school_strengths(rows, by_code_result, results_weight)
    out = {by_code[code].pk: v for code, v in strength.items() if code in by_code}
    return out, [s for s in schools if s.pk not in out]


def suggested_roles(county: County, year: int, results_weight: float) -> dict[int, str]:
    """school pk -> suggested role (the engine's rule; schools without students: none)."""
    strength, _left = county_strengths(county, year, results_weight)
    schools = School.objects.filter(pk__in=strength).order_by("code")
    roles = suggest_roles(
        [(str(s.pk), s.level, "", strength[s.pk], s.teaching_point) for s in schools]
    )
    return {int(pk): role for pk, role in roles.items()}


@dataclass
class RoundInputs:
    schools: list[PairSchool]
    rules: PairRules
    locked: dict[str, str]
    forbidden: list[tuple[str, str]]
    pk_of: dict[str, int]  # school code -> pk
    strengths: dict[str, float]  # school code -> strength
    left_out: list[School] = field(default_factory=list)


def round_inputs(rnd: PairingRound) -> RoundInputs:
    """The engine's schools (cores and members of the round, with strengths), rules, pins."""
    strength, left_out = county_strengths(rnd.county_id, rnd.year, rnd.results_weight)
    roles = list(
        RoundSchool.objects.filter(round=rnd)
        .exclude(role=Role.NONE)
        .select_related("school")
        .order_by("school__code")
    )
    schools: list[PairSchool] = []
    pk_of: dict[str, int] = {}
    for r in roles:
        s = r.school
        if s.pk not in strength:
            continue
        pk_of[s.code] = s.pk
        schools.append(
            PairSchool(
                school_id=s.code,
                level=s.level,
                urban_rural=s.urban_rural,
                students=0,
                x_km=float(s.x_km),
                y_km=float(s.y_km),
                strength=strength[s.pk],
                role=r.role,
                capacity=r.capacity,
            )
        )
    locked: dict[str, str] = {}
    forbidden: list[tuple[str, str]] = []
    for pin in PairPin.objects.filter(round=rnd).select_related("member", "core"):
        if pin.member.code not in pk_of or pin.core.code not in pk_of:
            continue  # a school no longer in the round: the pin no longer applies
        if pin.kind == PinKind.LOCK:
            locked[pin.member.code] = pin.core.code
        else:
            forbidden.append((pin.member.code, pin.core.code))
    rules = PairRules(capacity=rnd.capacity, max_km=rnd.max_km, remote=rnd.remote)
    in_round = {r.school_id for r in roles}
    return RoundInputs(
        schools=schools,
        rules=rules,
        locked=locked,
        forbidden=forbidden,
        pk_of=pk_of,
        strengths={s.school_id: s.strength for s in schools},
        left_out=[s for s in left_out if s.pk in in_round],
    )


def pair_rows(inputs: RoundInputs, plan: Pairing) -> list[dict[str, Any]]:
    """ProposedPair field values for a plan."""
    return [
        {
            "member_id": inputs.pk_of[p.member_id],
            "core_id": inputs.pk_of[p.core_id],
            "mode": p.mode,
            "km": p.km,
            "lift": p.lift,
            "locked": inputs.locked.get(p.member_id) == p.core_id,
        }
        for p in plan.pairs
    ]


# --------------------------------------------------------------------------- maps


@dataclass(frozen=True)
class MapPoint:
    pk: int
    name: str
    x: float
    y: float
    role: str  # core | member | other
    urban_rural: str


@dataclass(frozen=True)
class MapLine:
    x1: float
    y1: float
    x2: float
    y2: float
    mode: str
    title: str


def pair_map(
    schools: Sequence[School],
    pairs: Iterable[tuple[int, int, str]],
    roles: Mapping[int, str],
    size: int = 360,
) -> dict[str, Any]:
    """An SVG-ready map: schools as points scaled into a `size`-wide square (y up), pairs
    (member pk, core pk, mode) as lines, over the county's imported outline (else the schools'
    convex hull). Drawn by the template, no script needed."""
    if not schools:
        return {"size": size, "points": [], "lines": [], "outlines": [], "imported": False}
    rings = countymap.outline_of(schools) or []
    xs = [float(s.x_km) for s in schools] + [p[0] for r in rings for p in r]
    ys = [float(s.y_km) for s in schools] + [p[1] for r in rings for p in r]
    x0, y0 = min(xs), min(ys)
    span = max(max(xs) - x0, max(ys) - y0, 1.0)
    pad = 12.0
    scale = (size - 2 * pad) / span

    def km(x: float, y: float) -> tuple[float, float]:
        return round(pad + (x - x0) * scale, 1), round(size - pad - (y - y0) * scale, 1)

    def at(s: School) -> tuple[float, float]:
        return km(float(s.x_km), float(s.y_km))

    by_pk = {s.pk: s for s in schools}
    points = []
    for s in schools:
        x, y = at(s)
        points.append(MapPoint(s.pk, s.name, x, y, roles.get(s.pk, "other"), s.urban_rural))
    lines = []
    for m, c, mode in pairs:
        if m not in by_pk or c not in by_pk:
            continue
        (x1, y1), (x2, y2) = at(by_pk[m]), at(by_pk[c])
        lines.append(MapLine(x1, y1, x2, y2, mode, f"{by_pk[m].name} — {by_pk[c].name}"))
    drawn = [[km(x, y) for x, y in r] for r in rings] or [
        countymap.convex_hull((p.x, p.y) for p in points)
    ]
    outlines = [" ".join(f"{x},{y}" for x, y in r) for r in drawn if r]
    return {
        "size": size,
        "points": points,
        "lines": lines,
        "outlines": outlines,
        "imported": bool(rings),
    }


def current_pairs(county_id: int) -> list[tuple[int, int, str]]:
    """(member pk, core pk, mode) of the county's active communities."""
    return list(
        Membership.objects.filter(community__county_id=county_id, community__active=True)
        .order_by("school__code")
        .values_list("school_id", "community__core_id", "mode")
    )


# --------------------------------------------------------------------------- history


def snapshot_strengths(snapshot_schools: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """From a balance snapshot's rows: per school code, its indicators-only strength (the
    engine's `indicator_strength`, parts weighted by students) and L1..L7 per part."""
    acc: dict[str, dict[str, Any]] = {}
    for row in snapshot_schools:
        code = str(row["code"])
        values = [float(row[k]) for k in INDICATORS]
        n = float(row.get("students") or 0)
        a = acc.setdefault(code, {"weighted": 0.0, "students": 0.0, "parts": {}, "passes": True})
        a["weighted"] += indicator_strength(str(row["level"]), values) * n
        a["students"] += n
        a["parts"][str(row["level"])] = values
        a["passes"] = a["passes"] and bool(row.get("passes"))
    return {
        code: {
            "strength": round(a["weighted"] / a["students"], 2) if a["students"] else None,
            "parts": a["parts"],
            "passes": a["passes"],
        }
        for code, a in acc.items()
    }


def community_schools(community: Community) -> list[School]:
    """The core first, then the members by code."""
    members = [m.school for m in community.memberships.select_related("school")]
    return [community.core, *sorted(members, key=lambda s: s.code)]
