"""Domain operations of growth portraits (the only writers)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.engines.io import InputError
from junheng.errors import ActionError
from junheng.exports import Export, Sheet
from junheng.portraits import adapters, report, storage
from junheng.portraits.models import (
    KIND_OF_DIMENSION,
    CohortScore,
    DimensionScore,
    IndicatorLibrary,
    IndicatorScore,
    PortraitRecord,
    RecordKind,
)
from junheng.region.models import Student, Term


def do_save_library(*, version: str, year: int, table: str, by: User | None) -> IndicatorLibrary:
    """Add (or replace) the library version in force from `year`; checked by the engine."""
    require_actor(by, Role.BUREAU)
    try:
        adapters.parse_library(table, f"library {version}")
    except InputError as err:
        raise ActionError(str(err)) from err
    with transaction.atomic():
        lib, _created = IndicatorLibrary.objects.update_or_create(
            year=year, defaults={"version": version, "table": table, "created_by": by}
        )
        audit(by, "portraits.save_library", lib, version=version, year=year)
    return lib


def kind_of(indicator: str, library: IndicatorLibrary) -> str:
    for i in adapters.parse_library(library.table):
        if i.indicator == indicator:
            if indicator.endswith(".afterschool"):
                return RecordKind.AFTERSCHOOL
            return KIND_OF_DIMENSION[i.dimension]
    raise ActionError(_("指标库中没有指标 %(i)s。") % {"i": indicator})


def require_recorder(by: User | None, student_ids: Iterable[int]) -> None:
    """A teacher records only for the children of the classes it teaches this term, a school
    admin for its school's children (`access.portrait_students_for`); PermissionDenied else."""
    from junheng.portraits.access import portrait_students_for

    require_actor(by, Role.TEACHER, Role.SCHOOL)
    ids = set(student_ids)
    if by is not None and portrait_students_for(by).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied


def do_add_record(
    *, student: Student, term: Term, indicator: str, value: float, note: str = "",
    by: User | None, evidence: Any = None,
) -> PortraitRecord:  # fmt: skip
    """A teacher's (or school's) record of one child it may record for (`require_recorder`)."""
    require_recorder(by, [student.pk])
    if not math.isfinite(value):
        raise ActionError(_("数值必须是有限数。"))
    lib = adapters.libraries_for([term]).get(term.pk)
    if lib is None:
        raise ActionError(_("教育局尚未配置评价指标库。"))
    rec = PortraitRecord.objects.create(
        student=student, term=term, indicator=indicator, kind=kind_of(indicator, lib),
        value=round(value, 4), note=note[:200], recorded_by=by, evidence=evidence or "",
    )  # fmt: skip
    audit(by, "portraits.add_record", rec, student=student.pk, indicator=indicator)
    return rec


def do_score(*, by: User | None, job: Any = None) -> dict[str, Any]:
    """Score every term that has records (oldest first, so progress sees the earlier terms) and
    replace the stored scores; returns the engine's counts."""
    require_actor(by, Role.BUREAU)

    def say(stage: str, fraction: float) -> None:
        if job is not None:
            from junheng.jobs.actions import progress

            progress(job, stage, 10 + 70 * fraction)

    term_ids = set(PortraitRecord.objects.values_list("term_id", flat=True).distinct())
    inputs = _Inputs(term_ids, None)
    return _store_scores(inputs, _run_engine(inputs, say), by)


def do_store_and_score(records: pd.DataFrame, *, by: User | None) -> dict[str, Any]:
    """Store many new records and score every term, the engine working on a worker thread
    while the records are written (the demo county's 1.7 million: DuckDB runs outside the
    GIL). `records` has the columns of `storage.RECORD_FIELDS`, values as the columns take
    them. The scores are those `do_score` computes once the records are stored."""
    require_actor(by, Role.BUREAU)
    from concurrent.futures import ThreadPoolExecutor

    new = pd.DataFrame(
        {
            "student_id": records["student_id"].astype(str),
            "term": records["term_id"].map(
                {t.pk: adapters.term_key(t) for t in Term.objects.all()}
            ),
            "indicator": records["indicator"],
            "value": records["value"].astype(str),
        }
    )
    stored = set(PortraitRecord.objects.values_list("term_id", flat=True).distinct())
    inputs = _Inputs(stored | {int(t) for t in records["term_id"].unique()}, new)
    del new  # the engine's inputs hold what they need of it
    with ThreadPoolExecutor(max_workers=1) as pool:
        scored = pool.submit(_engine_rows, inputs)  # no ORM on that thread
        with transaction.atomic():
            storage.write_records(_record_rows(records))
            result, rows = scored.result()
            return _store_scores(inputs, result, by, rows)


def _record_rows(records: pd.DataFrame, chunk: int = 200_000) -> Iterator[tuple[Any, ...]]:
    """`records` as `RECORD_FIELDS` tuples, converted a chunk at a time (a city's twenty
    million records as Python lists all at once took gigabytes)."""
    for start in range(0, len(records), chunk):
        part = records.iloc[start : start + chunk]
        yield from zip(*(part[f].tolist() for f in storage.RECORD_FIELDS), strict=True)


def _engine_rows(
    inputs: _Inputs,
) -> tuple[Any, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """The engine's result with its score and explanation rows fetched (DuckDB queries), so
    that all of it overlaps the records' writing."""
    result = _run_engine(inputs, None)
    scores = list(adapters.score_rows(result, inputs.term_of))
    return result, (scores, list(adapters.explanation_rows(result, inputs.term_of)))


class _Inputs:
    """What the engine scores: the terms, their students, the stored records (plus `new` ones,
    in the engine's columns) and the library versions."""

    def __init__(self, term_ids: set[int], new: pd.DataFrame | None) -> None:
        self.terms = sorted(Term.objects.filter(pk__in=term_ids), key=lambda t: t.start)
        if not self.terms:
            raise ActionError(_("还没有成长记录。"))
        libs = adapters.libraries_for(self.terms)
        if len(libs) < len(self.terms):
            raise ActionError(_("教育局尚未配置评价指标库。"))
        self.library = adapters.engine_library(libs.values())
        self.versions = {adapters.term_key(t): libs[t.pk].version for t in self.terms}
        self.students = adapters.students_frame(self.terms)
        records = adapters.records_frame(self.terms, {i.indicator for i in self.library})
        if new is not None:
            records = pd.concat([records, new], ignore_index=True)
        known = pd.MultiIndex.from_arrays([self.students.student_id, self.students.term])
        kept = pd.MultiIndex.from_arrays([records.student_id, records.term]).isin(known)
        self.records = records[kept].reset_index(drop=True)
        self.term_of = {adapters.term_key(t): t.pk for t in self.terms}


def _run_engine(inputs: _Inputs, say: Any) -> Any:
    from junheng.engines.portraits import score

    try:
        # strict=False: a stored record the term's library cannot score (its indicator left
        # the version when an unused version was corrected in place, or has no rule for the
        # child's grade and sex) is left out and counted, rather than failing the whole run
        return score(inputs.records, inputs.students, inputs.library, inputs.versions,
                     progress=say, strict=False)  # fmt: skip
    except InputError as err:
        raise ActionError(str(err)) from err


def _store_scores(
    inputs: _Inputs,
    result: Any,
    by: User | None,
    rows: tuple[Iterable[tuple[Any, ...]], Iterable[tuple[Any, ...]]] | None = None,
) -> dict[str, Any]:
    """Replace the terms' scores with the engine's (`rows`: its score and explanation rows
    already fetched)."""
    terms = inputs.terms
    scores, explained = rows or (
        adapters.score_rows(result, inputs.term_of),
        adapters.explanation_rows(result, inputs.term_of),
    )
    with transaction.atomic():
        DimensionScore.objects.filter(term__in=terms).delete()
        IndicatorScore.objects.filter(term__in=terms).delete()
        storage.insert_rows(
            DimensionScore,
            ["student_id", "term_id", "dimension", "score", "coverage", "progress",
             "previous_terms", "version"],
            scores,
        )  # fmt: skip
        storage.insert_rows(
            IndicatorScore,
            ["student_id", "term_id", "items"],
            explained,
        )
        report.store_cohorts(t.pk for t in terms)
        summary: dict[str, Any] = {**result.counts, "records_left_out": result.left_out}
        audit(by, "portraits.score", None, **summary)
    return summary


def start_scoring(*, by: User) -> Any:
    """The page returns at once; a worker scores (inline in the demo and the tests)."""
    from junheng.jobs.actions import start_job

    return start_job(
        "portraits_score",
        "junheng.portraits.tasks.score_job",
        by=by,
        title=_("成长档案评分"),
        max_attempts=1,
    )


def do_export_child_file(*, by: User, student_id: int) -> Export:
    """The child's whole file (records and scores) as .xlsx, for its guardian (on request),
    served through `junheng.exports.serve`; audited."""
    require_actor(by, Role.PARENT, student_id=student_id)
    student = Student.objects.get(pk=student_id)
    terms = {t.pk: t.name for t in Term.objects.all()}
    recs = PortraitRecord.objects.filter(student=student).order_by("term__start", "indicator")
    dims = DimensionScore.objects.filter(student=student).order_by("term__start", "dimension")
    records = Sheet(
        _("成长记录"),
        [_("学期"), _("指标"), _("数值"), _("说明"), _("记录时间")],
        [
            [terms[r.term_id], r.indicator, float(r.value), r.note, r.created_at.date()]
            for r in recs
        ],
    )
    scores = Sheet(
        _("维度得分"),
        [_("学期"), _("维度"), _("得分"), _("覆盖"), _("进步")],
        [
            [
                terms[d.term_id],
                d.get_dimension_display(),
                float(d.score),
                float(d.coverage),
                None if d.progress is None else float(d.progress),
            ]
            for d in dims
        ],  # fmt: skip
    )
    return Export(
        f"portrait-{student.code}.xlsx",
        [records, scores],
        rows=recs.count() + dims.count(),
        audit="portraits.export",
        target=student,
    )


def export_support(
    *,
    by: User,
    grade: int | None = None,
    school_class: int | None = None,
    dimension: str | None = None,
) -> Export:
    """The school's whole support list this term (as the page filters it) as .xlsx, for its
    own admin, served through `junheng.exports.serve`; audited with the filters."""
    from junheng.portraits.filters import SupportFilter

    require_actor(by, Role.SCHOOL)
    if by.school_id is None:
        raise PermissionDenied
    chosen = {"grade": grade, "school_class": school_class, "dimension": dimension}
    data = {k: v for k, v in chosen.items() if v is not None}
    f = SupportFilter({"grade": "", **data}, school_id=by.school_id)  # no grade: every grade
    if f.form.errors:
        raise ActionError(_("筛选条件无效。"))
    term = report.latest_term()
    flagged = f.flagged(term)

    def rows() -> Iterable[list[Any]]:
        for start in range(0, len(flagged), SUPPORT_EXPORT_CHUNK):
            for r in report.support_rows(flagged[start : start + SUPPORT_EXPORT_CHUNK]):
                child = r["student"]
                yield [child["code"], child["name"], child["grade"], child["school_class"],
                       "、".join(r["dimensions"])]  # fmt: skip

    title = _("需要关爱的学生")
    return Export(
        f"support-{by.school.code if by.school else by.school_id}.xlsx",
        [Sheet(_("需要关爱的学生"), [_("学生编码"), _("姓名"), _("年级"), _("班级"), _("需要关注的维度")],
               rows(), caption=f"{title} {term.name if term else ''}".strip())],
        rows=len(flagged),
        audit="portraits.export_support",
        target=by.school,
        details=f.params(),
        title=title,
    )  # fmt: skip


# The export reads the children's names this many at a time (not `pk IN` a whole school's).
SUPPORT_EXPORT_CHUNK = 500


def do_add_records(
    records: Sequence[Any], *, by: User, source: str = "api"
) -> list[PortraitRecord]:
    """Records already checked against what `by` may record (`imports.check_record`: its
    children, terms and indicators), written together in one transaction; one audit entry."""
    require_recorder(by, {r.student_id for r in records})
    objs = [
        PortraitRecord(
            student_id=r.student_id, term_id=r.term_id, indicator=r.indicator, kind=r.kind,
            value=r.value, note=r.note, source=source, recorded_by=by,
        )
        for r in records
    ]  # fmt: skip
    with transaction.atomic():
        storage.create_records(objs)
        audit(
            by, "portraits.add_records", None, source=source, records=len(objs),
            students=sorted({r.student_id for r in records})[:100],
        )  # fmt: skip
    return objs


def do_publish_library(
    *, version: str, year: int, rows: list[tuple[int, dict[str, str]]], by: User
) -> IndicatorLibrary:
    """A new version of the indicator library, in force from school year `year` on.

    A version that stored scores cite is never rewritten (their explanation keeps citing it):
    a year whose version was used takes a new version only from a later year. A version no
    score used yet may be corrected in place. Rows are checked by `library.check_rows`, then
    the table by the engine."""
    from junheng.portraits import library

    require_actor(by, Role.BUREAU)
    version = version.strip()
    if not version or len(version) > 30:
        raise ActionError(_("请填写版本名称（最多 30 字）。"))
    if not 2000 <= year <= 2100:
        raise ActionError(_("学年应在 2000 至 2100 之间。"))
    problems = library.check_rows(rows)
    if problems:
        raise ActionError([_("第 %(n)d 行：%(r)s") % {"n": p.row, "r": p.reason} for p in problems])
    taken = IndicatorLibrary.objects.filter(version=version).exclude(year=year).first()
    if taken is not None:
        raise ActionError(
            _("版本名称「%(v)s」已用于 %(y)d 学年起的版本。") % {"v": version, "y": taken.year}
        )
    same = IndicatorLibrary.objects.filter(year=year).first()
    if same is not None and CohortScore.objects.filter(version=same.version).exists():
        raise ActionError(
            _(
                "%(y)d 学年起的版本「%(v)s」已用于评分，得分说明仍引用它，不能改写；"
                "请发布从以后某一学年起生效的新版本。"
            )
            % {"y": year, "v": same.version}
        )
    table = library.table_of(version, [r for _n, r in rows])
    return do_save_library(version=version, year=year, table=table, by=by)


def do_assign_class_teacher(*, school_class: Any, teacher: Any, homeroom: bool, by: User) -> Any:
    """A school's teacher teaches one of its classes this term (a teacher's access to the
    children's portraits follows it); one homeroom teacher per class. The caller scoped the
    class and the teacher to `by`'s school."""
    from junheng.portraits.models import ClassTeacher
    from junheng.region.models import Term

    require_actor(by, Role.SCHOOL, school_id=school_class.school_id)
    term = Term.current(or_latest=False)
    if term is None:
        raise ActionError(_("没有当前学期：请先设定当前学期"))
    if teacher.school_id != school_class.school_id:
        raise ActionError(_("只能安排本校教师任教本校班级。"))
    with transaction.atomic():
        if homeroom and (
            ClassTeacher.objects.filter(school_class=school_class, term=term, homeroom=True)
            .exclude(teacher=teacher)
            .exists()
        ):
            raise ActionError(_("该班已有班主任"))
        ct, _created = ClassTeacher.objects.update_or_create(
            teacher=teacher, school_class=school_class, term=term, defaults={"homeroom": homeroom}
        )
        audit(by, "portraits.assign_class_teacher", ct, teacher=teacher.code,
              school_class=str(school_class), homeroom=homeroom)  # fmt: skip
    return ct


def do_remove_class_teacher(*, assignment: Any, by: User) -> None:
    """The teacher no longer teaches the class this term (nor sees its children's portraits)."""
    require_actor(by, Role.SCHOOL, school_id=assignment.school_class.school_id)
    with transaction.atomic():
        audit(by, "portraits.remove_class_teacher", assignment,
              teacher=assignment.teacher_id, school_class=assignment.school_class_id)  # fmt: skip
        assignment.delete()


def do_copy_class_teachers(*, school_id: int, by: User) -> int:
    """This term's assignments of a school start as the previous term's (a class keeps its
    number as it moves up a grade: grade g class n then is grade g + 1 class n now; classes
    that do not exist now are left out); returns how many were added."""
    from junheng.portraits.models import ClassTeacher
    from junheng.region.models import SchoolClass, Term

    require_actor(by, Role.SCHOOL, school_id=school_id)
    now = Term.current(or_latest=False)
    if now is None:
        raise ActionError(_("没有当前学期：请先设定当前学期"))
    before = Term.objects.filter(start__lt=now.start).order_by("-start").first()
    if before is None:
        raise ActionError(_("没有上一学期的任课安排。"))
    step = 1 if adapters.school_year(now) != adapters.school_year(before) else 0
    classes = {
        (g, n): pk
        for pk, g, n in SchoolClass.objects.filter(school_id=school_id).values_list(
            "pk", "grade", "number"
        )
    }
    have = set(
        ClassTeacher.objects.filter(term=now, school_class__school_id=school_id).values_list(
            "teacher_id", "school_class_id"
        )
    )
    homerooms = set(
        ClassTeacher.objects.filter(
            term=now, school_class__school_id=school_id, homeroom=True
        ).values_list("school_class_id", flat=True)
    )
    new = []
    for t, g, n, home in ClassTeacher.objects.filter(
        term=before, school_class__school_id=school_id, teacher__school_id=school_id
    ).values_list("teacher_id", "school_class__grade", "school_class__number", "homeroom"):
        c = classes.get((g + step, n))
        if c is None or (t, c) in have:
            continue
        have.add((t, c))
        home = home and c not in homerooms
        if home:
            homerooms.add(c)
        new.append(ClassTeacher(teacher_id=t, school_class_id=c, term=now, homeroom=home))
    with transaction.atomic():
        ClassTeacher.objects.bulk_create(new)
        audit(by, "portraits.copy_class_teachers", None, school=school_id, added=len(new))
    return len(new)
