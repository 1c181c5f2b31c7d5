"""Balanced supply of provider courses to schools (课后服务课程均衡配送, 课程"超市"的均衡供给).

Problem. Vetted off-campus providers (校外机构, associations, museums, artists) bring their
after-school courses into schools. The bureau decides how many sections of each course go to
each school, so that small and rural schools get courses too, not only the schools next to the
providers (CONTRACTS.md, "junheng supply"). Hard rules: a provider's sections use at most its
``weekly_sessions``; a school hosts at most ``slots`` sessions; no section goes farther than its
course's ``max_km``; a school that has reached the target (seats per 100 students) gets no
further section, i.e. removing its smallest section would put it below the target.

Method. A mixed-integer programme solved by HiGHS (``scipy.optimize.milp``) in lexicographic
stages over integer section counts ``n[c, s]`` for the (course, school) pairs within reach:

1. maximise the smallest capped seats per 100 students ``min_s min(100·seats_s/P_s, target)``;
2. with that floor fixed, maximise a concave piecewise-linear utility of every school's capped
   seats per 100 (ten levels, each level worth half the one below it): the standard
   approximation of the leximin order (raise the worst-off, then the next, ...);
3. with that utility kept, maximise category variety (distinct categories per school, binary
   indicators);
4. with variety kept, minimise section-kilometres.

The target rule is linearised exactly: per school, binary ``q[s, j]`` says that a section with
at most the j-th smallest seat count is present; the smallest present section is then a linear
expression in ``q`` and ``seats_s − smallest ≤ ⌈T_s⌉ − 1`` (``T_s = target·P_s/100``, seats are
integers) is one row per school. Pairs are pre-filtered by distance and bounded by
``⌈T_s/seats_c⌉`` sections (implied by the target rule), which keeps the model sparse.

Guarantee. Every plan returned satisfies every hard rule; this is re-checked by
``check_plan``, an independent checker written with plain loops and exact fractions, and its
count is the summary's ``violations`` (0). Each stage stops at a relative gap of 1e-4 .. 1e-2 or
its share of ``time_limit_s``; the gaps are reported in ``SupplyPlan.solver``. When a stage is
stopped by the time limit the result may depend on the machine's speed; otherwise the same
inputs give the same plan (HiGHS is deterministic) — the seed is accepted for the common CLI
and does not change the plan.

Rule. Double Reduction after-school services (课后服务 "5+2"): off-campus non-subject providers
vetted into a white list may deliver courses in schools; the county plans them so that rural
schools are served too (DESIGN.md, capability 3).
"""

from __future__ import annotations

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
from scipy.optimize import Bounds, LinearConstraint, milp

from junheng.engines.io import InputError, csv_bytes
from junheng.engines.stats import weighted_cv

URBAN_RURAL = ("urban", "town", "rural")
LEVELS = 10  # pieces of the concave utility (stage 2)
KM_TOLERANCE = 1e-9
TRAVEL_KM_PER_CATEGORY = 200.0

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


def _rule_bound(target: Fraction, students: int) -> int:
    """Largest integer strictly below T = target·students/100 (seats are whole numbers)."""
    t = target * students / 100
    return math.ceil(t) - 1


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
            problems.append(f"provider {pid}: {u} sessions > weekly_sessions {prov[pid].weekly_sessions}")
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
                "locked", None, "sections",
                f"{where}: school is {d:.1f} km away, farther than the course's max_km {c.max_km:g}",
            )
        used[c.provider_id] += n * c.sessions_per_week
        hosted[sid] += n * c.sessions_per_week
        at_school[sid].extend([c.seats] * n)
    for pid, u in sorted(used.items()):
        if u > prov[pid].weekly_sessions:
            raise InputError(
                "locked", None, "sections",
                f"locks give provider {pid} {u} sessions a week, more than its weekly_sessions "
                f"{prov[pid].weekly_sessions}",
            )
    for sid, h in sorted(hosted.items()):
        if h > sch[sid].slots:
            raise InputError(
                "locked", None, "sections",
                f"locks give school {sid} {h} sessions a week, more than its slots {sch[sid].slots}",
            )
        seats = at_school[sid]
        if _at_target(tq, sum(seats) - min(seats), sch[sid].students):
            raise InputError(
                "locked", None, "sections",
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
    keep = ub > 0
    return _Instance(
        prov, crs, sch, tq, pc[keep], ps[keep], ub[keep], lb[keep], km[keep], cprov, cseats,
        cspw, ccat, len(cats), students, slots, weekly, rule.astype(np.int64),
    )


# --------------------------------------------------------------------------- the model


@dataclass
class _Model:
    nvar: int
    integrality: npt.NDArray[np.int8]
    lo: FloatArray
    hi: FloatArray
    rows: list[sp.csr_matrix]
    row_lo: list[FloatArray]
    row_hi: list[FloatArray]
    n_slice: slice
    t_index: int
    w_slice: slice
    y_slice: slice
    w_obj: FloatArray
    km_obj: FloatArray


def _model(inst: _Instance) -> _Model:
    npairs = len(inst.pc)
    nsch = len(inst.schools)
    ncat = max(inst.ncat, 1)
    pc, ps = inst.pc, inst.ps
    seats = inst.cseats[pc].astype(np.float64)
    spw = inst.cspw[pc].astype(np.float64)
    per100 = 100.0 * seats / inst.students[ps]
    target = float(inst.target)
    # q variables: for each school, one per distinct seat value except the largest.
    q_school: list[int] = []
    q_seat: list[int] = []
    q_of_pair = np.full(npairs, -1, dtype=np.int64)
    order = np.lexsort((seats, ps))
    bounds_ps = np.searchsorted(ps[order], np.arange(nsch + 1))
    rule_rows: list[tuple[int, list[int], list[float], float]] = []  # school, q idx, coef, rhs
    for s in range(nsch):
        idx = order[bounds_ps[s] : bounds_ps[s + 1]]
        if idx.size == 0:
            continue
        values = np.unique(seats[idx]).astype(np.int64)
        first = len(q_school)
        for v in values[:-1]:
            q_school.append(s)
            q_seat.append(int(v))
        pos = np.searchsorted(values, seats[idx].astype(np.int64))
        small = pos < len(values) - 1
        q_of_pair[idx[small]] = first + pos[small]
        coefs = [float(values[j + 1] - values[j]) for j in range(len(values) - 1)]
        rhs = float(inst.rule[s] + values[-1])
        rule_rows.append((s, list(range(first, first + len(values) - 1)), coefs, rhs))
    nq = len(q_school)
    # layout: n | t | w (S×LEVELS) | y (S×ncat) | q
    n0, t0 = 0, npairs
    w0 = t0 + 1
    y0 = w0 + nsch * LEVELS
    q0 = y0 + nsch * ncat
    nvar = q0 + nq
    integrality = np.zeros(nvar, dtype=np.int8)
    integrality[n0:t0] = 1
    integrality[y0:nvar] = 1
    lo = np.zeros(nvar)
    hi = np.ones(nvar)
    lo[n0:t0] = inst.lb
    hi[n0:t0] = inst.ub
    hi[t0] = target
    hi[w0:y0] = target / LEVELS
    rows: list[sp.csr_matrix] = []
    rlo: list[FloatArray] = []
    rhi: list[FloatArray] = []
    pair_ids = np.arange(npairs)

    def add(r: IntArray, c: IntArray, v: FloatArray, nrows: int, lo_: FloatArray, hi_: FloatArray) -> None:
        rows.append(sp.csr_matrix((v, (r, c)), shape=(nrows, nvar)))
        rlo.append(lo_)
        rhi.append(hi_)

    nprov = len(inst.providers)
    add(inst.cprov[pc], pair_ids, spw, nprov, np.full(nprov, -np.inf), inst.weekly.astype(np.float64))
    add(ps, pair_ids, spw, nsch, np.full(nsch, -np.inf), inst.slots.astype(np.float64))
    # t − Σ per100·n ≤ 0
    r = np.concatenate([np.arange(nsch), ps])
    c = np.concatenate([np.full(nsch, t0), pair_ids])
    v = np.concatenate([np.ones(nsch), -per100])
    add(r, c, v, nsch, np.full(nsch, -np.inf), np.zeros(nsch))
    # Σ_k w[s,k] − Σ per100·n ≤ 0
    wr = np.repeat(np.arange(nsch), LEVELS)
    r = np.concatenate([wr, ps])
    c = np.concatenate([w0 + np.arange(nsch * LEVELS), pair_ids])
    v = np.concatenate([np.ones(nsch * LEVELS), -per100])
    add(r, c, v, nsch, np.full(nsch, -np.inf), np.zeros(nsch))
    # y[s,g] − Σ_{c in g} n ≤ 0
    ny = nsch * ncat
    yrow = ps * ncat + inst.ccat[pc]
    r = np.concatenate([np.arange(ny), yrow])
    c = np.concatenate([y0 + np.arange(ny), pair_ids])
    v = np.concatenate([np.ones(ny), -np.ones(npairs)])
    add(r, c, v, ny, np.full(ny, -np.inf), np.zeros(ny))
    # target rule: n − ub·q ≤ 0 (pairs below the school's largest seat value) ...
    small = np.flatnonzero(q_of_pair >= 0)
    m = small.size
    r = np.concatenate([np.arange(m), np.arange(m)])
    c = np.concatenate([small, q0 + q_of_pair[small]])
    v = np.concatenate([np.ones(m), -inst.ub[small].astype(np.float64)])
    add(r, c, v, m, np.full(m, -np.inf), np.zeros(m))
    # ... q monotone within a school ...
    qs = np.array(q_school, dtype=np.int64)
    mono = np.flatnonzero(qs[:-1] == qs[1:]) if nq > 1 else np.zeros(0, dtype=np.int64)
    k = mono.size
    r = np.concatenate([np.arange(k), np.arange(k)])
    c = np.concatenate([q0 + mono, q0 + mono + 1])
    v = np.concatenate([np.ones(k), -np.ones(k)])
    add(r, c, v, k, np.full(k, -np.inf), np.zeros(k))
    # ... and seats_s + Σ_j (a_{j+1} − a_j)·q_j ≤ rule_s + a_max.
    rr: list[IntArray] = [ps]
    cc: list[IntArray] = [pair_ids]
    vv: list[FloatArray] = [seats]
    rhs = np.full(nsch, np.inf)
    for s, qidx, coefs, bound in rule_rows:
        rr.append(np.full(len(qidx), s, dtype=np.int64))
        cc.append(q0 + np.array(qidx, dtype=np.int64))
        vv.append(np.array(coefs, dtype=np.float64))
        rhs[s] = bound
    add(np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), nsch, np.full(nsch, -np.inf), rhs)
    slopes = 2.0 ** np.arange(LEVELS - 1, -1, -1)
    w_obj = np.zeros(nvar)
    w_obj[w0:y0] = np.tile(slopes, nsch)
    km_obj = np.zeros(nvar)
    km_obj[n0:t0] = inst.km
    return _Model(
        nvar, integrality, lo, hi, rows, rlo, rhi, slice(n0, t0), t0, slice(w0, y0),
        slice(y0, q0), w_obj, km_obj,
    )


def _solve(
    mdl: _Model,
    objective: FloatArray,
    extra: list[tuple[FloatArray, float]],
    time_limit: float,
    gap: float,
) -> tuple[FloatArray | None, dict[str, Any]]:
    """Minimise ``objective`` under the model plus ``extra`` rows (coefficients, lower bound)."""
    mats = list(mdl.rows)
    lo = list(mdl.row_lo)
    hi = list(mdl.row_hi)
    for coef, bound in extra:
        mats.append(sp.csr_matrix(coef.reshape(1, -1)))
        lo.append(np.array([bound]))
        hi.append(np.array([np.inf]))
    a = sp.vstack(mats, format="csr")
    t0 = time.perf_counter()
    res = milp(
        c=objective,
        integrality=mdl.integrality,
        bounds=Bounds(mdl.lo, mdl.hi),
        constraints=LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
        options={"time_limit": max(1.0, time_limit), "mip_rel_gap": gap, "presolve": True},
    )
    info = {
        "status": int(res.status),
        "message": str(res.message),
        "seconds": round(time.perf_counter() - t0, 2),
        "objective": None if res.x is None else float(res.fun),
        "bound": None if getattr(res, "mip_dual_bound", None) is None else float(res.mip_dual_bound),
        "gap": None if getattr(res, "mip_gap", None) is None else float(res.mip_gap),
    }
    if res.x is None:
        return None, info
    return np.asarray(res.x, dtype=np.float64), info


def _round(inst: _Instance, x: FloatArray, mdl: _Model) -> IntArray:
    return np.clip(np.rint(x[mdl.n_slice]), inst.lb, inst.ub).astype(np.int64)


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
            c = min(free, key=lambda k: (crs[k[0]].seats, -distance_km(crs[k[0]].x_km, crs[k[0]].y_km, s.x_km, s.y_km), k))
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
    mdl = _model(inst)
    budget = [0.3, 0.35, 0.35]

    def left(share: float) -> float:
        remaining = time_limit_s - (time.perf_counter() - started)
        return max(1.0, remaining * share)

    best: FloatArray | None = None
    # stage 1: the floor
    obj = np.zeros(mdl.nvar)
    obj[mdl.t_index] = -1.0
    x, info = _solve(mdl, obj, [], left(budget[0]), 1e-4)
    solver["stages"].append({"stage": "max-min", **info})
    if x is not None:
        best = x
        floor = min(
            float(inst.target),
            float(np.min(np.bincount(inst.ps, weights=100.0 * inst.cseats[inst.pc] * _round(inst, x, mdl) / inst.students[inst.ps], minlength=len(inst.schools)))),
        )
        mdl.lo[mdl.t_index] = mdl.hi[mdl.t_index] = max(0.0, floor - 1e-7)
        # stage 2: leximin by the concave utility
        x2, info = _solve(mdl, -mdl.w_obj, [], left(budget[1] / sum(budget[1:])), 1e-3)
        solver["stages"].append({"stage": "leximin", **info})
        if x2 is not None:
            best = x2
            util = float(mdl.w_obj @ x2)
            extra = [(mdl.w_obj, util - 1e-6 * max(1.0, abs(util)))]
            yobj = np.zeros(mdl.nvar)
            yobj[mdl.y_slice] = 1.0
            # stage 3: category variety, then travel (a category outweighs TRAVEL_KM_PER_CATEGORY
            # section-km, so travel decides among plans of equal variety)
            obj3 = -yobj + mdl.km_obj / TRAVEL_KM_PER_CATEGORY
            x3, info = _solve(mdl, obj3, extra, left(1.0), 1e-3)
            solver["stages"].append({"stage": "variety+travel", **info})
            if x3 is not None:
                best = x3
    if best is None:
        sections = baseline()
        solver["fallback"] = "nearest-first"
    else:
        sections = _drop_surplus(inst, _sections(inst, _round(inst, best, mdl)), locks)
        if check_plan(providers, courses, schools, sections, target=target):
            sections = baseline()
            solver["fallback"] = "nearest-first (rounded optimum failed the checker)"
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
