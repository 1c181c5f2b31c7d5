"""Growth-portrait imports: records (成长记录) and class teachers (任课安排) from .xlsx/.csv.

The region's import machinery, reused rather than copied: `region.imports.read_table` reads
the upload (size, zip-bomb and row limits; the header checked before any data row; Chinese or
English headers), every row is checked here with nothing written and no transaction open, and
only when every row is good (and this is not a dry run) the rows are written by
`region.batches.write_batch` in short transactions with its undo journal, all or nothing. The
job runs in the worker (`region.tasks.import_job`, with this module's `import_rows`).

Who may import what (enforced here, whatever the caller):
- records: a school admin for its own school's children (any term), a teacher for the
  children of the classes it teaches this term (this term only); nobody else;
- class teachers: a school admin, for its own teachers and classes, this term.

A record row equal to a record already stored (child, term, indicator, value, note) is left
unchanged, so importing a file twice adds nothing twice; two equal rows in one file are an
error (add a note to tell two observations apart).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import may_act, require_actor, students_for, teachers_for
from junheng.engines.portraits import Indicator
from junheng.exports import table_xlsx
from junheng.portraits.access import classes_taught
from junheng.portraits.adapters import grade_in, libraries_for, parse_library, school_year
from junheng.portraits.library import SEX_LABELS
from junheng.portraits.models import KIND_OF_DIMENSION, ClassTeacher, PortraitRecord
from junheng.region import batches
from junheng.region.actions import ExportFile, ImportReport
from junheng.region.imports import KIND_NAMES, FileError, RowError, Table, read_table
from junheng.region.models import SchoolClass, Term
from junheng.region.resources import BOOL_NOTE, COLUMNS, BoolWidget, Column, cell_text

RECORDS, CLASS_TEACHERS = "records", "class_teachers"
KIND_LABELS = {RECORDS: _lazy("成长记录"), CLASS_TEACHERS: _lazy("任课安排")}
SHEET_NAMES = KIND_LABELS  # the template's sheet: 成长记录 / 任课安排
BATCH_KIND = {RECORDS: "portrait_records", CLASS_TEACHERS: "class_teachers"}
MAX_VALUE = Decimal("1e10")  # the column holds 14 digits, 4 of them decimals

RECORD_COLUMNS: list[Column] = [
    Column("student", "学生编码", True, "P9000001", ("student_id", "student_code", "code")),
    Column(
        "term",
        "学期",
        False,
        "",
        note="空白 = 本学期；学期名称（如 2026-2027学年第一学期）或开学日期（2026-09-01）",
    ),
    Column("indicator", "指标", True, "moral.observation", note="指标库中的指标代码"),
    Column("value", "数值", True, 4, note="数字（最多 4 位小数）"),
    Column("note", "说明", False, "", note="最多 200 字"),
]

CLASS_TEACHER_COLUMNS: list[Column] = [
    Column("teacher", "教师编号", True, "T900001", ("teacher_id", "teacher_code")),
    Column("grade", "年级", True, 3, note="1–9"),
    Column("class", "班号", True, 1, ("class_no",)),
    Column("homeroom", "班主任", False, "否", note=BOOL_NOTE),
]

COLUMNS_OF = {RECORDS: RECORD_COLUMNS, CLASS_TEACHERS: CLASS_TEACHER_COLUMNS}
ANCHOR = {RECORDS: "student", CLASS_TEACHERS: "teacher"}


def _other_kinds() -> dict[str, tuple[Any, Sequence[Column]]]:
    """The files one might upload here by mistake (named in the error)."""
    out: dict[str, tuple[Any, Sequence[Column]]] = {
        k: (KIND_LABELS[k], cols) for k, cols in COLUMNS_OF.items()
    }
    out |= {k: (KIND_NAMES[k], cols) for k, cols in COLUMNS.items()}
    return out


# Who may import each kind (`scoping.require_actor`); whose rows is `RecordScope`'s: a school
# admin's own school, a teacher's own classes this term.
IMPORTERS: dict[str, tuple[str, ...]] = {
    RECORDS: (Role.SCHOOL, Role.TEACHER),
    CLASS_TEACHERS: (Role.SCHOOL,),
}


def import_kinds(user: User) -> tuple[str, ...]:
    return tuple(k for k, roles in IMPORTERS.items() if may_act(user, *roles))


def _require(kind: str, user: User) -> None:
    if kind not in COLUMNS_OF:
        raise ValueError(f"unknown kind {kind!r}")
    require_actor(user, *IMPORTERS[kind])


# --- who may record for whom ---------------------------------------------------------------


@dataclass
class RecordScope:
    """What a user may record: children (code → id), terms, and each term's indicators.

    The one rule for the import, the API and the class page's form."""

    user: User
    students: dict[str, int]
    terms: dict[str, Term]  # name and start date → term
    default_term: Term | None
    teacher: bool
    indicators: dict[int, dict[str, str]]  # term id → indicator → record kind
    # an indicator's rules by grade and sex (the fitness items' tables): term id → indicator
    # → its rows; and each child's grade now and sex, in school year `year`
    rules: dict[int, dict[str, list[Indicator]]] = field(default_factory=dict)
    people: dict[int, tuple[int, str]] = field(default_factory=dict)
    year: int = 0

    def no_rule(self, student_id: int, term: Term, indicator: str) -> str:
        """Why `indicator` cannot score this child in `term` (no row for its grade and sex),
        or ""."""
        rows = self.rules.get(term.pk, {}).get(indicator, [])
        person = self.people.get(student_id)
        if not rows or person is None:
            return ""
        grade = grade_in(term, person[0], self.year)
        if any(i.applies(grade, person[1]) for i in rows):
            return ""
        return _("指标「%(i)s」没有适用于 %(g)d 年级%(s)s的计分规则") % {
            "i": indicator[:60],
            "g": grade,
            "s": str(SEX_LABELS[person[1]]) if person[1] in ("M", "F") else _("学生"),
        }

    @classmethod
    def for_user(cls, user: User) -> RecordScope:
        require_actor(user, *IMPORTERS[RECORDS])
        now = Term.current(or_latest=False)
        if user.role == Role.TEACHER:
            qs = students_for_teacher(user)
            terms = [now] if now is not None else []
        else:
            qs = students_for(user)
            terms = list(Term.objects.all())
        by_name: dict[str, Term] = {}
        for t in terms:
            by_name[t.name] = t
            by_name[t.start.isoformat()] = t
        indicators: dict[int, dict[str, str]] = {}
        rules: dict[int, dict[str, list[Indicator]]] = {}
        libs = libraries_for(terms)
        parsed: dict[int, dict[str, str]] = {}
        grouped: dict[int, dict[str, list[Indicator]]] = {}
        for t in terms:
            lib = libs.get(t.pk)
            if lib is None:
                continue
            if lib.pk not in parsed:
                rows = [
                    i for i in parse_library(lib.table) if not i.indicator.endswith(".afterschool")
                ]
                parsed[lib.pk] = {i.indicator: str(KIND_OF_DIMENSION[i.dimension]) for i in rows}
                grouped[lib.pk] = {}
                for i in rows:
                    grouped[lib.pk].setdefault(i.indicator, []).append(i)
            indicators[t.pk] = parsed[lib.pk]
            rules[t.pk] = grouped[lib.pk]
        people = list(qs.values_list("code", "pk", "grade", "gender"))
        return cls(
            user=user,
            students={code: pk for code, pk, _g, _s in people},
            terms=by_name,
            default_term=now,
            teacher=user.role == Role.TEACHER,
            indicators=indicators,
            rules=rules,
            people={pk: (grade, sex) for _c, pk, grade, sex in people},
            year=max((school_year(t) for t in terms), default=0),
        )

    def student_error(self) -> str:
        if self.teacher:
            return _("不是您本学期任教班级的学生（或编码不存在）")
        return _("不是本校学生（或编码不存在）")


def students_for_teacher(user: User) -> Any:
    from junheng.region.models import Student

    return Student.objects.filter(school_class__in=classes_taught(user))


def parse_value(value: Any) -> Decimal:
    """A record's number (4 decimals at most, |value| < 10¹⁰), or ValueError for the user."""
    s = cell_text(value).replace(",", "")
    if not s:
        raise ValueError(_("必填"))
    try:
        number = Decimal(s)
    except InvalidOperation:
        raise ValueError(_("应为数字，实际为「%(value)s」") % {"value": s[:40]}) from None
    if not number.is_finite() or abs(number) >= MAX_VALUE:
        raise ValueError(_("应为有限的数字，实际为「%(value)s」") % {"value": s[:40]})
    if number != number.quantize(Decimal("0.0001")):
        raise ValueError(_("最多 4 位小数"))
    return number.quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class CheckedRecord:
    student_id: int
    term_id: int
    indicator: str
    kind: str
    value: Decimal
    note: str


def check_record(
    scope: RecordScope, cells: dict[str, Any]
) -> tuple[CheckedRecord | None, list[tuple[str, str]]]:
    """One record's cells (keys of RECORD_COLUMNS) → the record, or its (column key, reason)
    errors: every column is checked, so one pass names every problem of the row."""
    errors: list[tuple[str, str]] = []
    code = cell_text(cells.get("student"))
    student_id = scope.students.get(code)
    if not code:
        errors.append(("student", _("必填")))
    elif student_id is None:
        errors.append(("student", f"「{code[:40]}」{scope.student_error()}"))
    term_text = cell_text(cells.get("term"))
    term = scope.terms.get(term_text) if term_text else scope.default_term
    if term is None:
        if term_text and scope.teacher:
            errors.append(("term", _("教师只能录入本学期的记录")))
        elif term_text:
            errors.append(("term", _("没有学期「%(t)s」") % {"t": term_text[:40]}))
        else:
            errors.append(("term", _("没有当前学期，请填写学期")))
    indicator = cell_text(cells.get("indicator"))
    kind = ""
    if not indicator:
        errors.append(("indicator", _("必填")))
    elif indicator.endswith(".afterschool"):
        errors.append(("indicator", _("课后服务的出勤由平台自动统计，不能导入")))
    elif term is not None:
        known = scope.indicators.get(term.pk)
        if known is None:
            errors.append(("indicator", _("教育局尚未配置该学期的评价指标库")))
        elif indicator not in known:
            errors.append(
                (
                    "indicator",
                    _("该学期的指标库中没有指标「%(i)s」") % {"i": indicator[:60]},
                )
            )
        else:
            kind = known[indicator]
            why = scope.no_rule(student_id, term, indicator) if student_id is not None else ""
            if why:
                errors.append(("indicator", why))
    value: Decimal | None = None
    try:
        value = parse_value(cells.get("value"))
    except ValueError as err:
        errors.append(("value", str(err)))
    note = cell_text(cells.get("note"))
    if len(note) > 200:
        errors.append(("note", _("最多 200 字，实际 %(n)d 字") % {"n": len(note)}))
    if errors or student_id is None or term is None or value is None:
        return None, errors
    return CheckedRecord(student_id, term.pk, indicator, kind, value, note), []


# --- the import ----------------------------------------------------------------------------


def import_rows(
    kind: str,
    file: IO[bytes] | bytes,
    *,
    by: User,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import records or class teachers from an upload, all or nothing (see the module)."""
    _require(kind, by)
    data = file if isinstance(file, bytes) else file.read()
    name = filename or getattr(file, "name", "") or f"{kind}.xlsx"
    report = ImportReport(kind=kind, filename=str(name), dry_run=dry_run)
    batches.undo_abandoned(BATCH_KIND[kind])
    if progress is not None:
        progress("read", 0, 0)
    try:
        table = read_table(
            data, report.filename, COLUMNS_OF[kind], anchor=ANCHOR[kind], kinds=_other_kinds()
        )
    except FileError as problem:
        report.errors = problem.errors
    else:
        report.sheet = table.sheet
        report.total_rows = len(table.rows)
        check = _check_records if kind == RECORDS else _check_class_teachers
        to_create, to_update = check(table, report, by, progress)
        if report.ok and not dry_run:
            _write(kind, to_create, to_update, report, by, progress)
    audit(by, f"portraits.import_{kind}", None, **report.summary())
    return report


def _cells(table: Table, i: int) -> dict[str, Any]:
    return dict(zip(table.dataset.headers, table.dataset[i], strict=True))


def _column(table: Table, kind: str, key: str) -> str:
    return table.header(key, COLUMNS_OF[kind])


def _tick(progress: Callable[[str, int, int], None] | None, i: int, total: int) -> None:
    if progress is not None and (i % 2000 == 0 or i == total):
        progress("check", i, total)


def _check_records(
    table: Table,
    report: ImportReport,
    by: User,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[list[PortraitRecord], list[Any]]:
    scope = RecordScope.for_user(by)
    checked: list[tuple[int, CheckedRecord]] = []
    errors: list[RowError] = []
    first_row: dict[CheckedRecord, int] = {}
    total = len(table.rows)
    for i, row in enumerate(table.rows):
        rec, problems = check_record(scope, _cells(table, i))
        errors += [RowError(row, _column(table, RECORDS, k), m) for k, m in problems]
        if rec is not None:
            if rec in first_row:
                errors.append(RowError(row, "", _("与第 %(n)d 行完全相同") % {"n": first_row[rec]}))
            else:
                first_row[rec] = row
                checked.append((row, rec))
        _tick(progress, i + 1, total)
    report.errors = sorted(errors, key=lambda e: (e.row or 0, e.column))
    if not report.ok:
        return [], []
    stored = _stored_records(
        {r.student_id for _row, r in checked}, {r.term_id for _r, r in checked}
    )
    new = [rec for _row, rec in checked if _key(rec) not in stored]
    report.created, report.unchanged = len(new), len(checked) - len(new)
    objs = [
        PortraitRecord(
            student_id=r.student_id, term_id=r.term_id, indicator=r.indicator, kind=r.kind,
            value=r.value, note=r.note, source="import", recorded_by=by,
        )
        for r in new
    ]  # fmt: skip
    return objs, []


def _key(r: CheckedRecord) -> tuple[int, int, str, Decimal, str]:
    return (r.student_id, r.term_id, r.indicator, r.value, r.note)


def _stored_records(
    student_ids: set[int], term_ids: set[int]
) -> set[tuple[int, int, str, Decimal, str]]:
    """The records already stored of these children in these terms (in chunks of ids)."""
    out: set[tuple[int, int, str, Decimal, str]] = set()
    ids = sorted(student_ids)
    for k in range(0, len(ids), 900):
        qs = PortraitRecord.objects.filter(
            student_id__in=ids[k : k + 900], term_id__in=term_ids
        ).values_list("student_id", "term_id", "indicator", "value", "note")
        out.update((s, t, i, Decimal(v).quantize(Decimal("0.0001")), n) for s, t, i, v, n in qs)
    return out


def _check_class_teachers(
    table: Table,
    report: ImportReport,
    by: User,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[list[ClassTeacher], list[ClassTeacher]]:
    term = Term.current(or_latest=False)
    if term is None:
        report.errors = [RowError(None, "", _("没有当前学期：请先设定当前学期"))]
        return [], []
    school_id = by.school_id or 0
    teachers = dict(teachers_for(by).values_list("code", "pk"))
    classes = {
        (g, n): pk
        for pk, g, n in SchoolClass.objects.filter(school_id=school_id).values_list(
            "pk", "grade", "number"
        )
    }
    existing = {
        (t, c): (pk, home)
        for pk, t, c, home in ClassTeacher.objects.filter(
            term=term, school_class__school_id=school_id
        ).values_list("pk", "teacher_id", "school_class_id", "homeroom")
    }
    homeroom_of = {c: t for (t, c), (_pk, home) in existing.items() if home}
    errors: list[RowError] = []
    seen: dict[tuple[int, int], int] = {}
    wanted: list[tuple[int, int, bool]] = []

    def col(key: str) -> str:
        return _column(table, CLASS_TEACHERS, key)

    total = len(table.rows)
    for i, row in enumerate(table.rows):
        cells = _cells(table, i)
        code = cell_text(cells.get("teacher"))
        teacher_id = teachers.get(code)
        if not code:
            errors.append(RowError(row, col("teacher"), _("必填")))
        elif teacher_id is None:
            errors.append(
                RowError(
                    row, col("teacher"), f"「{code[:40]}」" + _("不是本校教师（或编号不存在）")
                )
            )
        grade, number = cell_text(cells.get("grade")), cell_text(cells.get("class"))
        class_id = None
        if not grade.isdigit():
            errors.append(RowError(row, col("grade"), _("应为年级数字（1–9）")))
        if not number.isdigit():
            errors.append(RowError(row, col("class"), _("应为班号数字")))
        if grade.isdigit() and number.isdigit():
            class_id = classes.get((int(grade), int(number)))
            if class_id is None:
                errors.append(
                    RowError(
                        row,
                        col("class"),
                        _("本校没有 %(g)s 年级 %(n)s 班（班级随学生导入建立）")
                        % {"g": grade, "n": number},
                    )
                )
        try:
            home = BoolWidget().clean(cells.get("homeroom"))
        except ValueError as err:
            errors.append(RowError(row, col("homeroom"), str(err)))
            home = False
        if teacher_id is None or class_id is None:
            continue
        if (teacher_id, class_id) in seen:
            errors.append(
                RowError(row, "", _("与第 %(n)d 行重复") % {"n": seen[(teacher_id, class_id)]})
            )
            continue
        seen[(teacher_id, class_id)] = row
        if home:
            other = homeroom_of.get(class_id)
            if other is not None and other != teacher_id:
                errors.append(RowError(row, col("homeroom"), _("该班已有班主任")))
            homeroom_of[class_id] = teacher_id
        wanted.append((teacher_id, class_id, home))
        _tick(progress, i + 1, total)
    report.errors = sorted(errors, key=lambda e: (e.row or 0, e.column))
    if not report.ok:
        return [], []
    to_create, to_update = [], []
    for teacher_id, class_id, home in wanted:
        got = existing.get((teacher_id, class_id))
        if got is None:
            to_create.append(
                ClassTeacher(
                    teacher_id=teacher_id, school_class_id=class_id, term=term, homeroom=home
                )
            )
        elif got[1] != home:
            to_update.append(ClassTeacher(pk=got[0], homeroom=home))
    report.created, report.updated = len(to_create), len(to_update)
    report.unchanged = len(wanted) - len(to_create) - len(to_update)
    return to_create, to_update


def _write(
    kind: str,
    to_create: Sequence[Any],
    to_update: Sequence[Any],
    report: ImportReport,
    by: User,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    def wrote(done: int, total: int) -> None:
        if progress is not None:
            progress("write", done, total)

    wrote(0, len(to_create) + len(to_update))
    try:
        batches.write_batch(
            kind=BATCH_KIND[kind],
            model=PortraitRecord if kind == RECORDS else ClassTeacher,
            new_classes=[],
            to_create=to_create,
            to_update=to_update,
            update_fields=["homeroom"] if kind == CLASS_TEACHERS else [],
            filename=report.filename,
            by=by,
            progress=wrote,
        )
    except IntegrityError:
        report.errors = [
            RowError(
                None,
                "",
                _("保存时发现其他用户刚写入了相同的任课安排，本次导入未作任何改动，请重新导入"),
            )
        ]
        return
    except batches.ImportBusyError as busy:
        report.errors = [RowError(None, "", str(busy))]
        return
    report.saved = True


# --- the job and the template --------------------------------------------------------------


def start_import(kind: str, upload: Any, *, by: User, dry_run: bool) -> Any:
    """Queue an import of `upload`, checked and written by a worker through the region's
    import job; returns the job."""
    from junheng.jobs.actions import start_job
    from junheng.jobs.files import stash

    _require(kind, by)
    name = str(getattr(upload, "name", "") or f"{kind}.xlsx")
    path = stash(upload, name)
    label = KIND_LABELS[kind]
    title = (_("预检导入：%(k)s") if dry_run else _("导入：%(k)s")) % {"k": label}
    return start_job(
        "portraits_import",
        "junheng.region.tasks.import_job",
        by=by,
        title=title,
        on_fail="junheng.region.tasks.import_failed",
        what=kind,
        path=path,
        filename=name,
        dry_run=dry_run,
        by_id=by.pk,
        importer="junheng.portraits.imports.import_rows",
    )


def template_file(kind: str, *, by: User) -> ExportFile:
    """An import template: the header row, one example row and the notes sheet."""
    _require(kind, by)
    columns = COLUMNS_OF[kind]
    notes = [(_("列"), _("必填"), _("说明"))]
    notes += [(c.header, _("是") if c.required else "", c.note) for c in columns]
    content = table_xlsx(
        str(SHEET_NAMES[kind]), [c.header for c in columns], [[c.example for c in columns]], notes
    )
    return ExportFile(f"junheng-portraits-{kind}-template.xlsx", content, 1)
