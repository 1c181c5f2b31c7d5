"""Demo data of growth portraits (演示): every demo student's records for two terms (last
spring's and this autumn's, from `junheng.synth.portraits`), the default indicator library,
the demo teacher's classes, and the scores computed by the engine."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.engines.portraits import DEFAULT_LIBRARY_CSV
from junheng.portraits import actions, storage
from junheng.portraits.models import KIND_OF_DIMENSION, ClassTeacher
from junheng.region.models import SchoolClass, Student, Term

if TYPE_CHECKING:
    from junheng.region.demo import DemoContext


def load(ctx: DemoContext) -> list[tuple[str, str, str]]:
    from junheng.engines.portraits import library_from_frame
    from junheng.synth.portraits import make_portraits

    bureau = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
    region = ctx.region
    year = region.school_year
    current = Term.objects.filter(is_current=True).first()
    if current is None or bureau is None:
        return []
    spring, _ = Term.objects.get_or_create(
        name=f"{year - 1}-{year}学年第二学期",
        defaults={"start": dt.date(year, 2, 16), "end": dt.date(year, 7, 3), "is_current": False},
    )
    actions.do_save_library(version=str(year), year=year - 1, table=DEFAULT_LIBRARY_CSV, by=bureau)
    files = make_portraits(region)
    recs = pd.read_csv(
        io.BytesIO(files.pop("portrait_records.csv")), dtype=str, keep_default_na=False
    )
    del files  # a city's records file is gigabytes: only the frame is kept
    terms = {f"{year - 1}-2": spring.pk, f"{year}-1": current.pk}
    pks = dict(Student.objects.values_list("code", "pk"))
    library = library_from_frame(pd.read_csv(io.StringIO(DEFAULT_LIBRARY_CSV), dtype=str))
    kinds = {i.indicator: str(KIND_OF_DIMENSION[i.dimension]) for i in library}
    n = len(recs)
    records = pd.DataFrame(
        {
            "student_id": _lookup(recs.student_id, pks),
            "term_id": _lookup(recs.term, terms),
            "indicator": recs.indicator,
            "kind": _lookup(recs.indicator, kinds),
            "value": recs.value,
            "note": [""] * n,
            "evidence": [""] * n,
            "source": ["demo"] * n,
            "recorded_by_id": [None] * n,
            "created_at": [storage.db_value(timezone.now())] * n,
        }
    )
    del recs
    # the demo teacher teaches two classes of its school this term (it sees their portraits)
    teacher_user = User.objects.filter(username="teacher").select_related("teacher").first()
    notes = []
    if teacher_user is not None and teacher_user.teacher is not None:
        classes = SchoolClass.objects.filter(school_id=teacher_user.teacher.school_id).order_by(
            "grade", "number"
        )
        picked = [c for c in classes if c.grade == 3][:2] or list(classes[:2])
        for k, c in enumerate(picked):
            ClassTeacher.objects.create(
                teacher=teacher_user.teacher, school_class=c, term=current, homeroom=k == 0
            )
        notes.append(("teacher", "teacher", "成长档案：任教班级的学生画像"))
    ctx.out.write("  portraits: storing the records while scoring them…\n")
    actions.do_store_and_score(records, by=bureau)
    return []


def _lookup(keys: pd.Series, mapping: dict[str, Any]) -> np.ndarray:
    """`keys.map(mapping)` for a million keys at once (a hash lookup, not one call a key);
    every key must be in `mapping`."""
    pos = pd.Index(list(mapping)).get_indexer(keys)
    if (pos < 0).any():
        raise KeyError(f"{keys.name}: {keys[pos < 0].iloc[0]!r} unknown")
    values: np.ndarray = np.asarray(list(mapping.values()))[pos]
    return values
