"""On the real demo county: the adapter agrees with synth's balance.csv, and demo.load works."""

from __future__ import annotations

import io
import os

import pandas as pd
import pytest
from django.db import transaction

from junheng.commands.demo import DEMO_SEED


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    from junheng.region.demo import load_region
    from junheng.synth import files, generate

    region = generate("county", DEMO_SEED)
    with django_db_blocker.unblock(), transaction.atomic():
        load_region(region, out=open(os.devnull, "w"))  # noqa: SIM115
        yield region, pd.read_csv(io.BytesIO(files(region)["balance.csv"]))
        transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
def test_adapter_rows_equal_synth_balance_csv(demo_county, django_assert_max_num_queries):
    from junheng.balance.adapters import balance_rows

    _, csv = demo_county
    with django_assert_max_num_queries(3):
        rows = balance_rows()
    got = {(r.school_id, r.level): r for r in rows}
    assert len(got) == len(csv)
    for rec in csv.itertuples(index=False):
        r = got[(rec.school_id, rec.level)]
        assert r.students == rec.students
        assert (r.qualified_teachers, r.backbone_teachers, r.pe_art_teachers) == (
            rec.qualified_teachers,
            rec.backbone_teachers,
            rec.pe_art_teachers,
        ), rec.school_id
        # synth rounds the nine-year split to whole units; the adapter keeps the exact share
        assert r.teaching_room_m2 == pytest.approx(rec.teaching_room_m2, abs=0.5)
        assert r.multimedia_classrooms == pytest.approx(rec.multimedia_classrooms, abs=1)
        assert r.teaching_point == bool(rec.teaching_point)


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_load_takes_three_snapshots_two_labelled_synthetic(demo_county):
    from junheng.balance import demo
    from junheng.balance.actions import current_year
    from junheng.balance.models import BalanceSnapshot, GovernmentItem

    assert demo.load(None) == []
    snaps = list(BalanceSnapshot.objects.order_by("year"))
    year = current_year()
    assert [s.year for s in snaps] == [year - 2, year - 1, year]
    assert [s.synthetic for s in snaps] == [True, True, False]
    assert all("合成" in s.note for s in snaps[:2])
    assert GovernmentItem.objects.filter(year=year).count() == 15
    # less facility then: the facility indicators' means were lower two years ago
    old = sum(r["L5"] * r["students"] for r in snaps[0].schools)
    new = sum(r["L5"] * r["students"] for r in snaps[2].schools)
    assert old < new
    # the investment went to town and rural schools: the trend is not flat
    assert snaps[0].cv != snaps[2].cv
