"""The portraits engine on awkward inputs, against a plain-Python reading of its contract
(docs/engines.md, "junheng portraits"), and the app's DuckDB output methods (`score_rows`,
`explanations`) against the contract files the command writes."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.engines.io import InputError
from junheng.engines.portraits import DIMENSIONS, Indicator, library_from_frame, score

TERMS = ("2025-2", "2026-1")


def lib_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    cols = ["indicator", "dimension", "weight", "method", "aggregate", "missing", "bands"]
    return pd.DataFrame([{c: r.get(c, "") for c in [*cols, "low", "high"]} for r in rows])


def kids(n: int, term: str = "2026-1", grade: int = 3, school: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": [f"{school}{i:02d}" for i in range(n)],
            "term": [term] * n,
            "school_id": [school] * n,
            "grade": [str(grade)] * n,
            "class": ["1"] * n,
            "urban_rural": ["town"] * n,
        }
    )


def recs(rows: list[tuple[str, str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["student_id", "term", "indicator", "value"]).astype(str)


OBS = {"indicator": "obs", "dimension": "moral", "weight": "1", "method": "linear",
       "low": "1", "high": "5"}  # fmt: skip
HOURS = {"indicator": "hours", "dimension": "labour", "weight": "1", "method": "bands",
         "aggregate": "sum", "missing": "zero", "bands": "0:40|8:60|16:80"}  # fmt: skip
MATHS = {"indicator": "maths", "dimension": "academic", "weight": "1", "method": "percentile"}


def rows_of(p) -> dict[tuple[str, str, str], tuple[float, float, float | None, int]]:
    return {
        (s, t, d): (float(sc), float(cov), None if pr is None else float(pr), int(n))
        for s, t, d, sc, cov, pr, n, _v in p.score_rows()
    }


# ---------------------------------------------------------------- odd shapes, one by one


def test_no_records_at_all_still_scores_the_missing_zero_indicators(tmp_path: Path):
    library = library_from_frame(lib_frame([OBS, HOURS]))
    empty = recs([])
    got = rows_of(score(empty, kids(3), library))
    assert got == {(f"A0{i}", "2026-1", "labour"): (40.0, 1.0, None, 0) for i in range(3)}
    # the same from a CSV file holding only its header
    path = tmp_path / "records.csv"
    path.write_text("student_id,term,indicator,value\n", encoding="utf-8")
    p = score(str(path), kids(3), library)
    assert rows_of(p) == got and p.counts["records"] == 0


def test_a_term_without_records_and_a_child_without_records_have_no_figure_and_no_explanation():
    library = library_from_frame(lib_frame([OBS]))
    students = pd.concat([kids(2, "2025-2", 2), kids(2, "2026-1", 3)], ignore_index=True)
    p = score(recs([("A00", "2026-1", "obs", 3)]), students, library)
    assert rows_of(p) == {("A00", "2026-1", "moral"): (50.0, 1.0, None, 0)}
    assert [(s, t) for s, t, _ in p.explanations()] == [("A00", "2026-1")]
    # the empty earlier term is no "previous term": progress stays empty
    assert p.counts["student_terms"] == 4 and p.counts["scores"] == 1


def test_one_indicator_only_and_dimensions_without_indicators_never_show_a_zero():
    library = library_from_frame(lib_frame([OBS]))
    p = score(recs([(f"A{i:02d}", "2026-1", "obs", 5) for i in range(12)]), kids(12), library)
    assert {d for _s, _t, d, *_ in p.score_rows()} == {"moral"}
    cohorts = p.frame("cohorts")
    assert set(cohorts.dimension) == {"moral"}  # no cohort row for a dimension nobody has
    means = p.dimension_means()
    assert means["moral"] == 100.0
    assert all(means[d] is None for d in DIMENSIONS if d != "moral")


def test_all_students_equal_score_alike_with_percentile_ties_at_the_middle():
    library = library_from_frame(lib_frame([OBS, MATHS, HOURS]))
    rows = [(f"A{i:02d}", "2026-1", ind, 3) for i in range(10) for ind in ("obs", "maths")]
    p = score(recs(rows), kids(10), library)
    got = rows_of(p)
    assert {v for (_s, _t, d), v in got.items() if d == "academic"} == {(50.0, 1.0, None, 0)}
    assert {v[0] for (_s, _t, d), v in got.items() if d == "moral"} == {50.0}
    co = p.frame("cohorts")
    school = co[(co.level == "school") & (co.dimension == "academic")].iloc[0]
    assert tuple(school[["students", "mean", "p25", "median", "p75"]]) == (
        10, 50.0, 50.0, 50.0, 50.0,
    )  # fmt: skip


def test_percentile_with_one_student_in_a_grade_and_ties_across_grades():
    library = library_from_frame(lib_frame([MATHS]))
    students = pd.concat([kids(1, grade=2, school="A"), kids(3, grade=3, school="B")])
    rows = [("A00", "2026-1", "maths", 99)]
    rows += [("B00", "2026-1", "maths", 70), ("B01", "2026-1", "maths", 70)]
    rows += [("B02", "2026-1", "maths", 80)]
    got = rows_of(score(recs(rows), students.reset_index(drop=True), library))
    assert got[("A00", "2026-1", "academic")][0] == 50.0  # alone in its grade: the middle
    assert got[("B00", "2026-1", "academic")][0] == 33.33  # (0 + ½ × 2) / 3
    assert got[("B01", "2026-1", "academic")][0] == 33.33
    assert got[("B02", "2026-1", "academic")][0] == 83.33  # (2 + ½) / 3


@pytest.mark.parametrize(
    ("value", "reason"),
    [(float("nan"), "empty value"), ("", "empty value"), ("  ", "empty value"),
     ("inf", "expected a number"), ("1e20", "expected a number"), ("3,5", "expected a number")],
)  # fmt: skip
def test_nan_blank_and_unreadable_values_name_the_row_and_column(value, reason):
    library = library_from_frame(lib_frame([OBS]))
    frame = pd.DataFrame(
        {"student_id": ["A00", "A01"], "term": ["2026-1"] * 2, "indicator": ["obs"] * 2,
         "value": ["3", value]}
    )  # fmt: skip
    with pytest.raises(InputError, match=reason) as err:
        score(frame, kids(2), library)
    assert (err.value.row, err.value.column) == (3, "value")


def test_a_record_of_an_indicator_not_in_the_library_names_its_row():
    library = library_from_frame(lib_frame([OBS]))
    with pytest.raises(InputError, match="unknown indicator 'sport'") as err:
        score(recs([("A00", "2026-1", "obs", 3), ("A01", "2026-1", "sport", 3)]), kids(2), library)
    assert (err.value.row, err.value.column) == (3, "indicator")


def test_the_summary_mean_counts_students_not_student_terms():
    library = library_from_frame(lib_frame([OBS]))
    students = pd.concat([kids(6, "2025-2", 2), kids(6, "2026-1", 3)], ignore_index=True)
    rows = [(s, t, "obs", 5) for s, t in zip(students.student_id, students.term, strict=True)]
    p = score(recs(rows), students, library)
    assert p.counts["scores"] == 12
    assert p.dimension_means()["moral"] is None  # 6 children, whatever the number of terms


# ---------------------------------------------------------------- a plain-Python reference


def reference(records: pd.DataFrame, students: pd.DataFrame, library: tuple[Indicator, ...]):
    """The contract's rules, row by row: (indicator scores, dimension scores)."""
    grade = {(r.student_id, r.term): int(r.grade) for r in students.itertuples()}
    got: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for r in records.itertuples():
        got[(r.student_id, r.term, r.indicator)].append(Decimal(str(r.value)))
    values: dict[tuple[str, str, str], tuple[Decimal, int]] = {}
    for s, t in grade:
        for i in library:
            vs = got.get((s, t, i.indicator), [])
            if not vs and i.missing == "skip":
                continue
            agg = {
                "sum": lambda v: sum(v, Decimal(0)),
                "count": lambda v: Decimal(len(v)),
                "max": lambda v: max(v, default=Decimal(0)),
                "min": lambda v: min(v, default=Decimal(0)),
                "mean": lambda v: sum(v, Decimal(0)) / len(v) if v else Decimal(0),
            }[i.aggregate](vs)
            values[(s, t, i.indicator)] = (agg.quantize(Decimal("0.0001")), len(vs))
    by_ind = {i.indicator: i for i in library}
    iscore: dict[tuple[str, str, str], float] = {}
    for (s, t, ind), (v, _n) in values.items():
        i = by_ind[ind]
        if i.method == "linear":
            assert i.low is not None and i.high is not None
            x = (float(v) - float(i.low)) / (float(i.high) - float(i.low))
            iscore[(s, t, ind)] = round(100 * max(0.0, min(1.0, x)), 2)
        elif i.method == "bands":
            reached = [float(sc) for th, sc in i.bands if v >= th]
            iscore[(s, t, ind)] = reached[-1] if reached else 0.0
        else:
            peers = [
                pv for (ps, pt, pi), (pv, _) in values.items()
                if pi == ind and pt == t and grade[(ps, pt)] == grade[(s, t)]
            ]  # fmt: skip
            below = sum(1 for pv in peers if pv < v)
            equal = sum(1 for pv in peers if pv == v)
            iscore[(s, t, ind)] = round(100 * (below + 0.5 * equal) / len(peers), 2)
    dims: dict[tuple[str, str, str], float] = {}
    for dim in DIMENSIONS:
        for s, t in grade:
            parts = [
                (float(i.weight), iscore[(s, t, i.indicator)])
                for i in library
                if i.dimension == dim and (s, t, i.indicator) in iscore
            ]
            if parts:
                dims[(s, t, dim)] = sum(w * x for w, x in parts) / sum(w for w, _ in parts)
    return iscore, dims


indicator_rows = st.lists(
    st.fixed_dictionaries(
        {
            "dimension": st.sampled_from(DIMENSIONS),
            "weight": st.sampled_from(["1", "2.5", "0.125"]),
            "method": st.sampled_from(["linear", "bands", "percentile"]),
            "aggregate": st.sampled_from(["mean", "sum", "max", "min", "count"]),
            "missing": st.sampled_from(["skip", "zero"]),
        }
    ),
    min_size=1,
    max_size=4,
)
shape = st.tuples(
    indicator_rows,
    st.integers(1, 12),  # students
    st.lists(
        st.tuples(
            st.integers(0, 11),
            st.sampled_from(TERMS),
            st.integers(0, 3),
            st.sampled_from(["0", "1", "2.5", "2.5", "4", "-3", "7.1234"]),
        ),
        max_size=40,
    ),  # fmt: skip
    st.booleans(),  # two grades or one
)


def build(case):
    ind_rows, n, raw, two_grades = case
    lib_rows = []
    for k, r in enumerate(ind_rows):
        row = {"indicator": f"{r['dimension']}.i{k}", **r}
        if r["method"] == "linear":
            row |= {"low": "5", "high": "0"} if k % 2 else {"low": "0", "high": "4"}
        elif r["method"] == "bands":
            row["bands"] = "-1:20|0:50|2.5:75|4:100"
        lib_rows.append(row)
    library = library_from_frame(lib_frame(lib_rows))
    students = pd.concat([kids(n, t) for t in TERMS], ignore_index=True)
    if two_grades:
        students["grade"] = [str(2 + i % 2) for i in range(len(students))]
    names = [i.indicator for i in library]
    rows = [(f"A{s % n:02d}", t, names[k % len(names)], v) for s, t, k, v in raw]
    return recs(rows), students, library


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape)
def test_the_engine_agrees_with_the_contract_read_row_by_row(case):
    records, students, library = build(case)
    p = score(records, students, library)
    want_ind, want_dim = reference(records, students, library)
    ind = p.frame("indicator_scores")
    got_ind = {(r.student_id, r.term, r.indicator): r.score for r in ind.itertuples()}
    assert got_ind.keys() == want_ind.keys()
    for key, want in want_ind.items():
        assert got_ind[key] == pytest.approx(want, abs=0.0101), key
    got = rows_of(p)
    assert got.keys() == want_dim.keys()
    for key, want in want_dim.items():
        assert got[key][0] == pytest.approx(want, abs=0.0101), key
        assert 0 <= got[key][0] <= 100 and 0 < got[key][1] <= 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=shape)
def test_the_apps_duckdb_rows_equal_the_contract_files_and_repeat_exactly(tmp_path_factory, case):
    records, students, library = build(case)
    p = score(records, students, library)
    out = tmp_path_factory.mktemp("out")
    p.write_all({"scores": out / "s.csv", "indicator_scores": out / "i.csv"})

    def read(name: str) -> list[dict[str, str]]:
        with (out / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    # score_rows: the --out file's rows, in its order, the decimals as the file writes them
    file_rows = [
        (r["student_id"], r["term"], r["dimension"], r["score"], r["coverage"],
         r["progress"] or None, int(r["previous_terms"]), r["version"])
        for r in read("s.csv")
    ]  # fmt: skip
    assert p.score_rows() == file_rows
    # explanations: the --indicator-scores file grouped by student and term, in its order
    grouped: dict[tuple[str, str], list[list[object]]] = {}
    for r in read("i.csv"):
        grouped.setdefault((r["student_id"], r["term"]), []).append(
            [r["indicator"], r["dimension"], float(r["value"]), int(r["records"]),
             float(r["score"]), float(r["weight"])]
        )  # fmt: skip
    explained = [((s, t), json.loads(j)) for s, t, j in p.explanations()]
    assert explained == list(grouped.items())
    # same input, shuffled, on one thread: the same rows
    again = score(
        records.sample(frac=1.0, random_state=3), students.sample(frac=1.0, random_state=4),
        library, threads=1,
    )  # fmt: skip
    assert again.score_rows() == p.score_rows()
    assert again.explanations() == p.explanations()
