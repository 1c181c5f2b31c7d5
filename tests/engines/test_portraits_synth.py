"""`junheng synth` writes growth-portrait records that the portraits engine scores."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from junheng.engines.portraits import DIMENSIONS, library_from_frame, score
from junheng.synth import generate
from junheng.synth.portraits import make_portraits


@pytest.fixture(scope="module")
def county_files():
    return make_portraits(generate("county", "test-seed"))


def _frame(blob: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(blob), dtype=str, keep_default_na=False)


def test_county_has_two_terms_of_about_twenty_records_per_student(county_files):
    kids = _frame(county_files["portrait_students.csv"])
    recs = _frame(county_files["portrait_records.csv"])
    assert sorted(kids.term.unique()) == ["2025-2", "2026-1"]
    per_term = recs.groupby("term").size() / kids.groupby("term").size()
    assert per_term.between(16, 24).all(), per_term
    # last spring every child was a grade lower, and grade-1 children were not at school yet
    now = kids[kids.term == "2026-1"].set_index("student_id").grade.astype(int)
    before = kids[kids.term == "2025-2"].set_index("student_id").grade.astype(int)
    assert ((now[before.index] - before) == 1).all()
    assert set(now.index) - set(before.index) == set(now[now == 1].index)


def test_the_synthetic_records_score_in_every_dimension_and_show_the_rural_gap(county_files):
    kids = _frame(county_files["portrait_students.csv"])
    p = score(
        _frame(county_files["portrait_records.csv"]),
        kids,
        library_from_frame(_frame(county_files["portrait_indicators.csv"])),
    )
    df = p.frame("scores")
    assert set(df.dimension) == set(DIMENSIONS)
    assert df.score.between(0, 100).all()
    co = p.frame("cohorts")
    ur = co[(co.level == "urban_rural") & (co.term == "2026-1")].set_index(
        ["dimension", "urban_rural"]
    )["mean"]
    assert ur["academic", "urban"] > ur["academic", "rural"]
    assert ur["labour", "rural"] > ur["labour", "urban"]


def test_same_seed_same_bytes(county_files):
    again = make_portraits(generate("county", "test-seed"))
    assert again == county_files
