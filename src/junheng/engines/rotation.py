"""Teacher rotation plan (校长教师交流轮岗).

Problem. Each year a county moves a share of its eligible teachers between schools so that the
gaps between schools shrink (CONTRACTS.md, "junheng rotate"). Hard rules: only eligible teachers
move (years at the school ≥ ``min_years``, optional age caps by gender); every school keeps its
head count (moves are exchanges: in = out per school); every subject need
``(school, subject, required)`` is met after the moves; no move is longer than ``max_km``; at
least ``ceil(share × eligible)`` teachers move; backbone movers are at least ``backbone_share``
of the movers (national) or of the eligible teachers (Anhui). By default moves stay within a
level (primary to primary, junior to junior). Goal: lower the enrolment-weighted coefficients
of variation of backbone and of qualified teachers per 100 students, then meet preferences
(pref1..pref3), then short travel.

Method. A mixed-integer programme solved by HiGHS (``scipy.optimize.milp``): eligible teachers
who are interchangeable for the rules (same school, subject, backbone and qualified flags) form a
class, and integer flows ``f[class, destination]`` over candidate destinations within
``max_km`` carry them (a multi-commodity flow with side constraints for head counts, needs and
shares). Since moves keep the totals, the weighted mean of each indicator is fixed and the CV is
a monotone function of ``Σ_s P_s (x_s − mean)²``; each school's term is a convex function of its
integer backbone (qualified) count and is represented exactly at integers by chords. The
objective is ``1e4·(CV_backbone² + CV_qualified²)`` plus, at weight ``PREF_WEIGHT`` (small
enough that the CVs come first), a cost per move of 3 points plus km/100 minus preference points
(3/2/1 for pref1/2/3) — preferences decide where teachers go, not whether more of them move.
Individual teachers are then assigned to their class's flows by an assignment problem
(``scipy.optimize.linear_sum_assignment``): most preference points, then the longest served.
Large regions are cut into cells of nearby schools with at most ``CELL_ELIGIBLE`` eligible
teachers (recursive bisection), each solved on its own with its own share rules (the cells'
ceilings add up to at least the overall one); moves stay inside a cell. Per school, the
candidate destinations are the nearest, the neediest in backbone and in qualified teachers,
and every preferred one (``DEST_*``).

Guarantee. Every plan satisfies every hard rule, re-checked by ``check_rotation`` (independent,
plain loops); its count is the summary's ``violations`` (0). Stage gaps against the solver's
bound are in ``RotationPlan.solver``. Rules that cannot hold together raise ``InputError`` with
the reason (the school and subject where it can be named). HiGHS is deterministic, so the same
inputs give the same plan unless a stage stops on its time limit.

Rule. National guideline on county-wide teacher exchange (2014): at least 10% of eligible
teachers a year, backbone teachers at least 20% of those rotated; provincial variants
(Zhejiang years at one school, Anhui backbone basis, age caps) are options (RULES.md).
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
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from junheng.engines.io import InputError, csv_bytes
from junheng.engines.stats import weighted_cv

LEVELS = ("primary", "junior")
URBAN_RURAL = ("urban", "town", "rural")
KM_TOLERANCE = 1e-9
DEST_ALL = 30  # a school with at most this many destinations in reach keeps them all
DEST_NEAR = 12  # otherwise: the nearest ones ...
DEST_NEEDY = 8  # ... the lowest in backbone and in qualified teachers per 100 students ...
CELL_ELIGIBLE = 3500  # larger regions are cut into cells of nearby schools solved one by one
MIN_CELL_SCHOOLS = 10
CHORD_SPAN = 25  # ... and chords of the CV terms this far around the current and mean counts
PREF_POINTS = (3, 2, 1)
KM_PER_PREF_POINT = 100.0  # one preference point outweighs 100 km of travel
# preference points and travel enter the objective at this weight against 1e4·(CV_b² + CV_q²):
# a change of CV² by 1e-7 outweighs one preference point, so the CVs come first
PREF_WEIGHT = 1e-3


@dataclass(frozen=True)
class RotationSchool:
    school_id: str
    level: str
    urban_rural: str
    students: int
    x_km: float
    y_km: float


@dataclass(frozen=True)
class RotationTeacher:
    teacher_id: str
    school_id: str
    subject: str
    years_at_school: int
    age: int
    backbone: bool
    qualified: bool
    prefs: tuple[str, ...] = ()
    gender: str = ""


@dataclass(frozen=True)
class RotationNeed:
    school_id: str
    subject: str
    required: int


@dataclass(frozen=True)
class RotationRules:
    min_years: int = 6
    share: float = 0.10
    backbone_share: float = 0.2
    backbone_basis: str = "movers"  # "movers" (national) or "eligible" (Anhui)
    max_km: float = 30.0
    max_age: int | None = None  # eligible when younger than this (any gender)
    max_age_male: int | None = None
    max_age_female: int | None = None
    same_level: bool = True
    max_share: float | None = None  # optional ceiling on movers / eligible


@dataclass
class RotationPlan:
    """``moves[teacher_id] = (from_school, to_school)`` for every mover, and the figures."""

    moves: dict[str, tuple[str, str]]
    summary: dict[str, Any]
    per_school: list[dict[str, Any]]
    solver: dict[str, Any] = field(default_factory=dict)

    def out_bytes(self) -> bytes:
        """The ``--out`` CSV: teacher_id, from_school, to_school; sorted by teacher_id."""
        rows = [(t, a, b) for t, (a, b) in sorted(self.moves.items())]
        return csv_bytes(["teacher_id", "from_school", "to_school"], rows)


# --------------------------------------------------------------------------- rules


def _fraction(x: float, name: str) -> Fraction:
    if not math.isfinite(x) or x < 0 or x > 1:
        raise InputError(None, None, name, f"must be between 0 and 1, got {x!r}")
    return Fraction(repr(float(x)))


def is_eligible(t: RotationTeacher, rules: RotationRules) -> bool:
    """Years at the school reach ``min_years`` and the teacher is under the age cap that applies."""
    if t.years_at_school < rules.min_years:
        return False
    cap = rules.max_age
    if t.gender == "M" and rules.max_age_male is not None:
        cap = rules.max_age_male
    elif t.gender == "F" and rules.max_age_female is not None:
        cap = rules.max_age_female
    return cap is None or t.age < cap


def distance_km(a: RotationSchool, b: RotationSchool) -> float:
    return float(
        np.hypot(np.float64(a.x_km) - np.float64(b.x_km), np.float64(a.y_km) - np.float64(b.y_km))
    )


def required_movers(eligible: int, rules: RotationRules) -> int:
    return math.ceil(_fraction(rules.share, "share") * eligible)


def required_backbone(movers: int, eligible: int, rules: RotationRules) -> int:
    bs = _fraction(rules.backbone_share, "backbone_share")
    return math.ceil(bs * (eligible if rules.backbone_basis == "eligible" else movers))


def _validate(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    rules: RotationRules,
) -> None:
    if rules.backbone_basis not in ("movers", "eligible"):
        raise InputError(None, None, "backbone_basis", "must be 'movers' or 'eligible'")
    _fraction(rules.share, "share")
    _fraction(rules.backbone_share, "backbone_share")
    if not (rules.max_km >= 0):
        raise InputError(None, None, "max_km", "must be ≥ 0")
    ids: set[str] = set()
    for i, s in enumerate(schools):
        if s.school_id in ids:
            raise InputError("schools", i + 2, "school_id", f"duplicate {s.school_id!r}")
        ids.add(s.school_id)
        if s.level not in LEVELS:
            raise InputError("schools", i + 2, "level", f"unknown value {s.level!r}")
        if s.urban_rural not in URBAN_RURAL:
            raise InputError("schools", i + 2, "urban_rural", f"unknown value {s.urban_rural!r}")
        if s.students < 1:
            raise InputError("schools", i + 2, "students", "must be ≥ 1")
    gendered = rules.max_age_male is not None or rules.max_age_female is not None
    tids: set[str] = set()
    for i, t in enumerate(teachers):
        if t.teacher_id in tids:
            raise InputError("teachers", i + 2, "teacher_id", f"duplicate {t.teacher_id!r}")
        tids.add(t.teacher_id)
        if t.school_id not in ids:
            raise InputError("teachers", i + 2, "school_id", f"unknown school {t.school_id!r}")
        for k, p in enumerate(t.prefs):
            if p and p not in ids:
                raise InputError("teachers", i + 2, f"pref{k + 1}", f"unknown school {p!r}")
        if gendered and t.gender not in ("F", "M") and rules.max_age is None:
            raise InputError(
                "teachers", i + 2, "gender", "age caps by gender need gender F or M for everyone"
            )
    seen: set[tuple[str, str]] = set()
    for i, n in enumerate(needs):
        if n.school_id not in ids:
            raise InputError("needs", i + 2, "school_id", f"unknown school {n.school_id!r}")
        if (n.school_id, n.subject) in seen:
            raise InputError("needs", i + 2, "subject", f"duplicate need {n.school_id}/{n.subject}")
        seen.add((n.school_id, n.subject))
        if n.required < 0:
            raise InputError("needs", i + 2, "required", "must be ≥ 0")


# --------------------------------------------------------------------------- checker


def check_rotation(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    rules: RotationRules,
    moves: Mapping[str, tuple[str, str]],
) -> list[str]:
    """Every broken hard rule of a plan, one line each (empty for a valid plan)."""
    sch = {s.school_id: s for s in schools}
    tch = {t.teacher_id: t for t in teachers}
    problems: list[str] = []
    moved_in: dict[str, int] = defaultdict(int)
    moved_out: dict[str, int] = defaultdict(int)
    staff: dict[tuple[str, str], int] = defaultdict(int)
    for t in teachers:
        staff[(t.school_id, t.subject)] += 1
    backbone = 0
    for tid, (a, b) in sorted(moves.items()):
        mover = tch.get(tid)
        if mover is None or mover.school_id != a or b not in sch or a == b:
            problems.append(f"{tid}: not a move of a known teacher from their school")
            continue
        t = mover
        if not is_eligible(t, rules):
            problems.append(f"{tid}: not eligible")
        if distance_km(sch[a], sch[b]) > rules.max_km + KM_TOLERANCE:
            problems.append(f"{tid}: {a}->{b} longer than max_km")
        if rules.same_level and sch[a].level != sch[b].level:
            problems.append(f"{tid}: {a}->{b} changes level")
        moved_out[a] += 1
        moved_in[b] += 1
        staff[(a, t.subject)] -= 1
        staff[(b, t.subject)] += 1
        backbone += t.backbone
    for sid in sorted(sch):
        if moved_in[sid] != moved_out[sid]:
            problems.append(f"school {sid}: {moved_in[sid]} in, {moved_out[sid]} out")
    for n in needs:
        if staff[(n.school_id, n.subject)] < n.required:
            problems.append(f"school {n.school_id}: {n.subject} below {n.required}")
    eligible = sum(is_eligible(t, rules) for t in teachers)
    movers = len(moves)
    if movers < required_movers(eligible, rules):
        problems.append(f"{movers} movers, fewer than the share of {eligible} eligible")
    if rules.max_share is not None and movers > rules.max_share * eligible + 1e-9:
        problems.append(f"{movers} movers, more than max_share")
    if backbone < required_backbone(movers, eligible, rules):
        problems.append(f"{backbone} backbone movers, fewer than the backbone share")
    return problems


# --------------------------------------------------------------------------- figures


def _per100(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    moves: Mapping[str, tuple[str, str]],
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(before, after) per school: [teachers, backbone, qualified]."""
    before: dict[str, list[int]] = {s.school_id: [0, 0, 0] for s in schools}
    after: dict[str, list[int]] = {s.school_id: [0, 0, 0] for s in schools}
    for t in teachers:
        row = [1, int(t.backbone), int(t.qualified)]
        where = moves[t.teacher_id][1] if t.teacher_id in moves else t.school_id
        for k in range(3):
            before[t.school_id][k] += row[k]
            after[where][k] += row[k]
    return before, after


def _figures(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    rules: RotationRules,
    moves: Mapping[str, tuple[str, str]],
    violations: int,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sch = {s.school_id: s for s in schools}
    tch = {t.teacher_id: t for t in teachers}
    before, after = _per100(schools, teachers, moves)
    order = sorted(schools, key=lambda s: s.school_id)
    w = [s.students for s in order]

    def cv(table: dict[str, list[int]], k: int) -> float:
        return round(weighted_cv([100.0 * table[s.school_id][k] / s.students for s in order], w), 4)

    eligible = sum(is_eligible(t, rules) for t in teachers)
    movers = len(moves)
    backbone = sum(tch[t].backbone for t in moves)
    km = [distance_km(sch[a], sch[b]) for a, b in moves.values()]
    pref_met = sum(1 for t, (_a, b) in moves.items() if b in tch[t].prefs)
    summary: dict[str, Any] = {
        "eligible": eligible,
        "moved": movers,
        "moved_share": round(movers / eligible, 4) if eligible else 0.0,
        "backbone_share": round(backbone / movers, 4) if movers else 0.0,
        "cv_backbone_before": cv(before, 1),
        "cv_backbone_after": cv(after, 1),
        "cv_qualified_before": cv(before, 2),
        "cv_qualified_after": cv(after, 2),
        "mean_km": round(sum(km) / movers, 3) if movers else 0.0,
        "pref_met": pref_met,
        "violations": violations,
    }
    outs: dict[str, int] = defaultdict(int)
    ins: dict[str, int] = defaultdict(int)
    for a, b in moves.values():
        outs[a] += 1
        ins[b] += 1
    per_school = []
    for s in order:
        b0, b1 = before[s.school_id], after[s.school_id]
        per_school.append(
            {
                "school_id": s.school_id,
                "level": s.level,
                "urban_rural": s.urban_rural,
                "students": s.students,
                "teachers": b0[0],
                "out": outs[s.school_id],
                "in": ins[s.school_id],
                "backbone_before": b0[1],
                "backbone_after": b1[1],
                "qualified_before": b0[2],
                "qualified_after": b1[2],
                "backbone_per100_before": round(100 * b0[1] / s.students, 4),
                "backbone_per100_after": round(100 * b1[1] / s.students, 4),
                "qualified_per100_before": round(100 * b0[2] / s.students, 4),
                "qualified_per100_after": round(100 * b1[2] / s.students, 4),
            }
        )
    return summary, per_school


# --------------------------------------------------------------------------- the model


@dataclass
class _Class:
    home: int
    subject: str
    backbone: bool
    qualified: bool
    members: list[RotationTeacher]
    dests: list[int]


class _Rows:
    """Sparse rows collected as triplets, turned into one LinearConstraint."""

    def __init__(self) -> None:
        self.r: list[npt.NDArray[np.int64]] = []
        self.c: list[npt.NDArray[np.int64]] = []
        self.v: list[npt.NDArray[np.float64]] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(
        self,
        cols: Sequence[int] | npt.NDArray[np.int64],
        vals: Sequence[float] | npt.NDArray[np.float64],
        lo: float,
        hi: float,
    ) -> None:
        k = len(self.lo)
        cols_a = np.asarray(cols, dtype=np.int64)
        self.r.append(np.full(cols_a.size, k, dtype=np.int64))
        self.c.append(cols_a)
        self.v.append(np.asarray(vals, dtype=np.float64))
        self.lo.append(lo)
        self.hi.append(hi)

    def constraint(self, nvar: int) -> LinearConstraint:
        a = sp.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(len(self.lo), nvar),
        )
        return LinearConstraint(a, np.array(self.lo), np.array(self.hi))


def plan_rotation(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    *,
    rules: RotationRules | None = None,
    locked: Mapping[str, str] | None = None,
    forbidden: Collection[tuple[str, str]] = (),
    time_limit_s: float = 120.0,
) -> RotationPlan:
    """The rotation plan (see the module docstring).

    ``locked[teacher_id] = school_id`` fixes a teacher's outcome (their own school: stays);
    ``forbidden`` holds ``(teacher_id, school_id)`` moves that must not happen.
    """
    started = time.perf_counter()
    rules = rules or RotationRules()
    _validate(schools, teachers, needs, rules)
    locks = dict(locked or {})
    forbid = set(forbidden)
    sch = sorted(schools, key=lambda s: s.school_id)
    sidx = {s.school_id: i for i, s in enumerate(sch)}
    tch = {t.teacher_id: t for t in teachers}
    nsch = len(sch)
    xs = np.array([s.x_km for s in sch])
    ys = np.array([s.y_km for s in sch])
    dist = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    level = np.array([s.level for s in sch])
    reach = dist <= rules.max_km + KM_TOLERANCE
    np.fill_diagonal(reach, False)
    if rules.same_level:
        reach &= level[:, None] == level[None, :]
    students = np.array([s.students for s in sch], dtype=np.float64)

    eligible = [t for t in teachers if is_eligible(t, rules)]
    n_eligible = len(eligible)
    # locked moves are constants
    fixed: dict[str, tuple[str, str]] = {}
    stay: set[str] = set()
    for tid, to in sorted(locks.items()):
        t = tch.get(tid)
        if t is None:
            raise InputError("locked", None, "teacher_id", f"unknown teacher {tid!r}")
        if to not in sidx:
            raise InputError("locked", None, "to_school", f"unknown school {to!r}")
        if to == t.school_id:
            stay.add(tid)
            continue
        if (tid, to) in forbid:
            raise InputError(
                "locked", None, "to_school", f"teacher {tid}: the move to {to} is also forbidden"
            )
        if not is_eligible(t, rules):
            raise InputError(
                "locked",
                None,
                "teacher_id",
                f"teacher {tid} is not eligible to move ({t.years_at_school} years at the school, age {t.age})",
            )
        a, b = sidx[t.school_id], sidx[to]
        if not reach[a, b]:
            why = (
                "changes level"
                if rules.same_level and level[a] != level[b]
                else f"is {dist[a, b]:.1f} km, longer than --max-km"
            )
            raise InputError(
                "locked", None, "to_school", f"teacher {tid}: the move {t.school_id}->{to} {why}"
            )
        fixed[tid] = (t.school_id, to)

    # base figures after the locked moves
    b0 = np.zeros(nsch)
    q0 = np.zeros(nsch)
    staff: dict[tuple[int, str], int] = defaultdict(int)
    for t in teachers:
        s = sidx[fixed[t.teacher_id][1]] if t.teacher_id in fixed else sidx[t.school_id]
        b0[s] += t.backbone
        q0[s] += t.qualified
        staff[(s, t.subject)] += 1
    lock_out = np.zeros(nsch)
    lock_in = np.zeros(nsch)
    for src, dst in fixed.values():
        lock_out[sidx[src]] += 1
        lock_in[sidx[dst]] += 1
    lock_backbone = sum(tch[t].backbone for t in fixed)

    # cells of schools solved apart when the region is large (moves stay inside a cell)
    elig_at = np.bincount([sidx[t.school_id] for t in eligible], minlength=nsch)
    cell_of = _cells(xs, ys, elig_at, CELL_ELIGIBLE)
    reach &= cell_of[:, None] == cell_of[None, :]
    solver_info: dict[str, Any] = {"cells_count": int(cell_of.max()) + 1 if nsch else 0}
    # destinations per home school: nearest, neediest, preferred
    bper = 100 * b0 / students
    qper = 100 * q0 / students
    movable = [t for t in eligible if t.teacher_id not in fixed and t.teacher_id not in stay]
    prefs_at: dict[int, set[int]] = defaultdict(set)
    for t in movable:
        for p in t.prefs:
            if p in sidx and reach[sidx[t.school_id], sidx[p]]:
                prefs_at[sidx[t.school_id]].add(sidx[p])
    dests: dict[int, list[int]] = {}
    for h in sorted({sidx[t.school_id] for t in movable}):
        cand = np.flatnonzero(reach[h])
        if cand.size > DEST_ALL:
            keep = set(cand[np.argsort(dist[h, cand], kind="stable")[:DEST_NEAR]].tolist())
            keep |= set(cand[np.argsort(bper[cand], kind="stable")[:DEST_NEEDY]].tolist())
            keep |= set(cand[np.argsort(qper[cand], kind="stable")[:DEST_NEEDY]].tolist())
            keep |= prefs_at[h]
            cand = np.array(sorted(keep), dtype=np.int64)
        dests[h] = cand.tolist()
    # classes of interchangeable teachers; a teacher with forbidden moves is a class of its own
    forbid_by_t: dict[str, set[int]] = defaultdict(set)
    for tid, to in forbid:
        if to in sidx:
            forbid_by_t[tid].add(sidx[to])
    groups: dict[tuple[Any, ...], list[RotationTeacher]] = defaultdict(list)
    for t in sorted(movable, key=lambda t: t.teacher_id):
        h = sidx[t.school_id]
        key: tuple[Any, ...] = (h, t.subject, t.backbone, t.qualified)
        if t.teacher_id in forbid_by_t:
            key = (*key, t.teacher_id)
        groups[key].append(t)
    classes: list[_Class] = []
    for key in sorted(groups, key=lambda k: tuple(str(x) for x in k)):
        members = groups[key]
        h = key[0]
        ds = [
            d
            for d in dests.get(h, [])
            if d not in forbid_by_t.get(members[0].teacher_id, set()) or len(key) == 4
        ]
        if ds:
            classes.append(_Class(h, key[1], key[2], key[3], members, ds))

    need_rows = [(sidx[n.school_id], n.subject, n.required) for n in needs]
    solver_info["classes"] = len(classes)
    _prechecks(
        sch,
        classes,
        need_rows,
        staff,
        rules,
        n_eligible,
        len(fixed),
        lock_backbone,
        reach,
        movable,
        fixed,
        tch,
        sidx,
    )

    def solve_cell(
        classes: list[_Class], cell: list[int], seconds: float
    ) -> tuple[npt.NDArray[np.int64], list[int], list[int], dict[str, Any], float]:
        """The MILP of one cell of schools (flows stay inside it); returns its flows."""
        local = {s: i for i, s in enumerate(cell)}
        ns = len(cell)
        in_cell = set(cell)
        fk: list[int] = []
        fd: list[int] = []
        for k, c in enumerate(classes):
            for d in c.dests:
                fk.append(k)
                fd.append(d)
        nf = len(fk)
        home_g = np.array([classes[k].home for k in fk], dtype=np.int64)
        home = np.array([local[h] for h in home_g], dtype=np.int64)
        dest = np.array([local[d] for d in fd], dtype=np.int64)
        is_b = np.array([classes[k].backbone for k in fk], dtype=bool)
        is_q = np.array([classes[k].qualified for k in fk], dtype=bool)
        subj = np.array([classes[k].subject for k in fk], dtype=object)
        flow_at = {(k, d): j for j, (k, d) in enumerate(zip(fk, fd, strict=True))}
        gk: list[tuple[int, int]] = []  # (flow index, points)
        gcap: list[int] = []
        for k, c in enumerate(classes):
            counts: dict[tuple[int, int], int] = defaultdict(int)
            for t in c.members:
                for r, p in enumerate(t.prefs[:3]):
                    if p in sidx and (k, sidx[p]) in flow_at:
                        counts[(flow_at[(k, sidx[p])], PREF_POINTS[r])] += 1
            for key, cnt in sorted(counts.items()):
                gk.append(key)
                gcap.append(cnt)
        ng = len(gk)
        o_b = nf
        o_q = o_b + ns
        o_eb = o_q + ns
        o_eq = o_eb + ns
        o_g = o_eq + ns
        nvar = o_g + ng
        lo = np.zeros(nvar)
        hi = np.full(nvar, np.inf)
        integrality = np.zeros(nvar, dtype=np.int8)
        integrality[:nf] = 1
        hi[:nf] = [len(classes[k].members) for k in fk]
        hi[o_g:] = gcap
        rows = _Rows()
        ids = np.arange(nf)
        by_dest = [ids[dest == s] for s in range(ns)]
        by_home = [ids[home == s] for s in range(ns)]
        for k, c in enumerate(classes):
            cols = [flow_at[(k, d)] for d in c.dests]
            rows.add(cols, np.ones(len(cols)), -np.inf, len(c.members))
        # head counts: in − out = lock_out − lock_in
        for s, g in enumerate(cell):
            cin, cout = by_dest[s], by_home[s]
            if cin.size or cout.size:
                rhs = lock_out[g] - lock_in[g]
                rows.add(np.r_[cin, cout], np.r_[np.ones(cin.size), -np.ones(cout.size)], rhs, rhs)
        for g, subject, req in need_rows:
            if g not in in_cell:
                continue
            s = local[g]
            have = staff[(g, subject)]
            cin = by_dest[s][subj[by_dest[s]] == subject]
            cout = by_home[s][subj[by_home[s]] == subject]
            if cout.size == 0 and have >= req:
                continue
            rows.add(
                np.r_[cin, cout], np.r_[np.ones(cin.size), -np.ones(cout.size)], req - have, np.inf
            )
        # shares, counted in the cell (the sum of the cells' ceilings meets the overall rule)
        cell_eligible = sum(1 for t in eligible if sidx[t.school_id] in in_cell)
        cell_fixed = [tid for tid, (a, _b) in fixed.items() if sidx[a] in in_cell]
        cell_lb = sum(tch[tid].backbone for tid in cell_fixed)
        m_req = required_movers(cell_eligible, rules)
        rows.add(ids, np.ones(nf), m_req - len(cell_fixed), np.inf)
        if rules.max_share is not None:
            top = math.floor(rules.max_share * cell_eligible + 1e-9) - len(cell_fixed)
            rows.add(ids, np.ones(nf), -np.inf, top)
        if rules.backbone_basis == "eligible":
            need_b = required_backbone(0, cell_eligible, rules) - cell_lb
            rows.add(ids[is_b], np.ones(int(is_b.sum())), need_b, np.inf)
        else:  # den·(B + LB) − num·(M + LM) ≥ 0
            coef = np.where(is_b, bs.denominator - bs.numerator, -bs.numerator).astype(np.float64)
            rows.add(ids, coef, bs.numerator * len(cell_fixed) - bs.denominator * cell_lb, np.inf)
        cv_obj = np.zeros(nvar)
        for o_x, o_e, flag, base, mean in (
            (o_b, o_eb, is_b, b0, mean_b),
            (o_q, o_eq, is_q, q0, mean_q),
        ):
            out_cap = np.bincount(home[flag], weights=hi[:nf][flag], minlength=ns)
            in_cap = np.bincount(dest[flag], weights=hi[:nf][flag], minlength=ns)
            for s, g in enumerate(cell):
                cin = by_dest[s][flag[by_dest[s]]]
                cout = by_home[s][flag[by_home[s]]]
                rows.add(
                    np.r_[o_x + s, cin, cout],
                    np.r_[1.0, -np.ones(cin.size), np.ones(cout.size)],
                    base[g],
                    base[g],
                )
                lo[o_x + s] = base[g] - out_cap[s]
                hi[o_x + s] = base[g] + in_cap[s]
                if mean <= 0:
                    continue
                cv_obj[o_e + s] = 1e4 / (mean * mean * total_p)
                ps = students[g]
                tgt = mean * ps / 100
                a = int(max(lo[o_x + s], math.floor(min(base[g], tgt)) - CHORD_SPAN))
                b = int(min(hi[o_x + s], math.ceil(max(base[g], tgt)) + CHORD_SPAN))
                if b <= a:
                    rows.add([o_e + s], [1.0], (100 * a - mean * ps) ** 2 / ps, np.inf)
                for v in range(a, b):
                    f0 = (100 * v - mean * ps) ** 2 / ps
                    f1 = (100 * (v + 1) - mean * ps) ** 2 / ps
                    # e ≥ f0 + (f1 − f0)(x − v)
                    rows.add([o_e + s, o_x + s], [1.0, -(f1 - f0)], f0 - (f1 - f0) * v, np.inf)
        g_by_flow: dict[int, list[int]] = defaultdict(list)
        for i, (j, _pts) in enumerate(gk):
            g_by_flow[j].append(i)
        for j, gi in sorted(g_by_flow.items()):
            rows.add([j, *[o_g + i for i in gi]], [-1.0, *[1.0] * len(gi)], -np.inf, 0.0)
        km = dist[home_g, np.array(fd, dtype=np.int64)] if nf else np.zeros(0)
        objective = cv_obj.copy()
        # every move costs the most a preference can earn: preferences decide where, not whether
        objective[:nf] += PREF_WEIGHT * (max(PREF_POINTS) + km / KM_PER_PREF_POINT)
        objective[o_g:] = [-PREF_WEIGHT * pts for _j, pts in gk]
        t0 = time.perf_counter()
        res = milp(
            objective,
            integrality=integrality,
            bounds=Bounds(lo, hi),
            constraints=rows.constraint(nvar),
            options={"time_limit": max(1.0, seconds), "mip_rel_gap": 1e-3},
        )
        info: dict[str, Any] = {
            "schools": ns,
            "flows": nf,
            "status": int(res.status),
            "message": str(res.message).split(" (")[0],
            "seconds": round(time.perf_counter() - t0, 2),
            "objective": None if res.x is None else float(res.fun),
            "bound": None
            if getattr(res, "mip_dual_bound", None) is None
            else float(res.mip_dual_bound),
        }
        if res.x is None:
            where = ", ".join(sch[g].school_id for g in cell[:5])
            if res.status == 2:
                raise InputError(None, None, None, f"{_diagnose()} (among schools {where}…)")
            raise InputError(
                None,
                None,
                None,
                f"no plan found in the time limit ({info['message']}) for schools {where}…",
            )
        x = np.asarray(res.x)
        return np.rint(x[:nf]).astype(np.int64), fk, fd, info, float(cv_obj @ x)

    bs = _fraction(rules.backbone_share, "backbone_share")
    mean_b = 100 * float(b0.sum()) / float(students.sum())
    mean_q = 100 * float(q0.sum()) / float(students.sum())
    total_p = float(students.sum())
    moves = dict(fixed)
    solver_info["cells"] = []
    cv_total = 0.0
    objective_total = 0.0
    bound_total = 0.0
    n_cells = int(cell_of.max()) + 1 if nsch else 0
    for ci in range(n_cells):
        cell = [int(s) for s in np.flatnonzero(cell_of == ci)]
        cell_classes = [c for c in classes if cell_of[c.home] == ci]
        elapsed = time.perf_counter() - started
        seconds = max(1.0, (time_limit_s - elapsed) / (n_cells - ci))
        if not cell_classes:
            continue
        flows, fk, fd, info, cvv = solve_cell(cell_classes, cell, seconds)
        solver_info["cells"].append(info)
        cv_total += cvv
        objective_total += info["objective"] or 0.0
        bound_total += info["bound"] if info["bound"] is not None else info["objective"] or 0.0
        moves.update(_assign(cell_classes, fk, fd, flows, sch))
    solver_info["objective"] = objective_total
    solver_info["bound"] = bound_total
    solver_info["gap"] = round(
        abs(objective_total - bound_total) / max(1e-9, abs(objective_total)), 6
    )
    problems = check_rotation(schools, teachers, needs, rules, moves)
    extra_v = sum(
        1
        for tid, to in locks.items()
        if (moves[tid][1] if tid in moves else tch[tid].school_id) != to
    )
    extra_v += sum(1 for tid, to in forbid if tid in moves and moves[tid][1] == to)
    solver_info["seconds"] = round(time.perf_counter() - started, 2)
    if problems:
        solver_info["problems"] = problems[:20]
    summary, per_school = _figures(schools, teachers, rules, moves, len(problems) + extra_v)
    return RotationPlan(dict(sorted(moves.items())), summary, per_school, solver_info)


def _assign(
    classes: list[_Class],
    fk: list[int],
    fd: list[int],
    flows: npt.NDArray[np.int64],
    sch: list[RotationSchool],
) -> dict[str, tuple[str, str]]:
    """Which members of each class take its flows: most preference points, then longest served."""
    by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for j, n in enumerate(flows):
        if n > 0:
            by_class[fk[j]].append((fd[j], int(n)))
    moves: dict[str, tuple[str, str]] = {}
    for k, outs in sorted(by_class.items()):
        c = classes[k]
        slots = [d for d, n in outs for _ in range(n)]
        stay = len(c.members) - len(slots)
        cost = np.zeros((len(c.members), len(slots) + stay))
        for i, t in enumerate(c.members):
            pts = {p: PREF_POINTS[r] for r, p in enumerate(t.prefs[:3])}
            for j, d in enumerate(slots):
                cost[i, j] = -1000.0 * pts.get(sch[d].school_id, 0) - t.years_at_school
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows, cols, strict=True):
            if j < len(slots):
                t = c.members[i]
                moves[t.teacher_id] = (t.school_id, sch[slots[j]].school_id)
    return moves


def _prechecks(
    sch: list[RotationSchool],
    classes: list[_Class],
    need_rows: list[tuple[int, str, int]],
    staff: Mapping[tuple[int, str], int],
    rules: RotationRules,
    n_eligible: int,
    n_fixed: int,
    lock_backbone: int,
    reach: npt.NDArray[np.bool_],
    movable: list[RotationTeacher],
    fixed: Mapping[str, tuple[str, str]],
    tch: Mapping[str, RotationTeacher],
    sidx: Mapping[str, int],
) -> None:
    """Rules that cannot hold, with the reason named (InputError)."""
    can_move = sum(len(c.members) for c in classes)
    m_req = required_movers(n_eligible, rules)
    if can_move + n_fixed < m_req:
        raise InputError(
            None,
            None,
            "share",
            f"share {rules.share:g} needs {m_req} movers but only {can_move + n_fixed} eligible "
            f"teachers can move within --max-km {rules.max_km:g}",
        )
    b_can = sum(len(c.members) for c in classes if c.backbone) + lock_backbone
    b_req = required_backbone(m_req, n_eligible, rules)
    if b_can < b_req:
        basis = "eligible teachers" if rules.backbone_basis == "eligible" else "movers"
        raise InputError(
            None,
            None,
            "backbone_share",
            f"backbone share {rules.backbone_share:g} of {basis} needs {b_req} backbone movers but "
            f"only {b_can} eligible backbone teachers can move within --max-km {rules.max_km:g}",
        )
    lock_out: dict[tuple[int, str], int] = defaultdict(int)
    before: dict[tuple[int, str], int] = defaultdict(int)
    for t in tch.values():
        before[(sidx[t.school_id], t.subject)] += 1
    for tid, (a, _b) in fixed.items():
        lock_out[(sidx[a], tch[tid].subject)] += 1
    for s, subject, req in need_rows:
        have = staff[(s, subject)]
        if have >= req:
            continue
        could = sum(len(c.members) for c in classes if c.subject == subject and s in c.dests)
        name = sch[s].school_id
        if have + could < req:
            out = lock_out[(s, subject)]
            if out and before[(s, subject)] >= req:
                raise InputError(
                    None,
                    None,
                    "required",
                    f"school {name} cannot keep {req} {subject} teachers if {out} of its "
                    f"{before[(s, subject)]} must move",
                )
            raise InputError(
                None,
                None,
                "required",
                f"school {name} needs {req} {subject} teachers but has {have} and only {could} "
                f"eligible {subject} teachers elsewhere can move there within --max-km {rules.max_km:g}",
            )


def _cells(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    weight: npt.NDArray[np.int64],
    limit: int,
) -> npt.NDArray[np.int64]:
    """Cells of nearby schools with at most ``limit`` eligible teachers each (if possible).

    Recursive bisection at the weighted median along the longer side; deterministic.
    """
    cell = np.zeros(xs.size, dtype=np.int64)
    todo = [np.arange(xs.size)]
    done: list[npt.NDArray[np.int64]] = []
    while todo:
        part = todo.pop()
        if weight[part].sum() <= limit or part.size < 2 * MIN_CELL_SCHOOLS:
            done.append(part)
            continue
        span_x = np.ptp(xs[part])
        span_y = np.ptp(ys[part])
        coord = xs[part] if span_x >= span_y else ys[part]
        order = part[np.lexsort((part, coord))]
        cum = np.cumsum(weight[order])
        cut = int(np.searchsorted(cum, cum[-1] / 2))
        cut = min(max(cut, MIN_CELL_SCHOOLS), order.size - MIN_CELL_SCHOOLS)
        todo += [order[cut:], order[:cut]]
    done.sort(key=lambda p: int(p.min()))
    for i, part in enumerate(done):
        cell[part] = i
    return cell


def _diagnose() -> str:
    """A reason for an infeasible model (the rules clash in a way the pre-checks do not name)."""
    return (
        "the rules cannot all hold together: head counts kept by exchange, subject needs, the "
        "movers' share and the backbone share clash within --max-km (try a larger --max-km, a "
        "smaller --share, or check the needs)"
    )
