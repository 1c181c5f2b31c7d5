"""Region rows -> balance engine inputs, and engine results -> what the pages show.

The only place where the ORM meets `junheng.engines.balance` (资源配置指标). Three aggregate
queries read a whole county (schools; students per school and part; teachers per school and
section with the qualified / backbone / PE-art counts done by the database), whatever its size.

Counting rules (RULES.md):
- A nine-year school (九年一贯制) is two parts: grades 1-6 are its primary part, 7-9 its junior
  part; its teachers count in the part of the section they teach; its shared facility totals
  are split enrolment-weighted primary : junior = 1 : 1.1 (`split_nine_year`).
- A primary or junior school is one part of its own level; all its students and teachers count
  there, and the required qualification is that of the part (associate+ primary, bachelor+
  junior — `Teacher.is_qualified`, judged on the level the teacher counts in).
- Backbone: county level or above. PE/art: subjects pe, music, art.
- A part with no students is left out (nothing to divide by); teaching points are flagged and
  the engine leaves out those under 50 students.

`what_if(changes)` re-evaluates with teacher moves and investments applied in memory and never
writes: the rotation planner hands it its plan as a list of `TeacherMove`.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from junheng import kept
from junheng.engines.balance import (
    CV_LIMITS,
    INDICATORS,
    LEVELS,
    PARTIAL_SHARE,
    SCALE,
    THRESHOLDS,
    TOTALS,
    UNITS,
    BalanceResult,
    BalanceSchool,
    SchoolGap,
    SchoolIndicators,
    evaluate,
    gaps,
    split_nine_year,
)
from junheng.engines.io import InputError
from junheng.region.models import (
    PE_ART_SUBJECTS,
    BackboneLevel,
    Level,
    Qualification,
    School,
    Student,
    Teacher,
)

TEACHER_TOTALS = ("qualified_teachers", "backbone_teachers", "pe_art_teachers")
FACILITY_TOTALS = ("teaching_room_m2", "sports_field_m2", "equipment_yuan", "multimedia_classrooms")
QUALIFIED = {
    Level.PRIMARY: (Qualification.ASSOCIATE, Qualification.BACHELOR, Qualification.MASTER),
    Level.JUNIOR: (Qualification.BACHELOR, Qualification.MASTER),
}
BACKBONE = (BackboneLevel.COUNTY, BackboneLevel.CITY, BackboneLevel.PROVINCE)
PRIMARY_LAST_GRADE = 6
# Teacher above the qualification required in the part they count in (the school's level, or
# their section at a nine-year school), as a database condition.
_IN_PRIMARY = Q(school__level=Level.PRIMARY) | Q(
    school__level=Level.NINE_YEAR, section=Level.PRIMARY
)
_IN_JUNIOR = Q(school__level=Level.JUNIOR) | Q(school__level=Level.NINE_YEAR, section=Level.JUNIOR)
_QUALIFIED_Q = (_IN_PRIMARY & Q(qualification__in=QUALIFIED[Level.PRIMARY])) | (
    _IN_JUNIOR & Q(qualification__in=QUALIFIED[Level.JUNIOR])
)


@dataclass(frozen=True)
class SchoolInfo:
    """What the pages need about a school besides its numbers."""

    pk: int
    code: str
    name: str
    level: str  # primary | junior | nine_year
    urban_rural: str
    teaching_point: bool


@dataclass
class RawSchool:
    """One school's counts before parts are built: students and teacher counts per part."""

    info: SchoolInfo
    students: dict[str, int]  # part -> students
    teachers: dict[str, dict[str, float]]  # part -> {qualified_teachers, backbone_teachers, …}
    facilities: dict[str, float]  # the school's (shared) facility totals


def _part_of(school_level: str, section: str) -> str:
    """The part a teacher of `section` counts in at a school of `school_level`."""
    return section if school_level == Level.NINE_YEAR else school_level


def _empty_teachers() -> dict[str, dict[str, float]]:
    return {lv: dict.fromkeys(TEACHER_TOTALS, 0.0) for lv in LEVELS}


def load_raw(schools: QuerySet[School] | None = None) -> dict[int, RawSchool]:
    """Every school's counts in three aggregate queries, keyed by School.pk."""
    qs = School.objects.all() if schools is None else schools
    raw: dict[int, RawSchool] = {}
    for s in qs.order_by("code").values(
        "pk", "code", "name", "level", "urban_rural", "teaching_point", *FACILITY_TOTALS
    ):
        info = SchoolInfo(
            s["pk"], s["code"], s["name"], s["level"], s["urban_rural"], s["teaching_point"]
        )
        raw[s["pk"]] = RawSchool(
            info,
            dict.fromkeys(LEVELS, 0),
            _empty_teachers(),
            {k: float(s[k]) for k in FACILITY_TOTALS},
        )
    if not raw:
        return raw
    students = (
        Student.objects.filter(school_id__in=raw.keys())
        .values("school_id")
        .annotate(
            primary=Count("id", filter=Q(grade__lte=PRIMARY_LAST_GRADE)),
            junior=Count("id", filter=Q(grade__gt=PRIMARY_LAST_GRADE)),
        )
        .order_by()
    )
    for row in students:
        r = raw[row["school_id"]]
        if r.info.level == Level.NINE_YEAR:
            r.students[Level.PRIMARY] += row["primary"]
            r.students[Level.JUNIOR] += row["junior"]
        else:
            r.students[r.info.level] += row["primary"] + row["junior"]
    # The part a teacher counts in is the school's level, or the section at a nine-year school;
    # the qualification required is the part's, all decided by the database.
    teachers = (
        Teacher.objects.filter(school_id__in=raw.keys())
        .values("school_id", "section")
        .annotate(
            qualified_teachers=Count("id", filter=_QUALIFIED_Q),
            backbone_teachers=Count("id", filter=Q(backbone_level__in=BACKBONE)),
            pe_art_teachers=Count("id", filter=Q(subject__in=sorted(PE_ART_SUBJECTS))),
        )
        .order_by()
    )
    for row in teachers:
        r = raw[row["school_id"]]
        part = r.teachers[_part_of(r.info.level, row["section"])]
        for k in TEACHER_TOTALS:
            part[k] += row[k]
    return raw


def build_rows(raw: Iterable[RawSchool]) -> tuple[list[BalanceSchool], list[SchoolInfo]]:
    """Engine rows (nine-year schools split in two) and the schools with no students."""
    rows: list[BalanceSchool] = []
    empty: list[SchoolInfo] = []
    for r in raw:
        info = r.info
        if info.level == Level.NINE_YEAR:
            p, j = r.students[Level.PRIMARY], r.students[Level.JUNIOR]
            if p + j == 0:
                empty.append(info)
                continue
            shares = dict(zip(LEVELS, split_nine_year(r.facilities, p, j), strict=True))
        else:
            shares = {info.level: r.facilities}
        for level, fac in shares.items():
            n = r.students[level]
            if n <= 0:
                if info.level != Level.NINE_YEAR:
                    empty.append(info)
                continue
            t = r.teachers[level]
            rows.append(
                BalanceSchool(
                    school_id=info.code,
                    level=level,
                    students=n,
                    qualified_teachers=t["qualified_teachers"],
                    backbone_teachers=t["backbone_teachers"],
                    pe_art_teachers=t["pe_art_teachers"],
                    teaching_room_m2=fac["teaching_room_m2"],
                    sports_field_m2=fac["sports_field_m2"],
                    equipment_yuan=fac["equipment_yuan"],
                    multimedia_classrooms=fac["multimedia_classrooms"],
                    teaching_point=info.teaching_point,
                )
            )
    return rows, empty


def balance_rows(schools: QuerySet[School] | None = None) -> list[BalanceSchool]:
    """The engine's input rows for these schools (all schools when None)."""
    return build_rows(load_raw(schools).values())[0]


# --- evaluations as the pages see them -----------------------------------------------------


class IndicatorCell(TypedDict):
    """One indicator of a school part: its value against the threshold (达标), and whether it is
    close (within PARTIAL_SHARE of it)."""

    indicator: str
    value: float
    threshold: float
    meets: bool
    partial: bool


class SchoolPartRow(TypedDict):
    """One row of the county table (`Evaluation.table`): a school part (学段) and its indicators."""

    pk: int
    code: str
    name: str
    school_level: str
    level: str
    urban_rural: str
    students: int
    values: list[float]
    cells: list[IndicatorCell]
    met: int
    passes: bool


@dataclass
class Evaluation:
    """An engine result joined with the schools it is about."""

    result: BalanceResult | None  # None when no school has students
    info: dict[str, SchoolInfo]  # by school code
    empty: list[SchoolInfo] = field(default_factory=list)
    counted_at: dt.datetime = field(default_factory=timezone.now)  # when the counts were read

    @property
    def verdict(self) -> str:
        return self.result.verdict if self.result else "fail"

    def __post_init__(self) -> None:
        # Pages list primary parts before junior ones, schools by code.
        rows = self.result.schools if self.result else []
        self._ordered = sorted(rows, key=lambda s: (LEVELS.index(s.level), s.school_id))

    @property
    def schools(self) -> list[SchoolIndicators]:
        return self._ordered

    def levels(self) -> list[str]:
        return [lv for lv in LEVELS if self.result and lv in self.result.cv]

    def means(self) -> dict[str, tuple[float, ...]]:
        """Enrolment-weighted county mean of each indicator, per level."""
        out: dict[str, tuple[float, ...]] = {}
        if not self.result:
            return out
        for level in self.levels():
            parts = [s for s in self.result.inputs.values() if s.level == level]
            students = sum(p.students for p in parts)
            out[level] = tuple(
                SCALE[j] * sum(p.totals()[j] for p in parts) / students for j in range(7)
            )
        return out

    def cv_rows(self) -> list[dict[str, Any]]:
        """One row per level: each indicator's CV against the level's limit."""
        rows = []
        for level in self.levels():
            assert self.result is not None
            cvs = self.result.cv[level]
            limit = CV_LIMITS[level]
            rows.append(
                {
                    "level": level,
                    "limit": limit,
                    "cells": [
                        {"indicator": ind, "cv": cvs[ind], "ok": cvs[ind] <= limit}
                        for ind in INDICATORS
                    ],
                    "ok": all(v <= limit for v in cvs.values()),
                }
            )
        return rows

    def passing_share(self) -> float:
        n = len(self.schools)
        return sum(s.passes for s in self.schools) / n if n else 0.0

    def table(self) -> list[SchoolPartRow]:
        """Per school part: the school, its indicators with thresholds and pass flags."""
        out: list[SchoolPartRow] = []
        for s in self.schools:
            info = self.info[s.school_id]
            thr = THRESHOLDS[s.level]
            out.append(
                {
                    "pk": info.pk,
                    "code": info.code,
                    "name": info.name,
                    "school_level": info.level,
                    "level": s.level,
                    "urban_rural": info.urban_rural,
                    "students": s.students,
                    "values": list(s.values),
                    "cells": [
                        {
                            "indicator": ind,
                            "value": v,
                            "threshold": thr[j],
                            "meets": s.meets[j],
                            "partial": not s.meets[j] and v >= PARTIAL_SHARE * thr[j] * (1 - 1e-9),
                        }
                        for j, (ind, v) in enumerate(zip(INDICATORS, s.values, strict=True))
                    ],
                    "met": s.met,
                    "passes": s.passes,
                }
            )
        return out

    def chart_data(self) -> tuple[list[str], dict[str, Any]]:
        """(names, charts): per indicator, each school part's [students, value as % of its
        threshold, index into names], grouped urban/town/rural. Each name is sent once, not
        once per indicator (a city's 700 parts × 7 charts made the dashboard 465 KB)."""
        names = [self.info[s.school_id].name for s in self.schools]
        charts: dict[str, Any] = {}
        for j, ind in enumerate(INDICATORS):
            points: dict[str, list[list[float]]] = {"urban": [], "town": [], "rural": []}
            for i, s in enumerate(self.schools):
                info = self.info[s.school_id]
                pct = 100.0 * s.values[j] / THRESHOLDS[s.level][j]
                points.setdefault(info.urban_rural, []).append([s.students, round(pct, 1), i])
            charts[ind] = points
        return names, charts

    def gaps(self, unit_costs: dict[str, float] | None = None) -> list[SchoolGap]:
        return gaps(self.result, unit_costs) if self.result else []

    def by_school(self, code: str) -> list[SchoolIndicators]:
        return [s for s in self.schools if s.school_id == code]


def evaluate_raw(raw: dict[int, RawSchool]) -> Evaluation:
    rows, empty = build_rows(raw.values())
    info = {r.info.code: r.info for r in raw.values()}
    result = evaluate(rows) if rows else None
    return Evaluation(result, info, empty)


def county_evaluation(schools: QuerySet[School] | None = None) -> Evaluation:
    """The live evaluation of these schools (the whole region when None)."""
    return evaluate_raw(load_raw(schools))


CACHE_KEY = "junheng:balance:region-evaluation"


def region_evaluation() -> Evaluation:
    """The whole region's evaluation for the pages (dashboard, gaps, a school's page, the
    bureau's to-do list), as kept by `junheng.kept`: in the shared cache, counted again by a
    periodic job every few minutes, fresh for JUNHENG_BALANCE_CACHE_S seconds (300).

    Counting a city's million students takes a second or more; the pages read the counts
    kept in the cache instead, with the time they were counted (`counted_at`, shown on the
    dashboard). Saving or deleting a school, teacher or student queues a recount (signals,
    region/apps.py: the pages show the old counts until it has run); bulk writes (imports)
    show at the next refresh. Snapshots, exports and
    what-if runs count live (`county_evaluation`)."""
    return kept.read(CACHE_KEY, county_evaluation)


RAW_CACHE_KEY = "junheng:balance:region-raw"


def region_raw() -> dict[int, RawSchool]:
    """Every school's counts (`load_raw()`), kept like `region_evaluation` for pages that
    read some schools' counts (a county's community strengths)."""
    return kept.read(RAW_CACHE_KEY, load_raw)


def cached_balance_rows(school_pks: Iterable[int]) -> list[BalanceSchool]:
    """`balance_rows` of these schools from the kept counts (pages only: actions count live)."""
    raw = region_raw()
    return build_rows(
        raw[pk] for pk in sorted(set(school_pks), key=lambda k: raw[k].info.code) if pk in raw
    )[0]


def shortfall(school: SchoolIndicators, result: BalanceResult, j: int) -> float:
    """Whole units to add to indicator j's total for the school to meet its threshold."""
    inp = result.inputs[(school.school_id, school.level)]
    need = THRESHOLDS[school.level][j] * inp.students / SCALE[j]
    missing = need * (1 - 1e-9) - inp.totals()[j]
    if missing <= 0:
        return 0.0
    return float(max(0, math.ceil(missing - 1e-9)))


def unit_of(indicator: str) -> str:
    return UNITS[indicator]


def total_of(indicator: str) -> str:
    return TOTALS[INDICATORS.index(indicator)]


# --- what-if ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherMove:
    """Teacher (Teacher.pk) moves to school (School.pk)."""

    teacher_id: int
    to_school_id: int


@dataclass(frozen=True)
class Investment:
    """Additions to a school's facility totals (negative values take away)."""

    school_id: int
    teaching_room_m2: float = 0.0
    sports_field_m2: float = 0.0
    equipment_yuan: float = 0.0
    multimedia_classrooms: float = 0.0


Change = TeacherMove | Investment


def _teacher_flags(t: Mapping[str, Any], part: str) -> dict[str, float]:
    return {
        "qualified_teachers": float(t["qualification"] in QUALIFIED[Level(part)]),
        "backbone_teachers": float(t["backbone_level"] in BACKBONE),
        "pe_art_teachers": float(t["subject"] in PE_ART_SUBJECTS),
    }


def apply_changes(raw: dict[int, RawSchool], changes: Sequence[Change]) -> dict[int, RawSchool]:
    """A changed copy of `raw` (raw itself is left as it was). Bad changes raise InputError."""
    out = copy.deepcopy(raw)
    moves = [c for c in changes if isinstance(c, TeacherMove)]
    ids = [m.teacher_id for m in moves]
    if len(set(ids)) != len(ids):
        raise InputError(None, None, "teacher", "a teacher is moved more than once")
    teachers = {
        t["pk"]: t
        for t in Teacher.objects.filter(pk__in=ids).values(
            "pk", "code", "school_id", "section", "qualification", "backbone_level", "subject"
        )
    }
    for i, c in enumerate(changes, start=1):
        if isinstance(c, TeacherMove):
            t = teachers.get(c.teacher_id)
            if t is None:
                raise InputError(None, i, "teacher", f"unknown teacher {c.teacher_id}")
            src, dst = out.get(t["school_id"]), out.get(c.to_school_id)
            if src is None or dst is None:
                raise InputError(None, i, "school", "school outside the evaluated region")
            if src is dst:
                raise InputError(None, i, "school", f"teacher {t['code']} is already there")
            s_part = _part_of(src.info.level, t["section"])
            d_part = _part_of(dst.info.level, t["section"])
            for k, v in _teacher_flags(t, s_part).items():
                src.teachers[s_part][k] -= v
            for k, v in _teacher_flags(t, d_part).items():
                dst.teachers[d_part][k] += v
        else:
            r = out.get(c.school_id)
            if r is None:
                raise InputError(None, i, "school", f"unknown school {c.school_id}")
            for k in FACILITY_TOTALS:
                r.facilities[k] += float(getattr(c, k))
                if r.facilities[k] < 0:
                    raise InputError(None, i, k, "would fall below 0")
    return out


def what_if(
    changes: Sequence[Change], schools: QuerySet[School] | None = None
) -> tuple[Evaluation, Evaluation]:
    """(before, after) evaluations with `changes` applied in memory; nothing is written."""
    raw = load_raw(schools)
    return evaluate_raw(raw), evaluate_raw(apply_changes(raw, changes))


def pick_teachers(from_school_id: int, kind: str, count: int) -> list[int]:
    """`count` teachers of a kind (any, qualified, backbone, pe_art) at a school, by code.

    A what-if convenience ("move 3 backbone teachers from A to B"); the rotation planner names
    its teachers itself.
    """
    qs = Teacher.objects.filter(school_id=from_school_id).order_by("code")
    if kind == "backbone":
        qs = qs.filter(backbone_level__in=BACKBONE)
    elif kind == "pe_art":
        qs = qs.filter(subject__in=sorted(PE_ART_SUBJECTS))
    elif kind == "qualified":
        qs = qs.filter(_QUALIFIED_Q)
    return list(qs.values_list("pk", flat=True)[:count])
