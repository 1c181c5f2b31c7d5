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
integer backbone (qualified) count and is represented exactly at integers by chords. Stage 1
minimises ``CV_backbone² + CV_qualified²``; stage 2 keeps that value and maximises preference
points (3/2/1 for pref1/2/3) minus travel. Individual teachers are then assigned to their class's
flows by an assignment problem (``scipy.optimize.linear_sum_assignment``) that maximises the
preferences actually met. City-scale models keep, per school, the nearest destinations, the
neediest ones and every preferred one (``DEST_*``).

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
    return float(np.hypot(np.float64(a.x_km) - np.float64(b.x_km), np.float64(a.y_km) - np.float64(b.y_km)))


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
        t = tch.get(tid)
        if t is None or t.school_id != a or b not in sch or a == b:
            problems.append(f"{tid}: not a move of a known teacher from their school")
            continue
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
    schools: Sequence[RotationSchool], teachers: Sequence[RotationTeacher], moves: Mapping[str, tuple[str, str]]
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

    def add(self, cols: Sequence[int] | npt.NDArray[np.int64], vals: Sequence[float] | npt.NDArray[np.float64], lo: float, hi: float) -> None:
        k = len(self.lo)
        cols_a = np.asarray(cols, dtype=np.int64)
        self.r.append(np.full(cols_a.size, k, dtype=np.int64))
        self.c.append(cols_a)
        self.v.append(np.asarray(vals, dtype=np.float64))
        self.lo.append(lo)
        self.hi.append(hi)

    def constraint(self, nvar: int, extra: list[tuple[npt.NDArray[np.float64], float, float]] = ()) -> LinearConstraint:  # type: ignore[assignment]
        a = sp.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(len(self.lo), nvar),
        )
        lo, hi = list(self.lo), list(self.hi)
        if extra:
            a = sp.vstack([a, *[sp.csr_matrix(e[0].reshape(1, -1)) for e in extra]], format="csr")
            lo += [e[1] for e in extra]
            hi += [e[2] for e in extra]
        return LinearConstraint(a, np.array(lo), np.array(hi))


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
            raise InputError("locked", None, "to_school", f"teacher {tid}: the move to {to} is also forbidden")
        if not is_eligible(t, rules):
            raise InputError("locked", None, "teacher_id", f"teacher {tid} is not eligible to move ({t.years_at_school} years at the school, age {t.age})")
        a, b = sidx[t.school_id], sidx[to]
        if not reach[a, b]:
            why = "changes level" if rules.same_level and level[a] != level[b] else f"is {dist[a, b]:.1f} km, longer than --max-km"
            raise InputError("locked", None, "to_school", f"teacher {tid}: the move {t.school_id}->{to} {why}")
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
    for a, b in fixed.values():
        lock_out[sidx[a]] += 1
        lock_in[sidx[b]] += 1
    lock_backbone = sum(tch[t].backbone for t in fixed)

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
        ds = [d for d in dests.get(h, []) if d not in forbid_by_t.get(members[0].teacher_id, set()) or len(key) == 4]
        if ds:
            classes.append(_Class(h, key[1], key[2], key[3], members, ds))

    need_rows = [(sidx[n.school_id], n.subject, n.required) for n in needs]
    solver_info: dict[str, Any] = {"classes": len(classes)}
    _prechecks(sch, classes, need_rows, staff, rules, n_eligible, len(fixed), lock_backbone, reach, movable, fixed, tch, sidx)

    # variables: f (flows) | B (nsch) | Q (nsch) | eB (nsch) | eQ (nsch) | g (pref points)
    fk: list[int] = []
    fd: list[int] = []
    for k, c in enumerate(classes):
        for d in c.dests:
            fk.append(k)
            fd.append(d)
    fk_a = np.array(fk, dtype=np.int64)
    fd_a = np.array(fd, dtype=np.int64)
    nf = fk_a.size
    home = np.array([classes[k].home for k in fk], dtype=np.int64)
    is_b = np.array([classes[k].backbone for k in fk], dtype=bool)
    is_q = np.array([classes[k].qualified for k in fk], dtype=bool)
    gk: list[tuple[int, int]] = []  # (flow index, points)
    gcap: list[int] = []
    flow_at = {(k, d): j for j, (k, d) in enumerate(zip(fk, fd, strict=True))}
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
    o_q = o_b + nsch
    o_eb = o_q + nsch
    o_eq = o_eb + nsch
    o_g = o_eq + nsch
    nvar = o_g + ng
    lo = np.zeros(nvar)
    hi = np.full(nvar, np.inf)
    integrality = np.zeros(nvar, dtype=np.int8)
    integrality[:nf] = 1
    hi[:nf] = [len(classes[k].members) for k in fk]
    hi[o_g:] = gcap
    rows = _Rows()
    ids = np.arange(nf)
    # class sizes
    for k, c in enumerate(classes):
        cols = [flow_at[(k, d)] for d in c.dests]
        rows.add(cols, np.ones(len(cols)), -np.inf, len(c.members))
    # head counts: in − out = lock_out − lock_in
    for s in range(nsch):
        cin = ids[fd_a == s]
        cout = ids[home == s]
        if cin.size or cout.size:
            rows.add(np.r_[cin, cout], np.r_[np.ones(cin.size), -np.ones(cout.size)], lock_out[s] - lock_in[s], lock_out[s] - lock_in[s])
    # needs
    subj = np.array([classes[k].subject for k in fk])
    for s, subject, req in need_rows:
        have = staff[(s, subject)]
        cin = ids[(fd_a == s) & (subj == subject)]
        cout = ids[(home == s) & (subj == subject)]
        if cout.size == 0 and have >= req:
            continue
        rows.add(np.r_[cin, cout], np.r_[np.ones(cin.size), -np.ones(cout.size)], req - have, np.inf)
    # shares
    m_req = required_movers(n_eligible, rules)
    rows.add(ids, np.ones(nf), m_req - len(fixed), np.inf)
    if rules.max_share is not None:
        rows.add(ids, np.ones(nf), -np.inf, math.floor(rules.max_share * n_eligible + 1e-9) - len(fixed))
    bs = _fraction(rules.backbone_share, "backbone_share")
    if rules.backbone_basis == "eligible":
        rows.add(ids[is_b], np.ones(int(is_b.sum())), required_backbone(0, n_eligible, rules) - lock_backbone, np.inf)
    else:
        # den·(B + LB) − num·(M + LM) ≥ 0
        coef = np.where(is_b, bs.denominator - bs.numerator, -bs.numerator).astype(np.float64)
        rows.add(ids, coef, bs.numerator * len(fixed) - bs.denominator * lock_backbone, np.inf)
    # B_s, Q_s definitions and CV chords
    mean_b = 100 * float(b0.sum()) / float(students.sum())
    mean_q = 100 * float(q0.sum()) / float(students.sum())
    cv_obj = np.zeros(nvar)
    total_p = float(students.sum())
    for o_x, o_e, flag, base, mean in ((o_b, o_eb, is_b, b0, mean_b), (o_q, o_eq, is_q, q0, mean_q)):
        out_cap = np.bincount(home[flag], weights=hi[:nf][flag], minlength=nsch)
        in_cap = np.bincount(fd_a[flag], weights=hi[:nf][flag], minlength=nsch)
        for s in range(nsch):
            cin = ids[flag & (fd_a == s)]
            cout = ids[flag & (home == s)]
            rows.add(np.r_[o_x + s, cin, cout], np.r_[1.0, -np.ones(cin.size), np.ones(cout.size)], base[s], base[s])
            lo[o_x + s] = base[s] - out_cap[s]
            hi[o_x + s] = base[s] + in_cap[s]
            if mean <= 0:
                continue
            cv_obj[o_e + s] = 1e4 / (mean * mean * total_p)
            tgt = mean * students[s] / 100
            a = max(lo[o_x + s], math.floor(min(base[s], tgt)) - CHORD_SPAN)
            b = min(hi[o_x + s], math.ceil(max(base[s], tgt)) + CHORD_SPAN)
            ps = students[s]
            for v in range(int(a), int(b)):
                f0 = (100 * v - mean * ps) ** 2 / ps
                f1 = (100 * (v + 1) - mean * ps) ** 2 / ps
                # e ≥ f0 + (f1 − f0)(x − v)  ⇔  e − (f1 − f0)·x ≥ f0 − (f1 − f0)·v
                rows.add([o_e + s, o_x + s], [1.0, -(f1 - f0)], f0 - (f1 - f0) * v, np.inf)
            if b <= a:  # a single point: e ≥ f(a)
                f0 = (100 * a - mean * ps) ** 2 / ps
                rows.add([o_e + s], [1.0], f0, np.inf)
    # pref points g ≤ f per flow
    g_by_flow: dict[int, list[int]] = defaultdict(list)
    for i, (j, _pts) in enumerate(gk):
        g_by_flow[j].append(i)
    for j, gi in sorted(g_by_flow.items()):
        rows.add([j, *[o_g + i for i in gi]], [-1.0, *[1.0] * len(gi)], -np.inf, 0.0)
    solver_info["variables"] = nvar
    solver_info["flows"] = nf

    def solve(c: npt.NDArray[np.float64], extra: list[tuple[npt.NDArray[np.float64], float, float]], seconds: float, gap: float) -> tuple[npt.NDArray[np.float64] | None, dict[str, Any]]:
        t0 = time.perf_counter()
        res = milp(
            c, integrality=integrality, bounds=Bounds(lo, hi), constraints=rows.constraint(nvar, extra),
            options={"time_limit": max(1.0, seconds), "mip_rel_gap": gap},
        )
        info = {
            "status": int(res.status),
            "message": str(res.message).split(" (")[0],
            "seconds": round(time.perf_counter() - t0, 2),
            "objective": None if res.x is None else float(res.fun),
            "bound": None if getattr(res, "mip_dual_bound", None) is None else float(res.mip_dual_bound),
            "gap": None if getattr(res, "mip_gap", None) is None else float(res.mip_gap),
        }
        return (None if res.x is None else np.asarray(res.x)), info

    def left(share: float) -> float:
        return max(1.0, (time_limit_s - (time.perf_counter() - started)) * share)

    km = dist[home, fd_a]
    objective = cv_obj.copy()
    # every move costs the most a preference can earn: preferences decide where, not whether
    objective[:nf] += PREF_WEIGHT * (max(PREF_POINTS) + km / KM_PER_PREF_POINT)
    objective[o_g:] = [-PREF_WEIGHT * pts for _j, pts in gk]
    x, info = solve(objective, [], left(1.0), 1e-3)
    solver_info["stages"] = [{"stage": "cv+preferences+travel", **info}]
    if x is None:
        if info["status"] == 2:
            raise InputError(None, None, None, _diagnose(rows, nvar, lo, hi, integrality))
        raise InputError(None, None, None, f"no plan found in the time limit ({info['message']})")
    solver_info["cv_objective"] = round(float(cv_obj @ x), 6)
    flows = np.rint(x[:nf]).astype(np.int64)
    moves = dict(fixed)
    moves.update(_assign(classes, fk, fd, flows, sch))
    problems = check_rotation(schools, teachers, needs, rules, moves)
    extra_v = sum(1 for tid, to in locks.items() if (moves[tid][1] if tid in moves else tch[tid].school_id) != to)
    extra_v += sum(1 for tid, to in forbid if tid in moves and moves[tid][1] == to)
    solver_info["seconds"] = round(time.perf_counter() - started, 2)
    if problems:
        solver_info["problems"] = problems[:20]
    summary, per_school = _figures(schools, teachers, rules, moves, len(problems) + extra_v)
    return RotationPlan(dict(sorted(moves.items())), summary, per_school, solver_info)


def _assign(
    classes: list[_Class], fk: list[int], fd: list[int], flows: npt.NDArray[np.int64], sch: list[RotationSchool]
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
            None, None, "share",
            f"share {rules.share:g} needs {m_req} movers but only {can_move + n_fixed} eligible "
            f"teachers can move within --max-km {rules.max_km:g}",
        )
    b_can = sum(len(c.members) for c in classes if c.backbone) + lock_backbone
    b_req = required_backbone(m_req, n_eligible, rules)
    if b_can < b_req:
        basis = "eligible teachers" if rules.backbone_basis == "eligible" else "movers"
        raise InputError(
            None, None, "backbone_share",
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
                    None, None, "required",
                    f"school {name} cannot keep {req} {subject} teachers if {out} of its "
                    f"{before[(s, subject)]} must move",
                )
            raise InputError(
                None, None, "required",
                f"school {name} needs {req} {subject} teachers but has {have} and only {could} "
                f"eligible {subject} teachers elsewhere can move there within --max-km {rules.max_km:g}",
            )


def _diagnose(rows: _Rows, nvar: int, lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64], integrality: npt.NDArray[np.int8]) -> str:
    """A reason for an infeasible model (the rules clash in a way the pre-checks do not name)."""
    return (
        "the rules cannot all hold together: head counts kept by exchange, subject needs, the "
        "movers' share and the backbone share clash within --max-km (try a larger --max-km, a "
        "smaller --share, or check the needs)"
    )
