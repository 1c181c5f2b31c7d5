"""Balanced supply of provider courses to schools (课后服务课程均衡配送, 课程"超市"的均衡供给).

Problem. Vetted off-campus providers (校外机构, associations, museums, artists) bring their
after-school courses into schools. The bureau decides how many sections of each course go to
each school, so that small and rural schools get courses too, not only the schools next to the
providers (CONTRACTS.md, "junheng supply"). Hard rules: a provider's sections use at most its
``weekly_sessions``; a school hosts at most ``slots`` sessions; no section goes farther than its
course's ``max_km``; a school that has reached the target (seats per 100 students) gets no
further section, i.e. removing its smallest section would put it below the target.

Method. A mixed-integer programme (CP-SAT; HiGHS solves its LP relaxation for a bound and a
guide) in lexicographic stages over integer section counts ``n[c, s]`` for the (course,
school) pairs within reach:

1. maximise the smallest capped seats per 100 students ``min_s min(100·seats_s/P_s, target)``
   over the schools that can get something (a school no course can reach, or with 0 slots, is
   fixed at 0: it takes no part in the max-min, so it does not pin the floor of the others);
2. with that floor fixed, maximise a concave piecewise-linear utility of every school's capped
   seats per 100 (ten levels, each level worth half the one below it): the standard
   approximation of the leximin order (raise the worst-off, then the next, ...);
3. with every school's capped value kept, maximise category variety (distinct categories per
   school, binary indicators) minus section-kilometres.

Start. The best, in (floor, utility), of a worst-off-first fill, the rounded LP and a greedy
that adds the section worth most utility per provider session; then a local search (swap the
courses of two sections, or take one away and refill greedily) bounded by a count of moves.

Shortcuts (awkward inputs). A stage is skipped when the start reaches an upper bound of it:
for the floor the LP bound, each school's own bound (its pairs, slots and target rule) and a
max flow showing that the providers cannot give every school a section (then the floor is 0);
for the utility every school at its own bound. A stage runs CP-SAT in rounds from the best plan
so far (the first round 30% of the stage's budget, each next one twice the last) and
stops after a round that proves its plan, or raises nothing (stage 3: less than 1%), so a
search that cannot prove what it has (symmetric schools, scarce supply) stops early instead of
running to its budget.

The target rule is linearised exactly: per school, binary ``q[s, j]`` says that a section with
at most the j-th smallest seat count is present; the smallest present section is then a linear
expression in ``q`` and ``seats_s − smallest ≤ ⌈T_s⌉ − 1`` (``T_s = target·P_s/100``, seats are
integers) is one row per school. Pairs are pre-filtered by distance and bounded by
``⌈T_s/seats_c⌉`` sections (implied by the target rule), which keeps the model sparse.

Guarantee. Every plan returned satisfies every hard rule; this is re-checked by
``check_plan``, an independent checker written with plain loops and exact fractions, and its
count is the summary's ``violations`` (0). Each stage stops at a relative gap of 1e-4 .. 5e-3,
after a round that raises nothing, or at its share of ``time_limit_s``, counted in CP-SAT's
*deterministic* seconds (work done, not wall time; single-threaded-equivalent, interleaved
search), so the same inputs give the same plan on a busy or an idle machine; the gaps, rounds
(``calls``) and ``solver_calls`` are reported in ``SupplyPlan.solver``. Wall time is only a
safety net at 10x each round's budget (if it trips, the plan may differ between runs). The
seed is accepted for the common CLI and does not change the plan.

Rule. Double Reduction after-school services (课后服务 "5+2"): off-campus non-subject providers
vetted into a white list may deliver courses in schools; the county plans them so that rural
schools are served too (DESIGN.md, capability 3).
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp

from junheng.engines.io import InputError, csv_bytes
from junheng.engines.stats import weighted_cv

URBAN_RURAL = ("urban", "town", "rural")
LEVELS = 10  # pieces of the concave utility (stage 2)
KM_TOLERANCE = 1e-9
VARIETY_WEIGHT = 2000  # one more category per school outweighs 200 section-km (in 0.1 km)
WORKERS = 2
# A stage runs CP-SAT in rounds: the first gets this share of the stage's budget (at least
# CHUNK_MIN deterministic seconds), each next one twice the last; the stage stops after a round
# that raises its objective by less than its MIN_RAISE (relative; 0: any raise goes on).
CHUNK_SHARE = (0.3, 0.3, 0.3)
CHUNK_MIN = 0.5
MIN_RAISE = (0.0, 0.0, 1e-2)
LOCAL_WORK = 200_000  # pair evaluations the local search of the start may spend
# candidate pairs kept per school / per school and category / per course (nearest first)
PER_SCHOOL = 40
PER_CATEGORY = 4
PER_COURSE = 4

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SupplyProvider:
    provider_id: str
    weekly_sessions: int


@dataclass(frozen=True)
class SupplyCourse:
    course_id: str
    provider_id: str
    category: str
    seats: int
    sessions_per_week: int
    max_km: float
    x_km: float
    y_km: float


@dataclass(frozen=True)
class SupplySchool:
    school_id: str
    urban_rural: str
    students: int
    x_km: float
    y_km: float
    slots: int


@dataclass
class SupplyPlan:
    """A supply plan: ``sections[(course_id, school_id)] = n`` (n > 0 only) and its figures."""

    sections: dict[tuple[str, str], int]
    summary: dict[str, Any]
    per_school: list[dict[str, Any]]
    solver: dict[str, Any] = field(default_factory=dict)

    def out_bytes(self) -> bytes:
        """The ``--out`` CSV: course_id, school_id, sections; sorted by both ids."""
        rows = sorted((c, s, n) for (c, s), n in self.sections.items() if n > 0)
        return csv_bytes(["course_id", "school_id", "sections"], rows)


# --------------------------------------------------------------------------- validation


def _target_fraction(target: float) -> Fraction:
    # repr() is the shortest decimal that round-trips, so 10.1 is 101/10, not a binary fraction.
    if not math.isfinite(target) or target <= 0:
        raise InputError(None, None, "target", f"must be a positive number, got {target!r}")
    return Fraction(repr(float(target)))


def _validate(
    providers: Sequence[SupplyProvider],
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
) -> None:
    seen: set[str] = set()
    for i, p in enumerate(providers):
        if p.provider_id in seen:
            raise InputError("providers", i + 2, "provider_id", f"duplicate {p.provider_id!r}")
        seen.add(p.provider_id)
        if p.weekly_sessions < 0:
            raise InputError("providers", i + 2, "weekly_sessions", "must be ≥ 0")
    seen_c: set[str] = set()
    for i, c in enumerate(courses):
        if c.course_id in seen_c:
            raise InputError("courses", i + 2, "course_id", f"duplicate {c.course_id!r}")
        seen_c.add(c.course_id)
        if c.provider_id not in seen:
            raise InputError("courses", i + 2, "provider_id", f"unknown provider {c.provider_id!r}")
        if c.seats < 1:
            raise InputError("courses", i + 2, "seats", "must be ≥ 1")
        if c.sessions_per_week < 1:
            raise InputError("courses", i + 2, "sessions_per_week", "must be ≥ 1")
        for name in ("max_km", "x_km", "y_km"):
            v = getattr(c, name)
            if not math.isfinite(v) or (name == "max_km" and v < 0):
                raise InputError("courses", i + 2, name, f"bad value {v!r}")
    seen_s: set[str] = set()
    for i, s in enumerate(schools):
        if s.school_id in seen_s:
            raise InputError("schools", i + 2, "school_id", f"duplicate {s.school_id!r}")
        seen_s.add(s.school_id)
        if s.urban_rural not in URBAN_RURAL:
            raise InputError("schools", i + 2, "urban_rural", f"unknown value {s.urban_rural!r}")
        if s.students < 1:
            raise InputError("schools", i + 2, "students", "must be ≥ 1")
        if s.slots < 0:
            raise InputError("schools", i + 2, "slots", "must be ≥ 0")
        if not (math.isfinite(s.x_km) and math.isfinite(s.y_km)):
            raise InputError("schools", i + 2, "x_km", "bad coordinates")


def distance_km(x1: float, y1: float, x2: float, y2: float) -> float:
    """Straight-line distance in km (the one definition used by the optimiser and the checker)."""
    return float(np.hypot(np.float64(x1) - np.float64(x2), np.float64(y1) - np.float64(y2)))


def _at_target(target: Fraction, seats: int, students: int) -> bool:
    return Fraction(100 * seats, students) >= target


# --------------------------------------------------------------------------- checker


def check_plan(
    providers: Sequence[SupplyProvider],
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    sections: Mapping[tuple[str, str], int],
    *,
    target: float = 10.0,
) -> list[str]:
    """Every broken hard rule of a plan, one line each (an empty list for a valid plan).

    Independent of the optimiser: plain loops and exact fractions.
    """
    tq = _target_fraction(target)
    prov = {p.provider_id: p for p in providers}
    crs = {c.course_id: c for c in courses}
    sch = {s.school_id: s for s in schools}
    used: dict[str, int] = defaultdict(int)
    hosted: dict[str, int] = defaultdict(int)
    at_school: dict[str, list[int]] = defaultdict(list)
    problems: list[str] = []
    for (cid, sid), n in sorted(sections.items()):
        if n == 0:
            continue
        if n < 0 or cid not in crs or sid not in sch:
            problems.append(f"{cid}@{sid}: unknown pair or negative count {n}")
            continue
        c, s = crs[cid], sch[sid]
        d = distance_km(c.x_km, c.y_km, s.x_km, s.y_km)
        if d > c.max_km + KM_TOLERANCE:
            problems.append(f"{cid}@{sid}: {d:.3f} km > max_km {c.max_km:g}")
        used[c.provider_id] += n * c.sessions_per_week
        hosted[sid] += n * c.sessions_per_week
        at_school[sid].extend([c.seats] * n)
    for pid, u in sorted(used.items()):
        if u > prov[pid].weekly_sessions:
            problems.append(
                f"provider {pid}: {u} sessions > weekly_sessions {prov[pid].weekly_sessions}"
            )
    for sid, h in sorted(hosted.items()):
        s = sch[sid]
        if h > s.slots:
            problems.append(f"school {sid}: {h} sessions > slots {s.slots}")
        seats = at_school[sid]
        if _at_target(tq, sum(seats) - min(seats), s.students):
            problems.append(f"school {sid}: already at target without its smallest section")
    return problems


# --------------------------------------------------------------------------- figures


def _figures(
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    sections: Mapping[tuple[str, str], int],
    target: float,
    violations: int,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    tq = _target_fraction(target)
    crs = {c.course_id: c for c in courses}
    seats: dict[str, int] = defaultdict(int)
    nsec: dict[str, int] = defaultdict(int)
    cats: dict[str, set[str]] = defaultdict(set)
    km_total = 0.0
    sch = {s.school_id: s for s in schools}
    for (cid, sid), n in sections.items():
        if n <= 0:
            continue
        c, s = crs[cid], sch[sid]
        seats[sid] += n * c.seats
        nsec[sid] += n
        cats[sid].add(c.category)
        km_total += n * distance_km(c.x_km, c.y_km, s.x_km, s.y_km)
    per_school: list[dict[str, Any]] = []
    capped: list[float] = []
    weights: list[int] = []
    by_class: dict[str, list[int]] = {k: [0, 0] for k in URBAN_RURAL}
    at_target = 0
    for s in sorted(schools, key=lambda s: s.school_id):
        st = seats[s.school_id]
        per100 = 100.0 * st / s.students
        per_school.append(
            {
                "school_id": s.school_id,
                "urban_rural": s.urban_rural,
                "students": s.students,
                "seats": st,
                "seats_per100": round(per100, 4),
                "categories": sorted(cats[s.school_id]),
                "sections": nsec[s.school_id],
            }
        )
        capped.append(min(per100, float(tq)))
        weights.append(s.students)
        by_class[s.urban_rural][0] += st
        by_class[s.urban_rural][1] += s.students
        at_target += _at_target(tq, st, s.students)
    total_sections = sum(nsec.values())
    summary: dict[str, Any] = {
        "sections": total_sections,
        "seats": sum(seats.values()),
        "schools_at_target": at_target,
        "min_seats_per100": round(min(capped), 4) if capped else 0.0,
        "cv_seats_per100": round(weighted_cv(capped, weights), 4),
        "seats_per100": {
            k: round(100.0 * v[0] / v[1], 4) if v[1] else 0.0 for k, v in by_class.items()
        },
        "mean_km": round(km_total / total_sections, 3) if total_sections else 0.0,
        "violations": violations,
    }
    return summary, per_school


def _finish(
    providers: Sequence[SupplyProvider],
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    sections: dict[tuple[str, str], int],
    target: float,
    extra_violations: int,
    solver: dict[str, Any],
) -> SupplyPlan:
    sections = {k: v for k, v in sorted(sections.items()) if v > 0}
    problems = check_plan(providers, courses, schools, sections, target=target)
    summary, per_school = _figures(
        courses, schools, sections, target, len(problems) + extra_violations
    )
    if problems:
        solver = {**solver, "problems": problems[:20]}
    return SupplyPlan(sections, summary, per_school, solver)


# --------------------------------------------------------------------------- the instance


@dataclass
class _Instance:
    providers: list[SupplyProvider]
    courses: list[SupplyCourse]
    schools: list[SupplySchool]
    target: Fraction
    pc: IntArray  # pair -> course index
    ps: IntArray  # pair -> school index
    ub: IntArray  # pair upper bound on sections
    lb: IntArray  # pair lower bound (locks)
    km: FloatArray
    cprov: IntArray
    cseats: IntArray
    cspw: IntArray
    ccat: IntArray
    ncat: int
    students: IntArray
    slots: IntArray
    weekly: IntArray
    rule: IntArray  # largest integer below T_s per school
    # per school, an upper bound on its capped seats per 100 in hundredths (_value_bounds)
    vub: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _locked_checks(
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    providers: Sequence[SupplyProvider],
    locked: Mapping[tuple[str, str], int],
    forbidden: set[tuple[str, str]],
    tq: Fraction,
) -> None:
    crs = {c.course_id: c for c in courses}
    sch = {s.school_id: s for s in schools}
    prov = {p.provider_id: p for p in providers}
    used: dict[str, int] = defaultdict(int)
    hosted: dict[str, int] = defaultdict(int)
    at_school: dict[str, list[int]] = defaultdict(list)
    for (cid, sid), n in sorted(locked.items()):
        where = f"lock {cid}@{sid}"
        if cid not in crs:
            raise InputError("locked", None, "course_id", f"{where}: unknown course {cid!r}")
        if sid not in sch:
            raise InputError("locked", None, "school_id", f"{where}: unknown school {sid!r}")
        if n < 0:
            raise InputError("locked", None, "sections", f"{where}: negative section count {n}")
        if n > 0 and (cid, sid) in forbidden:
            raise InputError("locked", None, "sections", f"{where}: the pair is also forbidden")
        if n == 0:
            continue
        c, s = crs[cid], sch[sid]
        d = distance_km(c.x_km, c.y_km, s.x_km, s.y_km)
        if d > c.max_km + KM_TOLERANCE:
            raise InputError(
                "locked",
                None,
                "sections",
                f"{where}: school is {d:.1f} km away, farther than the course's max_km {c.max_km:g}",
            )
        used[c.provider_id] += n * c.sessions_per_week
        hosted[sid] += n * c.sessions_per_week
        at_school[sid].extend([c.seats] * n)
    for pid, u in sorted(used.items()):
        if u > prov[pid].weekly_sessions:
            raise InputError(
                "locked",
                None,
                "sections",
                f"locks give provider {pid} {u} sessions a week, more than its weekly_sessions "
                f"{prov[pid].weekly_sessions}",
            )
    for sid, h in sorted(hosted.items()):
        if h > sch[sid].slots:
            raise InputError(
                "locked",
                None,
                "sections",
                f"locks give school {sid} {h} sessions a week, more than its slots {sch[sid].slots}",
            )
        seats = at_school[sid]
        if _at_target(tq, sum(seats) - min(seats), sch[sid].students):
            raise InputError(
                "locked",
                None,
                "sections",
                f"locks give school {sid} {sum(seats)} seats: it reaches the target even without "
                "its smallest locked section, which the target rule forbids",
            )


def _instance(
    providers: Sequence[SupplyProvider],
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    tq: Fraction,
    locked: Mapping[tuple[str, str], int],
    forbidden: set[tuple[str, str]],
) -> _Instance:
    prov = sorted(providers, key=lambda p: p.provider_id)
    crs = sorted(courses, key=lambda c: c.course_id)
    sch = sorted(schools, key=lambda s: s.school_id)
    pidx = {p.provider_id: i for i, p in enumerate(prov)}
    cidx = {c.course_id: i for i, c in enumerate(crs)}
    sidx = {s.school_id: i for i, s in enumerate(sch)}
    cats = sorted({c.category for c in crs})
    catidx = {k: i for i, k in enumerate(cats)}
    cprov = np.array([pidx[c.provider_id] for c in crs], dtype=np.int64)
    cseats = np.array([c.seats for c in crs], dtype=np.int64)
    cspw = np.array([c.sessions_per_week for c in crs], dtype=np.int64)
    ccat = np.array([catidx[c.category] for c in crs], dtype=np.int64)
    cmax = np.array([c.max_km for c in crs], dtype=np.float64)
    cx = np.array([c.x_km for c in crs], dtype=np.float64)
    cy = np.array([c.y_km for c in crs], dtype=np.float64)
    students = np.array([s.students for s in sch], dtype=np.int64)
    slots = np.array([s.slots for s in sch], dtype=np.int64)
    sx = np.array([s.x_km for s in sch], dtype=np.float64)
    sy = np.array([s.y_km for s in sch], dtype=np.float64)
    weekly = np.array([p.weekly_sessions for p in prov], dtype=np.int64)
    tn, td = tq.numerator, tq.denominator
    # T_s·100·td = tn·P_s; rule: seats − smallest ≤ ⌈T_s⌉ − 1.
    rule = -((-tn * students) // (100 * td)) - 1
    pcs: list[IntArray] = []
    pss: list[IntArray] = []
    kms: list[FloatArray] = []
    block = max(1, 2_000_000 // max(1, len(sch)))
    for start in range(0, len(crs), block):
        stop = min(len(crs), start + block)
        d = np.hypot(cx[start:stop, None] - sx[None, :], cy[start:stop, None] - sy[None, :])
        ok = d <= cmax[start:stop, None] + KM_TOLERANCE
        ok &= cspw[start:stop, None] <= slots[None, :]
        ok &= (cspw[start:stop] <= weekly[cprov[start:stop]])[:, None]
        ci, si = np.nonzero(ok)
        pcs.append(ci.astype(np.int64) + start)
        pss.append(si.astype(np.int64))
        kms.append(d[ci, si])
    pc = np.concatenate(pcs) if pcs else np.zeros(0, dtype=np.int64)
    ps = np.concatenate(pss) if pss else np.zeros(0, dtype=np.int64)
    km = np.concatenate(kms) if kms else np.zeros(0, dtype=np.float64)
    spw = cspw[pc]
    need = -((-tn * students[ps]) // (100 * td * cseats[pc]))  # ⌈T_s / seats_c⌉
    ub = np.minimum.reduce([weekly[cprov[pc]] // spw, slots[ps] // spw, need]).astype(np.int64)
    lb = np.zeros_like(ub)
    key = pc * len(sch) + ps
    for cid, sid in forbidden:
        if cid in cidx and sid in sidx:
            j = np.searchsorted(key, cidx[cid] * len(sch) + sidx[sid])
            if j < len(key) and key[j] == cidx[cid] * len(sch) + sidx[sid]:
                ub[j] = 0
    for (cid, sid), n in locked.items():
        j = np.searchsorted(key, cidx[cid] * len(sch) + sidx[sid])
        if j < len(key) and key[j] == cidx[cid] * len(sch) + sidx[sid]:
            lb[j] = ub[j] = n
        elif n > 0:  # _locked_checks passed, so only a slot/capacity prefilter can drop it
            raise InputError(
                "locked", None, "sections", f"lock {cid}@{sid}: the course cannot run there at all"
            )
    keep = (ub > 0) & _nearest_pairs(pc, ps, ccat[pc], km, lb > 0)
    inst = _Instance(
        prov,
        crs,
        sch,
        tq,
        pc[keep],
        ps[keep],
        ub[keep],
        lb[keep],
        km[keep],
        cprov,
        cseats,
        cspw,
        ccat,
        len(cats),
        students,
        slots,
        weekly,
        rule.astype(np.int64),
    )
    inst.vub = _value_bounds(inst)
    return inst


def _group_rank(group: IntArray, km: FloatArray, tie: IntArray) -> IntArray:
    """Rank of each pair by distance within its group (0 = nearest; ties by the other id)."""
    order = np.lexsort((tie, km, group))
    g = group[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, g.size]))
    rank = np.empty_like(group)
    rank[order] = np.arange(g.size) - first
    return rank


def _nearest_pairs(
    pc: IntArray, ps: IntArray, cat: IntArray, km: FloatArray, locked: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """The candidate pairs kept in the model (keeps city-scale models sparse).

    A pair is kept when the course is among the school's PER_SCHOOL nearest courses, or among
    its PER_CATEGORY nearest of that category, or the school is among the course's PER_COURSE
    nearest schools, or the pair is locked. Remote schools keep every course within reach.
    """
    if pc.size == 0:
        return np.zeros(0, dtype=bool)
    ncat = int(cat.max()) + 1
    keep = _group_rank(ps, km, pc) < PER_SCHOOL
    keep |= _group_rank(ps * ncat + cat, km, pc) < PER_CATEGORY
    keep |= _group_rank(pc, km, ps) < PER_COURSE
    return keep | locked


def _value_bounds(inst: _Instance) -> IntArray:
    """Per school, an upper bound on its capped seats per 100 (in hundredths, as in the model).

    The seats a school can get are at most its pairs' section bounds times their seats, at most
    its slots times the best seats per session among them, and at most ``rule + largest seats``
    (the target rule). 0 for a school no course can reach: its value is fixed, so it takes no
    part in the max-min (the first leximin level it would pin at 0 is skipped).
    """
    nsch = len(inst.schools)
    vmax = math.floor(100 * inst.target)
    out = np.zeros(nsch, dtype=np.int64)
    if inst.pc.size == 0:
        return out
    seats = inst.cseats[inst.pc]
    spw = inst.cspw[inst.pc]
    total = np.bincount(inst.ps, weights=inst.ub * seats, minlength=nsch).astype(np.int64)
    largest = np.zeros(nsch, dtype=np.int64)
    np.maximum.at(largest, inst.ps, seats)
    per_slot = np.zeros(nsch, dtype=np.int64)  # max over pairs of floor(slots·seats/spw)
    np.maximum.at(per_slot, inst.ps, (inst.slots[inst.ps] * seats) // spw)
    most = np.minimum.reduce([total, per_slot, inst.rule + largest])
    has = np.bincount(inst.ps, minlength=nsch) > 0
    out[has] = np.minimum(vmax, (10000 * most[has]) // inst.students[has])
    return out


def _every_school_servable(inst: _Instance) -> bool:
    """Whether providers have the sessions to give every school that can get something a section.

    A relaxation (a max flow): school s needs at least the fewest sessions of its courses in
    reach, drawn from the providers of those courses, each up to its weekly sessions. When even
    that cannot be met, some such school gets nothing in every plan: the max-min floor is 0 and
    stage 1 has nothing to search (the tiny, scarce cases where it used to run to its budget).
    """
    live = inst.vub > 0
    if not live.any():
        return True
    mask = live[inst.ps]
    ps, prov = inst.ps[mask], inst.cprov[inst.pc[mask]]
    need = np.zeros(len(inst.schools), dtype=np.int64)
    need[live] = np.iinfo(np.int64).max
    np.minimum.at(need, ps, inst.cspw[inst.pc[mask]])
    npv, nsch = len(inst.weekly), len(inst.schools)
    src, sink = npv + nsch, npv + nsch + 1
    edges = {(int(p), npv + int(q)) for p, q in zip(prov, ps, strict=True)}
    big = int(need.sum())
    rows = (
        [src] * npv + [a for a, _ in sorted(edges)] + [npv + int(q) for q in np.flatnonzero(live)]
    )
    cols = list(range(npv)) + [b for _, b in sorted(edges)] + [sink] * int(live.sum())
    caps = [min(int(w), big) for w in inst.weekly] + [big] * len(edges) + list(need[live])
    graph = sp.csr_matrix(
        (np.array(caps, dtype=np.int32), (np.array(rows), np.array(cols))),
        shape=(sink + 1, sink + 1),
    )
    flow = csgraph.maximum_flow(graph, src, sink).flow_value
    return bool(flow >= big)


# --------------------------------------------------------------------------- incumbent


def _lp_guide(inst: _Instance, seconds: float) -> tuple[FloatArray | None, dict[str, Any]]:
    """LP relaxation (HiGHS) of stages 1 and 2: the floor's upper bound and fractional sections.

    Continuous sections under provider and slot capacity; first the largest common floor t of
    capped seats per 100, then with t fixed the concave utility. Returns the fractional
    sections of the second LP (a guide for rounding) and the LP bound on the floor.
    """
    npairs, nsch = len(inst.pc), len(inst.schools)
    pc, ps = inst.pc, inst.ps
    spw = inst.cspw[pc].astype(np.float64)
    per100 = 100.0 * inst.cseats[pc] / inst.students[ps]
    target = float(inst.target)
    nvar = npairs + 1 + nsch * LEVELS
    t0, w0 = npairs, npairs + 1
    ids = np.arange(npairs)
    live = inst.vub > 0
    blocks = [
        sp.csr_matrix((spw, (inst.cprov[pc], ids)), shape=(len(inst.weekly), nvar)),
        sp.csr_matrix((spw, (ps, ids)), shape=(nsch, nvar)),
        sp.csr_matrix(
            (
                np.r_[np.ones(nsch), -per100],
                (np.r_[np.arange(nsch), ps], np.r_[np.full(nsch, t0), ids]),
            ),
            shape=(nsch, nvar),
        ),
        sp.csr_matrix(
            (
                np.r_[np.ones(nsch * LEVELS), -per100],
                (
                    np.r_[np.repeat(np.arange(nsch), LEVELS), ps],
                    np.r_[w0 + np.arange(nsch * LEVELS), ids],
                ),
            ),
            shape=(nsch, nvar),
        ),
    ]
    a = sp.vstack(blocks, format="csr")
    hi_rows = np.r_[inst.weekly, inst.slots, np.zeros(nsch), np.zeros(nsch)].astype(np.float64)
    # schools that cannot get anything (no course in reach) cannot hold the common floor up
    row_on = np.r_[np.ones(len(inst.weekly) + nsch, dtype=bool), live, np.ones(nsch, dtype=bool)]
    a, hi_rows = a[row_on], hi_rows[row_on]
    lo = np.zeros(nvar)
    hi = np.r_[inst.ub.astype(np.float64), target, np.full(nsch * LEVELS, target / LEVELS)]
    lo[:npairs] = inst.lb
    cons = LinearConstraint(a, np.full(a.shape[0], -np.inf), hi_rows)
    c1 = np.zeros(nvar)
    c1[t0] = -1.0
    opts = {"time_limit": max(1.0, seconds / 2), "presolve": True}
    r1 = milp(c1, constraints=cons, bounds=Bounds(lo, hi), options=opts)
    info: dict[str, Any] = {"lp_floor_bound": None if r1.x is None else round(float(r1.x[t0]), 4)}
    if r1.x is None:
        return None, info
    lo[t0] = hi[t0] = float(r1.x[t0]) * (1 - 1e-9)
    c2 = np.zeros(nvar)
    c2[w0:] = -np.tile(2.0 ** np.arange(LEVELS - 1, -1, -1), nsch)
    r2 = milp(c2, constraints=cons, bounds=Bounds(lo, hi), options=opts)
    if r2.x is None:
        return np.asarray(r1.x[:npairs]), info
    return np.asarray(r2.x[:npairs]), info


def _value_utility(inst: _Instance, val: int) -> int:
    """Stage 2's utility of one school's value (hundredths): LEVELS pieces, each half the last."""
    vmax = math.floor(100 * inst.target)
    step = -(-vmax // LEVELS)
    val = max(0, min(val, vmax))
    if val == 0:
        return 0
    k = val // step  # full pieces (the last piece may be shorter, but val <= vmax)
    full = step * ((1 << LEVELS) - (1 << (LEVELS - k)))  # step * sum of the first k slopes
    return full + (val - k * step) * (1 << (LEVELS - 1 - k)) if k < LEVELS else full


def _fill_state(
    inst: _Instance, start: IntArray | None
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, list[set[int]]]:
    """What the greedy starts track as they add sections to `start` (locks kept): the plan,
    each pair's sessions a week and seats per section, the sessions each provider and school
    has left, each school's seats, its smallest section's seats and its categories."""
    nsch = len(inst.schools)
    n = inst.lb.copy() if start is None else np.maximum(start, inst.lb)
    spw = inst.cspw[inst.pc]
    seats_c = inst.cseats[inst.pc]
    prov_left = inst.weekly - np.bincount(
        inst.cprov[inst.pc], weights=spw * n, minlength=len(inst.weekly)
    ).astype(np.int64)
    slot_left = inst.slots - np.bincount(inst.ps, weights=spw * n, minlength=nsch).astype(np.int64)
    seats = np.bincount(inst.ps, weights=seats_c * n, minlength=nsch).astype(np.int64)
    smallest = np.full(nsch, np.iinfo(np.int64).max)
    cats: list[set[int]] = [set() for _ in range(nsch)]
    for k in np.flatnonzero(n > 0):
        s = int(inst.ps[k])
        smallest[s] = min(smallest[s], int(seats_c[k]))
        cats[s].add(int(inst.ccat[inst.pc[k]]))
    return n, spw, seats_c, prov_left, slot_left, seats, smallest, cats


def _greedy_utility(
    inst: _Instance, start: IntArray | None = None, ub: IntArray | None = None
) -> IntArray:
    """A second starting plan: repeatedly add the section worth most utility per session.

    Where supply is scarce the worst-off-first fill can spend a provider's few sessions on big
    schools that a section barely moves; this greedy instead takes the section with the largest
    gain in stage 2's concave utility per weekly session (ties: a new category, then nearer,
    then the pair's index), under the provider, slot and target rules. Gains only fall as a
    school fills up, so stale heap entries are re-scored lazily. Locks are kept; ``ub``
    (default the instance's) bounds each pair's sections.
    """
    nsch = len(inst.schools)
    cap = inst.ub if ub is None else ub
    n, spw, seats_c, prov_left, slot_left, seats, smallest, cats = _fill_state(inst, start)
    vmax = math.floor(100 * inst.target)
    stamp = [0] * nsch

    def value(s: int, st: int) -> int:
        return min(vmax, 10000 * st // int(inst.students[s]))

    def entry(j: int) -> tuple[float, int, float, int, int] | None:
        s, p, a = int(inst.ps[j]), int(inst.cprov[inst.pc[j]]), int(seats_c[j])
        if n[j] >= cap[j] or prov_left[p] < spw[j] or slot_left[s] < spw[j]:
            return None
        if int(seats[s]) + a - min(int(smallest[s]), a) > inst.rule[s]:
            return None
        st = int(seats[s])
        gain = _value_utility(inst, value(s, st + a)) - _value_utility(inst, value(s, st))
        if gain <= 0:
            return None
        new_cat = int(int(inst.ccat[inst.pc[j]]) not in cats[s])
        return (-gain / int(spw[j]), -new_cat, float(inst.km[j]), j, stamp[s])

    heap = [e for j in range(len(inst.pc)) if (e := entry(j)) is not None]
    heapq.heapify(heap)
    while heap:
        top = heapq.heappop(heap)
        j = top[3]
        s = int(inst.ps[j])
        if top[4] != stamp[s] or n[j] >= cap[j]:
            fresh = entry(j)  # the school changed since: score again
            if fresh is not None:
                heapq.heappush(heap, fresh)
            continue
        # the school has not changed, but the provider or the slots may have run out
        p = int(inst.cprov[inst.pc[j]])
        if prov_left[p] < spw[j] or slot_left[s] < spw[j]:
            continue
        n[j] += 1
        prov_left[p] -= spw[j]
        slot_left[s] -= spw[j]
        seats[s] += seats_c[j]
        smallest[s] = min(int(smallest[s]), int(seats_c[j]))
        cats[s].add(int(inst.ccat[inst.pc[j]]))
        stamp[s] += 1
        fresh = entry(j)
        if fresh is not None:
            heapq.heappush(heap, fresh)
    return n


def _local_search(inst: _Instance, n: IntArray, work: int = LOCAL_WORK) -> IntArray:
    """Improve a plan's (floor, utility) by moves: swaps (``_swap_search``), then taking one
    section away and refilling greedily.

    The refill (``_greedy_utility``) may not put the removed section back, so the freed provider
    sessions and school slots go elsewhere; a move is kept when it raises (floor, utility)
    lexicographically. First improvement, sections in pair order; stops when a sweep finds no
    move or after ``work`` pair evaluations (a count, not a clock: deterministic).
    """
    best, score = n, _floor_and_utility(inst, n)
    spent = 0
    improved = True
    while improved and spent < work:
        best, used = _swap_search(inst, best, work - spent)
        spent += used
        score = _floor_and_utility(inst, best)
        improved = False
        for j in np.flatnonzero(best > inst.lb):
            if spent >= work:
                break
            trial = best.copy()
            trial[j] -= 1
            ub = inst.ub.copy()
            ub[j] = trial[j]
            trial = _greedy_utility(inst, trial, ub)
            spent += len(inst.pc)
            got = _floor_and_utility(inst, trial)
            if got > score:
                best, score, improved = trial, got, True
    return best


def _swap_search(inst: _Instance, n: IntArray, work: int) -> tuple[IntArray, int]:
    """Improve (floor, utility) by swapping the courses of two sections at two schools.

    Providers' sessions do not change; each school's slots and target rule are checked. A big
    course capped at a small school's target can go to a big school and a small one come back.
    First improvement; returns the plan and the candidate swaps looked at (at most ``work``).
    """
    nsch = len(inst.schools)
    key = {int(c) * nsch + int(q): j for j, (c, q) in enumerate(zip(inst.pc, inst.ps, strict=True))}
    seats_c = inst.cseats[inst.pc]
    spw = inst.cspw[inst.pc]
    order = np.argsort(inst.ps, kind="stable")
    starts = np.searchsorted(inst.ps[order], np.arange(nsch + 1))
    vmax = math.floor(100 * inst.target)
    best = n.copy()
    floor = _floor_and_utility(inst, n)[0]
    live = inst.vub > 0
    spent = 0

    def state(q: int, m: IntArray) -> tuple[bool, int]:
        """(slots and target rule hold, value) of school q under plan m."""
        js = order[starts[q] : starts[q + 1]]
        js = js[m[js] > 0]
        if js.size == 0:
            return True, 0
        total = int((seats_c[js] * m[js]).sum())
        ok = int((spw[js] * m[js]).sum()) <= inst.slots[q]
        ok = ok and total - int(seats_c[js].min()) <= inst.rule[q]
        return ok, min(vmax, 10000 * total // int(inst.students[q]))

    improved = True
    while improved and spent < work:
        improved = False
        present = [int(j) for j in np.flatnonzero(best > inst.lb)]
        for a, b in itertools.combinations(present, 2):
            spent += 1
            if spent > work:
                break
            ca, sa, cb, sb = int(inst.pc[a]), int(inst.ps[a]), int(inst.pc[b]), int(inst.ps[b])
            if ca == cb or sa == sb or seats_c[a] == seats_c[b]:
                continue
            ja, jb = key.get(cb * nsch + sa), key.get(ca * nsch + sb)  # cb at sa, ca at sb
            if ja is None or jb is None:
                continue
            trial = best.copy()
            trial[a] -= 1
            trial[b] -= 1
            trial[ja] += 1
            trial[jb] += 1
            if trial[ja] > inst.ub[ja] or trial[jb] > inst.ub[jb]:
                continue
            ok_a, va = state(sa, trial)
            ok_b, vb = state(sb, trial)
            if not (ok_a and ok_b):
                continue
            _, va0 = state(sa, best)
            _, vb0 = state(sb, best)
            gain = (
                _value_utility(inst, va)
                + _value_utility(inst, vb)
                - _value_utility(inst, va0)
                - _value_utility(inst, vb0)
            )
            # kept when the utility rises and neither school falls below the floor, so that
            # (floor, utility) rises lexicographically (checked on the two schools only)
            if gain <= 0 or (live[sa] and va < floor) or (live[sb] and vb < floor):
                continue
            best, improved = trial, True
            floor = _floor_and_utility(inst, best)[0]
            break
    return best, spent


def _water_fill(inst: _Instance, start: IntArray | None = None) -> IntArray:
    """A feasible starting plan for the solver: repeatedly give the worst-off school a section.

    Takes the school with the fewest seats per 100 (below target) and adds the nearest course
    that brings a new category (else the nearest) that its provider, the school's slots and the
    target rule allow. Locks are kept. Used as the solver's hint and as its fallback.
    """
    nsch = len(inst.schools)
    n, spw, seats_c, prov_left, slot_left, seats, smallest, cats = _fill_state(inst, start)
    order = np.lexsort((inst.pc, inst.km, inst.ps))
    starts = np.searchsorted(inst.ps[order], np.arange(nsch + 1))
    tn, td = inst.target.numerator, inst.target.denominator
    heap = [
        (Fraction(100 * int(seats[s]), int(inst.students[s])), s)
        for s in range(nsch)
        if starts[s + 1] > starts[s] and 100 * td * int(seats[s]) < tn * int(inst.students[s])
    ]
    heapq.heapify(heap)
    while heap:
        _, s = heapq.heappop(heap)
        best = -1
        for j in order[starts[s] : starts[s + 1]]:
            p = inst.cprov[inst.pc[j]]
            a = int(seats_c[j])
            if n[j] >= inst.ub[j] or prov_left[p] < spw[j] or slot_left[s] < spw[j]:
                continue
            if seats[s] + a - min(int(smallest[s]), a) > inst.rule[s]:
                continue
            if best < 0:
                best = int(j)
            if int(inst.ccat[inst.pc[j]]) not in cats[s]:
                best = int(j)
                break
        if best < 0:
            continue
        n[best] += 1
        prov_left[inst.cprov[inst.pc[best]]] -= spw[best]
        slot_left[s] -= spw[best]
        seats[s] += seats_c[best]
        smallest[s] = min(int(smallest[s]), int(seats_c[best]))
        cats[s].add(int(inst.ccat[inst.pc[best]]))
        if 100 * td * int(seats[s]) < tn * int(inst.students[s]):
            heapq.heappush(heap, (Fraction(100 * int(seats[s]), int(inst.students[s])), s))
    return n


# --------------------------------------------------------------------------- the model


class _Model:
    """The CP-SAT model: section counts, the target rule, capped seats per 100, variety."""

    def __init__(self, inst: _Instance) -> None:
        self.inst = inst
        m = cp_model.CpModel()
        self.m = m
        nsch = len(inst.schools)
        pc, ps = inst.pc, inst.ps
        seats = inst.cseats[pc]
        spw = inst.cspw[pc]
        self.n = [m.new_int_var(int(inst.lb[j]), int(inst.ub[j]), f"n{j}") for j in range(len(pc))]
        by_prov: dict[int, list[int]] = defaultdict(list)
        by_school: dict[int, list[int]] = defaultdict(list)
        for j in range(len(pc)):
            by_prov[int(inst.cprov[pc[j]])].append(j)
            by_school[int(ps[j])].append(j)
        for p, js in by_prov.items():
            m.add(sum(int(spw[j]) * self.n[j] for j in js) <= int(inst.weekly[p]))
        self.vmax = math.floor(100 * inst.target)
        self.v: list[cp_model.IntVar] = []
        self.q: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        live = inst.vub > 0
        # the max-min floor ranges over the schools that can get something (others are fixed)
        self.t = m.new_int_var(0, int(inst.vub[live].min()) if live.any() else 0, "t")
        self.w: list[tuple[cp_model.IntVar, int, int]] = []  # (var, slope, size)
        self.vcap: list[int] = []
        step = -(-self.vmax // LEVELS)
        for s in range(nsch):
            js = by_school.get(s, [])
            cap = int(inst.vub[s]) if js else 0
            v = m.new_int_var(0, cap, f"v{s}")
            self.v.append(v)
            self.vcap.append(cap)
            if cap > 0:
                m.add(self.t <= v)
            left = self.vmax
            pieces = []
            for k in range(LEVELS):
                size = min(step, left)
                left -= size
                wk = m.new_int_var(0, size, f"w{s}_{k}")
                pieces.append(wk)
                self.w.append((wk, 2 ** (LEVELS - 1 - k), size))
            m.add(sum(pieces) <= v)
            if not js:
                continue
            seats_s = sum(int(seats[j]) * self.n[j] for j in js)
            m.add(sum(int(spw[j]) * self.n[j] for j in js) <= int(inst.slots[s]))
            m.add(10000 * seats_s >= int(inst.students[s]) * v)
            # target rule: q[a] = some present section has at most a seats
            values = sorted({int(seats[j]) for j in js})
            for a in values[:-1]:
                self.q[(s, a)] = m.new_bool_var(f"q{s}_{a}")
            for a, b in itertools.pairwise(values[:-1]):
                m.add_implication(self.q[(s, a)], self.q[(s, b)])
            for j in js:
                if int(seats[j]) != values[-1]:
                    m.add(self.n[j] <= int(inst.ub[j]) * self.q[(s, int(seats[j]))])
            relax = sum((b - a) * self.q[(s, a)] for a, b in itertools.pairwise(values))
            m.add(seats_s + relax <= int(inst.rule[s]) + values[-1])
            by_cat: dict[int, list[int]] = defaultdict(list)
            for j in js:
                by_cat[int(inst.ccat[pc[j]])].append(j)
            for g, gjs in sorted(by_cat.items()):
                y = m.new_bool_var(f"y{s}_{g}")
                self.y[(s, g)] = y
                m.add(y <= sum(self.n[j] for j in gjs))
        self.utility = sum(c * w for w, c, _ in self.w)
        km10 = np.rint(inst.km * 10).astype(np.int64)
        self.variety_travel = VARIETY_WEIGHT * sum(self.y.values()) - sum(
            int(km10[j]) * self.n[j] for j in range(len(pc)) if km10[j]
        )

    def _levels(self, n: IntArray) -> tuple[list[int], list[int]]:
        return _levels(self.inst, n)

    def hint(self, n: IntArray) -> None:
        """Hint a complete solution derived from section counts ``n``."""
        inst, m = self.inst, self.m
        m.clear_hints()
        present: dict[int, set[int]] = defaultdict(set)
        cats: set[tuple[int, int]] = set()
        for j in range(len(n)):
            m.add_hint(self.n[j], int(n[j]))
            if n[j] > 0:
                present[int(inst.ps[j])].add(int(inst.cseats[inst.pc[j]]))
                cats.add((int(inst.ps[j]), int(inst.ccat[inst.pc[j]])))
        vals, pieces = self._levels(n)
        for v, val in zip(self.v, vals, strict=True):
            m.add_hint(v, val)
        m.add_hint(self.t, _floor_of(inst, vals))
        for (s, a), q in self.q.items():
            m.add_hint(q, int(any(b <= a for b in present[s])))
        for key, y in self.y.items():
            m.add_hint(y, int(key in cats))
        for (w, _c, _size), take in zip(self.w, pieces, strict=True):
            m.add_hint(w, take)

    def solve(
        self, maximise: Any, seconds: float, gap: float
    ) -> tuple[IntArray | None, dict[str, Any]]:
        self.m.maximize(maximise)
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = WORKERS
        prm.interleave_search = True
        prm.max_deterministic_time = max(0.5, seconds)
        # Wall clock is only a safety net (10x): if it ever trips, the plan may differ between
        # runs. Deterministic time runs ~2-4x slower than wall time on large models.
        prm.max_time_in_seconds = max(5.0, 10 * seconds)
        prm.relative_gap_limit = gap
        prm.random_seed = 0
        t0 = time.perf_counter()
        status = solver.solve(self.m)
        info: dict[str, Any] = {
            "status": solver.status_name(status),
            "seconds": round(time.perf_counter() - t0, 2),
            "deterministic_time": round(solver.deterministic_time, 2),
            "objective": None,
            "bound": None,
            "gap": None,
        }
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, info
        obj, bound = solver.objective_value, solver.best_objective_bound
        info.update(
            objective=obj,
            bound=bound,
            gap=round(abs(bound - obj) / max(1.0, abs(obj)), 6),
        )
        n = np.array([solver.value(x) for x in self.n], dtype=np.int64)
        return n, info

    def improve(
        self, expr: Any, which: int, start: IntArray, seconds: float, gap: float, ub: int | None
    ) -> tuple[IntArray, dict[str, Any]]:
        """Raise stage ``which`` (objective ``expr``) from ``start`` in rounds of CP-SAT.

        Each round starts from the best plan so far (a complete hint) with a slice of the
        stage's deterministic budget; the stage stops at once when a round proves its plan
        optimal (or within ``gap``), reaches the bound ``ub``, or fails to raise the objective
        (a stalled search would otherwise burn the whole budget proving what it cannot).
        """
        current, have = start, self.value_of(start)[which]
        chunk = max(CHUNK_MIN, seconds * CHUNK_SHARE[which])
        spent, calls = 0.0, 0
        best_bound: float | None = None
        info: dict[str, Any] = {}
        started = time.perf_counter()
        while spent < seconds - 1e-9:
            budget = min(chunk, seconds - spent)
            spent += budget
            self.hint(current)
            n, info = self.solve(expr, budget, gap)
            calls += 1
            if info["bound"] is not None:
                best_bound = info["bound"] if best_bound is None else min(best_bound, info["bound"])
            got = self.value_of(n)[which] if n is not None else None
            raised = got is not None and got > have + MIN_RAISE[which] * abs(have)
            if n is not None and got is not None and got >= have:
                current, have = n, got
            if info["status"] == "OPTIMAL" or not raised:
                break
            chunk *= 2
            if (ub is not None and have >= ub) or (
                best_bound is not None and have >= best_bound - 1e-9
            ):
                break
        gap_now = (
            None if best_bound is None else round(abs(best_bound - have) / max(1.0, abs(have)), 6)
        )
        return current, {
            **info,
            "seconds": round(time.perf_counter() - started, 2),
            "calls": calls,
            "deterministic_budget": round(spent, 2),
            "bound": best_bound,
            "gap": gap_now,
            "kept": have,
        }

    def keep_values(self, n: IntArray) -> None:
        """Every school's capped seats per 100 stays at least what plan ``n`` gives it."""
        vals, _ = self._levels(n)
        for v, val in zip(self.v, vals, strict=True):
            if val > 0:
                self.m.add(v >= val)

    def fix_at_least(self, expr: Any, value: int) -> None:
        self.m.add(expr >= value)

    def value_of(self, n: IntArray) -> tuple[int, int, int]:
        return _score(self.inst, n)


def _levels(inst: _Instance, n: IntArray) -> tuple[list[int], list[int]]:
    """Capped seats per 100 (in hundredths) per school, and their utility pieces (stage 2)."""
    vmax = math.floor(100 * inst.target)
    has = np.bincount(inst.ps, minlength=len(inst.schools)) > 0
    seats = np.bincount(inst.ps, weights=inst.cseats[inst.pc] * n, minlength=len(inst.schools))
    vals = [
        min(vmax, 10000 * round(seats[s]) // int(inst.students[s])) if has[s] else 0
        for s in range(len(inst.schools))
    ]
    return _pieces(inst, vals)


def _pieces(inst: _Instance, vals: list[int]) -> tuple[list[int], list[int]]:
    """The values and their utility pieces: LEVELS per school, each level worth half the last."""
    vmax = math.floor(100 * inst.target)
    step = -(-vmax // LEVELS)
    pieces: list[int] = []
    for val in vals:
        left, cap = val, vmax
        for _ in range(LEVELS):
            size = min(step, cap)
            cap -= size
            take = min(size, left)
            pieces.append(take)
            left -= take
    return vals, pieces


def _score(inst: _Instance, n: IntArray) -> tuple[int, int, int]:
    """(floor, utility, variety-travel) of a plan as the model scores them (stages 1, 2, 3)."""
    vals, pieces = _levels(inst, n)
    slopes = [2 ** (LEVELS - 1 - k) for k in range(LEVELS)] * len(vals)
    util = sum(c * take for c, take in zip(slopes, pieces, strict=True))
    cats = {(int(inst.ps[j]), int(inst.ccat[inst.pc[j]])) for j in np.flatnonzero(n > 0)}
    km10 = np.rint(inst.km * 10).astype(np.int64)
    vt = VARIETY_WEIGHT * len(cats) - int((km10 * n).sum())
    return _floor_of(inst, vals), util, vt


def _floor_of(inst: _Instance, vals: Sequence[int]) -> int:
    """The max-min floor (stage 1): the smallest value over schools that can get something."""
    live = [v for v, cap in zip(vals, inst.vub, strict=True) if cap > 0]
    return min(live) if live else 0


def _utility_bound(inst: _Instance) -> int:
    """Stage 2's utility if every school reached its own upper bound (an upper bound)."""
    _, pieces = _pieces(inst, [int(v) for v in inst.vub])
    slopes = [2 ** (LEVELS - 1 - k) for k in range(LEVELS)] * len(inst.schools)
    return sum(c * take for c, take in zip(slopes, pieces, strict=True))


def _floor_and_utility(inst: _Instance, n: IntArray) -> tuple[int, int]:
    f, u, _ = _score(inst, n)
    return f, u


def _repair(inst: _Instance, n: IntArray) -> IntArray:
    """Remove unlocked sections, smallest first, from schools that break the target rule."""
    n = np.maximum(n, inst.lb).copy()
    seats_c = inst.cseats[inst.pc]
    order = np.lexsort((-inst.km, seats_c, inst.ps))
    starts = np.searchsorted(inst.ps[order], np.arange(len(inst.schools) + 1))
    for s in range(len(inst.schools)):
        js = order[starts[s] : starts[s + 1]]
        while True:
            present = js[n[js] > 0]
            if present.size == 0:
                break
            total = int((seats_c[present] * n[present]).sum())
            if total - int(seats_c[present].min()) <= inst.rule[s]:
                break
            free = present[n[present] > inst.lb[present]]
            if free.size == 0:
                break
            n[free[0]] -= 1
    return n


def _sections(inst: _Instance, n: IntArray) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for j in np.flatnonzero(n > 0):
        out[(inst.courses[inst.pc[j]].course_id, inst.schools[inst.ps[j]].school_id)] = int(n[j])
    return out


def _drop_surplus(
    inst: _Instance,
    sections: dict[tuple[str, str], int],
    locked: Mapping[tuple[str, str], int],
) -> dict[tuple[str, str], int]:
    """Safety net for rounding: remove unlocked sections from schools that break the target rule.

    Removes the smallest unlocked section (longest trip first among equals); a school at the
    target stays at it, so the capped seats per 100 do not change.
    """
    crs = {c.course_id: c for c in inst.courses}
    sch = {s.school_id: s for s in inst.schools}
    by_school: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in sections:
        by_school[key[1]].append(key)
    out = dict(sections)
    for sid, keys in sorted(by_school.items()):
        s = sch[sid]
        while True:
            present = [k for k in keys if out.get(k, 0) > 0]
            if not present:
                break
            seats = [crs[k[0]].seats for k in present for _ in range(out[k])]
            if not _at_target(inst.target, sum(seats) - min(seats), s.students):
                break
            free = [k for k in present if out[k] > locked.get(k, 0)]
            if not free:
                break
            c = min(
                free,
                key=lambda k: (
                    crs[k[0]].seats,
                    -distance_km(crs[k[0]].x_km, crs[k[0]].y_km, s.x_km, s.y_km),
                    k,
                ),
            )
            out[c] -= 1
    return {k: v for k, v in out.items() if v > 0}


# --------------------------------------------------------------------------- public API


def plan_supply(
    providers: Sequence[SupplyProvider],
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    *,
    target: float = 10.0,
    locked: Mapping[tuple[str, str], int] | None = None,
    forbidden: Collection[tuple[str, str]] = (),
    time_limit_s: float = 60.0,
    seed: int = 0,
) -> SupplyPlan:
    """The balanced supply plan (see the module docstring).

    ``locked[(course_id, school_id)] = n`` fixes a pair to exactly n sections (a lock that breaks
    a hard rule is an ``InputError``); ``forbidden`` pairs get none.
    """
    del seed  # the plan does not depend on it (deterministic solver); kept for the common API
    started = time.perf_counter()
    _validate(providers, courses, schools)
    tq = _target_fraction(target)
    locks = dict(locked or {})
    forbid = set(forbidden)
    _locked_checks(courses, schools, providers, locks, forbid, tq)
    inst = _instance(providers, courses, schools, tq, locks, forbid)
    solver: dict[str, Any] = {"pairs": len(inst.pc), "stages": []}

    def baseline() -> dict[tuple[str, str], int]:
        return nearest_first_plan(
            providers, courses, schools, target=target, locked=locks, forbidden=forbid
        ).sections

    if len(inst.pc) == 0:
        return _finish(providers, courses, schools, _sections(inst, inst.lb), target, 0, solver)
    guide, lp_info = _lp_guide(inst, time_limit_s * 0.1)
    solver.update(lp_info)
    current = _water_fill(inst)
    starts = [_greedy_utility(inst)]
    if guide is not None:
        rounded = _repair(inst, np.floor(guide + 1e-6).astype(np.int64))
        filled = _water_fill(inst, rounded)
        if _floor_and_utility(inst, filled) >= _floor_and_utility(inst, current):
            current = filled
        starts.append(_greedy_utility(inst, rounded))
    for other in starts:  # the utility greedy where it is strictly better
        if _floor_and_utility(inst, other) > _floor_and_utility(inst, current):
            current = other
    if _floor_and_utility(inst, current)[1] < _utility_bound(inst):
        current = _local_search(inst, current)
    mdl = _Model(inst)
    floor, util, vt = mdl.value_of(current)
    solver["start"] = {"floor": floor, "utility": util, "variety_travel": vt}
    stages: list[tuple[str, Any, int, float]] = [
        ("max-min", mdl.t, 0, 1e-4),
        ("leximin", mdl.utility, 1, 1e-4),
        ("variety+travel", mdl.variety_travel, 2, 5e-3),
    ]
    shares = [0.25, 0.35, 0.4]
    lp_bound = lp_info.get("lp_floor_bound")
    live = inst.vub > 0
    floor_ub = int(inst.vub[live].min()) if live.any() else 0
    if lp_bound is not None:
        floor_ub = min(floor_ub, math.floor(100 * lp_bound + 1e-6))
    if floor_ub > 0 and not _every_school_servable(inst):
        floor_ub = 0
    known: list[int | None] = [floor_ub, _utility_bound(inst), None]
    calls = 0
    for i, (name, expr, which, gap) in enumerate(stages):
        # Fixed shares of the budget, in CP-SAT's deterministic time: the same inputs give the
        # same plan on a busy or an idle machine (a wall-clock budget would not).
        seconds = max(0.5, time_limit_s * 0.9 * shares[i])
        have = mdl.value_of(current)[which]
        ub = known[i]
        if ub is not None and have >= ub:
            # the start already reaches an upper bound of this stage: nothing to search
            solver["stages"].append(
                {"stage": name, "status": "BOUND_REACHED", "gap": 0.0, "calls": 0, "kept": have}
            )
        else:
            current, info = mdl.improve(expr, which, current, seconds, gap, ub)
            calls += info["calls"]
            solver["stages"].append({"stage": name, **info})
        if which == 1:
            # every school keeps its value: the utility (and the floor) hold, and the last
            # stage's model propagates school by school instead of through one long sum
            mdl.keep_values(current)
        else:
            mdl.fix_at_least(expr, mdl.value_of(current)[which])
    solver["solver_calls"] = calls
    sections = _drop_surplus(inst, _sections(inst, current), locks)
    if check_plan(providers, courses, schools, sections, target=target):
        sections = baseline()
        solver["fallback"] = "nearest-first (the plan failed the checker)"
    solver["seconds"] = round(time.perf_counter() - started, 2)
    extra_v = sum(1 for k, n in locks.items() if sections.get(k, 0) != n)
    extra_v += sum(1 for k in forbid if sections.get(k, 0) > 0)
    return _finish(providers, courses, schools, sections, target, extra_v, solver)


def nearest_first_plan(
    providers: Sequence[SupplyProvider],
    courses: Sequence[SupplyCourse],
    schools: Sequence[SupplySchool],
    *,
    target: float = 10.0,
    locked: Mapping[tuple[str, str], int] | None = None,
    forbidden: Collection[tuple[str, str]] = (),
) -> SupplyPlan:
    """The baseline without planning: each provider (in id order) fills its nearest schools first.

    For every pair of its courses and schools in order of distance, a provider adds sections
    while it has sessions left, the school has slots and the target rule allows one more.
    Satisfies every hard rule; used for comparison and as the optimiser's fallback.
    """
    _validate(providers, courses, schools)
    tq = _target_fraction(target)
    locks = dict(locked or {})
    forbid = set(forbidden)
    prov_left = {p.provider_id: p.weekly_sessions for p in providers}
    slots_left = {s.school_id: s.slots for s in schools}
    seats_at: dict[str, list[int]] = defaultdict(list)
    crs = {c.course_id: c for c in courses}
    sections: dict[tuple[str, str], int] = {}
    for (cid, sid), n in sorted(locks.items()):
        if n > 0:
            c = crs[cid]
            sections[(cid, sid)] = n
            prov_left[c.provider_id] -= n * c.sessions_per_week
            slots_left[sid] -= n * c.sessions_per_week
            seats_at[sid].extend([c.seats] * n)
    students = {s.school_id: s.students for s in schools}
    by_provider: dict[str, list[SupplyCourse]] = defaultdict(list)
    for c in courses:
        by_provider[c.provider_id].append(c)
    sch_sorted = sorted(schools, key=lambda s: s.school_id)
    sx = np.array([s.x_km for s in sch_sorted], dtype=np.float64)
    sy = np.array([s.y_km for s in sch_sorted], dtype=np.float64)
    sids = np.array([s.school_id for s in sch_sorted], dtype=object)
    for pid in sorted(by_provider):
        mine = sorted(by_provider[pid], key=lambda c: c.course_id)
        cx = np.array([c.x_km for c in mine], dtype=np.float64)
        cy = np.array([c.y_km for c in mine], dtype=np.float64)
        cmax = np.array([c.max_km for c in mine], dtype=np.float64)
        d = np.hypot(cx[:, None] - sx[None, :], cy[:, None] - sy[None, :])
        ci, si = np.nonzero(d <= cmax[:, None] + KM_TOLERANCE)
        # nearest first; ties by course id then school id (both lists are sorted by id)
        order = np.lexsort((si, ci, d[ci, si]))
        pairs = [(0.0, mine[ci[j]].course_id, str(sids[si[j]])) for j in order]
        for _, cid, sid in pairs:
            if (cid, sid) in forbid or (cid, sid) in locks:
                continue
            c = crs[cid]
            while prov_left[pid] >= c.sessions_per_week and slots_left[sid] >= c.sessions_per_week:
                seats = [*seats_at[sid], c.seats]
                if _at_target(tq, sum(seats) - min(seats), students[sid]):
                    break
                seats_at[sid].append(c.seats)
                sections[(cid, sid)] = sections.get((cid, sid), 0) + 1
                prov_left[pid] -= c.sessions_per_week
                slots_left[sid] -= c.sessions_per_week
            if prov_left[pid] <= 0:
                break
    return _finish(providers, courses, schools, sections, target, 0, {"method": "nearest-first"})
