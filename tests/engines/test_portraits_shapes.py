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
    cols += ["low", "high", "grades", "sex"]
    return pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows])


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
    sex = {(r.student_id, r.term): r.sex for r in students.itertuples()}

    def rule(s: str, t: str, name: str) -> Indicator | None:
        found = [
            i for i in library if i.indicator == name and i.applies(grade[(s, t)], sex[(s, t)])
        ]
        assert len(found) <= 1
        return found[0] if found else None

    got: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for r in records.itertuples():
        got[(r.student_id, r.term, r.indicator)].append(Decimal(str(r.value)))
    values: dict[tuple[str, str, str], tuple[Decimal, int]] = {}
    names = list(dict.fromkeys(i.indicator for i in library))
    for s, t in grade:
        for name in names:
            i = rule(s, t, name)  # type: ignore[assignment]
            if i is None:
                continue
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
    iscore: dict[tuple[str, str, str], float] = {}
    for (s, t, ind), (v, _n) in values.items():
        i = rule(s, t, ind)  # type: ignore[assignment]
        assert i is not None
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
                and rule(ps, pt, pi) == i
            ]  # fmt: skip
            below = sum(1 for pv in peers if pv < v)
            equal = sum(1 for pv in peers if pv == v)
            iscore[(s, t, ind)] = round(100 * (below + 0.5 * equal) / len(peers), 2)
    dims: dict[tuple[str, str, str], tuple[float, float]] = {}
    for dim in DIMENSIONS:
        for s, t in grade:
            rules = [r for n in names if (r := rule(s, t, n)) is not None and r.dimension == dim]
            parts = [
                (float(i.weight), iscore[(s, t, i.indicator)])
                for i in rules
                if (s, t, i.indicator) in iscore
            ]
            if parts:
                w = sum(w for w, _ in parts)
                cover = w / sum(float(i.weight) for i in rules)
                dims[(s, t, dim)] = (sum(w * x for w, x in parts) / w, cover)
    return iscore, dims


indicator_rows = st.lists(
    st.fixed_dictionaries(
        {
            "dimension": st.sampled_from(DIMENSIONS),
            "weight": st.sampled_from(["1", "2.5", "0.125"]),
            "method": st.sampled_from(["linear", "bands", "percentile"]),
            "aggregate": st.sampled_from(["mean", "sum", "max", "min", "count"]),
            "missing": st.sampled_from(["skip", "zero"]),
            # one rule for all, one per sex, or grade 2 only and grade 3 only
            "split": st.sampled_from(["", "sex", "grades"]),
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
        split = row.pop("split")
        if r["method"] == "linear":
            row |= {"low": "5", "high": "0"} if k % 2 else {"low": "0", "high": "4"}
        elif r["method"] == "bands":
            row["bands"] = "-1:20|0:50|2.5:75|4:100"
        if split == "sex":
            lib_rows += [row | {"sex": "M"}, row | {"sex": "F", "weight": "3", "high": "9",
                                                   "bands": "0:10|1:90"}]  # fmt: skip
        elif split == "grades":  # a grade-3 child has no rule: the indicator is not its
            lib_rows.append(row | {"grades": "2", "bands": "0:30|2:60|3:90", "low": "-2"})
        else:
            lib_rows.append(row)
    library = library_from_frame(lib_frame(lib_rows))
    students = pd.concat([kids(n, t) for t in TERMS], ignore_index=True)
    students["sex"] = ["F" if i % 3 else "M" for i in range(len(students))]
    if two_grades:
        students["grade"] = [str(2 + i % 2) for i in range(len(students))]
    else:
        students["grade"] = "2"
    grade = dict(zip(students.student_id + students.term, students.grade.astype(int), strict=True))
    names = list(dict.fromkeys(i.indicator for i in library))
    sex = dict(zip(students.student_id + students.term, students.sex, strict=True))
    rows = [
        (f"A{s % n:02d}", t, names[k % len(names)], v)
        for s, t, k, v in raw
        if any(
            i.indicator == names[k % len(names)]
            and i.applies(grade[f"A{s % n:02d}{t}"], sex[f"A{s % n:02d}{t}"])
            for i in library
        )
    ]  # a record only where the indicator has a rule for the child (else: an error, below)
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
    for key, (want, cover) in want_dim.items():
        assert got[key][0] == pytest.approx(want, abs=0.0101), key
        assert got[key][1] == pytest.approx(cover, abs=0.0006), key
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
             float(r["score"]), float(r["weight"]), r["grades"], r["sex"],
             float(r["band"]) if r["band"] else None]
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


# ---------------------------------------------------------------- bands by grade and sex

RUN = {"indicator": "run", "dimension": "health", "method": "bands", "weight": "2"}
FITNESS = [
    RUN | {"grades": "1-2", "sex": "M", "bands": "0:100|10:80|12:60"},
    RUN | {"grades": "1-2", "sex": "F", "bands": "0:100|11:80|13:60"},
    RUN | {"grades": "3-4", "bands": "0:100|9:80|11:60", "weight": "1"},
    {"indicator": "reach", "dimension": "health", "method": "linear", "weight": "1",
     "low": "0", "high": "20", "grades": "3-6"},
]  # fmt: skip


def _fit_kids() -> pd.DataFrame:
    k = pd.concat([kids(2, grade=1, school="A"), kids(2, grade=3, school="B")])
    k["sex"] = ["M", "F", "M", "F"]
    return k.reset_index(drop=True)


def test_the_band_table_of_the_childs_grade_and_sex_scores_it_and_the_explanation_says_which():
    library = library_from_frame(lib_frame(FITNESS))
    rows = [(s, "2026-1", "run", "11.5") for s in ("A00", "A01", "B00", "B01")]
    rows.append(("B00", "2026-1", "reach", "10"))
    p = score(recs(rows), _fit_kids(), library)
    got = rows_of(p)
    # the same 11.5 s: a grade-1 boy 80 (≥10), a grade-1 girl 80 (≥11), grade 3 60 (≥11)
    assert got[("A00", "2026-1", "health")][0] == 80.0
    assert got[("A01", "2026-1", "health")][0] == 80.0
    assert got[("B01", "2026-1", "health")][:2] == (60.0, 0.5)  # reach applies, no record
    assert got[("B00", "2026-1", "health")][:2] == (pytest.approx((60 + 50) / 2), 1.0)
    assert got[("A00", "2026-1", "health")][1] == 1.0  # reach is not a grade-1 indicator
    explained = {(s, t): json.loads(j) for s, t, j in p.explanations()}
    assert explained[("A00", "2026-1")] == [["run", "health", 11.5, 1, 80.0, 2.0, "1-2", "M", 10.0]]
    assert explained[("A01", "2026-1")][0][6:] == ["1-2", "F", 11.0]
    assert explained[("B00", "2026-1")] == [
        ["reach", "health", 10.0, 1, 50.0, 1.0, "3-6", "", None],
        ["run", "health", 11.5, 1, 60.0, 1.0, "3-4", "", 11.0],
    ]


def test_a_record_with_no_rule_for_the_childs_grade_and_sex_is_an_error_or_left_out():
    library = library_from_frame(lib_frame(FITNESS))
    rows = [("A00", "2026-1", "run", "9"), ("A00", "2026-1", "reach", "5")]
    with pytest.raises(InputError, match="'reach' has no rule for grade 1, sex M") as err:
        score(recs(rows), _fit_kids(), library)
    assert (err.value.row, err.value.column) == (3, "indicator")
    p = score(recs(rows), _fit_kids(), library, strict=False)
    assert p.left_out == 1 and p.counts["records"] == 2
    assert rows_of(p) == {("A00", "2026-1", "health"): (100.0, 1.0, None, 0)}
    nosex = _fit_kids().assign(sex="")
    with pytest.raises(InputError, match="no rule for grade 1 and a student of no given sex"):
        score(recs(rows[:1]), nosex, library)


@pytest.mark.parametrize(
    ("rows", "column", "reason"),
    [
        ([RUN | {"bands": "0:1"}, RUN | {"bands": "0:2", "sex": "F"}], "grades", "row 2 already"),
        ([RUN | {"bands": "0:1", "grades": "1-3"}, RUN | {"bands": "0:2", "grades": "3-4"}],
         "grades", "duplicate indicator 'run'"),
        ([RUN | {"bands": "0:1", "sex": "M"}, RUN | {"bands": "0:2", "sex": "F",
                                                    "dimension": "arts"}],
         "dimension", "same"),
        ([RUN | {"bands": "0:1", "grades": "4-2"}], "grades", "not a grade"),
        ([RUN | {"bands": "0:1", "grades": "13"}], "grades", "not a grade"),
        ([RUN | {"bands": "0:1", "sex": "X"}], "sex", "unknown value 'X'"),
    ],
)  # fmt: skip
def test_overlapping_or_inconsistent_rows_of_an_indicator_name_the_row(rows, column, reason):
    with pytest.raises(InputError, match=reason) as err:
        library_from_frame(lib_frame(rows))
    assert (err.value.row, err.value.column) == (len(rows) + 1, column)


# ---------------------------------------------------------------- the cohort file's protection


def _classes(sizes: list[tuple[str, int, str, int]]) -> pd.DataFrame:
    frames = []
    for school, grade, klass, n in sizes:
        k = kids(n, grade=grade, school=school)
        k["student_id"] = [f"{school}{grade}{klass}-{i}" for i in range(n)]
        k["class"] = klass
        k["urban_rural"] = "urban" if school == "A" else "rural"
        frames.append(k)
    return pd.concat(frames, ignore_index=True)


def test_the_cohort_file_hides_a_class_that_would_give_a_small_sibling_away():
    library = library_from_frame(lib_frame([OBS]))
    students = _classes([("A", 3, "1", 12), ("A", 3, "2", 6), ("B", 4, "1", 15)])
    rows = [(s, "2026-1", "obs", 1 + i % 5) for i, s in enumerate(students.student_id)]
    p = score(recs(rows), students, library)
    co = p.frame("cohorts")
    cls = co[co.level == "class"].set_index(["school_id", "class", "grade"])
    assert pd.isna(cls.loc[("A", "2", "3"), "mean"])  # 6 children: no figure
    assert pd.isna(cls.loc[("A", "1", "3"), "mean"])  # 12, but grade 3 (18) less it gives 6
    assert cls.loc[("B", "1", "4"), "mean"] == 50.0
    assert co[co.level == "grade"]["mean"].notna().all()
    assert p.counts["cohort_cells_suppressed"] == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 14), min_size=2, max_size=6), st.integers(2, 10))
def test_no_shown_cohort_figure_gives_a_small_cell_away_by_difference(sizes, size):
    library = library_from_frame(lib_frame([OBS]))
    layout = [("AB"[k % 2], 3 + k % 3, str(k), n) for k, n in enumerate(sizes) if n]
    if not layout:
        return
    students = _classes(layout)
    rows = [(s, "2026-1", "obs", 1 + i % 5) for i, s in enumerate(students.student_id)]
    co = score(recs(rows), students, library, min_group=size).frame("cohorts")
    shown = co[co["mean"].notna()]
    assert (shown.students >= size).all()

    def cells(level: str, **match: str) -> pd.DataFrame:
        got = co[co.level == level]
        for k, v in match.items():
            got = got[got[k].astype(str) == v]
        return got

    parts = [(cells("region"), cells("school")), (cells("region"), cells("urban_rural"))]
    for u in ("urban", "rural"):
        parts.append(
            (cells("urban_rural", urban_rural=u), cells("school", school_id="AB"[u == "rural"]))
        )
    for school in ("A", "B"):
        parts.append((cells("school", school_id=school), cells("grade", school_id=school)))
        for g in range(3, 6):
            parts.append(
                (cells("grade", school_id=school, grade=str(g)),
                 cells("class", school_id=school, grade=str(g)))
            )  # fmt: skip
    for parent, kids_ in parts:
        if parent.empty or pd.isna(parent["mean"].iloc[0]):
            continue
        exposed = int(parent.students.iloc[0]) - int(kids_[kids_["mean"].notna()].students.sum())
        assert exposed == 0 or exposed >= size, (parent.iloc[0].to_dict(), exposed)
