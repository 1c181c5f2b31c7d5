"""The forecast's synthetic files: enrolment history, births by zone, capacity (synth.places)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from junheng.engines.forecast import forecast
from junheng.synth import files, generate
from junheng.synth.places import HISTORY_YEARS, zones


@pytest.fixture(scope="module")
def county():
    return generate("county", "test-seed")


@pytest.fixture(scope="module")
def tables(county):
    blobs = files(county)
    return {
        name: pd.read_csv(io.BytesIO(blobs[name]), dtype={"school_id": str})
        for name in ("enrolment.csv", "births.csv", "capacity.csv")
    }


def test_the_last_history_year_is_the_regions_students_by_school_and_grade(county, tables):
    e = tables["enrolment.csv"]
    assert sorted(e["year"].unique()) == list(
        range(county.school_year - HISTORY_YEARS + 1, county.school_year + 1)
    )
    now = e[e["year"] == county.school_year].set_index(["school_id", "grade"])["students"]
    st = county.students.groupby(["school", "grade"]).size()
    assert now.sort_index().to_dict() == st.sort_index().to_dict()


def test_growth_zones_grow_and_rural_schools_shrink(county, tables):
    e = tables["enrolment.csv"]
    totals = e.groupby(["school_id", "year"])["students"].sum().unstack()
    change = totals[county.school_year] / totals[county.school_year - HISTORY_YEARS + 1]
    zone = pd.Series(zones(county), index=county.schools.code)
    assert (zone == "growth").sum() >= 3
    assert change[zone == "growth"].median() > 1.1
    assert change[zone == "rural"].max() < 0.95


def test_births_only_where_there_is_a_grade_1_and_capacity_for_every_school(county, tables):
    b, c, e = tables["births.csv"], tables["capacity.csv"], tables["enrolment.csv"]
    with_grade_1 = set(e.loc[e["grade"] == 1, "school_id"])
    assert set(b["school_id"]) == with_grade_1
    assert set(c["school_id"]) == set(e["school_id"])
    juniors = set(county.schools.loc[county.schools.kind == "junior", "code"])
    assert set(c.loc[c["school_id"].isin(juniors), "max_class"]) == {50}


def test_the_forecast_of_the_synthetic_county_has_red_amber_and_green_schools(tables):
    f = forecast(tables["enrolment.csv"], tables["births.csv"], tables["capacity.csv"])
    levels = set(f.totals["level"])
    assert levels == {"red", "amber", "green"}
    assert f.summary["red"] >= 3
    assert f.first_overflow()
