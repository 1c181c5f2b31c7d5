"""Properties of the rotation engine on random inputs (Hypothesis).

- every plan keeps every hard rule (or the rules are refused with a reason);
- the same inputs and seed give the same bytes;
- an impossible subject need is refused naming its school and subject;
- the time limit holds even when only the engine's own deadline can stop the search.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.engines.io import InputError
from junheng.engines.rotation import (
    RotationNeed,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    check_rotation,
    is_eligible,
    plan_rotation,
)

Sch = RotationSchool
T = RotationTeacher
N = RotationNeed
SUBJECTS = ["math", "chinese", "english"]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Sch], list[T], list[N], RotationRules]:
    ns = draw(st.integers(2, 6))
    schools = [
        Sch(
            f"S{i}",
            draw(st.sampled_from(["primary", "junior"])),
            draw(st.sampled_from(["urban", "town", "rural"])),
            draw(st.integers(50, 900)),
            float(draw(st.integers(0, 20))),
            float(draw(st.integers(0, 20))),
        )
        for i in range(ns)
    ]
    teachers = []
    for i in range(draw(st.integers(2, 30))):
        prefs = tuple(
            draw(st.lists(st.sampled_from([s.school_id for s in schools]), max_size=3, unique=True))
        )
        teachers.append(
            T(
                f"T{i:02d}",
                draw(st.sampled_from(schools)).school_id,
                draw(st.sampled_from(SUBJECTS)),
                draw(st.integers(0, 12)),
                draw(st.integers(25, 60)),
                draw(st.booleans()),
                draw(st.booleans()),
                prefs=prefs,
                gender=draw(st.sampled_from(["F", "M"])),
            )
        )
    counts: dict[tuple[str, str], int] = {}
    for t in teachers:
        counts[(t.school_id, t.subject)] = counts.get((t.school_id, t.subject), 0) + 1
    needs = [
        N(s, subj, draw(st.integers(0, c)))
        for (s, subj), c in sorted(counts.items())
        if draw(st.booleans())
    ]
    share = draw(st.sampled_from([0.0, 0.1, 0.3]))
    rules = RotationRules(
        min_years=draw(st.integers(0, 8)),
        share=share,
        backbone_share=draw(st.sampled_from([0.0, 0.2, 0.5])),
        backbone_basis=draw(st.sampled_from(["movers", "eligible"])),
        max_km=float(draw(st.sampled_from([5, 15, 40]))),
        max_age_male=draw(st.sampled_from([None, 55])),
        max_age_female=draw(st.sampled_from([None, 50])),
        same_level=draw(st.booleans()),
        target_share=draw(st.sampled_from([None, 0.2, 0.5])),
        max_share=draw(st.sampled_from([None, max(share, 0.4)])),
    )
    return schools, teachers, needs, rules


@st.composite
def pinned(draw: st.DrawFn) -> tuple[list[Sch], list[T], list[N], RotationRules, dict, list]:
    schools, teachers, needs, rules = draw(instances())
    ids = [s.school_id for s in schools]
    locked = {}
    for t in draw(st.lists(st.sampled_from(teachers), max_size=3, unique=True)):
        locked[t.teacher_id] = draw(st.sampled_from(ids))
    forbidden = sorted(
        {
            (t.teacher_id, draw(st.sampled_from(ids)))
            for t in draw(st.lists(st.sampled_from(teachers), max_size=4))
        }
    )
    return schools, teachers, needs, rules, locked, forbidden


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(pinned())
def test_every_plan_keeps_every_hard_rule(case):
    schools, teachers, needs, rules, locked, forbidden = case
    try:
        plan = plan_rotation(
            schools,
            teachers,
            needs,
            rules=rules,
            locked=locked,
            forbidden=forbidden,
            time_limit_s=5,
            bound=False,
        )
    except InputError as err:
        assert err.reason  # refused with a reason, never a traceback
        return
    problems = check_rotation(
        schools, teachers, needs, rules, plan.moves, locked=locked, forbidden=forbidden
    )
    assert problems == []
    assert plan.summary["violations"] == 0
    by_id = {t.teacher_id: t for t in teachers}
    for tid, (a, b) in plan.moves.items():
        assert is_eligible(by_id[tid], rules) and by_id[tid].school_id == a != b
    assert sorted(b for _a, b in plan.moves.values()) == sorted(a for a, _b in plan.moves.values())
    assert plan.summary["stage"] in ("construct", "search", "exact", "greedy")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.text(max_size=5))
def test_same_seed_same_bytes(case, seed):
    schools, teachers, needs, rules = case
    try:
        a = plan_rotation(
            schools, teachers, needs, rules=rules, seed=seed, time_limit_s=5, bound=False
        )
    except InputError:
        return
    b = plan_rotation(schools, teachers, needs, rules=rules, seed=seed, time_limit_s=5, bound=False)
    assert a.out_bytes() == b.out_bytes()
    assert a.summary["stage"] == b.summary["stage"]


@SETTINGS
@given(instances(), st.data())
def test_an_impossible_need_names_its_school_and_subject(case, data):
    schools, teachers, needs, rules = case
    school = data.draw(st.sampled_from(schools))
    subject = data.draw(st.sampled_from(SUBJECTS))
    # more than the school has plus every eligible teacher of the subject in the county
    required = sum(1 for t in teachers if t.subject == subject) + 1
    needs = [n for n in needs if (n.school_id, n.subject) != (school.school_id, subject)]
    needs.append(N(school.school_id, subject, required))
    try:
        plan_rotation(schools, teachers, needs, rules=rules, time_limit_s=5, bound=False)
    except InputError as err:
        reason = err.reason
    else:
        raise AssertionError("an impossible need was accepted")
    assert f"school {school.school_id} needs {required} {subject} teachers" in reason


TIME_LIMIT_S = 1.0
SLACK_S = 10.0  # generous: the machine is shared; without the deadline the search runs for ever


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pinned(), st.booleans())
def test_the_time_limit_is_enforced_by_the_engine(case, bound):
    """With a step budget and a patience that never end, only the engine's own deadline stops
    the search (and the bound's child process): the plan still comes back, keeping every rule,
    within the limit plus a margin."""
    import time

    from junheng.engines.rotation import plan as plan_module

    schools, teachers, needs, rules, locked, forbidden = case
    saved = plan_module.STEPS_PER_SECOND, plan_module.PATIENCE_STEPS
    plan_module.STEPS_PER_SECOND, plan_module.PATIENCE_STEPS = 10**12, 10**12
    started = time.monotonic()
    try:
        plan = plan_rotation(
            schools,
            teachers,
            needs,
            rules=rules,
            locked=locked,
            forbidden=forbidden,
            time_limit_s=TIME_LIMIT_S,
            bound=bound,
        )
    except InputError as err:
        assert err.reason
        return
    finally:
        plan_module.STEPS_PER_SECOND, plan_module.PATIENCE_STEPS = saved
        assert time.monotonic() - started < TIME_LIMIT_S + SLACK_S
    assert plan.summary["violations"] == 0
    assert (
        check_rotation(
            schools, teachers, needs, rules, plan.moves, locked=locked, forbidden=forbidden
        )
        == []
    )
