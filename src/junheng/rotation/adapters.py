"""Region and round rows -> `junheng.engines.rotation` inputs, and plans -> rows and figures.

The only place where the ORM meets the rotation engine. Engine ids are the region codes
(School.code, Teacher.code). Conventions, as `junheng synth` writes the engine's files:
- a school's students are its Student rows; a school with none is left out of the plan, with
  its teachers (nothing to divide the indicators by);
- a nine-year school (九年一贯制) takes the level of the larger of its two parts, grades 1-6
  or 7-9 (the engine keeps moves within a level);
- backbone = county level or above (`Teacher.is_backbone`), qualified = above the
  qualification required for the section taught (`Teacher.is_qualified`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from junheng.engines.rotation import (
    RotationNeed,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    distance_km,
    is_eligible,
)
from junheng.region.models import Level, School, Student, Teacher
from junheng.region.queries import school_headcounts
from junheng.rotation.models import Pin, PinKind, Preference, RotationRound, SubjectNeed

PRIMARY_LAST_GRADE = 6
NEED_SHARE = 0.85  # a school keeps at least 85% (rounded down) of each subject's staff


def rules_of(rnd: RotationRound) -> RotationRules:
    return RotationRules(
        min_years=rnd.min_years,
        share=float(rnd.share),
        backbone_share=float(rnd.backbone_share),
        backbone_basis=rnd.backbone_basis,
        max_km=float(rnd.max_km),
        max_age_male=rnd.max_age_male,
        max_age_female=rnd.max_age_female,
        max_share=None if rnd.max_share is None else float(rnd.max_share),
        target_share=None if rnd.target_share is None else float(rnd.target_share),
    )


def engine_teacher(t: Teacher, prefs: tuple[str, ...] = ()) -> RotationTeacher:
    return RotationTeacher(
        teacher_id=t.code,
        school_id=t.school.code,
        subject=t.subject,
        years_at_school=t.years_at_school,
        age=t.age,
        backbone=t.is_backbone,
        qualified=t.is_qualified,
        prefs=prefs,
        gender=t.gender,
    )


def eligible_under(rules: RotationRules, t: Teacher) -> bool:
    """The engine's rule (`is_eligible`): years at the school and the age cap that applies."""
    return is_eligible(engine_teacher(t), rules)


def teacher_is_eligible(rnd: RotationRound, t: Teacher) -> bool:
    return eligible_under(rules_of(rnd), t)


def eligible_counts(rnd: RotationRound) -> tuple[int, int]:
    """(eligible teachers of the round's county, of whom backbone), by the engine's own rule
    (`is_eligible`) and `Teacher.is_backbone`, applied to the county's teachers grouped by the
    fields those rules read: one aggregate query whose rows are the distinct (years, age,
    gender, backbone level), not one row a teacher."""
    rules = rules_of(rnd)
    groups = (
        Teacher.objects.filter(school__county_id=rnd.county_id)
        .values_list("years_at_school", "age", "gender", "backbone_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    eligible = backbone = 0
    for years, age, gender, level, n in groups:
        probe = RotationTeacher(
            teacher_id="",
            school_id="",
            subject="",
            years_at_school=years,
            age=age,
            backbone=Teacher(backbone_level=level).is_backbone,
            qualified=False,
            gender=gender,
        )
        if is_eligible(probe, rules):
            eligible += n
            backbone += n if probe.backbone else 0
    return eligible, backbone


def school_students(schools: Iterable[int]) -> dict[int, tuple[int, int]]:
    """School pk -> (primary-grade students, junior-grade students), one aggregate query."""
    out: dict[int, tuple[int, int]] = {}
    rows = (
        Student.objects.filter(school_id__in=list(schools))
        .values("school_id")
        .annotate(
            p=Count("id", filter=Q(grade__lte=PRIMARY_LAST_GRADE)),
            j=Count("id", filter=Q(grade__gt=PRIMARY_LAST_GRADE)),
        )
        .order_by()
    )
    for r in rows:
        out[r["school_id"]] = (r["p"], r["j"])
    return out


def engine_level(school: School, primary: int, junior: int) -> str:
    if school.level == Level.NINE_YEAR:
        return Level.JUNIOR if junior > primary else Level.PRIMARY
    return str(school.level)


@dataclass
class RoundInputs:
    """Everything the engine needs for a round, and the maps back to rows."""

    schools: list[RotationSchool]
    teachers: list[RotationTeacher]
    needs: list[RotationNeed]
    rules: RotationRules
    locked: dict[str, str]
    forbidden: list[tuple[str, str]]
    school_by_code: dict[str, School]
    teacher_by_code: dict[str, Teacher]
    left_out: list[School] = field(default_factory=list)  # schools without students

    def km(self, a: str, b: str) -> float:
        sch = self._sch
        return distance_km(sch[a], sch[b])

    def __post_init__(self) -> None:
        self._sch = {s.school_id: s for s in self.schools}


def county_schools(rnd: RotationRound) -> list[School]:
    return list(School.objects.filter(county_id=rnd.county_id).order_by("code"))


def round_inputs(rnd: RotationRound) -> RoundInputs:
    """The round's engine inputs from live rows: schools, teachers with preferences, needs, pins."""
    all_schools = county_schools(rnd)
    counts = school_students(s.pk for s in all_schools)
    schools: list[RotationSchool] = []
    by_code: dict[str, School] = {}
    left_out: list[School] = []
    for s in all_schools:
        p, j = counts.get(s.pk, (0, 0))
        if p + j == 0:
            left_out.append(s)
            continue
        by_code[s.code] = s
        schools.append(
            RotationSchool(
                school_id=s.code,
                level=engine_level(s, p, j),
                urban_rural=str(s.urban_rural),
                students=p + j,
                x_km=float(s.x_km),
                y_km=float(s.y_km),
            )
        )
    teachers_qs = (
        Teacher.objects.filter(school__in=list(by_code.values()))
        .select_related("school")
        .order_by("code")
    )
    prefs: dict[int, tuple[str, ...]] = {}
    for pref in Preference.objects.filter(round=rnd).select_related("pref1", "pref2", "pref3"):
        prefs[pref.teacher_id] = tuple(s.code for s in pref.schools() if s.code in by_code)
    # an education community's planned exchange is the teacher's wish after their own (#14)
    from junheng.communities.sharing import exchange_preferences, merge_preferences

    code_of = {s.pk: code for code, s in by_code.items()}
    for tid, school_ids in exchange_preferences(rnd.county_id, rnd.year).items():
        planned = [code_of[sid] for sid in school_ids if sid in code_of]
        prefs[tid] = merge_preferences(prefs.get(tid, ()), planned)
    teachers: list[RotationTeacher] = []
    t_by_code: dict[str, Teacher] = {}
    for t in teachers_qs:
        t_by_code[t.code] = t
        teachers.append(engine_teacher(t, prefs.get(t.pk, ())))
    needs = [
        RotationNeed(school_id=n.school.code, subject=n.subject, required=n.required)
        for n in SubjectNeed.objects.filter(round=rnd, school__in=list(by_code.values()))
        .select_related("school")
        .order_by("school__code", "subject")
    ]
    locked: dict[str, str] = {}
    forbidden: list[tuple[str, str]] = []
    for pin in Pin.objects.filter(round=rnd).select_related("teacher", "school"):
        if pin.teacher.code not in t_by_code or pin.school.code not in by_code:
            continue
        if pin.kind == PinKind.LOCK:
            locked[pin.teacher.code] = pin.school.code
        else:
            forbidden.append((pin.teacher.code, pin.school.code))
    return RoundInputs(
        schools=schools,
        teachers=teachers,
        needs=needs,
        rules=rules_of(rnd),
        locked=locked,
        forbidden=sorted(forbidden),
        school_by_code=by_code,
        teacher_by_code=t_by_code,
        left_out=left_out,
    )


def default_needs(schools: Iterable[School]) -> list[tuple[int, str, int]]:
    """(school pk, subject, required): 85% (rounded down) of each subject's current staff."""
    rows = (
        Teacher.objects.filter(school__in=list(schools))
        .values("school_id", "subject")
        .annotate(n=Count("id"))
        .order_by("school_id", "subject")
    )
    out = []
    for r in rows:
        req = math.floor(r["n"] * NEED_SHARE)
        if req >= 1:
            out.append((r["school_id"], r["subject"], req))
    return out


def move_rows(inputs: RoundInputs, moves: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """Engine moves -> Move field values (teacher, schools, km, flags, preference rank)."""
    tch = {t.teacher_id: t for t in inputs.teachers}
    out = []
    for code, (a, b) in sorted(moves.items()):
        t = tch[code]
        rank = t.prefs.index(b) + 1 if b in t.prefs else 0
        out.append(
            {
                "teacher": inputs.teacher_by_code[code],
                "from_school": inputs.school_by_code[a],
                "to_school": inputs.school_by_code[b],
                "km": round(inputs.km(a, b), 3),
                "backbone": t.backbone,
                "qualified": t.qualified,
                "pref_rank": rank,
                "locked": inputs.locked.get(code) == b,
            }
        )
    return out


def stored_moves(run_moves: Iterable[Any]) -> dict[str, tuple[str, str]]:
    """Move rows -> the engine's `moves` mapping (to re-check a stored plan)."""
    return {m.teacher.code: (m.from_school.code, m.to_school.code) for m in run_moves}


def school_levels(rnd: RotationRound, *, cached: bool = False) -> dict[int, tuple[School, str]]:
    """School pk -> (school, engine level) for the round's schools that have students.

    `cached` (pages): the region's head counts kept for the pages
    (`region.queries.school_headcounts`) instead of counting a city's students again."""
    schools = county_schools(rnd)
    counts = school_headcounts()[0] if cached else school_students(s.pk for s in schools)
    out: dict[int, tuple[School, str]] = {}
    for s in schools:
        p, j = counts.get(s.pk, (0, 0))
        if p + j:
            out[s.pk] = (s, engine_level(s, p, j))
    return out


def reachable_from(
    rnd: RotationRound, home_id: int, levels: Mapping[int, tuple[School, str]]
) -> list[tuple[School, float]]:
    if home_id not in levels:
        return []
    home, home_level = levels[home_id]
    out = []
    for pk, (s, level) in levels.items():
        if pk == home_id or level != home_level:
            continue
        km = math.hypot(s.x_km - home.x_km, s.y_km - home.y_km)
        if km <= rnd.max_km + 1e-9:
            out.append((s, km))
    out.sort(key=lambda x: (x[1], x[0].code))
    return out


def reachable_schools(
    rnd: RotationRound, teacher: Teacher, *, cached: bool = False
) -> list[tuple[School, float]]:
    """Schools a teacher may wish for: same engine level, within the round's longest move."""
    return reachable_from(rnd, teacher.school_id, school_levels(rnd, cached=cached))
