"""The growth-portrait engine: scoring rules, explanations, progress, suppression, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.engines.io import InputError
from junheng.engines.portraits import (
    DIMENSIONS,
    default_library,
    library_from_frame,
    parse_bands,
    score,
    versions_from_frame,
)

LIB = pd.DataFrame(
    {
        "indicator": ["obs", "award", "maths", "run", "labour", "art"],
        "dimension": ["moral", "moral", "academic", "health", "labour", "arts"],
        "weight": ["3", "1", "1", "1", "1", "1"],
        "method": ["linear", "bands", "percentile", "bands", "bands", "linear"],
        "aggregate": ["mean", "count", "mean", "mean", "sum", "max"],
        "missing": ["skip", "zero", "skip", "skip", "zero", "skip"],
        "bands": ["", "0:70|1:85|2:100", "", "0:100|9:80|11:60", "0:40|8:60|16:80", ""],
        "low": ["1", "", "", "", "", "0"],
        "high": ["5", "", "", "", "", "10"],
    }
)


def students(n: int, school: str = "A", grade: int = 3, term: str = "2026-1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": [f"{school}{i:03d}" for i in range(n)],
            "term": [term] * n,
            "school_id": [school] * n,
            "grade": [str(grade)] * n,
            "class": ["1"] * n,
            "urban_rural": ["rural"] * n,
        }
    )


def recs(rows: list[tuple[str, str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["student_id", "term", "indicator", "value"]).astype(str)


def run(records: pd.DataFrame, kids: pd.DataFrame, lib: pd.DataFrame = LIB, **kw: object):
    return score(records, kids, library_from_frame(lib), **kw)  # type: ignore[arg-type]


def scores_of(p) -> dict[tuple[str, str, str], float]:
    df = p.frame("scores")
    return {(r.student_id, r.term, r.dimension): r.score for r in df.itertuples(index=False)}


def test_a_dimension_is_the_weighted_mean_of_its_indicator_scores_and_explains_itself():
    kids = students(2)
    r = recs(
        [
            ("A000", "2026-1", "obs", 5),  # mean 4 -> 75
            ("A000", "2026-1", "obs", 3),
            ("A000", "2026-1", "award", 1),  # count 2 -> 100
            ("A000", "2026-1", "award", 1),
            ("A001", "2026-1", "obs", 1),  # 0; no award -> count 0 -> 70
        ]
    )
    p = run(r, kids)
    got = scores_of(p)
    assert got[("A000", "2026-1", "moral")] == pytest.approx((3 * 75 + 1 * 100) / 4)
    assert got[("A001", "2026-1", "moral")] == pytest.approx((3 * 0 + 1 * 70) / 4)
    ind = p.frame("indicator_scores")
    a0 = ind[(ind.student_id == "A000") & (ind.dimension == "moral")]
    assert a0[["indicator", "value", "records", "score", "weight"]].values.tolist() == [
        ["award", 2.0, 2, 100.0, 1.0],
        ["obs", 4.0, 2, 75.0, 3.0],
    ]
    explained = (a0.score * a0.weight).sum() / a0.weight.sum()
    assert got[("A000", "2026-1", "moral")] == pytest.approx(explained, abs=0.005)


def test_a_missing_skip_indicator_leaves_the_dimension_and_coverage_says_so():
    kids = students(1)
    p = run(recs([("A000", "2026-1", "award", 1)]), kids)
    df = p.frame("scores").set_index("dimension")
    assert df.loc["moral", "score"] == 85.0  # obs absent: award alone
    assert df.loc["moral", "coverage"] == 0.25  # 1 of the 4 weight units
    assert "academic" not in df.index  # no record, no figure (not 0)
    assert df.loc["labour", "score"] == 40.0  # missing = zero: scored as 0 hours


def test_an_award_never_lowers_a_dimension_score_with_missing_zero():
    kids = students(1)
    base = scores_of(run(recs([("A000", "2026-1", "obs", 5)]), kids))
    more = scores_of(
        run(recs([("A000", "2026-1", "obs", 5), ("A000", "2026-1", "award", 1)]), kids)
    )
    assert more[("A000", "2026-1", "moral")] >= base[("A000", "2026-1", "moral")]


def test_bands_give_the_score_of_the_highest_threshold_reached_lower_run_times_score_higher():
    kids = students(4)
    r = recs([(f"A00{i}", "2026-1", "run", v) for i, v in enumerate([8.2, 9.0, 10.9, 11.0])])
    got = scores_of(run(r, kids))
    assert [got[(f"A00{i}", "2026-1", "health")] for i in range(4)] == [100, 80, 80, 60]
    assert parse_bands("0:1|2:3") == ((0, 1), (2, 3))
    with pytest.raises(ValueError, match="ascend"):
        parse_bands("5:1|2:3")


def test_percentile_is_within_term_and_grade_with_ties_sharing_the_mid_rank():
    kids = pd.concat([students(4, "A", 3), students(2, "B", 4)], ignore_index=True)
    r = recs(
        [("A000", "2026-1", "maths", 50), ("A001", "2026-1", "maths", 60)]
        + [("A002", "2026-1", "maths", 60), ("A003", "2026-1", "maths", 90)]
        + [("B000", "2026-1", "maths", 10), ("B001", "2026-1", "maths", 20)]
    )
    got = scores_of(run(r, kids))
    # grade 3: (below + half the equal) / n
    assert got[("A000", "2026-1", "academic")] == 12.5
    assert got[("A001", "2026-1", "academic")] == 50.0
    assert got[("A002", "2026-1", "academic")] == 50.0
    assert got[("A003", "2026-1", "academic")] == 87.5
    # grade 4 is its own group
    assert got[("B001", "2026-1", "academic")] == 75.0


def test_progress_is_against_the_same_childs_earlier_terms_never_others():
    kids = pd.concat(
        [students(2, term="2025-1"), students(2, term="2025-2"), students(2, term="2026-1")],
        ignore_index=True,
    )
    r = recs(
        [("A000", "2025-1", "art", 2), ("A000", "2025-2", "art", 4), ("A000", "2026-1", "art", 9)]
        + [("A001", "2026-1", "art", 1)]
    )
    df = run(r, kids).frame("scores")
    a0 = df[(df.student_id == "A000") & (df.dimension == "arts")]
    assert a0.score.tolist() == [20.0, 40.0, 90.0]
    assert a0.previous_terms.tolist() == [0, 1, 2]
    assert a0.progress.isna().tolist() == [True, False, False]
    assert a0.progress.tolist()[1:] == [20.0, 60.0]  # 90 - mean(20, 40)
    a1 = df[(df.student_id == "A001") & (df.dimension == "arts")]
    assert a1.progress.isna().all()  # first term of its own: no progress, whatever others did


def test_cohort_cells_under_the_group_size_show_a_count_but_no_figure():
    kids = pd.concat([students(12, "A"), students(9, "B"), students(10, "C")], ignore_index=True)
    r = recs([(s, "2026-1", "obs", 4) for s in kids.student_id])
    co = run(r, kids).frame("cohorts")
    moral = co[co.dimension == "moral"]
    a = moral[(moral.level == "school") & (moral.school_id == "A")].iloc[0]
    b = moral[(moral.level == "school") & (moral.school_id == "B")].iloc[0]
    c = moral[(moral.level == "school") & (moral.school_id == "C")].iloc[0]
    assert a.students == 12 and a["mean"] == 73.75  # (3 × 75 + 70 for no award) / 4
    assert b.students == 9 and pd.isna(b["mean"]) and pd.isna(b["median"])
    # the region less A's figure would give B's 9 away: C, the next smallest, shows none either
    assert c.students == 10 and pd.isna(c["mean"])
    region = moral[moral.level == "region"].iloc[0]
    assert region.students == 31 and region["mean"] == 73.75
    assert set(co.level) == {"region", "urban_rural", "school", "grade", "class"}


def test_library_versions_by_term():
    lib = pd.concat([LIB.assign(version="2025"), LIB.assign(version="2026")], ignore_index=True)
    lib.loc[lib.version == "2026", "high"] = lib.loc[lib.version == "2026", "high"].replace(
        {"10": "5"}
    )
    library = library_from_frame(lib)
    kids = pd.concat([students(1, term="2025-2"), students(1, term="2026-1")], ignore_index=True)
    r = recs([("A000", "2025-2", "art", 5), ("A000", "2026-1", "art", 5)])
    with pytest.raises(InputError, match="versions"):
        score(r, kids, library)
    versions = versions_from_frame(
        pd.DataFrame({"term": ["2025-2", "2026-1"], "version": ["2025", "2026"]}), library
    )
    df = score(r, kids, library, versions).frame("scores")
    arts = df[df.dimension == "arts"]
    assert arts.score.tolist() == [50.0, 100.0]
    assert arts.version.tolist() == ["2025", "2026"]


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        ([("A000", "2026-1", "obs", "x")], 2, "value", "expected a number"),
        ([("A000", "2026-1", "obs", "")], 2, "value", "empty"),
        ([("A000", "2026-1", "obs", 3), ("Z9", "2026-1", "obs", 3)], 3, "student_id", "unknown"),
        ([("A000", "2026-1", "obs", 3), ("A000", "2026-1", "nope", 3)], 3, "indicator", "nope"),
        ([("A000", "2027-1", "obs", 3)], 2, "student_id", "2027-1"),
    ],
)
def test_bad_records_name_the_row_and_column(rows, row, column, reason):
    with pytest.raises(InputError, match=reason) as err:
        run(recs(rows), students(2))
    assert (err.value.row, err.value.column) == (row, column)
    assert reason in str(err.value)


def test_bad_students_and_library_name_the_row_and_column():
    kids = students(2)
    kids.loc[1, "grade"] = "13"
    with pytest.raises(InputError, match="expected an integer from 1 to 12, got '13'") as err:
        run(recs([("A000", "2026-1", "obs", 3)]), kids)
    assert (err.value.row, err.value.column) == (3, "grade")
    dup = pd.concat([students(2), students(1)], ignore_index=True)
    with pytest.raises(InputError, match=r"duplicate \(student_id='A000', term='2026-1'\)") as err:
        run(recs([("A000", "2026-1", "obs", 3)]), dup)
    assert (err.value.row, err.value.column) == (4, "term")
    for col, value, says in [
        ("dimension", "sport", "unknown value 'sport'"),
        ("bands", "1:50|0:60", "thresholds must ascend"),
        ("weight", "0", "must be > 0"),
    ]:
        lib = LIB.copy()
        row = 3 if col != "bands" else 5
        lib.loc[row - 2, col] = value
        with pytest.raises(InputError, match=says) as err:
            library_from_frame(lib)
        assert (err.value.row, err.value.column) == (row, col)


def test_the_default_library_covers_the_five_national_dimensions():
    library = library_from_frame(default_library())
    assert {i.dimension for i in library} == set(DIMENSIONS)
    assert len({i.version for i in library}) == 1


# ---------------------------------------------------------------- properties

values = st.decimals(min_value=-50, max_value=500, places=2, allow_nan=False, allow_infinity=False)
record_rows = st.lists(
    st.tuples(st.integers(0, 24), st.sampled_from(["2025-2", "2026-1"]),
              st.sampled_from(list(LIB.indicator)), values),
    min_size=1, max_size=80,
)  # fmt: skip


def _frames(rows):
    kids = pd.concat([students(25, term="2025-2"), students(25, term="2026-1")], ignore_index=True)
    kids["class"] = [str(i % 3) for i in range(len(kids))]
    r = recs([(f"A{i:03d}", t, ind, v) for i, t, ind, v in rows])
    return r, kids


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_rows)
def test_scores_in_range_same_input_same_output_and_no_figure_below_ten(rows):
    r, kids = _frames(rows)
    a = run(r, kids, min_group=10)
    df = a.frame("scores")
    assert df.score.between(0, 100).all()
    assert df.coverage.between(0, 1).all()
    ind = a.frame("indicator_scores")
    assert ind.score.between(0, 100).all()
    co = a.frame("cohorts")
    small = co[co.students < 10]
    assert small[["mean", "p25", "median", "p75"]].isna().all().all()
    big = co[co.students >= 10]
    assert big["mean"].notna().all()
    # same input (even shuffled, on one thread): same output
    b = run(r.sample(frac=1.0, random_state=1), kids.sample(frac=1.0, random_state=2), threads=1)
    pd.testing.assert_frame_equal(df, b.frame("scores"))
    pd.testing.assert_frame_equal(co, b.frame("cohorts"))


# ---------------------------------------------------------------- the command


def _write(tmp: Path, name: str, df: pd.DataFrame) -> str:
    path = tmp / name
    df.to_csv(path, index=False)
    return str(path)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "junheng.cli", "portraits", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_command_writes_scores_and_cohorts_and_the_same_bytes_twice(tmp_path: Path):
    kids = students(12)
    r = recs([(s, "2026-1", "obs", 1 + i % 5) for i, s in enumerate(kids.student_id)])
    common = [
        "--records", _write(tmp_path, "r.csv", r),
        "--students", _write(tmp_path, "s.csv", kids),
        "--indicators", _write(tmp_path, "lib.csv", LIB),
        "--cohorts", str(tmp_path / "cohorts.csv"),
    ]  # fmt: skip
    one = _cli(*common, "--out", str(tmp_path / "a.csv"))
    two = _cli(*common, "--out", str(tmp_path / "b.csv"), "--threads", "1")
    assert one.returncode == 0, one.stderr
    s1 = json.loads(one.stdout.splitlines()[-1])
    s2 = json.loads(two.stdout.splitlines()[-1])
    assert s1["result_sha256"] == s2["result_sha256"]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert s1["students"] == 12 and s1["records"] == 12
    text = (tmp_path / "a.csv").read_text()
    assert text.startswith(
        "student_id,term,dimension,score,coverage,progress,previous_terms,version\n"
    )


def test_the_command_exits_2_naming_file_row_and_column_and_writes_nothing(tmp_path: Path):
    kids = students(2)
    r = recs([("A000", "2026-1", "obs", 3), ("A001", "2026-1", "obs", "three")])
    out = tmp_path / "out.csv"
    proc = _cli(
        "--records", _write(tmp_path, "r.csv", r),
        "--students", _write(tmp_path, "s.csv", kids),
        "--indicators", _write(tmp_path, "lib.csv", LIB),
        "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 2
    assert "r.csv, row 3, column 'value'" in proc.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) and not any(
        p.name.startswith(".out") for p in tmp_path.iterdir()
    )
