"""Class timetables in and out (课表导入): one grid per class, rows = periods, columns = days.

File layout (.xlsx first sheet or .csv, one row per class and period):

    学校代码 (code) | 年级 (grade) | 班号 (class) | 节次 (period) | 周一 (mon) … 周五 (fri)

A day cell is empty (a free period) or a subject — its code or its Chinese name (数学, math) —
optionally followed by the teacher's code (数学 T00012). Reading is all-or-nothing: every
problem is reported with its row and column (an unknown school, class, subject or teacher, a
teacher of another school, a period outside 1-8 or 8 in a primary class, a class's period
given twice, a teacher in two classes at once — in the file or against timetables already
stored) and nothing is written unless there is none. A class in the file has its whole week
replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from junheng.communities.models import DAYS, PERIODS, PRIMARY_PERIODS, TimetableEntry
from junheng.region.imports import FileError, RowError, read_table
from junheng.region.models import SUBJECTS, School, SchoolClass, Teacher
from junheng.region.resources import Column

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri")
DAY_LABELS = ("周一", "周二", "周三", "周四", "周五")
COLUMNS = [
    Column("code", "学校代码", required=True, example="S001", aliases=("school_id", "school")),
    Column("grade", "年级", required=True, example=4),
    Column("class", "班号", required=True, example=1),
    Column("period", "节次", required=True, example=1),
    *(
        Column(key, label, example="数学 T00012" if key == "mon" else "")
        for key, label in zip(DAY_KEYS, DAY_LABELS, strict=True)
    ),
]
SUBJECT_BY_NAME = {**{label: code for code, label in SUBJECTS}, **{c: c for c, _l in SUBJECTS}}


@dataclass(frozen=True)
class Cell:
    class_id: int
    day: int
    period: int
    subject: str
    teacher_id: int | None


def periods_of(grade: int) -> int:
    return PRIMARY_PERIODS if grade <= 6 else PERIODS


def _int(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        f = float(str(value).strip())
    except ValueError:
        return None
    return int(f) if f == int(f) else None


def parse(
    data: bytes,
    filename: str,
    *,
    schools: Mapping[str, School],
) -> tuple[list[Cell], set[int]]:
    """Cells of the file and the classes it covers; FileError with every problem found.
    `schools`: code -> school the uploader may import for."""
    table = read_table(data, filename, COLUMNS)
    head = {c.key: table.header(c.key, COLUMNS) for c in COLUMNS}
    errors: list[RowError] = []
    school_ids = [s.pk for s in schools.values()]
    classes = {
        (c.school_id, c.grade, c.number): c
        for c in SchoolClass.objects.filter(school_id__in=school_ids)
    }
    teachers = {t.code: t for t in Teacher.objects.filter(school_id__in=school_ids)}
    other_teachers = set(
        Teacher.objects.exclude(school_id__in=school_ids).values_list("code", flat=True)
    )
    cells: list[Cell] = []
    seen_period: dict[tuple[int, int], int] = {}
    teacher_at: dict[tuple[int, int, int], tuple[int, str]] = {}
    covered: set[int] = set()
    for number, row in zip(table.rows, table.dataset.dict, strict=True):
        code = str(row.get("code") or "").strip()
        school = schools.get(code)
        if school is None:
            errors.append(
                RowError(number, head["code"], _("不是可导入的学校：%(c)s") % {"c": code})
            )
            continue
        grade, klass, period = (
            _int(row.get("grade")),
            _int(row.get("class")),
            _int(row.get("period")),
        )
        bad = False
        for name, v in (("grade", grade), ("class", klass), ("period", period)):
            if v is None:
                errors.append(RowError(number, head[name], _("应为整数")))
                bad = True
        if bad:
            continue
        assert grade is not None and klass is not None and period is not None
        sc = classes.get((school.pk, grade, klass))
        if sc is None:
            errors.append(
                RowError(
                    number,
                    head["class"],
                    _("%(s)s 没有 %(g)s 年级 %(k)s 班")
                    % {"s": school.name, "g": grade, "k": klass},
                )
            )
            continue
        if not 1 <= period <= periods_of(grade):
            errors.append(
                RowError(
                    number, head["period"], _("节次须在 1 到 %(n)s 之间") % {"n": periods_of(grade)}
                )
            )
            continue
        key = (sc.pk, period)
        if key in seen_period:
            errors.append(
                RowError(
                    number,
                    head["period"],
                    _("与第 %(r)s 行重复（同一班级同一节次）") % {"r": seen_period[key]},
                )
            )
            continue
        seen_period[key] = number
        covered.add(sc.pk)
        for d, day_key in enumerate(DAY_KEYS, start=1):
            text = re.sub(r"\s+", " ", str(row.get(day_key) or "").strip())
            if not text:
                continue
            parts = text.split(" ")
            subject = SUBJECT_BY_NAME.get(parts[0]) or SUBJECT_BY_NAME.get(parts[0].lower())
            if subject is None or len(parts) > 2:
                errors.append(RowError(number, head[day_key], _("未知的学科：%(v)s") % {"v": text}))
                continue
            teacher = None
            if len(parts) == 2:
                teacher = teachers.get(parts[1])
                if teacher is None:
                    why = (
                        _("教师 %(t)s 不属于该校")
                        if parts[1] in other_teachers
                        else _("未知的教师：%(t)s")
                    )
                    errors.append(RowError(number, head[day_key], why % {"t": parts[1]}))
                    continue
                if teacher.school_id != school.pk:
                    errors.append(
                        RowError(
                            number, head[day_key], _("教师 %(t)s 不属于该校") % {"t": parts[1]}
                        )
                    )
                    continue
                slot = (teacher.pk, d, period)
                if slot in teacher_at:
                    r, where = teacher_at[slot]
                    errors.append(
                        RowError(
                            number,
                            head[day_key],
                            _("教师 %(t)s 同一时间已在 %(w)s 上课（第 %(r)s 行）")
                            % {"t": parts[1], "w": where, "r": r},
                        )
                    )
                    continue
                teacher_at[slot] = (number, f"{grade}({klass})")
            cells.append(Cell(sc.pk, d, period, subject, teacher.pk if teacher else None))
    # a teacher of the file may also teach classes the file leaves as they are
    if teacher_at:
        stored = (
            TimetableEntry.objects.filter(teacher_id__in={t for t, _d, _p in teacher_at})
            .exclude(school_class_id__in=covered)
            .select_related("school_class", "teacher")
        )
        for e in stored:
            hit = teacher_at.get((e.teacher_id or 0, e.day, e.period))
            if hit is not None and e.teacher is not None:
                errors.append(
                    RowError(
                        hit[0],
                        head[DAY_KEYS[e.day - 1]],
                        _("教师 %(t)s 同一时间已在 %(w)s 上课（已有课表）")
                        % {"t": e.teacher.code, "w": str(e.school_class)},
                    )
                )
    if errors:
        raise FileError(errors)
    return cells, covered


def grid_rows(entries: Iterable[TimetableEntry], school: School) -> list[list[Any]]:
    """The import layout of a school's stored timetables (for the template download)."""
    cells: dict[tuple[int, int, int], dict[int, str]] = {}
    for e in entries:
        sc = e.school_class
        label = e.subject + (f" {e.teacher.code}" if e.teacher else "")
        cells.setdefault((sc.grade, sc.number, e.period), {})[e.day] = label
    classes = SchoolClass.objects.filter(school=school).order_by("grade", "number")
    rows = []
    for sc in classes:
        for p in range(1, periods_of(sc.grade) + 1):
            got = cells.get((sc.grade, sc.number, p), {})
            rows.append(
                [school.code, sc.grade, sc.number, p, *(got.get(d, "") for d in range(1, DAYS + 1))]
            )
    return rows
