"""Education-community pairing (junheng.engines.pairing, `junheng pair`)."""

from __future__ import annotations

import hashlib
import json
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.cli import main
from junheng.engines.balance import BalanceSchool
from junheng.engines.io import InputError
from junheng.engines.pairing import (
    LEVELS,
    PairRules,
    PairSchool,
    brute_force_pairing,
    capacity_of,
    check_pairing,
    indicator_strength,
    is_local,
    levels_match,
    nearest_core_pairing,
    pair_schools,
    plan_key,
    school_strengths,
)

S = PairSchool
HEADER = "school_id,level,urban_rural,students,x_km,y_km,strength,role,capacity,region\n"


def core(sid, x=0.0, strength=90.0, level="primary", cap=None, region=""):
    return S(sid, level, "urban", 1000, x, 0.0, strength, "core", cap, region)


def member(sid, x=0.0, strength=50.0, level="primary", region=""):
    return S(sid, level, "rural", 100, x, 0.0, strength, "member", None, region)


# --------------------------------------------------------------------------- worked examples


def test_weakest_member_gets_the_strongest_core_even_when_it_is_farther():
    # M1 (40) is weakest: with C1 (90) it is lifted 50, but then M2 (60) gets C2 (70), lift 10.
    # Leximin pairs M1–C2 (30) and M2–C1 (30): the smallest lift is 30 instead of 10.
    plan = pair_schools(
        [core("C1", 0, 90), core("C2", 4, 70), member("M1", 1, 40), member("M2", 3, 60)],
        PairRules(capacity=1),
    )
    assert [(p.member_id, p.core_id, p.lift) for p in plan.pairs] == [
        ("M1", "C2", 30.0),
        ("M2", "C1", 30.0),
    ]
    s = plan.summary
    assert (s["paired"], s["unpaired"], s["min_lift"], s["mean_lift"]) == (2, 0, 30.0, 30.0)
    assert (s["local"], s["remote"], s["violations"]) == (2, 0, 0)
    assert s["mean_km_local"] == 3.0


def test_pairing_as_many_members_comes_before_the_lift():
    # C1 is the only core M2 can reach; pairing M1 with C1 would lift it more but leave M2 out.
    schools = [
        core("C1", 0, 90),
        core("C2", 30, 60),
        member("M1", 15, 30),
        member("M2", -10, 80),
    ]
    plan = pair_schools(schools, PairRules(capacity=1, max_km=20))
    assert {(p.member_id, p.core_id) for p in plan.pairs} == {("M1", "C2"), ("M2", "C1")}


def test_after_the_smallest_lift_the_count_at_that_level_is_least():
    # Both members with A gives lifts [10, 10]; one with B gives [10, 50]: same smallest lift,
    # fewer pairs at it. (A plain max-min objective could stop at either.)
    schools = [
        core("A", 0, 60, cap=2),
        core("B", 30, 100, cap=1),
        member("X", 10, 50),
        member("Y", 10, 50),
    ]
    plan = pair_schools(schools, PairRules(max_km=25))
    assert sorted(p.lift for p in plan.pairs) == [10.0, 50.0]
    # equal in every goal: the smaller member id gets the smaller core id
    assert {(p.member_id, p.core_id) for p in plan.pairs} == {("X", "A"), ("Y", "B")}


def test_local_pairs_are_preferred_then_the_shortest():
    schools = [
        core("C1", 0, 90, cap=1),
        core("C2", 50, 90, cap=1),
        member("M1", 5, 50),
        member("M2", 8, 50),
    ]
    plan = pair_schools(schools, PairRules(capacity=1, max_km=20, remote=1))
    modes = {p.member_id: (p.core_id, p.mode) for p in plan.pairs}
    # one local place within 20 km (C1); the nearer member takes it, the other goes remote
    # (to C1 as well: remote places do not care for distance, and C1 is the smaller id)
    assert modes == {"M1": ("C1", "local"), "M2": ("C1", "remote")}
    assert plan.summary["mean_km_local"] == 5.0


def test_nine_year_schools_match_either_level_and_others_only_their_own():
    assert levels_match("primary", "primary") and levels_match("nine_year", "junior")
    assert levels_match("primary", "nine_year") and not levels_match("primary", "junior")
    schools = [core("C1", 0, 90, "junior"), member("M1", 1, 40, "primary")]
    assert pair_schools(schools).pairs == []
    schools = [core("C1", 0, 90, "nine_year"), member("M1", 1, 40, "primary")]
    assert [p.core_id for p in pair_schools(schools).pairs] == ["C1"]


def test_local_pairs_stay_inside_a_region_and_remote_ones_do_not_need_to():
    schools = [core("C1", 0, 90, region="北区"), member("M1", 1, 40, region="南区")]
    assert pair_schools(schools).pairs == []
    plan = pair_schools(schools, PairRules(remote=1))
    assert [(p.core_id, p.mode, p.km) for p in plan.pairs] == [("C1", "remote", 1.0)]


def test_a_core_takes_its_own_capacity_and_zero_means_none_local():
    schools = [core("C1", 0, 90, cap=0), core("C2", 1, 80), member("M1", 0.5, 40)]
    assert [p.core_id for p in pair_schools(schools).pairs] == ["C2"]
    assert capacity_of(schools[0], PairRules()) == 0 and capacity_of(schools[1], PairRules()) == 3


def test_locked_and_forbidden_pairs_are_honoured():
    schools = [core("C1", 0, 90), core("C2", 1, 60), member("M1", 0, 40), member("M2", 0, 50)]
    free = pair_schools(schools, PairRules(capacity=1))
    assert {(p.member_id, p.core_id) for p in free.pairs} == {("M1", "C2"), ("M2", "C1")}
    locked = pair_schools(schools, PairRules(capacity=1), locked={"M1": "C1"})
    assert {(p.member_id, p.core_id) for p in locked.pairs} == {("M1", "C1"), ("M2", "C2")}
    forbid = pair_schools(schools, PairRules(capacity=2), forbidden=[("M2", "C1")])
    assert ("M2", "C1") not in {(p.member_id, p.core_id) for p in forbid.pairs}
    assert forbid.summary["violations"] == 0


def test_a_lock_with_a_low_lift_does_not_lower_the_others():
    schools = [
        core("C1", 0, 50, cap=2),
        core("C2", 0, 90, cap=2),
        member("M1", 0, 45),
        member("M2", 0, 40),
        member("M3", 0, 60),
    ]
    plan = pair_schools(schools, PairRules(), locked={"M1": "C1"})
    got = {p.member_id: p.core_id for p in plan.pairs}
    assert got == {"M1": "C1", "M2": "C2", "M3": "C2"}
    assert plan.summary["min_lift"] == 5.0


def test_locks_beyond_a_cores_capacity_are_refused():
    schools = [core("C1", 0, 90, cap=1), member("M1"), member("M2")]
    with pytest.raises(InputError, match="capacit"):
        pair_schools(schools, locked={"M1": "C1", "M2": "C1"})


def test_bad_schools_raise_with_the_row():
    with pytest.raises(InputError, match="duplicate school 'C1'") as e:
        pair_schools([core("C1"), core("C1")])
    assert (e.value.row, e.value.column) == (3, "school_id")
    with pytest.raises(InputError, match="unknown level 'senior'") as e:
        pair_schools([core("C1"), S("M1", "senior", "rural", 1, 0, 0, 1, "member")])
    assert (e.value.row, e.value.column) == (3, "level")
    with pytest.raises(InputError, match="unknown role 'partner'") as e:
        pair_schools([core("C1"), S("M1", "primary", "rural", 1, 0, 0, 1, "partner")])
    assert e.value.column == "role"
    with pytest.raises(InputError, match="must be ≥ 0, got -1") as e:
        pair_schools([core("C1", cap=-1)])
    assert e.value.column == "capacity"


def test_empty_and_coreless_regions_pair_nothing():
    assert pair_schools([]).summary["paired"] == 0
    plan = pair_schools([member("M1"), member("M2")])
    assert plan.summary == {**plan.summary, "members": 2, "cores": 0, "paired": 0, "unpaired": 2}
    assert plan.summary["min_lift"] is None and plan.summary["mean_km_local"] is None


# --------------------------------------------------------------------------- strength


def test_strength_is_one_hundred_at_the_thresholds_and_capped_above():
    at = (4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3)
    assert indicator_strength("primary", at) == pytest.approx(100.0)
    lavish = (4.2 * 10, *at[1:])
    assert indicator_strength("primary", lavish) == pytest.approx(100.0 + 50.0 / 7)


def test_school_strength_weights_a_nine_year_schools_parts_and_blends_results():
    rows = [
        BalanceSchool("A", "primary", 1000, 42, 10, 9, 4500, 7500, 2_000_000, 23),
        BalanceSchool("B", "primary", 100, 2.1, 0.5, 0.45, 225, 375, 100_000, 1.15),
        BalanceSchool("B", "junior", 300, 15.9, 3, 2.7, 1740, 3060, 750_000, 7.2),
    ]
    s = school_strengths(rows)
    assert s["A"] == 100.0
    assert s["B"] == pytest.approx((50.0 * 100 + 100.0 * 300) / 400, abs=0.01)
    blended = school_strengths(rows, {"A": 60.0}, results_weight=0.25)
    assert blended["A"] == 90.0 and blended["B"] == s["B"]


# --------------------------------------------------------------------------- properties


@st.composite
def regions(draw, max_members=5, max_cores=3):
    n_c = draw(st.integers(1, max_cores))
    n_m = draw(st.integers(0, max_members))
    schools = []
    ids = draw(st.permutations([f"S{i:02d}" for i in range(n_c + n_m)]))
    for k, sid in enumerate(ids):
        schools.append(
            S(
                sid,
                draw(st.sampled_from(LEVELS)),
                "urban",
                100,
                draw(st.floats(0, 30)),
                draw(st.floats(0, 30)),
                float(draw(st.integers(0, 10)) * 10 + draw(st.sampled_from([0, 0, 0.5]))),
                "core" if k < n_c else "member",
                draw(st.sampled_from([None, 0, 1, 2])),
                draw(st.sampled_from(["", "", "east"])),
            )
        )
    rules = PairRules(
        capacity=draw(st.integers(0, 2)),
        max_km=draw(st.sampled_from([5.0, 15.0, 40.0])),
        remote=draw(st.integers(0, 2)),
    )
    return schools, rules


def _reachable(m, c, rules):
    return levels_match(m.level, c.level)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions())
def test_plans_break_no_rule_and_leave_no_member_that_could_still_be_paired(case):
    schools, rules = case
    plan = pair_schools(schools, rules)
    assert check_pairing(schools, rules, plan.pairs) == []
    by_id = {s.school_id: s for s in schools}
    local = {c.school_id: 0 for c in schools if c.role == "core"}
    remote = dict(local)
    for p in plan.pairs:
        (local if p.mode == "local" else remote)[p.core_id] += 1
    for cid in local:  # capacity is never exceeded
        assert local[cid] <= capacity_of(by_id[cid], rules) and remote[cid] <= rules.remote
    paired = {p.member_id for p in plan.pairs}
    for m in (s for s in schools if s.role == "member" and s.school_id not in paired):
        for c in (s for s in schools if s.role == "core"):
            # every core this member could reach is full in every mode it could use
            if is_local(c, m, rules):
                assert local[c.school_id] >= capacity_of(c, rules)
            if levels_match(m.level, c.level):
                assert remote[c.school_id] >= rules.remote


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions())
def test_small_cases_reach_the_exact_optimum_of_brute_force(case):
    schools, rules = case
    plan = pair_schools(schools, rules)
    assert plan_key(plan.pairs) == plan_key(brute_force_pairing(schools, rules))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions(), st.randoms(use_true_random=False))
def test_same_schools_in_any_order_give_the_same_bytes(case, rnd):
    schools, rules = case
    shuffled = list(schools)
    rnd.shuffle(shuffled)
    assert pair_schools(shuffled, rules).out_bytes() == pair_schools(schools, rules).out_bytes()


def test_continuous_strengths_with_many_levels_still_match_brute_force():
    rng = random.Random(7)
    for _ in range(120):
        n_c, n_m = rng.randint(1, 3), rng.randint(2, 6)
        schools = [
            S(
                f"S{i}",
                rng.choice(["primary", "primary", "nine_year"]),
                "urban",
                100,
                rng.uniform(0, 30),
                rng.uniform(0, 30),
                round(rng.uniform(0, 100), 2),
                "core" if i < n_c else "member",
                rng.choice([None, 1, 2]),
            )
            for i in range(n_c + n_m)
        ]
        rules = PairRules(capacity=rng.randint(1, 2), max_km=25, remote=rng.randint(0, 1))
        plan = pair_schools(schools, rules)
        assert plan_key(plan.pairs) == plan_key(brute_force_pairing(schools, rules))


def test_batched_leximin_levels_are_exact_when_only_one_level_fits_a_batch(monkeypatch):
    import junheng.engines.pairing as engine

    monkeypatch.setattr(engine, "_INT_BUDGET", 50)  # one level per stage
    rng = random.Random(11)
    for _ in range(60):
        schools = [
            S(
                f"S{i}",
                "primary",
                "urban",
                100,
                rng.uniform(0, 20),
                0,
                round(rng.uniform(0, 99)),
                "core" if i < 2 else "member",
                rng.choice([1, 2]),
            )
            for i in range(7)
        ]
        rules = PairRules(capacity=2, max_km=15, remote=1)
        plan = engine.pair_schools(schools, rules)
        assert plan_key(plan.pairs) == plan_key(brute_force_pairing(schools, rules))


def test_nearest_core_baseline_keeps_the_rules_but_lifts_less():
    rng = random.Random(3)
    schools = [core(f"C{i}", rng.uniform(0, 20), rng.uniform(60, 100)) for i in range(4)] + [
        member(f"M{i}", rng.uniform(0, 20), rng.uniform(20, 70)) for i in range(10)
    ]
    rules = PairRules(capacity=3, max_km=25)
    near = nearest_core_pairing(schools, rules)
    best = pair_schools(schools, rules)
    assert check_pairing(schools, rules, near) == []
    assert len(best.pairs) >= len(near)
    assert plan_key(best.pairs) <= plan_key(near)


# --------------------------------------------------------------------------- the command


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


SCHOOLS = HEADER + (
    "C1,primary,urban,1200,0,0,90,core,,\n"
    "C2,primary,urban,900,4,0,70,core,1,\n"
    "M2,primary,rural,120,3,0,60,member,,\n"
    "M1,primary,rural,80,1,0,40,member,,\n"
    "J1,junior,rural,200,2,0,45,member,,\n"
)


def test_cli_writes_the_contract_file_and_summary(tmp_path, capsys):
    schools = _write(tmp_path, "schools.csv", SCHOOLS)
    out = tmp_path / "pairs.csv"
    assert main(["pair", "--schools", schools, "--capacity", "1", "--out", str(out)]) == 0
    assert out.read_bytes() == b"member_id,core_id,mode,km\nM1,C2,local,3.000\nM2,C1,local,3.000\n"
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(summary) == [
        "members",
        "cores",
        "paired",
        "unpaired",
        "min_lift",
        "mean_lift",
        "local",
        "remote",
        "mean_km_local",
        "violations",
        "result_sha256",
    ]
    assert summary["members"] == 3 and summary["paired"] == 2 and summary["unpaired"] == 1
    assert summary["min_lift"] == 30.0 and summary["violations"] == 0
    assert summary["result_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_cli_honours_locks_and_forbidden_pairs(tmp_path, capsys):
    schools = _write(tmp_path, "schools.csv", SCHOOLS)
    locks = _write(tmp_path, "locks.csv", "member_id,core_id\nM1,C1\n")
    forbid = _write(tmp_path, "forbid.csv", "member_id,core_id\nM2,C2\n")
    out = tmp_path / "pairs.csv"
    args = ["pair", "--schools", schools, "--locks", locks, "--forbid", forbid, "--out", str(out)]
    assert main(args) == 0
    rows = out.read_text().splitlines()[1:]
    assert "M1,C1,local,1.000" in rows and not any(r.startswith("M2,C2") for r in rows)


def test_cli_remote_pairs_need_the_remote_option(tmp_path, capsys):
    far = HEADER + "C1,junior,urban,900,0,0,90,core,,a\nJ1,junior,rural,100,60,0,40,member,,b\n"
    schools = _write(tmp_path, "schools.csv", far)
    out = tmp_path / "pairs.csv"
    assert main(["pair", "--schools", schools, "--out", str(out)]) == 0
    assert out.read_text() == "member_id,core_id,mode,km\n"
    assert main(["pair", "--schools", schools, "--remote", "1", "--out", str(out)]) == 0
    assert out.read_text() == "member_id,core_id,mode,km\nJ1,C1,remote,60.000\n"


def test_same_inputs_give_the_same_bytes_from_the_command(tmp_path, capsys):
    schools = _write(tmp_path, "schools.csv", SCHOOLS)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    main(["pair", "--schools", schools, "--out", str(a), "--seed", "x"])
    main(["pair", "--schools", schools, "--out", str(b), "--seed", "y"])
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (HEADER + "C1,primary,urban,1,0,0,90,core,,\nC1,primary,urban,1,0,0,80,core,,\n", "row 3"),
        (HEADER + "C1,primary,urban,1,0,0,90,boss,,\n", "column 'role'"),
        (HEADER + "C1,senior,urban,1,0,0,90,core,,\n", "column 'level'"),
        (HEADER + "C1,primary,urban,1,0,0,90,core,-1,\n", "column 'capacity'"),
        (HEADER + "C1,primary,urban,1,0,0,90,core,1.5,\n", "column 'capacity'"),
        (HEADER + "C1,primary,urban,1,0,0,strong,core,,\n", "column 'strength'"),
        (
            "school_id,level,urban_rural,students,x_km,y_km,role\nC1,primary,urban,1,0,0,core\n",
            "column 'strength'",
        ),
    ],
)
def test_cli_bad_schools_exit_2_naming_the_place_and_write_nothing(tmp_path, capsys, text, where):
    schools = _write(tmp_path, "schools.csv", text)
    out = tmp_path / "pairs.csv"
    assert main(["pair", "--schools", schools, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "schools.csv" in err and where in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schools.csv"]


def test_cli_bad_options_and_pair_files_exit_2(tmp_path, capsys):
    schools = _write(tmp_path, "schools.csv", SCHOOLS)
    out = tmp_path / "pairs.csv"
    assert main(["pair", "--schools", schools, "--capacity", "-1", "--out", str(out)]) == 2
    assert "--capacity" in capsys.readouterr().err
    locks = _write(tmp_path, "locks.csv", "member_id,core_id\nM1,C9\n")
    assert main(["pair", "--schools", schools, "--locks", locks, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "locks.csv" in err and "row 2" in err and "core_id" in err
    locks = _write(tmp_path, "locks.csv", "member_id,core_id\nJ1,C1\n")
    assert main(["pair", "--schools", schools, "--locks", locks, "--out", str(out)]) == 2
    assert "do not match" in capsys.readouterr().err
    locks = _write(tmp_path, "locks.csv", "member_id,core_id\nM1,C2\nM2,C2\n")
    assert main(["pair", "--schools", schools, "--locks", locks, "--out", str(out)]) == 2
    assert "capacit" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- the synthetic county


def test_on_the_synthetic_county_every_member_with_a_reachable_core_is_paired(tmp_path, capsys):
    from junheng.synth import generate, write

    write(generate("county", "pair-test"), tmp_path)
    out = tmp_path / "pairs.csv"
    assert main(["pair", "--schools", str(tmp_path / "pairing.csv"), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    from junheng.commands.pair import read_schools

    schools = read_schools(str(tmp_path / "pairing.csv"))
    rules = PairRules()
    cores = [s for s in schools if s.role == "core"]
    reachable = [
        m for m in schools if m.role == "member" and any(is_local(c, m, rules) for c in cores)
    ]
    assert summary["paired"] == len(reachable) > 0 and summary["violations"] == 0
    near = nearest_core_pairing(schools, rules)
    assert summary["min_lift"] > min(p.lift for p in near)
    assert math.isfinite(summary["mean_lift"])


def test_on_the_synthetic_city_the_districts_are_regions_and_every_reachable_member_is_paired(
    tmp_path, capsys
):
    """The city's pairing.csv (schools, teachers and facilities only: no students or market
    needed for it) through the command: each district its own region, all reachable paired."""
    import pandas as pd

    from junheng.commands.pair import read_schools
    from junheng.synth import build
    from junheng.synth.profiles import CITY

    seed = "pair-city"
    schools, _towns = build.make_schools(CITY, seed)
    cohorts = build.make_cells(schools, seed)
    build.add_facilities(schools, cohorts, seed)
    teachers = build.make_teachers(schools, cohorts, CITY, seed)
    empty = pd.DataFrame()
    region = build.Region(
        profile="city",
        seed=seed,
        county_code=CITY.county_code,
        county_name=CITY.county_name,
        school_year=CITY.school_year,
        schools=schools,
        cohorts=cohorts,
        teachers=teachers,
        students=empty,
        providers=empty,
        courses=empty,
        offerings=empty,
        choices=empty,
        high_schools=empty,
    )
    df = build.pairing_frame(region)
    assert len(df) == 603 and df.region.nunique() == len(CITY.clusters) > 1
    assert 0.25 <= (df.role == "core").mean() <= 0.4
    path = tmp_path / "pairing.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "pairs.csv"
    assert main(["pair", "--schools", str(path), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = read_schools(str(path))
    rules = PairRules()
    cores = [s for s in rows if s.role == "core"]
    reachable = [
        m for m in rows if m.role == "member" and any(is_local(c, m, rules) for c in cores)
    ]
    assert summary["paired"] == len(reachable) > 300 and summary["violations"] == 0
    near = nearest_core_pairing(rows, rules)
    assert summary["min_lift"] > min(p.lift for p in near)
