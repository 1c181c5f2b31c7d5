"""Synchronous-lesson timetabling (junheng.engines.synclass)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.engines.io import InputError
from junheng.engines.synclass import (
    SyncRequest,
    check_timetable,
    common_free,
    pair_requests,
    schedule_lessons,
)

R = SyncRequest


def week(days, periods):
    return [(d, p) for d in range(1, days + 1) for p in range(1, periods + 1)]


def test_a_lesson_goes_where_teacher_and_both_classes_are_free_and_early():
    classes = {"A": {(1, 1), (1, 2)}, "B": {(1, 3)}}
    plan = schedule_lessons(
        days=1,
        periods=4,
        classes=classes,
        teachers={"T": {(1, 1)}},
        requests=[R("r", "T", "A", ("B",), 1)],
    )
    assert plan.placed == {"r": [(1, 4)]} and plan.unplaced == [] and plan.optimal


def test_lessons_of_one_request_fall_on_different_days():
    plan = schedule_lessons(
        days=3,
        periods=3,
        classes={"A": set(), "B": set()},
        teachers={"T": set()},
        requests=[R("r", "T", "A", ("B",), 3)],
    )
    assert sorted(d for d, _p in plan.placed["r"]) == [1, 2, 3]
    assert all(p == 1 for _d, p in plan.placed["r"])  # earliest periods


def test_a_teacher_gives_two_pairs_lessons_at_different_times():
    plan = schedule_lessons(
        days=1,
        periods=2,
        classes={"A1": set(), "A2": set(), "B": set(), "C": set()},
        teachers={"T": set()},
        requests=[R("r1", "T", "A1", ("B",), 1), R("r2", "T", "A2", ("C",), 1)],
    )
    assert sorted(plan.placed["r1"] + plan.placed["r2"]) == [(1, 1), (1, 2)]


def test_reasons_for_lessons_that_cannot_be_placed():
    busy = set(week(1, 3)) - {(1, 3)}
    plan = schedule_lessons(
        days=1,
        periods=3,
        classes={"A": set(), "B": busy, "C": set(), "D": set(), "E": set()},
        teachers={"T": set(), "U": {(1, 1)}, "V": set()},
        requests=[
            R("a-no-period", "T", "A", ("B",), 2),  # B has one free period, two asked
            R("b-load", "U", "C", ("D",), 2),  # U teaches 1, limit 2: room for one
            R("c-taken1", "V", "E", ("C",), 1),
        ],
        max_load=2,
    )
    reasons = {u.request_id: (u.missing, u.reason) for u in plan.unplaced}
    assert reasons["a-no-period"] == (1, "no_common_period")
    assert reasons["b-load"] == (1, "load_limit")
    assert plan.summary["violations"] == 0


def test_taken_when_other_synchronous_lessons_hold_the_common_periods():
    plan = schedule_lessons(
        days=1,
        periods=1,
        classes={"A": set(), "B": set(), "C": set()},
        teachers={"T": set(), "U": set()},
        requests=[R("r1", "T", "A", ("B",), 1), R("r2", "U", "C", ("B",), 1)],
    )
    got = [r for r in ("r1", "r2") if plan.placed[r] == [(1, 1)]]
    assert len(got) == 1  # B has one free period: one of the two gets it
    other = "r2" if got == ["r1"] else "r1"
    assert [(u.request_id, u.reason) for u in plan.unplaced] == [(other, "taken")]


def test_one_teacher_may_broadcast_to_several_member_classes_at_once():
    plan = schedule_lessons(
        days=1,
        periods=3,
        classes={"A": set(), "B": {(1, 1)}, "C": {(1, 2)}},
        teachers={"T": set()},
        requests=[R("r", "T", "A", ("B", "C"), 1)],
    )
    assert plan.placed["r"] == [(1, 3)]


@pytest.mark.parametrize(
    ("request_", "column"),
    [
        (R("r", "X", "A", ("B",)), "teacher_id"),
        (R("r", "T", "Z", ("B",)), "class"),
        (R("r", "T", "A", ()), "member_classes"),
        (R("r", "T", "A", ("A",)), "member_classes"),
        (R("r", "T", "A", ("B",), -1), "per_week"),
    ],
)
def test_bad_requests_raise_with_the_row_and_column(request_, column):
    with pytest.raises(InputError, match=f"column '{column}'") as e:
        schedule_lessons(
            days=1,
            periods=1,
            classes={"A": set(), "B": set()},
            teachers={"T": set()},
            requests=[request_],
        )
    assert e.value.column == column and e.value.row == 2


def test_duplicate_requests_and_periods_outside_the_week_are_refused():
    with pytest.raises(InputError, match="duplicate"):
        schedule_lessons(
            days=1,
            periods=1,
            classes={"A": set(), "B": set()},
            teachers={"T": set()},
            requests=[R("r", "T", "A", ("B",)), R("r", "T", "A", ("B",))],
        )
    with pytest.raises(InputError, match="outside"):
        schedule_lessons(
            days=1, periods=1, classes={"A": {(2, 1)}}, teachers={"T": set()}, requests=[]
        )


@st.composite
def weeks(draw):
    days = draw(st.integers(1, 3))
    periods = draw(st.integers(1, 3))
    slots = week(days, periods)
    n_classes = draw(st.integers(2, 5))
    classes = {f"C{i}": set(draw(st.sets(st.sampled_from(slots)))) for i in range(n_classes)}
    teachers = {
        f"T{i}": set(draw(st.sets(st.sampled_from(slots)))) for i in range(draw(st.integers(1, 3)))
    }
    requests = []
    for k in range(draw(st.integers(0, 4))):
        core = draw(st.sampled_from(sorted(classes)))
        members = draw(
            st.lists(
                st.sampled_from(sorted(set(classes) - {core})), min_size=1, max_size=2, unique=True
            )
        )
        requests.append(
            R(
                f"r{k}",
                draw(st.sampled_from(sorted(teachers))),
                core,
                tuple(members),
                draw(st.integers(0, 3)),
            )
        )
    max_load = draw(st.integers(0, 6))
    return days, periods, classes, teachers, requests, max_load


def _brute_force_most(days, periods, classes, teachers, requests, max_load):
    """The most lessons any valid timetable places, by enumerating slot subsets."""
    options = []
    for r in requests:
        free = common_free(r, days, periods, classes, teachers)
        per_day = math.ceil(r.per_week / days) if r.per_week else 0
        opts = []
        for n in range(0, r.per_week + 1):
            for combo in itertools.combinations(free, n):
                if all(sum(1 for s in combo if s[0] == d) <= per_day for d in range(1, days + 1)):
                    opts.append(list(combo))
        options.append(opts)
    best = 0
    for choice in itertools.product(*options):
        placed = {r.request_id: c for r, c in zip(requests, choice, strict=True)}
        if not check_timetable(
            days=days,
            periods=periods,
            classes=classes,
            teachers=teachers,
            requests=requests,
            placed=placed,
            max_load=max_load,
        ):
            best = max(best, sum(len(c) for c in choice))
    return best


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weeks())
def test_timetables_never_double_book_and_place_the_most_lessons_possible(case):
    days, periods, classes, teachers, requests, max_load = case
    plan = schedule_lessons(
        days=days,
        periods=periods,
        classes=classes,
        teachers=teachers,
        requests=requests,
        max_load=max_load,
    )
    assert plan.violations == []
    used_class, used_teacher = set(), set()
    for r in requests:
        for s in plan.placed[r.request_id]:
            assert s not in teachers[r.teacher_id]
            assert (r.teacher_id, s) not in used_teacher
            used_teacher.add((r.teacher_id, s))
            for c in (r.core_class, *r.member_classes):
                assert s not in classes[c] and (c, s) not in used_class
                used_class.add((c, s))
    for t, busy in teachers.items():
        sync = sum(len(plan.placed[r.request_id]) for r in requests if r.teacher_id == t)
        assert sync == 0 or len(busy) + sync <= max_load
    assert plan.summary["placed"] == _brute_force_most(*case)
    missing = {u.request_id: u.missing for u in plan.unplaced}
    for r in requests:
        assert len(plan.placed[r.request_id]) + missing.get(r.request_id, 0) == r.per_week


@settings(max_examples=40, deadline=None)
@given(weeks())
def test_same_inputs_same_timetable(case):
    days, periods, classes, teachers, requests, max_load = case
    kw = {"days": days, "periods": periods, "classes": classes, "teachers": teachers}
    kw["max_load"] = max_load
    a = schedule_lessons(requests=requests, **kw)
    b = schedule_lessons(requests=list(reversed(requests)), **kw)
    assert a.placed == b.placed and a.unplaced == b.unplaced


def test_pair_requests_take_the_core_classes_in_turn_and_their_teachers():
    classes = {"C": {4: ["C-4-1", "C-4-2"]}, "M1": {4: ["M1-4-1"]}, "M2": {4: ["M2-4-1"]}, "M3": {}}
    teaching = {("C-4-1", "math"): "T1", ("C-4-2", "math"): "T2"}
    reqs, skipped = pair_requests(
        [("M1", "C", "primary"), ("M2", "C", "primary"), ("M3", "C", "primary")],
        classes,
        teaching,
        subjects={"primary": ("math", "art")},
        staff={("C", "art"): ["T9"]},
    )
    got = {(r.request_id, r.teacher_id, r.core_class, r.member_classes) for r in reqs}
    assert got == {
        ("M1:C:math", "T1", "C-4-1", ("M1-4-1",)),
        ("M1:C:art", "T9", "C-4-1", ("M1-4-1",)),
        ("M2:C:math", "T2", "C-4-2", ("M2-4-1",)),
        ("M2:C:art", "T9", "C-4-2", ("M2-4-1",)),
    }
    assert skipped == [("M3", "math", "no_class"), ("M3", "art", "no_class")]


def test_on_the_synthetic_county_every_requested_lesson_is_placed(tmp_path):
    from junheng.commands.pair import read_schools
    from junheng.engines.io import frame_bytes
    from junheng.engines.pairing import pair_schools
    from junheng.synth import generate
    from junheng.synth.build import pairing_frame
    from junheng.synth.timetables import DAYS, WEEK_PERIODS, engine_inputs, make_timetables

    region = generate("county", "sync-test")
    (tmp_path / "pairing.csv").write_bytes(frame_bytes(pairing_frame(region)))
    schools = read_schools(str(tmp_path / "pairing.csv"))
    plan = pair_schools(schools)
    level = {s.school_id: s.level for s in schools}

    def lv(m, c):
        v = level[m] if level[m] != "nine_year" else level[c]
        return "junior" if v == "junior" else "primary"

    tt = make_timetables(region)
    classes, teachers, by_school, teaching = engine_inputs(region, tt)
    assert not tt.duplicated(["teacher_id", "day", "period"]).any()
    assert not tt.duplicated(["school_id", "grade", "class", "day", "period"]).any()
    reqs, skipped = pair_requests(
        [(p.member_id, p.core_id, lv(p.member_id, p.core_id)) for p in plan.pairs],
        by_school,
        teaching,
    )
    assert len(reqs) >= 60 and all(why == "no_class" for _m, _s, why in skipped)
    out = schedule_lessons(
        days=DAYS, periods=WEEK_PERIODS, classes=classes, teachers=teachers, requests=reqs
    )
    assert out.summary["placed"] == len(reqs) and out.violations == [] and out.optimal
    primary = [r for r in reqs if int(r.core_class.split("-")[1]) <= 6]
    assert all(p <= 7 for r in primary for _d, p in out.placed[r.request_id])
