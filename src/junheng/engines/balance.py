"""The national balance indicators and their coefficients of variation (资源配置 7 项指标, 差异系数).

Problem: the resource-allocation part of the national evaluation of county high-quality
balanced development of compulsory education (县域义务教育优质均衡发展督导评估, 2017). For every
school (a nine-year school is two rows, one per level) seven indicators are computed:

    L1 teachers above the required qualification per 100 students   (高于规定学历教师数)
    L2 county-level-or-above backbone teachers per 100 students       (县级以上骨干教师数)
    L3 full-time PE and art teachers per 100 students                 (体育、艺术专任教师数)
    L4 teaching and auxiliary rooms, m² per student                   (生均教学及辅助用房面积)
    L5 sports grounds and halls, m² per student                       (生均体育运动场馆面积)
    L6 teaching instruments and equipment, yuan per student           (生均教学仪器设备值)
    L7 networked multimedia classrooms per 100 students               (网络多媒体教室数)

Thresholds (primary / junior) are in `THRESHOLDS`. A school passes when at least 6 of the 7
meet their threshold and the rest reach at least 85% of theirs. Across schools of one level,
each indicator's enrolment-weighted coefficient of variation (`junheng.engines.stats.weighted_cv`)
must be ≤ 0.50 (primary) / ≤ 0.45 (junior). The county's resource verdict is "pass" when every
school passes and every CV is within its limit.

Method: vectorised numpy over all schools at once (6,000 schools take milliseconds).
Threshold comparisons are made on the totals, not on rounded indicators: a school meets L1 when
100 × qualified_teachers ≥ 4.2 × students, within a relative tolerance of 1e-9 so that decimal
inputs exactly at a threshold (42 teachers for 1,000 students) meet it despite binary floats.

Teaching points (教学点, `teaching_point` = 1) with fewer than 50 students are outside the
indicators: they are left out of the per-school output, of the counts and of the CVs.

Output order: rows sorted by level then school_id, both as text (so "junior" rows come before
"primary" rows, as any spreadsheet sort of those two columns gives).

Published number formats (stable, so that result hashes can be compared): the output CSV writes
the indicators with 4 decimals (`%.4f`); the summary's CVs are rounded to 4 decimals, and
`cv_ok` is judged on those published values (what is printed is what is judged).

`gaps(result)` answers "what does each failing school lack": the smallest whole-unit additions
(teachers, m², yuan, rooms) that make it pass, choosing which indicator may stay at ≥ 85% so that
the total relative effort (additions as shares of the threshold amounts, or a caller's unit
costs) is least. `split_nine_year` applies the 1 : 1.1 enrolment-weighted split of a nine-year
school's shared facility totals (the 2012 convention).

>>> r = evaluate([BalanceSchool("A", "primary", 1000, 42, 10, 9, 4500, 7500, 2_000_000, 23)])
>>> r.schools[0].met, r.schools[0].passes, r.verdict
(7, True, 'pass')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from junheng.engines.io import InputError, sha256_hex
from junheng.engines.stats import weighted_cv

LEVELS = ("primary", "junior")
INDICATORS = ("L1", "L2", "L3", "L4", "L5", "L6", "L7")
# The school total behind each indicator, and the scale (per 100 students or per student).
TOTALS = (
    "qualified_teachers",
    "backbone_teachers",
    "pe_art_teachers",
    "teaching_room_m2",
    "sports_field_m2",
    "equipment_yuan",
    "multimedia_classrooms",
)
SCALE = np.array([100.0, 100.0, 100.0, 1.0, 1.0, 1.0, 100.0])
UNITS = {
    "L1": "teachers",
    "L2": "teachers",
    "L3": "teachers",
    "L4": "m2",
    "L5": "m2",
    "L6": "yuan",
    "L7": "rooms",
}
THRESHOLDS: dict[str, tuple[float, ...]] = {
    "primary": (4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3),
    "junior": (5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4),
}
CV_LIMITS = {"primary": 0.50, "junior": 0.45}
PARTIAL_SHARE = 0.85  # the one indicator allowed below threshold must reach 85% of it
MIN_MET = 6
TEACHING_POINT_MIN_STUDENTS = 50
NINE_YEAR_JUNIOR_WEIGHT = 1.1  # primary : junior = 1 : 1.1
_TOL = 1e-9
CSV_HEADER = ("school_id", "level", *INDICATORS, "met", "passes")


@dataclass(frozen=True)
class BalanceSchool:
    """One school (or one level of a nine-year school) with its totals."""

    school_id: str
    level: str
    students: int
    qualified_teachers: float
    backbone_teachers: float
    pe_art_teachers: float
    teaching_room_m2: float
    sports_field_m2: float
    equipment_yuan: float
    multimedia_classrooms: float
    teaching_point: bool = False

    def totals(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, t)) for t in TOTALS)


@dataclass(frozen=True)
class SchoolIndicators:
    school_id: str
    level: str
    students: int
    values: tuple[float, ...]  # L1..L7
    meets: tuple[bool, ...]  # each indicator at or above its threshold
    met: int
    passes: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "school_id": self.school_id,
            "level": self.level,
            "students": self.students,
            **dict(zip(INDICATORS, self.values, strict=True)),
            "met": self.met,
            "passes": self.passes,
        }


@dataclass(frozen=True)
class BalanceResult:
    schools: list[SchoolIndicators]  # sorted by level then school_id, as text
    cv: dict[str, dict[str, float]]  # level -> indicator -> CV (4 decimals), levels present
    cv_ok: bool
    verdict: str  # "pass" | "fail"
    excluded: list[str] = field(default_factory=list)  # teaching points left out
    inputs: dict[tuple[str, str], BalanceSchool] = field(default_factory=dict, repr=False)

    @property
    def schools_passing(self) -> int:
        return sum(s.passes for s in self.schools)

    def out_bytes(self) -> bytes:
        lines = [",".join(CSV_HEADER)]
        for s in self.schools:
            vals = ",".join(f"{v:.4f}" for v in s.values)
            lines.append(f"{_csv(s.school_id)},{s.level},{vals},{s.met},{int(s.passes)}")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def summary(self) -> dict[str, Any]:
        return {
            "schools": len(self.schools),
            "schools_passing": self.schools_passing,
            "cv": self.cv,
            "cv_ok": self.cv_ok,
            "verdict": self.verdict,
            "result_sha256": sha256_hex(self.out_bytes()),
        }


def _csv(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n\r') else s


def _arrays(
    schools: Sequence[BalanceSchool],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(students, totals) as arrays, every row checked; rows are numbered as in a file (2…)."""
    seen: set[tuple[str, str]] = set()
    for i, s in enumerate(schools):
        if s.level not in LEVELS:
            raise InputError(None, i + 2, "level", f"unknown level {s.level!r} (primary or junior)")
        key = (s.school_id, s.level)
        if key in seen:
            raise InputError(None, i + 2, "level", f"duplicate school {s.school_id!r} {s.level}")
        seen.add(key)
    students = np.array([s.students for s in schools], dtype=np.float64)
    totals = np.column_stack(
        [np.array([getattr(s, name) for s in schools], dtype=np.float64) for name in TOTALS]
    ).reshape(len(schools), len(TOTALS))
    bad = np.flatnonzero(students <= 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(None, i + 2, "students", f"must be ≥ 1, got {schools[i].students}")
    bad_cells = ~np.isfinite(totals) | (totals < 0)
    if bad_cells.any():
        i, j = (int(v) for v in np.argwhere(bad_cells)[0])
        raise InputError(None, i + 2, TOTALS[j], f"must be a number ≥ 0, got {totals[i, j]!r}")
    return students, totals


def indicator_matrix(
    students: npt.NDArray[np.float64], totals: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """L1..L7 for n schools from their students (n,) and totals (n, 7)."""
    out: npt.NDArray[np.float64] = totals * SCALE / students[:, None]
    return out


def _meets(
    students: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    thr: npt.NDArray[np.float64],
    share: float,
) -> npt.NDArray[np.bool_]:
    # total × scale ≥ share × threshold × students, compared on totals with a relative tolerance.
    need = share * thr * students[:, None] / SCALE
    return np.asarray(totals >= need * (1 - _TOL))


def evaluate(schools: Sequence[BalanceSchool]) -> BalanceResult:
    """Indicators, met counts, pass flags, CVs and the verdict for a set of schools."""
    all_students, all_totals = _arrays(schools)
    tp = np.array([s.teaching_point for s in schools], dtype=bool)
    out_mask = tp & (all_students < TEACHING_POINT_MIN_STUDENTS)
    excluded = sorted(schools[int(i)].school_id for i in np.flatnonzero(out_mask))
    idx = [int(i) for i in np.flatnonzero(~out_mask)]
    if not idx:
        raise InputError(None, None, "students", "no school left to evaluate")
    idx.sort(key=lambda i: (schools[i].level, schools[i].school_id))  # text: junior first
    keep = [schools[i] for i in idx]
    students, totals = all_students[idx], all_totals[idx]
    levels = np.array([s.level for s in keep])
    thr = np.where(
        (levels == "primary")[:, None],
        np.array(THRESHOLDS["primary"])[None, :],
        np.array(THRESHOLDS["junior"])[None, :],
    )
    values = indicator_matrix(students, totals)
    full = _meets(students, totals, thr, 1.0)
    partial = _meets(students, totals, thr, PARTIAL_SHARE)
    met = full.sum(axis=1)
    passes = (met >= MIN_MET) & partial.all(axis=1)

    cv: dict[str, dict[str, float]] = {}
    cv_ok = True
    for level in LEVELS:
        mask = levels == level
        if not mask.any():
            continue
        cv[level] = {}
        for j, ind in enumerate(INDICATORS):
            value = round(weighted_cv(values[mask, j], students[mask]), 4)
            cv[level][ind] = value
            cv_ok = cv_ok and value <= CV_LIMITS[level]
    value_rows, meet_rows = values.tolist(), full.tolist()
    met_list, pass_list = met.tolist(), passes.tolist()
    rows = [
        SchoolIndicators(
            school_id=s.school_id,
            level=s.level,
            students=s.students,
            values=tuple(value_rows[i]),
            meets=tuple(meet_rows[i]),
            met=met_list[i],
            passes=pass_list[i],
        )
        for i, s in enumerate(keep)
    ]
    verdict = "pass" if cv_ok and bool(passes.all()) else "fail"
    return BalanceResult(
        schools=rows,
        cv=cv,
        cv_ok=cv_ok,
        verdict=verdict,
        excluded=excluded,
        inputs={(s.school_id, s.level): s for s in keep},
    )


@dataclass(frozen=True)
class SchoolGap:
    """What a failing school lacks: whole-unit additions to its totals that make it pass."""

    school_id: str
    level: str
    met: int
    additions: dict[str, float]  # indicator -> amount to add to its total (only > 0)
    partial: str | None  # the indicator left at ≥ 85% of its threshold, if any
    effort: float  # sum of additions as shares of the threshold amounts (ranking: larger = farther)

    def describe(self) -> list[tuple[str, str, float, str]]:
        """(indicator, total column, amount, unit) for each addition, in indicator order."""
        return [(k, TOTALS[INDICATORS.index(k)], v, UNITS[k]) for k, v in self.additions.items()]


def _shortfall(have: float, need: float) -> float:
    """Smallest whole number a ≥ 0 with have + a ≥ need (same tolerance as the pass test)."""
    missing = need * (1 - _TOL) - have
    return float(max(0, math.ceil(missing - 1e-9))) if missing > 0 else 0.0


def gaps(result: BalanceResult, unit_costs: Mapping[str, float] | None = None) -> list[SchoolGap]:
    """For every failing school, the cheapest whole-unit additions that make it pass.

    The school must meet every indicator but at most one, which must reach 85%; the one allowed
    to stay partial is the one whose full shortfall costs most. The cost of an addition is its
    share of the indicator's threshold amount (so 1 teacher short of 5 weighs like 20% of a
    sports field), or `unit_costs[indicator]` per unit when given (e.g. yuan per teacher).
    Each column is topped up on its own: a new backbone teacher who is also above the required
    qualification counts for L1 and L2, so the head counts are an upper bound.
    Sorted by effort (farthest first), then level and school_id.
    """
    out: list[SchoolGap] = []
    for s in result.schools:
        if s.passes:
            continue
        school = result.inputs[(s.school_id, s.level)]
        thr = THRESHOLDS[s.level]
        have = school.totals()
        full, part, weight = [], [], []
        for j, ind in enumerate(INDICATORS):
            need = thr[j] * school.students / SCALE[j]
            full.append(_shortfall(have[j], need))
            part.append(_shortfall(have[j], PARTIAL_SHARE * need))
            weight.append(
                unit_costs[ind] if unit_costs and ind in unit_costs else 1.0 / max(need, 1e-12)
            )
        saving = [(f - p) * w for f, p, w in zip(full, part, weight, strict=True)]
        j_best = int(np.argmax(saving))
        partial: str | None = INDICATORS[j_best] if saving[j_best] > 0 else None
        adds = list(full)
        if partial is not None:
            adds[j_best] = part[j_best]
        additions = {ind: a for ind, a in zip(INDICATORS, adds, strict=True) if a > 0}
        effort = sum(
            a / max(thr[j] * school.students / SCALE[j], 1e-12) for j, a in enumerate(adds)
        )
        out.append(SchoolGap(s.school_id, s.level, s.met, additions, partial, effort))
    out.sort(key=lambda g: (-g.effort, g.level, g.school_id))
    return out


def apply_gap(school: BalanceSchool, gap: SchoolGap) -> BalanceSchool:
    """The school with the gap's additions made (for what-if and checks)."""
    changes = {
        TOTALS[INDICATORS.index(k)]: getattr(school, TOTALS[INDICATORS.index(k)]) + v
        for k, v in gap.additions.items()
    }
    return replace(school, **changes)


def split_nine_year(
    totals: Mapping[str, float], primary_students: int, junior_students: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Split a nine-year school's shared totals into (primary, junior) parts.

    Enrolment weighted primary : junior = 1 : 1.1 (the national 2012 convention): the primary
    part gets P / (P + 1.1·J) of each total.

    >>> split_nine_year({"sports_field_m2": 2100.0}, 100, 100)
    ({'sports_field_m2': 1000.0}, {'sports_field_m2': 1100.0})
    """
    if primary_students < 0 or junior_students < 0:
        raise InputError(None, None, "students", "students must be ≥ 0")
    wp = float(primary_students)
    wj = NINE_YEAR_JUNIOR_WEIGHT * junior_students
    if wp + wj == 0:
        raise InputError(None, None, "students", "a nine-year school needs students to split by")
    primary = {k: float(v) * wp / (wp + wj) for k, v in totals.items()}
    junior = {k: float(v) - primary[k] for k, v in totals.items()}
    return primary, junior
