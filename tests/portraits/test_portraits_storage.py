"""The one way many portrait rows are stored (multi-row INSERTs on SQLite, COPY on
PostgreSQL): every row as given, ids in row order, all or nothing; and the demo's records and
scores, stored while scoring, are the synthetic file's records and `do_score`'s scores."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pandas as pd
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from junheng.portraits import actions, storage
from junheng.portraits.models import DimensionScore, IndicatorScore, PortraitRecord

pytestmark = pytest.mark.django_db


def _row(student, term, k):
    return (
        student.pk, term.pk, f"labour.hours{k % 7}", "labour", f"{k}.25", f"n{k}", "", "test",
        None, storage.db_value(timezone.now()),
    )  # fmt: skip


def test_many_records_are_stored_as_given_with_their_ids_in_row_order(portraits, region):
    term = PortraitRecord.objects.first().term
    rows = [_row(region["student_a"], term, k) for k in range(storage.SQLITE_ROWS * 2 + 37)]
    ids = storage.write_records(rows, returning_ids=True)
    assert len(ids) == len(rows) and len(set(ids)) == len(rows)
    got = dict(PortraitRecord.objects.filter(pk__in=ids).values_list("pk", "note"))
    assert [got[i] for i in ids] == [r[5] for r in rows]
    stored = PortraitRecord.objects.get(pk=ids[-1])
    assert stored.value == Decimal(rows[-1][4]) and stored.indicator == rows[-1][2]
    assert storage.write_records(rows[:3]) == []  # no ids asked for
    assert PortraitRecord.objects.filter(source="test").count() == len(rows) + 3


def test_a_bad_row_anywhere_stores_none_of_the_rows(portraits, region):
    term = PortraitRecord.objects.first().term
    rows = [_row(region["student_a"], term, k) for k in range(storage.SQLITE_ROWS + 5)]
    rows[-1] = (*rows[-1][:2], None, *rows[-1][3:])  # no indicator: NOT NULL
    before = PortraitRecord.objects.count()
    with pytest.raises(IntegrityError, match="indicator"), transaction.atomic():
        storage.write_records(rows)
    assert PortraitRecord.objects.count() == before
    with pytest.raises(ValueError, match="values"):
        storage.write_records([rows[0][:5]])


def test_created_records_get_their_ids_and_read_back_equal(portraits, region, users):
    term = PortraitRecord.objects.first().term
    objs = [
        PortraitRecord(
            student=region["student_a"], term=term, indicator="moral.award", kind="observation",
            value=Decimal("1.5"), note="区级", source="api", recorded_by=users["teacher"],
        )
        for _ in range(3)
    ]  # fmt: skip
    storage.create_records(objs)
    assert all(o.pk for o in objs)
    back = PortraitRecord.objects.get(pk=objs[1].pk)
    assert (back.value, back.note, back.recorded_by_id, back.created_at) == (
        Decimal("1.5"), "区级", users["teacher"].pk, objs[1].created_at,
    )  # fmt: skip


def _tiny():
    """The county's rules (two terms of records) on three schools."""
    from junheng.synth import PROFILES
    from junheng.synth.profiles import Cluster

    counts = {("urban", "primary"): 1, ("town", "junior"): 1, ("rural", "primary"): 1}
    return replace(
        PROFILES["county"], students=1200, providers=20, courses=60,
        high_schools=1, clusters=(Cluster("海滨", 22.0, 16.0, towns=1, counts=counts),),
    )  # fmt: skip


def _scores():
    dims = sorted(
        DimensionScore.objects.values_list(
            "student_id", "term_id", "dimension", "score", "coverage", "progress",
            "previous_terms", "version",
        )
    )  # fmt: skip
    rows = IndicatorScore.objects.values_list("student_id", "term_id", "items")
    items = {(s, t): i for s, t, i in rows}
    return dims, items


def test_the_demo_stores_the_synthetic_records_and_do_scores_scores(db):
    from junheng.commands.demo import DEMO_PASSWORD, DEMO_SEED, load_demo
    from junheng.synth.portraits import make_portraits

    region, _county, _ = load_demo(
        _tiny(), DEMO_SEED, DEMO_PASSWORD, io.StringIO(), ("afterschool", "enrolment", "portraits")
    )
    want = pd.read_csv(
        io.BytesIO(make_portraits(region)["portrait_records.csv"]), dtype=str,
        keep_default_na=False,
    )  # fmt: skip
    from junheng.region.models import Term

    year = region.school_year
    term_of = {
        f"{year - 1}-2": Term.objects.get(name=f"{year - 1}-{year}学年第二学期").pk,
        f"{year}-1": Term.objects.get(is_current=True).pk,
    }
    got = Counter(
        (code, t, ind, Decimal(v).normalize())
        for code, t, ind, v in PortraitRecord.objects.values_list(
            "student__code", "term_id", "indicator", "value"
        )
    )
    expected = Counter(
        (c, term_of[t], i, Decimal(v).normalize())
        for c, t, i, v in zip(want.student_id, want.term, want.indicator, want.value, strict=True)
    )
    assert sum(got.values()) == len(want) > 20 * len(region.students)
    assert got == expected
    dims, items = _scores()
    assert {t for _s, t in items} == set(term_of.values())  # two terms: progress has a past
    assert len(items) > len(region.students) and len(dims) > 4 * len(items)
    assert any(d[5] is not None for d in dims)
    from junheng.accounts.models import Role, User

    actions.do_score(by=User.objects.filter(role=Role.BUREAU).first())
    assert _scores() == (dims, items)
