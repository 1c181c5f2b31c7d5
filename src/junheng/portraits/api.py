"""Growth-portrait JSON API: a guardian reads each child's portrait; a teacher (or the school)
posts records for the children it may record for. The same rules as the pages
(`portraits.access`, `portraits.imports.RecordScope`); every read by a non-guardian is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from junheng.accounts.models import Role, audit
from junheng.accounts.scoping import is_guardian
from junheng.errors import ActionError
from junheng.portraits import actions, report
from junheng.portraits.access import (
    PORTRAIT_ROLES,
    access_portrait,
    portrait_students_for,
)
from junheng.portraits.imports import RecordScope, check_record
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["portraits"])
MAX_RECORDS = 1000  # records per post


class ChildOut(Schema):
    id: int
    code: str
    name: str
    grade: int
    school: str
    school_class: str


class DimensionOut(Schema):
    dimension: str
    label: str
    score: float
    coverage: float
    progress: float | None
    previous_terms: int


class TermOut(Schema):
    term_id: int
    term: str
    start: dt.date
    version: str
    dimensions: list[DimensionOut]


class IndicatorOut(Schema):
    indicator: str
    dimension: str
    value: float
    records: int
    score: float
    weight: float


class PortraitOut(Schema):
    child: ChildOut
    terms: list[TermOut]
    strengths: list[str]
    grew: list[str]
    explanation: list[IndicatorOut]  # the latest term's indicator scores


class RecordIn(Schema):
    student: str = Field(description="the child's code (学生编码)")
    term: str = Field("", description="the term's name or start date; blank = this term")
    indicator: str
    value: float | str
    note: str = ""


class RecordsIn(Schema):
    records: list[RecordIn]


class RecordsOut(Schema):
    created: int
    ids: list[int]


def _child(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "code": s.code,
        "name": s.name,
        "grade": s.grade,
        "school": s.school.name,
        "school_class": str(s.school_class) if s.school_class_id else "",
    }


@router.get("/children", response=list[ChildOut])
def children(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    """The children whose portrait the user may open (a guardian's own; a teacher's classes;
    a school's children, at most 1,000); bureau and providers: 403."""
    user = request.user
    if user.role not in PORTRAIT_ROLES:
        raise PermissionDenied
    rows = list(portrait_students_for(user).order_by("grade", "code")[:1000])
    if user.role != Role.PARENT and rows:
        audit(user, "portraits.list", None, via="api", shown=len(rows))
    return [_child(s) for s in rows]


@router.get("/children/{student_id}", response=PortraitOut)
def portrait(request: AuthenticatedHttpRequest, student_id: int) -> dict[str, Any]:
    """A child's portrait: each term's dimension scores (with progress against its own earlier
    terms, never a rank) and how the latest term's scores came about."""
    user = request.user
    child = access_portrait(user, student_id)
    if not is_guardian(user, child.pk):
        audit(user, "portraits.view", child, role=user.role, via="api")
    p = report.portrait(child)
    terms = []
    for row in p["timeline"]:
        cells = [c for c in row["cells"] if c is not None]
        terms.append(
            {
                "term_id": row["term"].pk,
                "term": row["term"].name,
                "start": row["term"].start,
                "version": cells[0].version if cells else "",
                "dimensions": [
                    {
                        "dimension": c.dimension,
                        "label": str(c.get_dimension_display()),
                        "score": float(c.score),
                        "coverage": float(c.coverage),
                        "progress": None if c.progress is None else float(c.progress),
                        "previous_terms": c.previous_terms,
                    }
                    for c in cells
                ],
            }
        )
    explanation = [
        {"dimension": c.dimension, **item}
        for _label, c, items in p.get("explain", [])
        if c is not None
        for item in items
    ]
    return {
        "child": _child(child),
        "terms": terms,
        "strengths": [str(s) for s in p.get("strengths", [])],
        "grew": [str(s) for s in p.get("grew", [])],
        "explanation": explanation,
    }


@router.post("/records", response={201: RecordsOut})
def post_records(request: AuthenticatedHttpRequest, payload: RecordsIn) -> Status[dict[str, Any]]:
    """Records for children the user may record for (a teacher: the classes it teaches this
    term, this term only; a school admin: its school's children), all or nothing: any bad
    record → 400 naming each record (from 1) and field, nothing written."""
    user = request.user
    if user.role not in (Role.TEACHER, Role.SCHOOL):
        raise PermissionDenied
    if not payload.records:
        raise ActionError(_("没有记录。"))
    if len(payload.records) > MAX_RECORDS:
        raise ActionError(_("一次最多 %(n)d 条记录。") % {"n": MAX_RECORDS})
    scope = RecordScope.for_user(user)
    checked, errors = [], []
    for i, rec in enumerate(payload.records, start=1):
        got, problems = check_record(scope, rec.dict())
        errors += [
            _("第 %(i)d 条，「%(f)s」：%(r)s") % {"i": i, "f": k, "r": m} for k, m in problems
        ]
        if got is not None:
            checked.append(got)
    if errors:
        raise ActionError(errors)
    objs = actions.do_add_records(checked, by=user, source="api")
    return Status(201, {"created": len(objs), "ids": [o.pk for o in objs]})
