"""`plan_supply` on awkward inputs: hard rules, determinism, and the structural shortcuts.

The shortcuts (docs/engines.md, "junheng supply"): a school that no course can reach (or with
0 slots) is fixed at 0 and takes no part in the max-min; the max-min stage is skipped when an
upper bound shows it cannot be raised (the providers cannot give every school a section, or
the start already reaches the bound); the utility stage is skipped when every school is at its
own upper bound; a stage stops after a round of the solver that raises nothing. Timings are
in benchmarks/bench_supply_awkward.py, not here.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.engines.supply import (
    SupplyCourse,
    SupplyProvider,
    SupplySchool,
    _every_school_servable,
    _instance,
    _levels,
    check_plan,
    plan_supply,
)

P = SupplyProvider
C = SupplyCourse
S = SupplySchool


def stage(plan_solver: dict, name: str) -> dict:
    return next(x for x in plan_solver["stages"] if x["stage"] == name)


def base() -> tuple[list[P], list[C], list[S]]:
    providers = [P("P1", 6)]
    courses = [C("C1", "P1", "arts", 20, 1, 5, 0, 0), C("C2", "P1", "sports", 10, 1, 5, 0, 0)]
    schools = [S("A", "urban", 300, 1, 0, 6), S("B", "rural", 100, 2, 0, 6)]
    return providers, courses, schools


def test_an_unreachable_school_gets_nothing_and_does_not_block_the_others():
    providers, courses, schools = base()
    alone = plan_supply(providers, courses, schools, time_limit_s=5)
    far = S("Z", "rural", 50, 90, 90, 6)  # no course reaches it
    shut = S("Y", "town", 80, 0, 0, 0)  # 0 slots
    plan = plan_supply(providers, courses, [*schools, far, shut], time_limit_s=5)
    assert plan.sections == alone.sections
    assert not any(sid in ("Z", "Y") for _, sid in plan.sections)
    # the max-min floor is over the schools that can get something: it is not pinned at 0
    assert stage(plan.solver, "max-min")["kept"] == stage(alone.solver, "max-min")["kept"] > 0
    assert plan.summary["min_seats_per100"] == 0.0  # the summary still counts every school


def test_max_min_is_skipped_when_the_providers_cannot_serve_every_school():
    # 2 sessions, 6 schools in reach: some school gets nothing in every plan, floor 0
    providers = [P("P1", 2)]
    courses = [C("C1", "P1", "arts", 1, 1, 50, 0, 0)]
    schools = [S(f"S{i}", "rural", 20 if i < 2 else 3000, i, 0, 4) for i in range(6)]
    tq = Fraction(10)
    assert not _every_school_servable(_instance(providers, courses, schools, tq, {}, set()))
    plan = plan_supply(providers, courses, schools, time_limit_s=5)
    mm = stage(plan.solver, "max-min")
    assert mm["status"] == "BOUND_REACHED"
    assert mm["calls"] == 0
    # the two sections go to the small schools, where they raise seats per 100 the most
    assert sorted(sid for _, sid in plan.sections) == ["S0", "S1"]
    assert check_plan(providers, courses, schools, plan.sections) == []


def test_servable_when_the_sessions_suffice():
    providers = [P("P1", 6)]
    courses = [C("C1", "P1", "arts", 1, 1, 50, 0, 0)]
    schools = [S(f"S{i}", "rural", 100, i, 0, 4) for i in range(6)]
    inst = _instance(providers, courses, schools, Fraction(10), {}, set())
    assert _every_school_servable(inst)


def test_no_solver_call_for_the_first_two_stages_when_every_school_reaches_the_target():
    providers, courses, schools = base()
    plan = plan_supply(providers, courses, schools, time_limit_s=5)
    assert plan.summary["schools_at_target"] == 2
    for name in ("max-min", "leximin"):
        assert stage(plan.solver, name)["calls"] == 0
    assert plan.solver["solver_calls"] <= 1


def test_a_stage_stops_after_a_round_that_raises_nothing():
    # forty identical schools: the start is already leximin-optimal, but the solver cannot
    # prove it (symmetry); the stage stops after its first round instead of its whole budget
    providers = [P(f"P{i}", 25) for i in range(3)]
    courses = [C(f"C{i:02d}", f"P{i % 3}", "arts", 10, 1, 1, 0, 0) for i in range(40)]
    schools = [S(f"S{i:02d}", "rural", 300, 0, 0, 4) for i in range(40)]
    plan = plan_supply(providers, courses, schools, time_limit_s=20)
    lex = stage(plan.solver, "leximin")
    assert lex["calls"] == 1
    assert lex["kept"] == plan.solver["start"]["utility"]
    counts: dict[str, int] = {}
    for (_, sid), n in plan.sections.items():
        counts[sid] = counts.get(sid, 0) + n
    assert sorted(counts.values()) == [1] * 5 + [2] * 35  # 75 sessions, as even as can be


@st.composite
def awkward(draw: st.DrawFn) -> tuple[list[P], list[C], list[S], float]:
    np_ = draw(st.integers(1, 3))
    providers = [P(f"P{i}", draw(st.sampled_from([0, 1, 2, 5, 40]))) for i in range(np_)]
    courses = [
        C(
            f"C{j}",
            f"P{draw(st.integers(0, np_ - 1))}",
            draw(st.sampled_from(["arts", "sports"])),
            draw(st.sampled_from([1, 10, 40])),
            draw(st.integers(1, 3)),
            float(draw(st.sampled_from([0, 1, 5, 200]))),
            float(draw(st.integers(0, 3))),
            0.0,
        )
        for j in range(draw(st.integers(1, 5)))
    ]
    schools = [
        S(
            f"S{k}",
            "rural",
            draw(st.sampled_from([1, 20, 300, 3000])),
            float(draw(st.sampled_from([0, 1, 3, 100]))),  # 100: out of every course's reach
            0.0,
            draw(st.sampled_from([0, 1, 2, 10])),
        )
        for k in range(draw(st.integers(1, 5)))
    ]
    target = draw(st.sampled_from([0.001, 5.0, 10.0, 1e6]))
    return providers, courses, schools, target


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(awkward())
def test_awkward_plans_keep_the_rules_are_deterministic_and_serve_no_unreachable_school(case):
    providers, courses, schools, target = case
    plan = plan_supply(providers, courses, schools, target=target, time_limit_s=2)
    assert check_plan(providers, courses, schools, plan.sections, target=target) == []
    assert plan.summary["violations"] == 0
    again = plan_supply(providers, courses, schools, target=target, time_limit_s=2)
    assert again.out_bytes() == plan.out_bytes()
    inst = _instance(providers, courses, schools, Fraction(repr(target)), {}, set())
    served = {sid for _, sid in plan.sections}
    reachable = {inst.schools[q].school_id for q in inst.ps}
    assert served <= reachable  # a school with nothing in reach (or no slots) gets nothing
    # every school's value stays within its own upper bound
    index = {
        (c.course_id, s.school_id): j
        for j, (c, s) in enumerate(
            (inst.courses[a], inst.schools[b]) for a, b in zip(inst.pc, inst.ps, strict=True)
        )
    }
    n = np.zeros(len(inst.pc), dtype=np.int64)
    for key, k in plan.sections.items():
        n[index[key]] = k
    vals, _ = _levels(inst, n)
    assert all(v <= cap for v, cap in zip(vals, inst.vub, strict=True))
