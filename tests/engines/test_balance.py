"""The national balance indicators (junheng.engines.balance, `junheng balance`)."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.cli import main
from junheng.engines.balance import (
    INDICATORS,
    THRESHOLDS,
    BalanceSchool,
    apply_gap,
    evaluate,
    gaps,
    split_nine_year,
)
from junheng.engines.io import InputError

HEADER = [
    "school_id",
    "level",
    "students",
    "qualified_teachers",
    "backbone_teachers",
    "pe_art_teachers",
    "teaching_room_m2",
    "sports_field_m2",
    "equipment_yuan",
    "multimedia_classrooms",
]


def exact(school_id: str, level: str = "primary", students: int = 1000) -> BalanceSchool:
    """A school exactly at every threshold (1,000 students: totals are threshold × 10 or × 1000)."""
    t = THRESHOLDS[level]
    k = students / 100
    return BalanceSchool(
        school_id,
        level,
        students,
        qualified_teachers=t[0] * k,
        backbone_teachers=t[1] * k,
        pe_art_teachers=t[2] * k,
        teaching_room_m2=t[3] * students,
        sports_field_m2=t[4] * students,
        equipment_yuan=t[5] * students,
        multimedia_classrooms=t[6] * k,
    )


def test_national_worked_example_gives_cv_0_515():
    # (students, books) from the national note, as one per-student indicator (L5: m² per student)
    pairs = [(45, 279), (37, 137), (89, 935), (76, 160), (55, 402)]
    schools = [
        replace(exact(f"S{i}", students=p), sports_field_m2=float(v))
        for i, (p, v) in enumerate(pairs)
    ]
    result = evaluate(schools)
    assert result.cv["primary"]["L5"] == 0.5153  # 0.515 to the note's three decimals
    assert round(result.cv["primary"]["L5"], 3) == 0.515
    assert result.cv_ok is False  # 0.515 > 0.50
    assert result.verdict == "fail"


def test_school_exactly_at_every_threshold_meets_all_seven():
    r = evaluate([exact("A"), exact("B", "junior")])
    assert [(s.school_id, s.met, s.passes) for s in r.schools] == [("B", 7, True), ("A", 7, True)]
    assert r.schools[1].values == pytest.approx(THRESHOLDS["primary"])
    assert r.verdict == "pass" and r.cv_ok


def test_six_met_and_seventh_exactly_at_85_percent_passes():
    # L1 primary 4.2 per 100 → 42 teachers for 1000; 85% is 35.7 teachers.
    s = replace(exact("A"), qualified_teachers=35.7)
    r = evaluate([s])
    assert (r.schools[0].met, r.schools[0].passes) == (6, True)


def test_six_met_and_seventh_just_under_85_percent_fails():
    s = replace(exact("A"), qualified_teachers=35.6)
    r = evaluate([s])
    assert (r.schools[0].met, r.schools[0].passes) == (6, False)
    assert r.verdict == "fail"


def test_five_met_fails_even_when_both_misses_reach_85_percent():
    s = replace(exact("A"), qualified_teachers=40, equipment_yuan=1_900_000)
    r = evaluate([s])
    assert (r.schools[0].met, r.schools[0].passes) == (5, False)


def test_junior_thresholds_apply_to_junior_rows():
    # 5.3 per 100 in junior: 50 of 1000 is below, and below 85% of 53 is 45.05
    r = evaluate([replace(exact("J", "junior"), qualified_teachers=45)])
    assert (r.schools[0].met, r.schools[0].passes) == (6, False)
    r = evaluate([replace(exact("J", "junior"), qualified_teachers=45.05)])
    assert (r.schools[0].met, r.schools[0].passes) == (6, True)


def test_verdict_fails_on_cv_even_when_every_school_passes():
    rich = replace(exact("A"), equipment_yuan=20_000_000)  # 10 × the threshold
    r = evaluate([exact("B"), rich, exact("C")])
    assert all(s.passes for s in r.schools)
    assert r.cv["primary"]["L6"] > 0.5
    assert r.cv_ok is False and r.verdict == "fail"


def test_small_teaching_points_are_left_out_of_rows_and_cvs():
    tiny = replace(exact("TP", students=30), teaching_point=True, equipment_yuan=0)
    fifty = replace(exact("TP50", students=50), teaching_point=True)
    small_school = replace(exact("SMALL", students=30))
    r = evaluate([exact("A"), tiny, fifty, small_school])
    assert [s.school_id for s in r.schools] == ["A", "SMALL", "TP50"]
    assert r.excluded == ["TP"]
    assert r.cv["primary"]["L6"] == 0.0  # the zero-equipment teaching point does not count
    assert r.verdict == "pass"


def test_gaps_name_the_cheapest_whole_units_that_make_a_school_pass():
    # 1000 students: needs 42 qualified (has 30), 10 backbone (has 10), field 7500 (has 5000)
    s = replace(exact("A"), qualified_teachers=30, sports_field_m2=5000)
    (gap,) = gaps(evaluate([s]))
    # L1 full costs 12/42 = 29%, L5 full costs 2500/7500 = 33%: L5 stays at 85% (6375 m²)
    assert gap.partial == "L5"
    assert gap.additions == {"L1": 12, "L5": 1375}
    fixed = evaluate([apply_gap(s, gap)]).schools[0]
    assert fixed.passes and fixed.met == 6


def test_unit_costs_change_which_indicator_stays_partial():
    s = replace(exact("A"), qualified_teachers=30, sports_field_m2=5000)
    (gap,) = gaps(evaluate([s]), unit_costs={"L1": 150_000, "L5": 10})
    assert gap.partial == "L1"  # teachers cost more than 1,375 m² here
    assert gap.additions == {"L1": 6, "L5": 2500}  # 85% of 42 is 35.7 → 36


school_strategy = st.builds(
    BalanceSchool,
    school_id=st.just("X"),
    level=st.sampled_from(["primary", "junior"]),
    students=st.integers(1, 3000),
    qualified_teachers=st.integers(0, 200).map(float),
    backbone_teachers=st.integers(0, 50).map(float),
    pe_art_teachers=st.integers(0, 40).map(float),
    teaching_room_m2=st.floats(0, 20000, allow_nan=False).map(lambda v: round(v, 1)),
    sports_field_m2=st.floats(0, 30000, allow_nan=False).map(lambda v: round(v, 1)),
    equipment_yuan=st.integers(0, 8_000_000).map(float),
    multimedia_classrooms=st.integers(0, 80).map(float),
)


@settings(max_examples=200, deadline=None)
@given(school_strategy)
def test_applying_a_gap_makes_the_school_pass_and_one_unit_less_does_not(school):
    result = evaluate([school])
    found = gaps(result)
    if result.schools[0].passes:
        assert found == []
        return
    (gap,) = found
    assert evaluate([apply_gap(school, gap)]).schools[0].passes
    for ind, amount in gap.additions.items():
        assert amount == int(amount) and amount > 0
        less = dict(gap.additions, **{ind: amount - 1})
        assert not evaluate([apply_gap(school, replace(gap, additions=less))]).schools[0].passes


def test_nine_year_split_is_one_to_one_point_one_by_enrolment():
    primary, junior = split_nine_year({"sports_field_m2": 2100.0, "equipment_yuan": 0}, 100, 100)
    assert primary == {"sports_field_m2": 1000.0, "equipment_yuan": 0.0}
    assert junior == {"sports_field_m2": 1100.0, "equipment_yuan": 0.0}
    p, j = split_nine_year({"teaching_room_m2": 6200.0}, 600, 300)  # 600 : 330
    assert p["teaching_room_m2"] == pytest.approx(4000.0)
    assert j["teaching_room_m2"] == pytest.approx(2200.0)


def test_engine_rejects_zero_students():
    with pytest.raises(InputError, match="students"):
        evaluate([exact("A"), replace(exact("B"), students=0)])


# ---------------------------------------------------------------------------- the CLI


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def row(school: BalanceSchool) -> list[object]:
    return [
        school.school_id,
        school.level,
        school.students,
        *(f"{v:g}" for v in school.totals()),
    ]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict | None, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    return rc, (json.loads(lines[-1]) if rc == 0 else None), err


def test_cli_writes_the_contract_file_and_summary(tmp_path, capsys):
    schools = [
        exact("P2"),
        replace(exact("P1"), qualified_teachers=35.6),
        exact("J1", "junior", 800),
    ]
    src = write_csv(tmp_path / "schools.csv", HEADER, [row(s) for s in schools])
    out = tmp_path / "out.csv"
    rc, summary, _ = run_cli(["balance", "--schools", str(src), "--out", str(out)], capsys)
    assert rc == 0
    assert list(summary) == [
        "schools",
        "schools_passing",
        "cv",
        "cv_ok",
        "verdict",
        "result_sha256",
    ]
    assert summary["schools"] == 3 and summary["schools_passing"] == 2
    assert summary["verdict"] == "fail"
    assert set(summary["cv"]) == {"primary", "junior"}
    assert list(summary["cv"]["primary"]) == list(INDICATORS)
    data = out.read_bytes()
    assert summary["result_sha256"] == hashlib.sha256(data).hexdigest()
    lines = data.decode().splitlines()
    assert lines[0] == "school_id,level,L1,L2,L3,L4,L5,L6,L7,met,passes"
    assert lines[1] == "J1,junior,5.3000,1.0000,0.9000,5.8000,10.2000,2500.0000,2.4000,7,1"
    assert lines[2].startswith("P1,primary,3.5600,") and lines[2].endswith(",6,0")
    assert lines[3].startswith("P2,primary,4.2000,") and lines[3].endswith(",7,1")


def test_cli_same_input_gives_same_bytes(tmp_path, capsys):
    src = write_csv(tmp_path / "s.csv", HEADER, [row(exact("A")), row(exact("B", "junior"))])
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    run_cli(["balance", "--schools", str(src), "--out", str(a)], capsys)
    run_cli(["balance", "--schools", str(src), "--out", str(b)], capsys)
    assert a.read_bytes() == b.read_bytes()


def test_cli_teaching_point_column_is_optional_and_respected(tmp_path, capsys):
    rows = [[*row(exact("A")), 0], [*row(replace(exact("T", students=20), equipment_yuan=0)), 1]]
    src = write_csv(tmp_path / "s.csv", [*HEADER, "teaching_point"], rows)
    out = tmp_path / "o.csv"
    rc, summary, err = run_cli(["balance", "--schools", str(src), "--out", str(out)], capsys)
    assert rc == 0 and summary["schools"] == 1 and summary["verdict"] == "pass"
    assert "teaching point" in err


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda h, r: (h, [r[0], [*r[1][:2], 0, *r[1][3:]]]), "row 3, column 'students'"),
        (lambda h, r: (h[:-1], [x[:-1] for x in r]), "column 'multimedia_classrooms'"),
        (lambda h, r: (h, [r[0], [r[1][0], "senior", *r[1][2:]]]), "row 3, column 'level'"),
        (lambda h, r: (h, [r[0], [r[0][0], *r[1][1:]]]), "row 3"),
        (lambda h, r: (h, [r[0], [*r[1][:5], "-1", *r[1][6:]]]), "row 3, column 'pe_art_teachers'"),
        (lambda h, r: (h, [r[0], [*r[1][:2], "abc", *r[1][3:]]]), "row 3, column 'students'"),
    ],
    ids=["zero-students", "missing-column", "unknown-level", "duplicate", "negative", "not-number"],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, mutate, where):
    header, rows = mutate(HEADER, [row(exact("A")), row(exact("B"))])
    src = write_csv(tmp_path / "s.csv", header, rows)
    out = tmp_path / "out.csv"
    rc, _, err = run_cli(["balance", "--schools", str(src), "--out", str(out)], capsys)
    assert rc == 2
    assert "s.csv" in err and where in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_balance_engine_does_not_import_django():
    code = "import sys, junheng.engines.balance; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
