"""Balanced class placement (junheng.engines.placement, `junheng place`)."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.cli import main
from junheng.engines.io import InputError
from junheng.engines.placement import (
    Cohort,
    PlacementStudent,
    draw_teams,
    place,
    place_all,
    score_bound,
    score_floor,
)

METHODS = ("balanced", "snake", "random")


def check_hard_rules(students: list[PlacementStudent], result, n_classes: int) -> None:
    """Independent check of the contract's hard rules on a result."""
    cls = result.class_of()
    assert set(cls) == {s.student_id for s in students}
    assert set(cls.values()) <= set(range(1, n_classes + 1))
    sizes = Counter(cls.values())
    full = [sizes.get(c, 0) for c in range(1, n_classes + 1)]
    assert max(full) - min(full) <= 1
    together: dict[str, set[int]] = defaultdict(set)
    apart: dict[str, list[int]] = defaultdict(list)
    for s in students:
        if s.together:
            together[s.together].add(cls[s.student_id])
        if s.apart:
            apart[s.apart].append(cls[s.student_id])
    assert all(len(v) == 1 for v in together.values())
    assert all(len(v) == len(set(v)) for v in apart.values())
    assert result.summary["violations"] == 0


@st.composite
def feasible_cohorts(draw):
    """A cohort with together/apart requests that a hidden placement satisfies."""
    n_classes = draw(st.integers(1, 6))
    n = draw(st.integers(n_classes, 60))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    hidden = [i % n_classes for i in range(n)]
    rnd.shuffle(hidden)
    by_class = defaultdict(list)
    for i, c in enumerate(hidden):
        by_class[c].append(i)
    together, apart = {}, {}
    for g in range(draw(st.integers(0, 4))):  # together: students of one hidden class
        members = by_class[rnd.randrange(n_classes)]
        size = min(len(members), rnd.choice([2, 2, 3]))
        for i in rnd.sample(members, size):
            together.setdefault(i, f"t{g}")
    for g in range(draw(st.integers(0, 4))):  # apart: one student from distinct hidden classes
        k = rnd.randint(2, max(2, n_classes))
        if k > n_classes:
            continue
        for c in rnd.sample(range(n_classes), k):
            i = rnd.choice(by_class[c])
            apart.setdefault(i, f"a{g}")
    # an apart label must not appear twice in one together group: the hidden placement holds it
    with_scores = draw(st.booleans())
    students = [
        PlacementStudent(
            f"s{i:03d}",
            rnd.choice("FM"),
            score=float(rnd.randint(40, 100)) if with_scores else None,
            needs=rnd.random() < 0.15,
            together=together.get(i, ""),
            apart=apart.get(i, ""),
            attributes={"migrant": rnd.random() < 0.3},
        )
        for i in range(n)
    ]
    return students, n_classes


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_cohorts(), st.sampled_from(METHODS), st.text(max_size=8))
def test_hard_rules_always_hold(cohort, method, seed):
    students, n_classes = cohort
    result = place(students, n_classes, seed, method)
    check_hard_rules(students, result, n_classes)
    assert result.summary["students"] == len(students)
    assert sum(row.size for row in result.table) == len(students)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 8).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 120))),
    st.integers(0, 2**32),
)
def test_balanced_gender_and_needs_within_one_without_requests(shape, salt):
    n_classes, n = shape
    rnd = random.Random(salt)
    students = [
        PlacementStudent(f"s{i}", rnd.choice("FFM"), float(rnd.randint(0, 100)), rnd.random() < 0.2)
        for i in range(n)
    ]
    s = place(students, n_classes, "seed", "balanced").summary
    assert s["gender_max_diff"] <= 1
    assert s["needs_max_diff"] <= 1
    assert s["size_max"] - s["size_min"] <= 1


def cohort(n: int, salt: int, decimals: int = 1) -> list[PlacementStudent]:
    rnd = random.Random(salt)
    return [
        PlacementStudent(
            f"s{i:04d}",
            "F" if rnd.random() < 0.48 else "M",
            round(rnd.gauss(75, 12), decimals),
            rnd.random() < 0.05,
        )
        for i in range(n)
    ]


def test_balanced_beats_snake_and_random_on_score_deviation_on_average():
    devs = defaultdict(list)
    for salt in range(12):
        students = cohort(120 + 7 * salt, salt)
        for method in METHODS:
            devs[method].append(place(students, 4, f"k{salt}", method).summary["score_max_dev"])
    mean = {m: sum(v) / len(v) for m, v in devs.items()}
    assert mean["balanced"] <= mean["snake"] / 10
    assert mean["balanced"] <= mean["random"] / 10
    assert all(b <= s for b, s in zip(devs["balanced"], devs["snake"], strict=True))


def test_same_seed_same_bytes_and_two_seeds_differ():
    students = cohort(200, 7)
    a = place(students, 6, "2026-grade1", "balanced")
    b = place(students, 6, "2026-grade1", "balanced")
    c = place(students, 6, "2026-grade1-other", "balanced")
    assert a.out_bytes() == b.out_bytes()
    assert a.summary == b.summary
    assert a.out_bytes() != c.out_bytes()

    def partition(r):
        groups = defaultdict(set)
        for sid, k in r.class_of().items():
            groups[k].add(sid)
        return {frozenset(g) for g in groups.values()}

    # not only renumbered: the seed changes who is together
    assert partition(a) != partition(c)


def test_two_seeds_differ_for_every_method():
    students = cohort(60, 3)
    for method in METHODS:
        assert (
            place(students, 3, "x", method).out_bytes()
            != place(students, 3, "y", method).out_bytes()
        )


def test_snake_deals_s_shaped_by_score_within_gender():
    # six girls and three boys, three classes: girls 1-2-3-3-2-1, boys continue 1-2-3
    girls = [PlacementStudent(f"g{i}", "F", 100.0 - i) for i in range(1, 7)]
    boys = [PlacementStudent(f"b{i}", "M", 100.0 - i) for i in range(1, 4)]
    result = place(girls + boys, 3, "s", "snake")
    groups = defaultdict(set)
    for sid, k in result.class_of().items():
        groups[k].add(sid)
    assert {frozenset(g) for g in groups.values()} == {
        frozenset({"g1", "g6", "b1"}),
        frozenset({"g2", "g5", "b2"}),
        frozenset({"g3", "g4", "b3"}),
    }


def test_snake_fixes_together_and_apart_afterwards():
    students = [
        PlacementStudent("g1", "F", 99, together="twins"),
        PlacementStudent("g2", "F", 98, together="twins"),
        PlacementStudent("g3", "F", 97, apart="x"),
        PlacementStudent("g4", "F", 96, apart="x"),
        *[PlacementStudent(f"m{i}", "M", 90 - i) for i in range(8)],
    ]
    result = place(students, 3, "s", "snake")
    check_hard_rules(students, result, 3)


def test_apart_group_larger_than_class_count_is_an_input_error():
    students = [PlacementStudent(f"s{i}", "F", apart="feud" if i < 4 else "") for i in range(12)]
    with pytest.raises(InputError, match="apart group 'feud' has 4 students but there are only 3"):
        place(students, 3, "s")


def test_together_group_larger_than_a_class_is_an_input_error():
    students = [PlacementStudent(f"s{i}", "M", together="club" if i < 5 else "") for i in range(12)]
    with pytest.raises(InputError, match="together group 'club' has 5 students"):
        place(students, 3, "s")


def test_requests_that_cannot_all_hold_are_an_input_error():
    # 6 students in 2 classes of 3: pairs A and B must be apart (a1/b1), so each class holds
    # one pair and one more student; c1 and c2 fill them unless they are a pair too.
    students = [
        PlacementStudent("a1", "F", together="A", apart="x"),
        PlacementStudent("a2", "F", together="A"),
        PlacementStudent("b1", "M", together="B", apart="x"),
        PlacementStudent("b2", "M", together="B"),
        PlacementStudent("c1", "F"),
        PlacementStudent("c2", "M"),
    ]
    result = place(students, 2, "s")
    check_hard_rules(students, result, 2)
    cls = result.class_of()
    assert cls["a1"] == cls["a2"] != cls["b1"] == cls["b2"]
    pairs = [
        *students[:4],
        PlacementStudent("c1", "F", together="C"),
        PlacementStudent("c2", "M", together="C"),
    ]
    with pytest.raises(InputError, match="cannot all be met with 2 classes"):
        place(pairs, 2, "s")


def test_balanced_is_close_to_the_cp_sat_optimum_on_small_cohorts():
    gaps = []
    for n, salt in ((24, 1), (24, 2), (30, 3), (36, 4), (36, 5)):
        students = cohort(n, 100 + salt, decimals=0)
        s = place(students, 3, f"t{salt}", "balanced").summary
        best, optimal = score_bound(
            students,
            3,
            gender_spread=max(1, s["gender_max_diff"]),
            needs_spread=max(1, s["needs_max_diff"]),
        )
        assert optimal
        assert s["score_max_dev"] >= best - 1e-6  # nothing beats the proven optimum
        assert score_floor(students, 3) <= best + 1e-9  # nor the floor of the score grid
        gaps.append(s["score_max_dev"] - best)
    # integer scores, classes of 8-12: one step of the class mean is 1/12 to 1/8 of a point
    assert sum(gaps) / len(gaps) <= 0.1


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 7).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 90))),
    st.integers(0, 2**32),
    st.sampled_from([0, 1, 2]),
    st.sampled_from(METHODS),
)
def test_no_placement_beats_the_floor_of_the_score_grid(shape, salt, decimals, method):
    n_classes, n = shape
    rnd = random.Random(salt)
    students = [
        PlacementStudent(f"s{i}", rnd.choice("FM"), round(rnd.uniform(40, 100), decimals))
        for i in range(n)
    ]
    floor = score_floor(students, n_classes)
    assert floor is not None
    assert place(students, n_classes, "s", method).summary["score_max_dev"] >= floor - 1e-6


def test_a_large_cohort_reaches_the_floor_with_gender_and_needs_within_one():
    """5,000 pupils into 100 classes (the benchmark against class-list-builder): the largest
    class-mean deviation is the least the one-decimal scores allow."""
    students = cohort(5000, 5)
    s = place(students, 100, "bench").summary
    assert s["gender_max_diff"] <= 1 and s["needs_max_diff"] <= 1 and s["violations"] == 0
    floor = score_floor(students, 100)
    assert floor is not None and 0 < floor < 0.002
    assert s["score_max_dev"] <= floor + 1e-6


def test_score_floor_is_exact_on_a_tiny_cohort():
    # 1, 2, 3, 4 into 2 classes: {1, 4} and {2, 3} both have the cohort mean
    four = [PlacementStudent(f"s{i}", "F", float(i)) for i in range(1, 5)]
    assert score_floor(four, 2) == 0.0
    # 1, 2, 4 into 2 classes (sizes 2 and 1, mean 7/3): {1, 4} & {2} is best, 1/3 off
    three = [PlacementStudent(f"s{i}", "F", float(i)) for i in (1, 2, 4)]
    assert score_floor(three, 2) == pytest.approx(1 / 3)
    assert place(three, 2, "s").summary["score_max_dev"] == pytest.approx(1 / 3, abs=1e-6)
    assert score_floor([PlacementStudent("a", "F", 1.23456)], 1) is None


def test_extra_attributes_are_balanced_too():
    rnd = random.Random(5)
    students = [
        PlacementStudent(
            f"s{i}",
            rnd.choice("FM"),
            float(rnd.randint(50, 100)),
            attributes={"migrant": i < 30, "left_behind": i % 7 == 0},
        )
        for i in range(150)
    ]
    result = place(students, 5, "s")
    for name in ("migrant", "left_behind"):
        counts = [row.attributes[name] for row in result.table]
        assert max(counts) - min(counts) <= 1


def test_place_all_matches_one_by_one_and_reports_progress():
    cohorts = [
        Cohort(f"school-{i}", cohort(30 + 10 * i, i), 2 + i % 3, f"seed-{i}") for i in range(5)
    ]
    seen = []
    for processes in (1, 2):
        results = place_all(cohorts, processes=processes, progress=lambda d, t: seen.append((d, t)))
        for c, r in zip(cohorts, results, strict=True):
            assert r.out_bytes() == place(c.students, c.n_classes, c.seed).out_bytes()
    assert seen[-1] == (5, 5) and len(seen) == 10


def test_place_all_names_the_cohort_with_bad_input():
    bad = [PlacementStudent(f"s{i}", "F", apart="x") for i in range(4)]
    with pytest.raises(InputError, match="school-b: apart group"):
        place_all([Cohort("school-a", cohort(10, 1), 2, "s"), Cohort("school-b", bad, 2, "s")])


def test_draw_teams_follows_the_lottery_keys():
    teams = ["T-wang", "T-li", "T-zhang"]
    drawn = draw_teams(teams, 3, "public-seed")
    keys = {t: hashlib.sha256(f"public-seed:{t}".encode()).hexdigest() for t in teams}
    assert [drawn[k] for k in (1, 2, 3)] == sorted(teams, key=keys.__getitem__)
    assert draw_teams(teams, 3, "public-seed") == drawn
    with pytest.raises(InputError, match="3 teams for 4 classes: need one each"):
        draw_teams(teams, 4, "public-seed")


# ---------------------------------------------------------------------------- the CLI


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def run_cli(args: list[str], capsys) -> tuple[int, dict | None, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    return rc, (json.loads(lines[-1]) if rc == 0 else None), err


def cohort_rows(n: int = 40) -> list[list[object]]:
    rnd = random.Random(11)
    rows = []
    for i in range(n):
        rows.append(
            [
                f"S{n - i:03d}",
                rnd.choice("FM"),
                rnd.randint(50, 100),
                int(rnd.random() < 0.1),
                "tw" if i in (3, 4) else "",
                "ap" if i in (5, 6, 7) else "",
                int(rnd.random() < 0.2),
            ]
        )
    return rows


HEADER = ["student_id", "gender", "score", "needs", "together", "apart", "migrant"]


def test_cli_output_and_summary_follow_the_contract(tmp_path, capsys):
    src = write_csv(tmp_path / "students.csv", HEADER, cohort_rows())
    out, table = tmp_path / "out.csv", tmp_path / "table.csv"
    args = ["place", "--students", str(src), "--classes", "4", "--seed", "abc"]
    rc, summary, _ = run_cli([*args, "--out", str(out), "--table", str(table)], capsys)
    assert rc == 0
    assert list(summary) == [
        "students",
        "classes",
        "size_min",
        "size_max",
        "gender_max_diff",
        "needs_max_diff",
        "score_max_dev",
        "violations",
        "result_sha256",
    ]
    assert summary["students"] == 40 and summary["classes"] == 4
    assert summary["size_min"] == summary["size_max"] == 10
    assert summary["violations"] == 0
    data = out.read_bytes()
    assert summary["result_sha256"] == hashlib.sha256(data).hexdigest()
    lines = data.decode().splitlines()
    assert lines[0] == "student_id,class"
    ids = [line.split(",")[0] for line in lines[1:]]
    assert ids == sorted(ids) and len(ids) == 40
    assert {line.split(",")[1] for line in lines[1:]} == {"1", "2", "3", "4"}
    assert table.read_text().splitlines()[0] == "class,size,F,M,needs,mean_score,migrant"
    rc, again, _ = run_cli([*args, "--out", str(tmp_path / "again.csv")], capsys)
    assert again["result_sha256"] == summary["result_sha256"]


def test_cli_methods_and_missing_optional_columns(tmp_path, capsys):
    rows = [[r[0], r[1]] for r in cohort_rows()]
    src = write_csv(tmp_path / "s.csv", ["student_id", "gender"], rows)
    for method in METHODS:
        out = tmp_path / f"{method}.csv"
        rc, summary, _ = run_cli(
            ["place", "--students", str(src), "--classes", "3", "--seed", "q"]
            + ["--method", method, "--out", str(out)],
            capsys,
        )
        assert rc == 0 and summary["score_max_dev"] == 0 and summary["violations"] == 0


@pytest.mark.parametrize(
    ("edit", "classes", "where"),
    [
        (
            lambda rows: [[*r[:5], "ap" if i < 5 else "", r[6]] for i, r in enumerate(rows)],
            "4",
            "column 'apart'",
        ),
        (
            lambda rows: [[r[0], "X", *r[2:]] if i == 2 else r for i, r in enumerate(rows)],
            "4",
            "row 4, column 'gender'",
        ),
        (
            lambda rows: [[r[0], r[1], "", *r[3:]] if i == 9 else r for i, r in enumerate(rows)],
            "4",
            "row 11, column 'score'",
        ),
        (
            lambda rows: [[rows[0][0], *r[1:]] if i == 1 else r for i, r in enumerate(rows)],
            "4",
            "row 3, column 'student_id'",
        ),
        (
            lambda rows: [[*r[:6], "2"] if i == 0 else r for i, r in enumerate(rows)],
            "4",
            "row 2, column 'migrant'",
        ),
        (lambda rows: rows, "0", "column 'classes'"),
    ],
    ids=["apart-too-big", "bad-gender", "partial-score", "duplicate-id", "bad-extra", "no-classes"],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, edit, classes, where):
    src = write_csv(tmp_path / "s.csv", HEADER, edit(cohort_rows()))
    out, table = tmp_path / "out.csv", tmp_path / "table.csv"
    rc, _, err = run_cli(
        ["place", "--students", str(src), "--classes", classes, "--seed", "s"]
        + ["--out", str(out), "--table", str(table)],
        capsys,
    )
    assert rc == 2
    assert where in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [src]


def test_cli_missing_gender_column_exits_2(tmp_path, capsys):
    src = write_csv(tmp_path / "s.csv", ["student_id", "score"], [["a", 1], ["b", 2]])
    out = tmp_path / "o.csv"
    rc, _, err = run_cli(
        ["place", "--students", str(src), "--classes", "2", "--seed", "s", "--out", str(out)],
        capsys,
    )
    assert rc == 2 and "column 'gender'" in err and not out.exists()


def test_placement_engine_does_not_import_django():
    code = "import sys, junheng.engines.placement; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
