"""Balanced supply of provider courses (junheng.engines.supply, `junheng supply`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.cli import main
from junheng.engines.io import InputError
from junheng.engines.supply import (
    SupplyCourse,
    SupplyProvider,
    SupplySchool,
    check_plan,
    nearest_first_plan,
    plan_supply,
)

P = SupplyProvider
C = SupplyCourse
S = SupplySchool


def tiny() -> tuple[list[P], list[C], list[S]]:
    providers = [P("P1", 4), P("P2", 2)]
    courses = [
        C("C1", "P1", "sports", 20, 1, 10, 0, 0),
        C("C2", "P1", "arts", 20, 1, 10, 0, 0),
        C("C3", "P2", "science", 10, 1, 30, 0, 0),
    ]
    schools = [S("A", "urban", 400, 1, 0, 10), S("B", "rural", 100, 20, 0, 10)]
    return providers, courses, schools


def test_tiny_case_matches_the_hand_computed_plan():
    # A (400 students) needs 40 seats: the two 20-seat courses in reach, one each for variety;
    # B (100 students, 20 km) is reached only by C3: one section is 10 per 100, the target;
    # a second C3 section anywhere would break the target rule.
    plan = plan_supply(*tiny(), time_limit_s=10)
    assert plan.sections == {("C1", "A"): 1, ("C2", "A"): 1, ("C3", "B"): 1}
    assert plan.summary["schools_at_target"] == 2
    assert plan.summary["min_seats_per100"] == 10.0
    assert plan.summary["violations"] == 0
    assert plan.out_bytes() == b"course_id,school_id,sections\nC1,A,1\nC2,A,1\nC3,B,1\n"
    assert plan.per_school[0]["categories"] == ["arts", "sports"]


def test_nearest_first_serves_the_near_school_and_leaves_the_far_one_short():
    # The provider of the far-reaching course fills the nearest school first.
    providers = [P("P1", 1)]
    courses = [C("C1", "P1", "arts", 20, 1, 50, 0, 0)]
    schools = [S("NEAR", "urban", 2000, 1, 0, 10), S("FAR", "rural", 100, 30, 0, 10)]
    base = nearest_first_plan(providers, courses, schools)
    assert base.sections == {("C1", "NEAR"): 1}
    opt = plan_supply(providers, courses, schools, time_limit_s=10)
    assert opt.sections == {("C1", "FAR"): 1}


def skewed() -> tuple[list[P], list[C], list[S]]:
    """Providers in the centre, big urban schools beside them, small rural schools far off."""
    providers = [P(f"P{i}", 4) for i in range(4)]
    courses = [
        C(f"C{i}{k}", f"P{i}", cat, 25, 1, 40, float(i), 0.0)
        for i in range(4)
        for k, cat in enumerate(["arts", "sports", "science"])
    ]
    schools = [S(f"U{j}", "urban", 1500, float(j), 1.0, 20) for j in range(3)]
    schools += [S(f"R{j}", "rural", 120, 30.0, float(5 * j), 6) for j in range(4)]
    return providers, courses, schools


def test_optimiser_beats_nearest_first_on_the_worst_off_school():
    base = nearest_first_plan(*skewed())
    opt = plan_supply(*skewed(), time_limit_s=20)
    assert opt.summary["violations"] == 0
    assert opt.summary["min_seats_per100"] > base.summary["min_seats_per100"]
    assert opt.summary["cv_seats_per100"] < base.summary["cv_seats_per100"]
    assert opt.summary["seats_per100"]["rural"] > 0


def test_same_inputs_give_the_same_bytes():
    a = plan_supply(*skewed(), time_limit_s=20)
    b = plan_supply(*skewed(), time_limit_s=20)
    assert a.out_bytes() == b.out_bytes()


def test_locks_are_kept_exactly_and_forbidden_pairs_get_nothing():
    providers, courses, schools = skewed()
    plan = plan_supply(
        providers,
        courses,
        schools,
        locked={("C00", "U0"): 2},
        forbidden=[("C10", "R0"), ("C11", "R0"), ("C12", "R0")],
        time_limit_s=20,
    )
    assert plan.sections[("C00", "U0")] == 2
    assert all(plan.sections.get((c, "R0"), 0) == 0 for c in ("C10", "C11", "C12"))
    assert plan.summary["violations"] == 0


def test_a_lock_beyond_max_km_is_refused_with_a_reason():
    providers, courses, schools = tiny()
    with pytest.raises(InputError, match="max_km"):
        plan_supply(providers, courses, schools, locked={("C1", "B"): 1})


def test_a_lock_breaking_the_target_rule_is_refused():
    providers, courses, schools = tiny()
    # B has 100 students: two 10-seat sections reach the target even without one of them.
    providers = [P("P1", 4), P("P2", 4)]
    with pytest.raises(InputError, match="target"):
        plan_supply(providers, courses, schools, locked={("C3", "B"): 2})


def test_a_lock_over_the_providers_sessions_is_refused():
    providers, courses, schools = tiny()
    with pytest.raises(InputError, match="weekly_sessions"):
        plan_supply(
            providers, courses, schools, locked={("C1", "A"): 1, ("C2", "A"): 1, ("C3", "A"): 3}
        )


def test_checker_finds_every_kind_of_broken_rule():
    providers, courses, schools = tiny()
    bad = {("C1", "B"): 1, ("C3", "B"): 3, ("C1", "A"): 5}
    problems = check_plan(providers, courses, schools, bad)
    text = "\n".join(problems)
    assert "max_km" in text  # C1 does not reach B
    assert "weekly_sessions" in text  # P1 has 4 sessions, 6 used; P2 has 2, 3 used
    assert "target" in text  # B: 3 x 10 seats for 100 students
    assert check_plan(providers, courses, schools, {("C1", "A"): 1}) == []


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[P], list[C], list[S], float]:
    np_ = draw(st.integers(1, 3))
    providers = [P(f"P{i}", draw(st.integers(0, 6))) for i in range(np_)]
    courses = []
    for j in range(draw(st.integers(1, 6))):
        courses.append(
            C(
                f"C{j}",
                f"P{draw(st.integers(0, np_ - 1))}",
                draw(st.sampled_from(["arts", "sports", "science"])),
                draw(st.integers(5, 40)),
                draw(st.integers(1, 3)),
                float(draw(st.integers(0, 30))),
                float(draw(st.integers(0, 20))),
                float(draw(st.integers(0, 20))),
            )
        )
    schools = [
        S(
            f"S{k}",
            draw(st.sampled_from(["urban", "town", "rural"])),
            draw(st.integers(20, 800)),
            float(draw(st.integers(0, 20))),
            float(draw(st.integers(0, 20))),
            draw(st.integers(0, 8)),
        )
        for k in range(draw(st.integers(1, 5)))
    ]
    target = draw(st.sampled_from([5.0, 10.0, 12.5]))
    return providers, courses, schools, target


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_keeps_every_hard_rule(case):
    providers, courses, schools, target = case
    plan = plan_supply(providers, courses, schools, target=target, time_limit_s=5)
    assert check_plan(providers, courses, schools, plan.sections, target=target) == []
    assert plan.summary["violations"] == 0
    base = nearest_first_plan(providers, courses, schools, target=target)
    assert check_plan(providers, courses, schools, base.sections, target=target) == []
    # the optimiser never leaves the worst-off school worse than the baseline does
    assert plan.summary["min_seats_per100"] >= base.summary["min_seats_per100"] - 0.01


def write_inputs(tmp: Path, *, bad_school_row: bool = False) -> list[str]:
    (tmp / "p.csv").write_text("provider_id,weekly_sessions\nP1,4\nP2,2\n")
    (tmp / "c.csv").write_text(
        "course_id,provider_id,category,seats,sessions_per_week,max_km,x_km,y_km\n"
        "C1,P1,sports,20,1,10,0,0\nC2,P1,arts,20,1,10,0,0\nC3,P2,science,10,1,30,0,0\n"
    )
    b_students = "lots" if bad_school_row else "100"
    (tmp / "s.csv").write_text(
        "school_id,urban_rural,students,x_km,y_km,slots\n"
        f"A,urban,400,1,0,10\nB,rural,{b_students},20,0,10\n"
    )
    return [
        "supply",
        "--providers",
        str(tmp / "p.csv"),
        "--courses",
        str(tmp / "c.csv"),
        "--schools",
        str(tmp / "s.csv"),
        "--out",
        str(tmp / "out.csv"),
        "--time-limit",
        "10",
    ]


def test_cli_writes_the_plan_and_prints_the_summary_last(tmp_path, capsys):
    assert main(write_inputs(tmp_path)) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(summary) == [
        "sections",
        "seats",
        "schools_at_target",
        "min_seats_per100",
        "cv_seats_per100",
        "seats_per100",
        "mean_km",
        "violations",
        "result_sha256",
    ]
    assert set(summary["seats_per100"]) == {"urban", "town", "rural"}
    data = (tmp_path / "out.csv").read_bytes()
    import hashlib

    assert summary["result_sha256"] == hashlib.sha256(data).hexdigest()
    assert data == b"course_id,school_id,sections\nC1,A,1\nC2,A,1\nC3,B,1\n"


def test_cli_bad_input_exits_2_naming_the_cell_and_writes_nothing(tmp_path, capsys):
    assert main(write_inputs(tmp_path, bad_school_row=True)) == 2
    err = capsys.readouterr().err
    assert "s.csv" in err and "row 3" in err and "students" in err
    assert not (tmp_path / "out.csv").exists()


def test_cli_unknown_provider_exits_2(tmp_path, capsys):
    args = write_inputs(tmp_path)
    (tmp_path / "c.csv").write_text(
        "course_id,provider_id,category,seats,sessions_per_week,max_km,x_km,y_km\n"
        "C1,P9,sports,20,1,10,0,0\n"
    )
    assert main(args) == 2
    assert "unknown provider" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_cli_impossible_lock_exits_2_and_writes_nothing(tmp_path, capsys):
    args = write_inputs(tmp_path)
    (tmp_path / "locks.csv").write_text("course_id,school_id,sections\nC1,B,1\n")
    assert main([*args, "--locks", str(tmp_path / "locks.csv")]) == 2
    assert "max_km" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()
