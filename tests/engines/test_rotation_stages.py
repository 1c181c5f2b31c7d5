"""The rotation engine's stages, the number of movers the bureau chooses, and the trade-off."""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path

import pytest

from junheng.cli import main
from junheng.engines.io import InputError
from junheng.engines.rotation import (
    RotationNeed,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    check_rotation,
    plan_rotation,
    plan_tradeoff,
)
from junheng.engines.rotation import plan as plan_module
from junheng.engines.rotation.construct import construct
from junheng.engines.rotation.exact import solve_exact
from junheng.engines.rotation.problem import build_problem
from junheng.engines.rotation.search import Search, SearchResult
from junheng.engines.rotation.state import State

Sch = RotationSchool
T = RotationTeacher
N = RotationNeed


def county(schools: int = 8, per_school: int = 12) -> tuple[list[Sch], list[T], list[N]]:
    """Urban schools hold the backbone teachers; every teacher eligible; maths needs tight."""
    out_s: list[Sch] = []
    out_t: list[T] = []
    n = 0
    for i in range(schools):
        urban = i < schools // 2
        sid = f"S{i}"
        out_s.append(Sch(sid, "primary", "urban" if urban else "rural", 300 + 40 * i, i * 3.0, 0))
        for k in range(per_school):
            n += 1
            subject = ("math", "chinese", "english")[k % 3]
            out_t.append(
                T(
                    f"T{n:03d}",
                    sid,
                    subject,
                    6 + (n * 5) % 9,
                    30 + n % 20,
                    backbone=urban and k < 5,
                    qualified=urban or k % 2 == 0,
                )
            )
    staff: dict[tuple[str, str], int] = {}
    for t in out_t:
        staff[(t.school_id, t.subject)] = staff.get((t.school_id, t.subject), 0) + 1
    needs = [N(s, subj, c if subj == "math" else c - 1) for (s, subj), c in sorted(staff.items())]
    return out_s, out_t, needs


def test_without_a_target_the_plan_moves_the_floor_and_no_more():
    s, t, n = county()
    plan = plan_rotation(s, t, n, rules=RotationRules(share=0.10), time_limit_s=10)
    assert plan.summary["eligible"] == 96
    assert plan.summary["moved"] == 10  # ceil(0.10 × 96), not "as many as lower the CV"
    assert plan.summary["target"] == 10
    assert plan.summary["violations"] == 0


@pytest.mark.parametrize("target,expected", [(0.2, 20), (0.25, 24), (0.31, 30)])
def test_a_target_share_moves_that_many(target, expected):
    s, t, n = county()
    rules = RotationRules(share=0.10, target_share=target)
    plan = plan_rotation(s, t, n, rules=rules, time_limit_s=10)
    assert plan.summary["moved"] == expected
    assert check_rotation(s, t, n, rules, plan.moves) == []


def test_a_target_below_the_floor_is_held_at_the_floor_and_above_the_ceiling_at_the_ceiling():
    s, t, n = county()
    low = plan_rotation(s, t, n, rules=RotationRules(share=0.2, target_share=0.05))
    assert low.summary["moved"] == 20
    high = RotationRules(share=0.1, target_share=0.5, max_share=0.25)
    assert plan_rotation(s, t, n, rules=high).summary["moved"] == 24


def test_with_only_a_ceiling_the_plan_stays_between_floor_and_ceiling():
    s, t, n = county()
    rules = RotationRules(share=0.1, max_share=0.3)
    plan = plan_rotation(s, t, n, rules=rules, time_limit_s=10)
    assert 10 <= plan.summary["moved"] <= 28
    assert plan.summary["target"] is None
    assert check_rotation(s, t, n, rules, plan.moves) == []


def test_a_ceiling_below_the_floor_is_refused():
    s, t, n = county()
    with pytest.raises(InputError, match="ceiling 0.05 is below the floor"):
        plan_rotation(s, t, n, rules=RotationRules(share=0.1, max_share=0.05))


def test_more_movers_buy_a_lower_backbone_cv():
    s, t, n = county()
    seen: list[int] = []
    rows = plan_tradeoff(
        s, t, n, rules=RotationRules(share=0.1), time_limit_s=20, on_row=lambda i, r: seen.append(i)
    )
    assert seen == [0, 1, 2, 3, 4]
    assert [r["share"] for r in rows] == [0.1, 0.15, 0.2, 0.25, 0.3]
    assert [r["moved"] for r in rows] == [10, 15, 20, 24, 29]
    assert all(r["violations"] == 0 for r in rows)
    assert all(r["backbone_moved"] >= math.ceil(0.2 * r["moved"]) for r in rows)
    cv = [r["cv_backbone_after"] for r in rows]
    assert cv[-1] < cv[0] < rows[0]["cv_backbone_before"]


def test_a_target_beyond_what_the_rules_allow_moves_as_many_as_they_allow():
    s, t, n = county(schools=4)
    # 70% of the movers backbone, 10 backbone teachers: at most 14 movers, 30% of 48 asks 15
    rules = RotationRules(share=0.1, backbone_share=0.7)
    rows = plan_tradeoff(s, t, n, rules=rules, time_limit_s=60)
    assert (rows[-1]["target"], rows[-1]["moved"]) == (15, 14)
    assert all(r["violations"] == 0 for r in rows)


def test_tradeoff_rows_whose_rules_cannot_hold_say_why():
    s, t, n = county(schools=4)
    rules = RotationRules(share=0.1, backbone_share=0.7, backbone_basis="eligible")
    rows = plan_tradeoff(s, t, n, rules=rules, time_limit_s=5)
    assert all("backbone share 0.7 of eligible teachers needs 34" in r["error"] for r in rows)


def test_same_seed_same_bytes_and_every_seed_keeps_the_rules():
    s, t, n = county()
    rules = RotationRules(target_share=0.2)
    a = plan_rotation(s, t, n, rules=rules, seed="2026", bound=False)
    b = plan_rotation(s, t, n, rules=rules, seed="2026", bound=False)
    assert a.out_bytes() == b.out_bytes()
    for seed in ("", "x", "another"):
        p = plan_rotation(s, t, n, rules=rules, seed=seed, bound=False)
        assert check_rotation(s, t, n, rules, p.moves) == []


def test_summary_reports_stage_first_plan_and_gap_to_the_bound():
    s, t, n = county()
    plan = plan_rotation(s, t, n, time_limit_s=30)
    sm = plan.summary
    assert sm["stage"] in ("construct", "search")
    assert 0 <= sm["time_to_first_plan_s"] <= 30
    assert sm["gap"] is not None and 0 <= sm["gap"] < 0.5
    assert plan.solver["bound"]["status"] == "optimal"
    assert plan_rotation(s, t, n, bound=False).summary["gap"] is None


def test_the_search_stops_at_the_deadline_and_keeps_the_best_plan():
    s, t, n = county()
    pb = build_problem(s, t, n, RotationRules(target_share=0.2), {}, [])
    st = State(pb)
    construct(pb, st)
    start = st.key()
    res = Search(
        pb, st, seed=1, iterations=10**9, patience=10**9, deadline=time.perf_counter() - 1
    ).run()
    assert res.stopped_by == "time"
    assert res.key <= start and res.key[0] == 0


def test_the_construct_alone_keeps_every_rule_on_tight_needs():
    s, t, n = county()
    rules = RotationRules(target_share=0.25)
    pb = build_problem(s, t, n, rules, {}, [])
    st = State(pb)
    construct(pb, st)
    assert st.violations() == 0 and st.movers_count == 24
    assert check_rotation(s, t, n, rules, pb.moves_of(st.dest)) == []


def test_locked_moves_that_unbalance_a_school_are_repaired():
    s, t, n = county()
    # two teachers locked from S0 to S5: S5 must send two back (not necessarily to S0)
    plan = plan_rotation(s, t, n, locked={"T001": "S5", "T002": "S5"}, time_limit_s=10)
    assert plan.moves["T001"] == ("S0", "S5") and plan.moves["T002"] == ("S0", "S5")
    assert check_rotation(s, t, n, RotationRules(), plan.moves, locked={"T001": "S5"}) == []


def test_the_exact_stage_finds_a_plan_when_the_search_cannot(monkeypatch):
    s, t, n = county()

    def hopeless(self: Search) -> SearchResult:
        return SearchResult(dest=list(self.pb.home), key=(5, 0, 0.0))

    monkeypatch.setattr(plan_module.Search, "run", hopeless)
    monkeypatch.setattr(plan_module, "_greedy_guard", lambda pb, dest, stage, *a: (dest, stage, {}))
    plan = plan_rotation(s, t, n, time_limit_s=20)
    assert plan.summary["stage"] == "exact"
    assert plan.summary["violations"] == 0
    assert plan.solver["exact"]["status"] in ("OPTIMAL", "FEASIBLE")


def exchange_impossible() -> tuple[list[Sch], list[T], list[N]]:
    """A keeps both maths teachers, B both Chinese teachers: no exchange keeps both needs."""
    schools = [Sch("A", "primary", "urban", 100, 0, 0), Sch("B", "primary", "rural", 100, 5, 0)]
    teachers = [
        T("T1", "A", "math", 10, 40, True, True),
        T("T2", "A", "math", 10, 40, False, True),
        T("T3", "B", "chinese", 10, 40, False, True),
        T("T4", "B", "chinese", 10, 40, False, True),
    ]
    return schools, teachers, [N("A", "math", 2), N("B", "chinese", 2)]


def test_a_contradiction_only_cp_sat_proves_names_the_school_and_subject():
    s, t, n = exchange_impossible()
    with pytest.raises(
        InputError, match="the rules cannot all hold together within --max-km 30"
    ) as err:
        plan_rotation(s, t, n, rules=RotationRules(share=0.5, backbone_share=0), time_limit_s=10)
    msg = str(err.value)
    assert "cannot all hold together" in msg
    assert "school A keeps 2 math teachers" in msg or "school B keeps 2 chinese teachers" in msg
    assert "movers" in msg


def test_solve_exact_returns_a_plan_that_keeps_the_rules():
    s, t, n = county()
    rules = RotationRules(target_share=0.2)
    pb = build_problem(s, t, n, rules, {}, [])
    dest, info = solve_exact(pb, time.perf_counter() + 20)
    assert dest is not None and info["status"] == "OPTIMAL"
    assert check_rotation(s, t, n, rules, pb.moves_of(dest)) == []


def test_a_locked_school_nobody_can_reach_is_named():
    schools = [
        Sch("A", "primary", "urban", 100, 0, 0),
        Sch("B", "primary", "rural", 100, 5, 0),
        Sch("C", "primary", "rural", 100, 50, 0),
    ]
    teachers = [
        T("T1", "A", "math", 10, 40, True, True),
        T("T2", "B", "math", 10, 40, False, True),
        T("T3", "C", "math", 3, 40, False, True),  # not eligible: nobody can go to C from B
    ]
    rules = RotationRules(share=0, backbone_share=0, max_km=60)
    with pytest.raises(InputError, match="school A sends 1 more locked teachers away"):
        plan_rotation(schools, teachers, [], rules=rules, locked={"T1": "C", "T2": "B"})


def write(tmp: Path) -> list[str]:
    s, t, n = county()
    with open(tmp / "s.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["school_id", "level", "urban_rural", "students", "x_km", "y_km"])
        w.writerows([x.school_id, x.level, x.urban_rural, x.students, x.x_km, x.y_km] for x in s)
    with open(tmp / "t.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["teacher_id", "school_id", "subject", "years_at_school", "age", "backbone"]
            + ["qualified"]
        )
        w.writerows(
            [x.teacher_id, x.school_id, x.subject, x.years_at_school, x.age]
            + [int(x.backbone), int(x.qualified)]
            for x in t
        )
    with open(tmp / "n.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["school_id", "subject", "required"])
        w.writerows([x.school_id, x.subject, x.required] for x in n)
    return [
        "rotate",
        "--schools",
        str(tmp / "s.csv"),
        "--teachers",
        str(tmp / "t.csv"),
        "--needs",
        str(tmp / "n.csv"),
        "--out",
        str(tmp / "out.csv"),
        "--time-limit",
        "20",
    ]


def test_cli_target_share_seed_and_tradeoff_file(tmp_path, capsys):
    args = write(tmp_path)
    extra = ["--target-share", "0.2", "--seed", "s1", "--tradeoff", str(tmp_path / "to.csv")]
    assert main([*args, *extra]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["moved"] == 20 and summary["target"] == 20
    first = (tmp_path / "out.csv").read_bytes()
    rows = list(csv.DictReader((tmp_path / "to.csv").open()))
    assert [r["share"] for r in rows] == ["0.1", "0.15", "0.2", "0.25", "0.3"]
    assert rows[2]["moved"] == "20" and rows[2]["error"] == ""
    assert main([*args, *extra[:4], "--no-bound"]) == 0
    assert (tmp_path / "out.csv").read_bytes() == first  # same seed, same bytes
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["gap"] is None


def test_cli_a_proven_contradiction_exits_2_naming_school_and_subject(tmp_path, capsys):
    args = write(tmp_path)
    text = (tmp_path / "n.csv").read_text().replace("S3,math,4", "S3,math,40")
    (tmp_path / "n.csv").write_text(text)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "school S3 needs 40 math teachers but has 4" in err
    assert not (tmp_path / "out.csv").exists()


def test_the_guard_keeps_a_backbone_cv_no_higher_than_plain_greedy_swaps():
    """A plan that ignored the backbone CV (built for the qualified CV alone) goes through the
    guard: the plan kept keeps every rule, moves the target, and its backbone CV is at most
    that of plain same-subject greedy swaps on CV_b² + CV_q²."""
    import dataclasses

    s, t, n = county()
    rules = RotationRules(share=0.2, backbone_share=0.0)
    pb = build_problem(s, t, n, rules, {}, [])
    blind = State(dataclasses.replace(pb, cb=0.0))
    construct(dataclasses.replace(pb, cb=0.0), blind)
    plain = dataclasses.replace(pb, cb=pb.cb / plan_module.BACKBONE_WEIGHT)
    greedy = State(plain)
    construct(plain, greedy, travel_cost=False)
    greedy_bb = plan_module.backbone_term(pb, plan_module._state_of(pb, greedy.dest))
    blind_st = plan_module._state_of(pb, blind.dest)
    assert plan_module.backbone_term(pb, blind_st) > greedy_bb  # the guard has work to do
    dest, stage, info = plan_module._greedy_guard(
        pb, list(blind.dest), "search", "", 4000, time.perf_counter() + 30
    )
    kept = plan_module._state_of(pb, dest)
    assert info["used"] and stage in ("greedy", "search")
    assert kept.violations() == 0 and kept.movers_count == pb.target
    assert plan_module.backbone_term(pb, kept) <= greedy_bb * (1 + 1e-9)
