"""Synthetic weekly class timetables (课表) for a synthetic region.

Every class gets the week of a typical curriculum (primary 5 days × 7 periods, junior 5 × 8;
hours per subject by grade in `CURRICULUM`), each subject taught by a teacher of the school who
teaches it (the least loaded first; a small school without one gives it to the least loaded
teacher of the section, as rural schools do), placed greedily so that no class and no teacher is
double-booked and a subject's lessons spread over the days. A few periods of each class stay
free: that is where synchronous lessons (同步课堂) can go.

`make_timetables(region, schools=None)` returns one row per lesson: school_id, grade, class,
day (1-5), period, subject, teacher_id. Same region and seed, same rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from junheng.synth.build import Region
from junheng.synth.region import rng_for

DAYS = 5
PERIODS = {"primary": 7, "junior": 8}
WEEK_PERIODS = max(PERIODS.values())  # the grid the synchronous lessons are placed on
CURRICULUM: dict[str, dict[str, int]] = {
    "low": {  # grades 1-2
        "chinese": 8,
        "math": 4,
        "pe": 4,
        "music": 2,
        "art": 2,
        "politics": 2,
        "science": 1,
        "labour": 1,
        "psychology": 1,
    },
    "high": {  # grades 3-6
        "chinese": 6,
        "math": 5,
        "english": 3,
        "science": 2,
        "pe": 3,
        "music": 2,
        "art": 2,
        "politics": 2,
        "it": 1,
        "labour": 1,
        "psychology": 1,
    },
    "junior": {
        "chinese": 5,
        "math": 5,
        "english": 5,
        "history": 2,
        "politics": 2,
        "pe": 3,
        "music": 1,
        "art": 1,
        "it": 1,
        "labour": 1,
        "psychology": 1,
    },
}
JUNIOR_BY_GRADE = {
    7: {"biology": 2, "geography": 2},
    8: {"physics": 3, "biology": 2, "geography": 2},
    9: {"physics": 3, "chemistry": 3},
}


def curriculum(grade: int) -> dict[str, int]:
    if grade <= 2:
        return CURRICULUM["low"]
    if grade <= 6:
        return CURRICULUM["high"]
    return {**CURRICULUM["junior"], **JUNIOR_BY_GRADE[grade]}


def make_timetables(region: Region, schools: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per weekly lesson of every class of `schools` (codes; all when None)."""
    rng = rng_for(region.seed, "timetables")
    codes = region.schools.code.tolist()
    wanted = set(codes) if schools is None else set(schools)
    teachers = region.teachers.sort_values("code", kind="stable")
    by_school: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for code, school, subject, section in zip(
        teachers.code, teachers.school, teachers.subject, teachers.section, strict=True
    ):
        by_school.setdefault((str(school), str(section)), []).append((str(code), str(subject)))
    rows: list[tuple[str, int, int, int, int, str, str]] = []
    cohorts = region.cohorts.sort_values(["school", "grade"], kind="stable")
    per_school: dict[int, list[tuple[int, int]]] = {}
    for si, grade, n_classes in zip(cohorts.school, cohorts.grade, cohorts.classes, strict=True):
        per_school.setdefault(int(si), []).append((int(grade), int(n_classes)))
    for si, grades in sorted(per_school.items()):
        school = codes[si]
        if school not in wanted:
            continue
        load: dict[str, int] = {}
        busy: dict[str, set[tuple[int, int]]] = {}
        for section in ("primary", "junior"):
            staff = by_school.get((school, section), [])
            classes = [
                (g, k) for g, n in grades if (g <= 6) == (section == "primary") for k in range(n)
            ]
            if not classes or not staff:
                continue
            periods = PERIODS[section]
            for tid, _subject in staff:
                load.setdefault(tid, 0)
                busy.setdefault(tid, set())
            # assign teachers: per (class, subject) the least loaded teacher of the subject
            lessons: dict[tuple[int, int], list[tuple[str, str]]] = {}
            for g, k in classes:
                plan = []
                for subject, hours in curriculum(g).items():
                    own = [t for t, s in staff if s == subject] or [t for t, _s in staff]
                    tid = min(own, key=lambda t: (load[t], t))
                    load[tid] += hours
                    plan.extend([(subject, tid)] * hours)
                lessons[(g, k)] = plan
            offset = int(rng.integers(0, DAYS))
            for (g, k), plan in lessons.items():
                taken: set[tuple[int, int]] = set()
                days_of: dict[str, set[int]] = {}
                for subject, tid in plan:
                    best = None
                    for p in range(1, periods + 1):
                        for j in range(DAYS):
                            d = (j + offset + p) % DAYS + 1
                            if (d, p) in taken or (d, p) in busy[tid]:
                                continue
                            repeat = d in days_of.get(subject, set())
                            key = (repeat, p, j)
                            if best is None or key < best[0]:
                                best = (key, d, p)
                        if best is not None and not best[0][0]:
                            break
                    if best is None:
                        continue  # no period left where class and teacher are both free
                    _key, d, p = best
                    taken.add((d, p))
                    busy[tid].add((d, p))
                    days_of.setdefault(subject, set()).add(d)
                    rows.append((school, g, k + 1, d, p, subject, tid))
                offset = (offset + 1) % DAYS
    return pd.DataFrame(
        rows, columns=["school_id", "grade", "class", "day", "period", "subject", "teacher_id"]
    )


def class_id(school: str, grade: int, number: int) -> str:
    return f"{school}-{grade}-{number}"


def engine_inputs(
    region: Region, tt: pd.DataFrame
) -> tuple[
    dict[str, set[tuple[int, int]]],
    dict[str, set[tuple[int, int]]],
    dict[str, dict[int, list[str]]],
    dict[tuple[str, str], str],
]:
    """(class busy periods, teacher busy periods, classes by school and grade, who teaches
    (class, subject)) for `junheng.engines.synclass`, from a timetable frame."""
    classes: dict[str, set[tuple[int, int]]] = {}
    by_school: dict[str, dict[int, list[str]]] = {}
    codes = region.schools.code.tolist()
    for si, grade, n in zip(
        region.cohorts.school, region.cohorts.grade, region.cohorts.classes, strict=True
    ):
        # a primary class has no 8th period: it counts as taken
        closed = {
            (d, p)
            for d in range(1, DAYS + 1)
            for p in range(
                PERIODS["primary" if int(grade) <= 6 else "junior"] + 1, WEEK_PERIODS + 1
            )
        }
        for k in range(int(n)):
            cid = class_id(codes[int(si)], int(grade), k + 1)
            classes[cid] = set(closed)
            by_school.setdefault(codes[int(si)], {}).setdefault(int(grade), []).append(cid)
    teachers: dict[str, set[tuple[int, int]]] = {str(t): set() for t in region.teachers.code}
    teaching: dict[tuple[str, str], str] = {}
    for school, grade, number, day, period, subject, tid in tt.itertuples(index=False):
        cid = class_id(str(school), int(grade), int(number))
        classes[cid].add((int(day), int(period)))
        teachers[str(tid)].add((int(day), int(period)))
        teaching.setdefault((cid, str(subject)), str(tid))
    return classes, teachers, by_school, teaching
