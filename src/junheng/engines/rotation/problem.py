"""The rotation problem in index form, shared by every stage.

Schools are numbered in school_id order and subjects in name order. The *movable* teachers are
the eligible ones that no lock holds (a lock to another school is a fixed move, a lock to the
own school keeps the teacher), in teacher_id order; every stage decides only their
destinations. Counts (backbone, qualified, staff per subject) start from the figures after the
fixed moves.

The objective, as the stages share it. Moves keep the totals, so the enrolment-weighted mean
of backbone (qualified) teachers per 100 students is fixed and CV² is
``Σ_s (100·x_s − mean·P_s)² / P_s / (mean²·P)``; the search minimises
``C = 1e4·(4·CV_backbone² + CV_qualified²)`` (``BACKBONE_WEIGHT``) plus, per move,
``PREF_WEIGHT·(3 + km/100 − preference points)`` (3/2/1 for pref1/2/3): a change of CV² by 1e-7 outweighs a preference
point, and every move costs the most a preference can earn, so preferences decide where
teachers go, not whether more of them move.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from junheng.engines.io import InputError
from junheng.engines.rotation.model import (
    KM_TOLERANCE,
    RotationNeed,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    fraction,
    is_eligible,
    most_movers,
    required_backbone,
    required_movers,
    target_movers,
)

# The backbone CV counts this many times the qualified one: it is the indicator a rotation
# exists for (backbone teachers are few and gathered in town schools; the qualified CV is
# mostly far below its limit already), and the yardstick of the robustness benchmark.
BACKBONE_WEIGHT = 4.0
PREF_POINTS = (3, 2, 1)
KM_PER_PREF_POINT = 100.0  # one preference point outweighs 100 km of travel
PREF_WEIGHT = 1e-3  # preference points and travel against C = 1e4·(4·CV_b² + CV_q²)
MOVE_COST_POINTS = max(PREF_POINTS)
NO_FORBID: frozenset[int] = frozenset()


@dataclass
class Problem:
    schools: list[RotationSchool]  # in school_id order
    sidx: dict[str, int]
    students: list[float]
    dist: npt.NDArray[np.float64]
    reach: npt.NDArray[np.bool_]  # reach[a, b]: a move a -> b is allowed (level, max_km, a != b)
    subjects: list[str]
    rules: RotationRules
    eligible: int  # every eligible teacher, locked or not (the shares' basis)
    # the movable teachers
    tids: list[str]
    home: list[int]
    subj: list[int]
    bb: list[int]
    qq: list[int]
    years: list[int]
    forbid: list[frozenset[int]]
    prefpts: list[dict[int, int]]
    # the fixed (locked) moves, by teacher_id
    fixed: dict[str, tuple[str, str]]
    fixed_bb: int
    fixed_subject: dict[str, str]
    fixed_net: list[int]  # per school: fixed moves in − out
    # counts after the fixed moves
    b0: list[int]
    q0: list[int]
    staff0: list[int]  # flat [school * K + subject]
    req: list[int]  # flat [school * K + subject]; 0 where no need
    # the movers' band and goal
    lo: int
    hi: int
    target: int | None
    bs: Fraction
    # objective constants
    cb: float
    cq: float
    mean_b: float
    mean_q: float

    @property
    def n(self) -> int:
        return len(self.schools)

    @property
    def k(self) -> int:
        return len(self.subjects)

    @property
    def movable(self) -> int:
        return len(self.tids)

    @property
    def n_fixed(self) -> int:
        return len(self.fixed)

    def backbone_needed(self, movers: int) -> int:
        """Backbone movers the rule asks for when ``movers`` teachers move in all."""
        if self.rules.backbone_basis == "eligible":
            return required_backbone(0, self.eligible, self.rules)
        return -((-self.bs.numerator * movers) // self.bs.denominator)

    def term(self, s: int, b: int, q: int) -> float:
        """School s's part of C with b backbone and q qualified teachers."""
        p = self.students[s]
        eb = 100.0 * b - self.mean_b * p
        eq = 100.0 * q - self.mean_q * p
        return (self.cb * eb * eb + self.cq * eq * eq) / p

    def move_cost(self, i: int, d: int) -> float:
        """The preference-and-travel part of the objective for movable teacher i going to d."""
        h = self.home[i]
        if d == h:
            return 0.0
        km = float(self.dist[h, d])
        return PREF_WEIGHT * (MOVE_COST_POINTS + km / KM_PER_PREF_POINT - self.prefpts[i].get(d, 0))

    def can_go(self, i: int, d: int) -> bool:
        return bool(self.reach[self.home[i], d]) and d not in self.forbid[i]

    def moves_of(self, dest: Sequence[int]) -> dict[str, tuple[str, str]]:
        """Destinations of the movable teachers (and the fixed moves) -> the plan's moves."""
        out = dict(self.fixed)
        for i, d in enumerate(dest):
            h = self.home[i]
            if d != h:
                out[self.tids[i]] = (self.schools[h].school_id, self.schools[d].school_id)
        return dict(sorted(out.items()))


def build_problem(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    rules: RotationRules,
    locked: Mapping[str, str],
    forbidden: Collection[tuple[str, str]],
) -> Problem:
    """Index the inputs (already validated); bad locks are InputError naming the teacher."""
    sch = sorted(schools, key=lambda s: s.school_id)
    sidx = {s.school_id: i for i, s in enumerate(sch)}
    tch = {t.teacher_id: t for t in teachers}
    n = len(sch)
    xs = np.array([float(s.x_km) for s in sch], dtype=np.float64)
    ys = np.array([float(s.y_km) for s in sch], dtype=np.float64)
    dist = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    level = np.array([s.level for s in sch])
    reach = dist <= rules.max_km + KM_TOLERANCE
    np.fill_diagonal(reach, False)
    if rules.same_level:
        reach &= level[:, None] == level[None, :]
    forbid = set(forbidden)
    fixed: dict[str, tuple[str, str]] = {}
    stay: set[str] = set()
    for tid, to in sorted(locked.items()):
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
                f"teacher {tid} is not eligible to move ({t.years_at_school} years at the "
                f"school, age {t.age})",
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

    subjects = sorted({t.subject for t in teachers} | {nd.subject for nd in needs})
    kidx = {k: i for i, k in enumerate(subjects)}
    nk = len(subjects)
    b0 = [0] * n
    q0 = [0] * n
    staff0 = [0] * (n * nk)
    for t in teachers:
        s = sidx[fixed[t.teacher_id][1]] if t.teacher_id in fixed else sidx[t.school_id]
        b0[s] += int(t.backbone)
        q0[s] += int(t.qualified)
        staff0[s * nk + kidx[t.subject]] += 1
    fixed_net = [0] * n
    for a_id, b_id in fixed.values():
        fixed_net[sidx[a_id]] -= 1
        fixed_net[sidx[b_id]] += 1
    req = [0] * (n * nk)
    for nd in needs:
        req[sidx[nd.school_id] * nk + kidx[nd.subject]] = nd.required

    eligible = [t for t in teachers if is_eligible(t, rules)]
    movable = sorted(
        (t for t in eligible if t.teacher_id not in fixed and t.teacher_id not in stay),
        key=lambda t: t.teacher_id,
    )
    forbid_by: dict[str, set[int]] = defaultdict(set)
    for tid, to in forbid:
        if to in sidx:
            forbid_by[tid].add(sidx[to])
    prefpts: list[dict[int, int]] = []
    for t in movable:
        pts: dict[int, int] = {}
        for r, p in enumerate(t.prefs[:3]):
            if p in sidx and sidx[p] not in pts:
                pts[sidx[p]] = PREF_POINTS[r]
        prefpts.append(pts)

    e = len(eligible)
    lo = required_movers(e, rules)
    ceiling = most_movers(e, rules)
    hi = e if ceiling is None else ceiling
    students = [float(s.students) for s in sch]
    total_p = sum(students)
    mean_b = 100.0 * sum(b0) / total_p if total_p else 0.0
    mean_q = 100.0 * sum(q0) / total_p if total_p else 0.0
    cb = BACKBONE_WEIGHT * 1e4 / (mean_b * mean_b * total_p) if mean_b > 0 else 0.0
    cq = 1e4 / (mean_q * mean_q * total_p) if mean_q > 0 else 0.0
    return Problem(
        schools=sch,
        sidx=sidx,
        students=students,
        dist=dist,
        reach=reach,
        subjects=subjects,
        rules=rules,
        eligible=e,
        tids=[t.teacher_id for t in movable],
        home=[sidx[t.school_id] for t in movable],
        subj=[kidx[t.subject] for t in movable],
        bb=[int(t.backbone) for t in movable],
        qq=[int(t.qualified) for t in movable],
        years=[t.years_at_school for t in movable],
        forbid=[frozenset(forbid_by[t.teacher_id]) or NO_FORBID for t in movable],
        prefpts=prefpts,
        fixed=fixed,
        fixed_bb=sum(int(tch[tid].backbone) for tid in fixed),
        fixed_subject={tid: tch[tid].subject for tid in fixed},
        fixed_net=fixed_net,
        b0=b0,
        q0=q0,
        staff0=staff0,
        req=req,
        lo=lo,
        hi=hi,
        target=target_movers(e, rules),
        bs=fraction(rules.backbone_share, "backbone_share"),
        cb=cb,
        cq=cq,
        mean_b=mean_b,
        mean_q=mean_q,
    )
