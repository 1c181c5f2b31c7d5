"""Enrolment projection and warnings (junheng.engines.forecast, `junheng forecast`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng import cli
from junheng.engines.forecast import Scenario, forecast, level_of, round_half_up
from junheng.engines.io import InputError


def enrol(rows: dict[tuple[str, int, int], int]) -> pd.DataFrame:
    """{(school, year, grade): students} as an enrolment frame."""
    return pd.DataFrame(
        [(s, y, g, n) for (s, y, g), n in rows.items()],
        columns=["school_id", "year", "grade", "students"],
    )


def grades(*series: tuple[str, int, list[int]], first: int) -> pd.DataFrame:
    """(school, grade, [students from year `first` on]) as an enrolment frame."""
    rows = {}
    for school, grade, values in series:
        for i, v in enumerate(values):
            rows[(school, first + i, grade)] = v
    return enrol(rows)


def births(rows: dict[tuple[str, int], int]) -> pd.DataFrame:
    return pd.DataFrame(
        [(s, y, b) for (s, y), b in rows.items()], columns=["school_id", "year", "births"]
    )


def projected(f, school="A") -> dict[tuple[int, int], int]:
    p = f.projection[f.projection["school_id"] == school]
    return {(int(y), int(g)): int(n) for y, g, n in zip(p.year, p.grade, p.students, strict=True)}


def value(f, year, grade, school="A") -> float:
    p = f.projection
    hit = p[(p.school_id == school) & (p.year == year) & (p.grade == grade)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


# ---------------------------------------------------------------- the contract's rules, by hand


def test_ratio_is_the_mean_over_the_latest_h_transitions():
    # Grade 1 is 100 every year; grade 2 is 50, 100, 90, 80 in 2021-2024, so the transitions
    # give 0.5, 1.0, 0.9, 0.8. H = 3: (1.0 + 0.9 + 0.8) / 3 = 0.9 -> 100 x 0.9 = 90.
    hist = grades(("A", 1, [100] * 5), ("A", 2, [40, 50, 100, 90, 80]), first=2020)
    assert projected(forecast(hist, years=1))[(2025, 2)] == 90
    # H = 4: (0.5 + 1.0 + 0.9 + 0.8) / 4 = 0.8 -> 80.
    assert projected(forecast(hist, years=1, history=4))[(2025, 2)] == 80


def test_a_zero_denominator_is_left_out_and_an_older_year_takes_its_place():
    # Grade 1 was 0 in 2022, so 2023's transition (5 / 0) is left out. The latest three valid
    # ones are 2024 (70/100), 2022 (80/100), 2021 (90/100): mean 0.8 -> 100 x 0.8 = 80.
    hist = grades(("A", 1, [100, 100, 0, 100, 100]), ("A", 2, [99, 90, 80, 5, 70]), first=2020)
    f = forecast(hist, years=1)
    assert value(f, 2025, 2) == pytest.approx(80.0)
    r = f.ratios.set_index(["school_id", "grade"]).loc[("A", 2)]
    assert (r["kind"], r["used"]) == ("progression", 3)


def test_no_usable_transition_means_a_ratio_of_one():
    # Grade 2's only transition divides by grade 1's 0 of 2023: no ratio, r = 1.
    hist = enrol({("A", 2023, 1): 0, ("A", 2024, 1): 30, ("A", 2023, 2): 10, ("A", 2024, 2): 20})
    f = forecast(hist, years=2)
    assert projected(f)[(2025, 2)] == 30  # 30 x 1
    assert projected(f)[(2025, 1)] == 15  # mean(0, 30), no births
    assert projected(f)[(2026, 2)] == 15  # 15 x 1
    r = f.ratios.set_index(["school_id", "grade"]).loc[("A", 2)]
    assert (r["ratio"], r["used"]) == (1.0, 0)


def test_the_lowest_grade_comes_from_births_six_years_earlier_times_the_entry_ratio():
    # Entry ratios: 2022: 100 / births 2016 (200) = 0.5; 2023: 60 / 100 = 0.6; 2024: births of
    # 2018 are 0, left out. e = 0.55. 2025: births 2019 = 120 -> 66. 2026: no births for 2020,
    # so the mean of the latest three grade-1 values: (100 + 60 + 70) / 3 = 76.67 -> 77.
    hist = grades(("A", 1, [100, 60, 70]), ("A", 2, [90, 95, 55]), first=2022)
    b = births({("A", 2016): 200, ("A", 2017): 100, ("A", 2018): 0, ("A", 2019): 120})
    f = forecast(hist, b, years=2)
    assert value(f, 2025, 1) == pytest.approx(66.0)
    assert projected(f)[(2026, 1)] == 77
    r = f.ratios.set_index(["school_id", "grade"]).loc[("A", 1)]
    assert r["kind"] == "entry"
    assert r["ratio"] == pytest.approx(0.55)
    assert r["used"] == 2


def test_without_births_the_lowest_grade_is_the_mean_of_its_latest_h_values():
    hist = grades(("A", 1, [10, 20, 30, 40, 50]), ("A", 2, [10, 10, 20, 30, 40]), first=2020)
    f = forecast(hist, years=3)
    assert {projected(f)[(y, 1)] for y in (2025, 2026, 2027)} == {40}  # (30 + 40 + 50) / 3
    assert forecast(hist, years=1, history=5).projection.iloc[0]["students"] == 30


def test_births_without_any_overlap_with_history_fall_back_to_the_mean():
    hist = grades(("A", 1, [10, 20]), ("A", 2, [10, 10]), first=2023)
    f = forecast(hist, births({("A", 2019): 500}), years=1)  # enters in 2025: no entry ratio
    assert projected(f)[(2025, 1)] == 15
    assert f.ratios.set_index(["school_id", "grade"]).loc[("A", 1), "kind"] == "mean"


def test_a_junior_school_starts_at_grade_7():
    # r8 = 196 / 200 = 0.98, r9 = 171 / 190 = 0.9; grade 7 = mean(200, 210) = 205.
    hist = grades(("J", 7, [200, 210]), ("J", 8, [190, 196]), ("J", 9, [180, 171]), first=2023)
    f = forecast(hist, years=2)
    p = projected(f, "J")
    assert p == {
        (2025, 7): 205,
        (2025, 8): 206,  # 210 x 0.98 = 205.8
        (2025, 9): 176,  # 196 x 0.9 = 176.4
        (2026, 7): 205,
        (2026, 8): 201,  # 205 x 0.98 = 200.9
        (2026, 9): 185,  # 205.8 x 0.9 = 185.22
    }
    # With births the junior school's grade 7 uses births(y - 6) too (the contract's letter).
    b = births({("J", 2017): 400, ("J", 2018): 420, ("J", 2019): 300})
    assert projected(forecast(hist, b, years=1), "J")[(2025, 7)] == 150  # 300 x 0.5


def test_values_round_half_up_and_are_carried_unrounded():
    # r2 = 3 / 2 = 1.5; grade 1 = mean(2, 3) = 2.5 -> 3 (banker's rounding would give 2);
    # 2025 grade 2 = 3 x 1.5 = 4.5 -> 5 (not 4); 2026 grade 2 = 2.5 (unrounded) x 1.5 = 3.75 -> 4.
    hist = grades(("A", 1, [2, 3]), ("A", 2, [2, 3]), first=2023)
    f = forecast(hist, years=2)
    assert projected(f) == {(2025, 1): 3, (2025, 2): 5, (2026, 1): 3, (2026, 2): 4}
    assert value(f, 2026, 2) == pytest.approx(3.75)


def test_round_half_up_ignores_binary_noise():
    # 4.35 x 100 is 434.99999999999994 in binary floats; the decimal value is 435.
    assert round_half_up(np.array([0.5, 1.5, 2.5, 4.35 * 100, 0.145 * 100])).tolist() == [
        1,
        2,
        3,
        435,
        15,
    ]
    assert round_half_up(np.array([2.4999999999999996, 2.49])).tolist() == [3, 2]


def test_warning_levels_at_exactly_point_nine_and_one():
    assert level_of([89, 90, 95, 100, 101], [100] * 5).tolist() == [
        "green",
        "amber",
        "amber",
        "amber",
        "red",
    ]
    # One-grade schools with a constant history project that constant; 10 rooms x 10.
    hist = enrol(
        {
            (s, y, 1): n
            for s, n in {"G": 89, "A9": 90, "A10": 100, "R": 101}.items()
            for y in (2023, 2024)
        }
    )
    cap = pd.DataFrame({"school_id": ["G", "A9", "A10", "R"], "classrooms": 10, "max_class": 10})
    f = forecast(hist, capacity=cap, years=1)
    assert f.warnings_bytes.decode() == (
        "school_id,year,students,capacity,utilisation,level\n"
        "A10,2025,100,100,1.0000,amber\n"
        "A9,2025,90,100,0.9000,amber\n"
        "G,2025,89,100,0.8900,green\n"
        "R,2025,101,100,1.0100,red\n"
    )
    assert (f.summary["red"], f.summary["amber"]) == (1, 2)
    assert f.first_overflow() == {"R": 2025}


def test_warnings_sum_the_rounded_grades():
    # Two grades each 10.5 -> 11 + 11 = 22 students (not round(21) = 21).
    hist = grades(("A", 1, [10, 11]), ("A", 2, [10, 11]), first=2023)  # r2 = 1.1, g1 = 10.5
    cap = pd.DataFrame({"school_id": ["A"], "classrooms": [1], "max_class": [22]})
    f = forecast(hist, capacity=cap, years=1)
    assert projected(f) == {(2025, 1): 11, (2025, 2): 12}  # 11 x 1.1 = 12.1
    row = f.totals.iloc[0]
    assert (row["students"], row["capacity"], row["level"]) == (23, 22, "red")
    # One class per grade at most 22: 11 -> 1 class, 12 -> 1 class; 2 classes, 1 room there.
    assert (row["classes_needed"], row["classrooms_needed"]) == (2, 1)
    wide = forecast(hist, capacity=cap.assign(max_class=[12]), years=1).totals.iloc[0]
    # 11 -> 1, 12 -> 1 at 12 a class; one grade per class, so not ceil(23 / 12) = 2 either way
    assert (wide["classes_needed"], wide["classrooms_needed"]) == (2, 1)
    narrow = forecast(hist, capacity=cap.assign(max_class=[10]), years=1).totals.iloc[0]
    assert (narrow["classes_needed"], narrow["classrooms_needed"]) == (4, 3)  # 2 + 2, not 3


def test_peak_year_is_the_earliest_of_tied_years():
    # Entry ratio 1 (10 / 10); births for 2019-2022 give 10, 20, 20, 10 in 2025-2028.
    hist = enrol({("A", 2023, 1): 10, ("A", 2024, 1): 10})
    b = births({("A", 2017): 10, ("A", 2018): 10, ("A", 2019): 10, ("A", 2020): 20})
    b = pd.concat([b, births({("A", 2021): 20, ("A", 2022): 10})])
    s = forecast(hist, b, years=4).summary
    assert (s["students_peak"], s["peak_year"], s["students_last"]) == (20, 2026, 10)


def test_output_is_sorted_by_school_as_text_then_year_then_grade():
    hist = pd.concat(
        [
            grades(("S10", 2, [5, 5]), ("S10", 1, [5, 5]), first=2023),
            grades(("S9", 1, [7, 7]), first=2023),
        ]
    ).iloc[::-1]
    f = forecast(hist, years=2)
    assert f.out_bytes.decode().splitlines() == [
        "school_id,year,grade,students",
        "S10,2025,1,5",
        "S10,2025,2,5",
        "S10,2026,1,5",
        "S10,2026,2,5",
        "S9,2025,1,7",
        "S9,2026,1,7",
    ]
    assert f.summary == {
        "schools": 2,
        "years": 2,
        "students_last": 17,
        "students_peak": 17,
        "peak_year": 2025,
        "red": None,
        "amber": None,
        "result_sha256": hashlib.sha256(f.out_bytes).hexdigest(),
    }


def test_each_school_projects_from_its_own_last_year():
    hist = pd.concat(
        [grades(("A", 1, [10, 10]), first=2023), grades(("B", 1, [20, 20]), first=2022)]
    )
    f = forecast(hist, years=1)
    assert f.projection[["school_id", "year"]].values.tolist() == [["A", 2025], ["B", 2024]]
    assert f.summary["students_last"] == 30


# ---------------------------------------------------------------- scenarios


BASE = grades(("A", 1, [100, 100]), ("A", 2, [100, 100]), ("B", 1, [40, 40]), first=2023)


def test_housing_adds_its_children_spread_over_the_grades_from_its_year_on():
    housing = pd.DataFrame({"school_id": ["A"], "year": [2026], "students": [60]})
    f = forecast(BASE, years=3, scenario=Scenario(housing=housing))
    p = projected(f)
    assert p[(2025, 1)] == 100 and p[(2025, 2)] == 100
    assert p[(2026, 1)] == 130 and p[(2026, 2)] == 130
    assert p[(2027, 1)] == 130
    one_grade = housing.assign(grade=[1])
    assert (
        projected(forecast(BASE, years=2, scenario=Scenario(housing=one_grade)))[(2026, 1)] == 160
    )


def test_a_merged_school_moves_its_students_into_the_receiving_school_from_its_year():
    mergers = pd.DataFrame({"school_id": ["B"], "into": ["A"], "year": [2026]})
    f = forecast(BASE, years=2, scenario=Scenario(mergers=mergers))
    assert projected(f)[(2025, 1)] == 100
    assert projected(f)[(2026, 1)] == 140
    assert set(projected(f, "B")) == {(2025, 1)}
    assert f.summary["students_peak"] == 240


def test_a_new_school_takes_its_share_of_the_zone_from_its_opening_year():
    openings = pd.DataFrame(
        {"school_id": ["N"], "from_school": ["A"], "year": [2026], "share": [0.25]}
    )
    cap = pd.DataFrame(
        {"school_id": ["A", "B", "N"], "classrooms": [4, 1, 2], "max_class": [40, 45, 45]}
    )
    f = forecast(BASE, capacity=cap, years=2, scenario=Scenario(openings=openings))
    assert projected(f)[(2026, 1)] == 75
    assert projected(f, "N") == {(2026, 1): 25, (2026, 2): 25}
    levels = f.totals.set_index(["school_id", "year"])["level"]
    assert levels[("A", 2025)] == "red" and levels[("A", 2026)] == "amber"  # 200, 150 of 160


def test_scenario_inputs_are_checked():
    with pytest.raises(InputError, match="unknown school 'Z'") as e:
        forecast(
            BASE,
            scenario=Scenario(
                housing=pd.DataFrame({"school_id": ["Z"], "year": [2026], "students": [1]})
            ),
        )
    assert (e.value.row, e.value.column) == (2, "school_id")
    chain = pd.DataFrame({"school_id": ["B", "A"], "into": ["A", "C"], "year": [2026, 2026]})
    chain.loc[1, "into"] = "B"
    with pytest.raises(InputError, match="is itself merged") as e:
        forecast(BASE, scenario=Scenario(mergers=chain))
    assert (e.value.row, e.value.column) == (2, "into")
    into_primary = pd.DataFrame({"school_id": ["A"], "into": ["B"], "year": [2026]})
    with pytest.raises(InputError, match="has no grade 2"):
        forecast(BASE, scenario=Scenario(mergers=into_primary))
    too_much = pd.DataFrame(
        {
            "school_id": ["N", "M"],
            "from_school": ["A", "A"],
            "year": [2026, 2027],
            "share": [0.6, 0.5],
        }
    )
    with pytest.raises(InputError, match="add up to more than 1"):
        forecast(BASE, scenario=Scenario(openings=too_much))
    cap = pd.DataFrame({"school_id": ["A", "B"], "classrooms": [4, 1], "max_class": [45, 45]})
    with pytest.raises(InputError, match="no capacity row for school 'N'"):
        forecast(BASE, capacity=cap, scenario=Scenario(openings=too_much.iloc[:1]))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        ({("A", 2022, 1): 1, ("A", 2024, 1): 1}, 3, "year", "no rows for 2023"),
        ({("A", 2020, 1): 1, ("A", 2024, 1): 1}, 3, "year", "2021–2023"),
        ({("A", 2024, 1): 1, ("A", 2024, 2): 1}, 2, "year", "one year of history"),
        ({("A", 2023, 1): 1, ("A", 2024, 10): 1}, 3, "grade", "must be 1–9"),
        ({("A", 2023, 0): 1, ("A", 2024, 1): 1}, 2, "grade", "must be 1–9"),
        ({("A", 2023, 1): -1, ("A", 2024, 1): 1}, 2, "students", "must be ≥ 0"),
    ],
)
def test_bad_enrolment_names_the_row_and_column(rows, row, column, reason):
    with pytest.raises(InputError, match=reason) as e:
        forecast(enrol(rows))
    assert (e.value.file, e.value.row, e.value.column) == ("enrolment", row, column)


def test_duplicates_and_unknown_schools_are_input_errors():
    dup = pd.concat([BASE, BASE.iloc[[2]]])
    with pytest.raises(InputError, match="duplicate") as e:
        forecast(dup)
    assert (e.value.row, e.value.column) == (len(dup) + 1, "grade")
    with pytest.raises(InputError, match="unknown school 'Z'") as e:
        forecast(BASE, births({("A", 2017): 5, ("Z", 2017): 5}))
    assert (e.value.file, e.value.row, e.value.column) == ("births", 3, "school_id")
    cap = pd.DataFrame({"school_id": ["A", "B", "Q"], "classrooms": 1, "max_class": 45})
    with pytest.raises(InputError, match="unknown school 'Q'") as e:
        forecast(BASE, capacity=cap)
    assert (e.value.file, e.value.row) == ("capacity", 4)
    with pytest.raises(InputError, match="no capacity row for school 'B'"):
        forecast(BASE, capacity=cap.iloc[:1])
    with pytest.raises(InputError, match="duplicate"):
        forecast(BASE, births({("A", 2017): 5}).pipe(lambda b: pd.concat([b, b])))


# ---------------------------------------------------------------- the command


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    return {
        "enrolment": _write(
            tmp_path / "enrolment.csv",
            "school_id,year,grade,students\n"
            "A,2023,1,100\nA,2023,2,90\nA,2024,1,110\nA,2024,2,99\n"
            "J,2023,7,50\nJ,2024,7,52\n",
        ),
        "births": _write(
            tmp_path / "births.csv", "school_id,year,births\nA,2017,100\nA,2018,110\nA,2019,120\n"
        ),
        "capacity": _write(
            tmp_path / "capacity.csv", "school_id,classrooms,max_class\nA,4,50\nJ,2,50\n"
        ),
    }


def _run(capsys, *argv) -> tuple[int, dict | None, str]:
    code = cli.main(["forecast", *argv])
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    return code, (json.loads(lines[-1]) if code == 0 else None), err


def test_the_command_writes_the_projection_the_warnings_and_the_summary(files, tmp_path, capsys):
    out, warn = tmp_path / "out.csv", tmp_path / "warn.csv"
    code, summary, _ = _run(
        capsys,
        "--enrolment", files["enrolment"], "--births", files["births"],
        "--capacity", files["capacity"], "--years", "2",
        "--out", str(out), "--warnings", str(warn),
    )  # fmt: skip
    assert code == 0
    # e = 1.0 (100/100, 110/110); r2 = 99/100. 2025: 120, 110 x .99 = 108.9; 2026: no births
    # for 2020 -> mean(100, 110) = 105, 120 x .99 = 118.8.
    assert out.read_text() == (
        "school_id,year,grade,students\n"
        "A,2025,1,120\nA,2025,2,109\nA,2026,1,105\nA,2026,2,119\n"
        "J,2025,7,51\nJ,2026,7,51\n"
    )
    assert warn.read_text() == (
        "school_id,year,students,capacity,utilisation,level\n"
        "A,2025,229,200,1.1450,red\nA,2026,224,200,1.1200,red\n"
        "J,2025,51,100,0.5100,green\nJ,2026,51,100,0.5100,green\n"
    )
    assert summary == {
        "schools": 2,
        "years": 2,
        "students_last": 261,
        "students_peak": 280,
        "peak_year": 2025,
        "red": 2,
        "amber": 0,
        "result_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }


def test_the_command_reads_xlsx_and_gives_the_same_bytes(files, tmp_path, capsys):
    xlsx = tmp_path / "enrolment.xlsx"
    pd.read_csv(files["enrolment"]).to_excel(xlsx, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert _run(capsys, "--enrolment", files["enrolment"], "--out", str(a))[0] == 0
    assert _run(capsys, "--enrolment", str(xlsx), "--out", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("enrolment", "school_id,year,grade\nA,2023,1\n", "row 1, column 'students': missing column"),
        ("enrolment", "school_id,year,grade,students\nA,2023,1,x\n", "row 2, column 'students'"),
        ("enrolment", "school_id,year,grade,students\nA,2023,1,1\nA,2025,1,1\n", "row 3, column 'year'"),
        ("enrolment", "school_id,year,grade,students\nA,2023,1,1\nA,2024,12,1\n", "row 3, column 'grade'"),
        ("births", "school_id,year,births\nA,2017,5\nQ,2017,5\n", "row 3, column 'school_id': unknown school 'Q'"),
        ("births", "school_id,year,births\nA,2017,-5\n", "row 2, column 'births'"),
        ("capacity", "school_id,classrooms,max_class\nA,0,45\nJ,1,45\n", "row 2, column 'classrooms'"),
        ("capacity", "school_id,classrooms,max_class\nA,1,45\nA,1,45\nJ,1,45\n", "row 3, column 'school_id': duplicate"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_file_row_column_and_writes_nothing(
    files, tmp_path, capsys, name, text, expect
):
    _write(Path(files[name]), text)
    out, warn = tmp_path / "out.csv", tmp_path / "warn.csv"
    warn.write_text("untouched")
    code, _, err = _run(
        capsys,
        "--enrolment", files["enrolment"], "--births", files["births"],
        "--capacity", files["capacity"], "--out", str(out), "--warnings", str(warn),
    )  # fmt: skip
    assert code == 2
    assert f"{name}.csv" in err and expect in err
    assert not out.exists()
    assert warn.read_text() == "untouched"
    assert not list(tmp_path.glob(".*"))


def test_warnings_without_capacity_is_an_input_error(files, tmp_path, capsys):
    code, _, err = _run(
        capsys, "--enrolment", files["enrolment"], "--out", str(tmp_path / "o.csv"),
        "--warnings", str(tmp_path / "w.csv"),
    )  # fmt: skip
    assert code == 2 and "--warnings" in err and "needs --capacity" in err


def test_the_scenario_files_on_the_command_line(files, tmp_path, capsys):
    housing = _write(tmp_path / "housing.csv", "school_id,year,students,grade\nA,2026,20,\n")
    mergers = _write(tmp_path / "mergers.csv", "school_id,into,year\nJ,A,2026\n")
    out = tmp_path / "out.csv"
    code, _, err = _run(
        capsys, "--enrolment", files["enrolment"], "--housing", housing,
        "--mergers", mergers, "--years", "2", "--out", str(out),
    )  # fmt: skip
    assert code == 2 and "mergers.csv, row 2, column 'into'" in err and "no grade 7" in err
    _write(Path(mergers), "school_id,into,year\n")
    assert _run(
        capsys, "--enrolment", files["enrolment"], "--housing", housing,
        "--mergers", mergers, "--years", "2", "--out", str(out),
    )[0] == 0  # fmt: skip
    assert "A,2026,1,115\n" in out.read_text()  # mean(100, 110) + 20 / 2


# ---------------------------------------------------------------- invariants


@st.composite
def histories(draw):
    n_schools = draw(st.integers(1, 4))
    rows = {}
    for s in range(n_schools):
        low = draw(st.sampled_from([1, 7]))
        top = draw(st.integers(low, 9 if low == 7 else 6))
        n_years = draw(st.integers(2, 5))
        for y in range(2020, 2020 + n_years):
            for g in range(low, top + 1):
                rows[(f"S{s}", y, g)] = draw(st.integers(0, 300))
    return enrol(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(1, 8), st.integers(1, 4), st.randoms(use_true_random=False))
def test_invariants(hist, years, h, rnd):
    f = forecast(hist, years=years, history=h)
    p = f.projection
    # One row per school, projected year and school grade; never negative.
    n_grades = hist.groupby("school_id")["grade"].nunique()
    assert len(p) == int(n_grades.sum()) * years
    assert (p["students"] >= 0).all()
    # Row order in the file does not matter.
    shuffled = hist.sample(frac=1.0, random_state=rnd.randint(0, 1000)).reset_index(drop=True)
    assert forecast(shuffled, years=years, history=h).out_bytes == f.out_bytes
    # Twice the children everywhere: twice the (unrounded) projection.
    double = forecast(hist.assign(students=hist["students"] * 2), years=years, history=h)
    np.testing.assert_allclose(double.projection["value"], 2 * p["value"], rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 400), st.integers(2, 6), st.integers(1, 8))
def test_a_steady_school_stays_steady(n, n_years, years):
    # Every grade n students every year: all ratios 1, the entry mean n.
    hist = enrol({("A", y, g): n for y in range(2020, 2020 + n_years) for g in range(1, 7)})
    assert set(forecast(hist, years=years).projection["students"]) == {n}


@settings(max_examples=40, deadline=None)
@given(histories(), st.integers(2022, 2030), st.floats(0.05, 1.0), st.integers(0, 500))
def test_scenarios_conserve_or_add_exactly_what_they_say(hist, year, share, children):
    base = forecast(hist, years=6)
    totals = base.projection.groupby("year")["value"].sum()
    schools = sorted(hist["school_id"].unique())
    src = schools[0]
    openings = pd.DataFrame(
        {"school_id": ["NEW"], "from_school": [src], "year": [year], "share": [share]}
    )
    split = forecast(hist, years=6, scenario=Scenario(openings=openings))
    np.testing.assert_allclose(split.projection.groupby("year")["value"].sum(), totals, rtol=1e-9)
    housing = pd.DataFrame({"school_id": [src], "year": [year], "students": [children]})
    grown = forecast(hist, years=6, scenario=Scenario(housing=housing)).projection
    extra = grown.groupby("year")["value"].sum() - totals
    src_years = set(base.projection.loc[base.projection.school_id == src, "year"])
    for y, d in extra.items():
        assert d == pytest.approx(children if (y >= year and y in src_years) else 0.0, abs=1e-6)
    if len(schools) > 1:
        same = hist.groupby("school_id")["grade"].apply(frozenset)
        for other in schools[1:]:
            if same[other] <= same[src]:
                mergers = pd.DataFrame({"school_id": [other], "into": [src], "year": [year]})
                last = hist.groupby("school_id")["year"].max()
                if last[other] != last[src]:
                    continue  # calendars differ: some years have no receiving row
                merged = forecast(hist, years=6, scenario=Scenario(mergers=mergers))
                np.testing.assert_allclose(
                    merged.projection.groupby("year")["value"].sum(), totals, rtol=1e-9
                )
