"""A hand-computed places region beside the shared `region` fixture.

Y = the current school year. History (imported) for Y-3 .. Y-1:
- S01 城关小学 (primary, urban): 40 students in every grade 1-6 every year — every ratio is 1,
  grade 1 the mean 40, so the projection is 40 a grade, 240 a year. Capacity 6 rooms × 45 = 270:
  240 / 270 = 0.889, green. A housing development of 60 children adds 10 a grade: 300, red.
- S02 澉浦镇中学 (junior, rural): grades 7-9, 50 each: 150 a year; capacity 4 × 50 = 200, 0.75.
- S03 村小 (primary, rural): grades 1-6, 10 each: 60 a year; capacity 6 × 45 = 270.
- S04 新村小学 (primary, rural): one year only (Y-1): left out of the forecast.
"""

from __future__ import annotations

import pytest


def csv_bytes(header: str, rows: list[tuple[object, ...]]) -> bytes:
    return (header + "\n" + "".join(",".join(str(v) for v in r) + "\n" for r in rows)).encode()


@pytest.fixture
def year():
    from junheng.places.actions import current_school_year

    return current_school_year()


@pytest.fixture
def places(region, users, year):
    from junheng.places import actions
    from junheng.region.models import School

    county = region["county"]
    s03 = School.objects.create(
        code="S03", name="村小", county=county, level="primary", urban_rural="rural"
    )
    s04 = School.objects.create(
        code="S04", name="新村小学", county=county, level="primary", urban_rural="rural"
    )
    rows = []
    for y in (year - 3, year - 2, year - 1):
        rows += [("S01", y, g, 40) for g in range(1, 7)]
        rows += [("S02", y, g, 50) for g in range(7, 10)]
        rows += [("S03", y, g, 10) for g in range(1, 7)]
    rows += [("S04", year - 1, g, 5) for g in range(1, 7)]
    bureau = users["bureau"]
    rep = actions.do_import_enrolment(
        csv_bytes("学校代码,学年,年级,学生数", rows), "history.csv", by=bureau
    )
    assert rep.ok, rep.errors
    cap = actions.do_import_capacity(
        csv_bytes("学校代码,普通教室,班额上限", [("S01", 6, 45), ("S02", 4, 50), ("S03", 6, "")]),
        "capacity.csv",
        by=bureau,
    )
    assert cap.ok, cap.errors
    return {**region, "S03": s03, "S04": s04, "year": year, "base": year - 1}


@pytest.fixture
def housing_scenario(places, users):
    from junheng.places import actions

    sc = actions.do_create_scenario(by=users["bureau"], name="新城住宅")
    actions.do_add_housing(
        sc,
        by=users["bureau"],
        name="南湖小区",
        school=places["school_a"],
        year=places["base"] + 2,
        students=60,
    )
    return sc
