"""Enrolment history, births and capacity: snapshots of the region and imports of past years.

Every import reads a .xlsx or .csv (the region importer's reader: the sheet with the code
column, GB18030 or UTF-8, blank rows skipped), checks every row and names every error by
spreadsheet row and column; it saves only when every row is good (all or nothing), and leaves
an audit row either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import User, audit
from junheng.accounts.scoping import require_bureau
from junheng.errors import ActionError
from junheng.places.adapters import GRADES_OF_LEVEL, class_limit
from junheng.places.models import Capacity, EnrolmentCount, Source, ZoneBirths
from junheng.region.imports import FileError, RowError, read_table
from junheng.region.models import School, Student
from junheng.region.resources import Column, cell_text

CODE = Column(
    "code",
    "学校代码",
    required=True,
    aliases=("school_id", "school_code", "学校编码", "学区学校代码"),
)
ENROLMENT_COLUMNS = [
    CODE,
    Column("year", "学年", required=True, aliases=("年度", "年份", "school_year")),
    Column("grade", "年级", required=True),
    Column("students", "学生数", required=True, aliases=("在校生数", "人数", "在校生人数")),
]
BIRTHS_COLUMNS = [
    CODE,
    Column("year", "出生年份", required=True, aliases=("年份", "年度")),
    Column("births", "出生人口", required=True, aliases=("出生人数", "出生数")),
]
CAPACITY_COLUMNS = [
    CODE,
    Column("classrooms", "普通教室", required=True, aliases=("教室数", "教室", "普通教室数")),
    Column("max_class", "班额上限", aliases=("班额", "最大班额")),
]
FIRST_YEAR = 1990


def current_school_year() -> int:
    """The school year now, named by the autumn it starts (September)."""
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


@dataclass
class ImportReport:
    filename: str
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rows:
    """Reads an upload's rows and collects errors by row and column."""

    def __init__(self, data: bytes, filename: str, kind: str, columns: list[Column]) -> None:
        self.report = ImportReport(filename=filename, kind=kind)
        self.columns = columns
        self.records: list[tuple[int, dict[str, Any]]] = []
        try:
            table = read_table(data, filename, columns)
        except FileError as err:
            self.report.errors = err.errors
            return
        self.headers = {c.key: table.header(c.key, columns) for c in columns}
        self.records = list(zip(table.rows, table.dataset.dict, strict=True))
        self.report.rows = len(self.records)
        self.schools = {s.code: s for s in School.objects.all()}

    def error(self, row: int, key: str, reason: str) -> None:
        self.report.errors.append(RowError(row, self.headers.get(key, key), reason))

    def school(self, row: int, rec: dict[str, Any]) -> School | None:
        code = cell_text(rec.get("code"))
        if not code:
            self.error(row, "code", _("不能为空"))
            return None
        school = self.schools.get(code)
        if school is None:
            self.error(row, "code", _("未知的学校代码 %(code)s") % {"code": code})
        return school

    def integer(
        self, row: int, rec: dict[str, Any], key: str, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        raw = cell_text(rec.get(key))
        if raw == "":
            self.error(row, key, _("不能为空"))
            return None
        try:
            value = int(raw)
        except ValueError:
            self.error(row, key, _("应为整数，实为「%(v)s」") % {"v": raw})
            return None
        if lo is not None and value < lo:
            self.error(row, key, _("不能小于 %(lo)s：%(v)s") % {"lo": lo, "v": raw})
            return None
        if hi is not None and value > hi:
            self.error(row, key, _("不能大于 %(hi)s：%(v)s") % {"hi": hi, "v": raw})
            return None
        return value


def _upsert(
    model: Any,
    existing: dict[Any, Any],
    values: dict[Any, dict[str, Any]],
    make: Callable[[Any, dict[str, Any]], Any],
    fields: list[str],
) -> tuple[int, int]:
    """Create the new keys, update the changed ones; returns (created, updated)."""
    stamp = "updated_at" if model is Capacity else "recorded_at"
    now = timezone.now()
    new, changed = [], []
    for key, vals in values.items():
        obj = existing.get(key)
        if obj is None:
            new.append(make(key, vals))
            continue
        if any(getattr(obj, f) != v for f, v in vals.items()):
            for f, v in vals.items():
                setattr(obj, f, v)
            setattr(obj, stamp, now)
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=2000)
    if changed:
        model.objects.bulk_update(changed, [*fields, stamp], batch_size=2000)
    return len(new), len(changed)


def do_snapshot_enrolment(*, by: User, year: int | None = None) -> int:
    """This school year's students by school and grade from the region data (学籍快照).

    The snapshot replaces every row of that year (imported ones too): the region data is the
    record of the current year. Returns the number of (school, grade) rows written.
    """
    require_bureau(by)
    year = current_school_year() if year is None else year
    if not FIRST_YEAR <= year <= current_school_year():
        raise ActionError(
            _("快照学年须在 %(lo)s 到 %(hi)s 之间")
            % {"lo": FIRST_YEAR, "hi": current_school_year()}
        )
    counts = (
        Student.objects.filter(grade__gte=1, grade__lte=9)
        .values_list("school_id", "grade")
        .annotate(n=Count("pk"))
        .order_by("school_id", "grade")
    )
    now = timezone.now()
    rows = [
        EnrolmentCount(
            school_id=s, year=year, grade=g, students=n, source=Source.SNAPSHOT, recorded_at=now
        )
        for s, g, n in counts
    ]
    if not rows:
        raise ActionError(_("学籍数据中没有学生，无法生成快照"))
    with transaction.atomic():
        EnrolmentCount.objects.filter(year=year).delete()
        EnrolmentCount.objects.bulk_create(rows, batch_size=2000)
        audit(by, "places.snapshot", None, year=year, rows=len(rows))
    return len(rows)


def do_import_enrolment(data: bytes, filename: str, *, by: User) -> ImportReport:
    """Past years' students by school and grade (学校代码, 学年, 年级, 学生数)."""
    require_bureau(by)
    rd = _Rows(data, filename, "enrolment", ENROLMENT_COLUMNS)
    last = current_school_year()
    seen: dict[tuple[int, int, int], int] = {}
    values: dict[tuple[int, int, int], dict[str, Any]] = {}
    for row, rec in rd.records:
        school = rd.school(row, rec)
        year = rd.integer(row, rec, "year", FIRST_YEAR, last)
        grade = rd.integer(row, rec, "grade", 1, 9)
        students = rd.integer(row, rec, "students", 0)
        if school is None or year is None or grade is None or students is None:
            continue
        if grade not in GRADES_OF_LEVEL.get(school.level, ()):
            rd.error(
                row,
                "grade",
                _("%(school)s（%(level)s）没有 %(grade)s 年级")
                % {"school": school.name, "level": school.get_level_display(), "grade": grade},
            )
            continue
        key = (school.pk, year, grade)
        if key in seen:
            rd.error(row, "grade", _("与第 %(row)d 行重复") % {"row": seen[key]})
            continue
        seen[key] = row
        values[key] = {"students": students, "source": Source.IMPORT}
    return _save(
        rd,
        by,
        EnrolmentCount,
        values,
        lambda k, v: EnrolmentCount(school_id=k[0], year=k[1], grade=k[2], **v),
        ["students", "source"],
        lambda keys: {
            (o.school_id, o.year, o.grade): o
            for o in EnrolmentCount.objects.filter(year__in={k[1] for k in keys})
        },
    )


def do_import_births(data: bytes, filename: str, *, by: User) -> ImportReport:
    """Births by school zone and calendar year (学校代码, 出生年份, 出生人口), from the health
    system. Only schools with a grade 1 take births: a junior school's grade 7 comes from its
    own history."""
    require_bureau(by)
    rd = _Rows(data, filename, "births", BIRTHS_COLUMNS)
    last = timezone.localdate().year
    seen: dict[tuple[int, int], int] = {}
    values: dict[tuple[int, int], dict[str, Any]] = {}
    for row, rec in rd.records:
        school = rd.school(row, rec)
        year = rd.integer(row, rec, "year", FIRST_YEAR - 6, last)
        births = rd.integer(row, rec, "births", 0)
        if school is None or year is None or births is None:
            continue
        if 1 not in GRADES_OF_LEVEL.get(school.level, ()):
            rd.error(
                row,
                "code",
                _("%(school)s 没有一年级：出生人口只用于预测一年级入学") % {"school": school.name},
            )
            continue
        key = (school.pk, year)
        if key in seen:
            rd.error(row, "year", _("与第 %(row)d 行重复") % {"row": seen[key]})
            continue
        seen[key] = row
        values[key] = {"births": births}
    return _save(
        rd,
        by,
        ZoneBirths,
        values,
        lambda k, v: ZoneBirths(school_id=k[0], year=k[1], **v),
        ["births"],
        lambda keys: {(o.school_id, o.year): o for o in ZoneBirths.objects.all()},
    )


def do_import_capacity(data: bytes, filename: str, *, by: User) -> ImportReport:
    """Classrooms and class-size limit per school (学校代码, 普通教室, 班额上限: empty = the
    national limit of the school's level)."""
    require_bureau(by)
    rd = _Rows(data, filename, "capacity", CAPACITY_COLUMNS)
    seen: dict[int, int] = {}
    values: dict[tuple[int], dict[str, Any]] = {}
    for row, rec in rd.records:
        school = rd.school(row, rec)
        rooms = rd.integer(row, rec, "classrooms", 1, 1000)
        limit: int | None
        if cell_text(rec.get("max_class")) == "":
            limit = class_limit(school.level) if school is not None else None
        else:
            limit = rd.integer(row, rec, "max_class", 1, 80)
        if school is None or rooms is None or limit is None:
            continue
        if school.pk in seen:
            rd.error(row, "code", _("与第 %(row)d 行重复") % {"row": seen[school.pk]})
            continue
        seen[school.pk] = row
        values[(school.pk,)] = {"classrooms": rooms, "max_class": limit, "updated_by_id": by.pk}
    return _save(
        rd,
        by,
        Capacity,
        values,
        lambda k, v: Capacity(school_id=k[0], **v),
        ["classrooms", "max_class", "updated_by"],
        lambda keys: {(o.school_id,): o for o in Capacity.objects.all()},
    )


def _save(
    rd: _Rows,
    by: User,
    model: Any,
    values: dict[Any, dict[str, Any]],
    make: Callable[[Any, dict[str, Any]], Any],
    fields: list[str],
    existing: Callable[[Iterable[Any]], dict[Any, Any]],
) -> ImportReport:
    report = rd.report
    action = f"places.import_{report.kind}"
    if report.errors:
        audit(by, action, None, file=report.filename, saved=False, errors=len(report.errors))
        return report
    with transaction.atomic():
        created, updated = _upsert(model, existing(values.keys()), values, make, fields)
        audit(by, action, None, file=report.filename, saved=True, rows=report.rows)
    report.created, report.updated = created, updated
    return report


def do_set_capacity(school: School, *, by: User, classrooms: int, max_class: int) -> Capacity:
    """A school's classrooms and class-size limit (学位容量 = classrooms × max_class)."""
    require_bureau(by)
    if classrooms < 1:
        raise ActionError(_("普通教室至少 1 间"))
    if not 1 <= max_class <= 80:
        raise ActionError(_("班额上限须在 1 到 80 之间"))
    with transaction.atomic():
        cap, _created = Capacity.objects.update_or_create(
            school=school,
            defaults={"classrooms": classrooms, "max_class": max_class, "updated_by": by},
        )
        audit(by, "places.set_capacity", school, classrooms=classrooms, max_class=max_class)
    return cap
