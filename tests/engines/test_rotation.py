"""Teacher rotation planner (junheng.engines.rotation, `junheng rotate`)."""

from __future__ import annotations

import hashlib
import json
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
    is_eligible,
    plan_rotation,
)

Sch = RotationSchool
T = RotationTeacher
N = RotationNeed


def pair() -> tuple[list[Sch], list[T], list[N]]:
    """A has both backbone maths teachers, B none; both 100 students, 5 km apart."""
    schools = [Sch("A", "primary", "urban", 100, 0, 0), Sch("B", "primary", "rural", 100, 5, 0)]
    teachers = [
        T("T1", "A", "math", 10, 40, True, True),
        T("T2", "A", "math", 7, 40, True, True),
        T("T3", "B", "math", 8, 40, False, True),
        T("T4", "B", "math", 12, 40, False, True),
    ]
    needs = [N("A", "math", 2), N("B", "math", 2)]
    return schools, teachers, needs


def test_pair_exchanges_one_backbone_teacher_for_one_other_by_hand():
    # Backbone per 100 students: A 2, B 0 (CV 1.0). One exchange gives 1 and 1 (CV 0); the
    # longest-serving teacher of each class moves (T1 with 10 years, T4 with 12).
    plan = plan_rotation(*pair(), rules=RotationRules(share=0.1), time_limit_s=30)
    assert plan.moves == {"T1": ("A", "B"), "T4": ("B", "A")}
    assert plan.out_bytes() == b"teacher_id,from_school,to_school\nT1,A,B\nT4,B,A\n"
    s = plan.summary
    assert (s["eligible"], s["moved"], s["moved_share"]) == (4, 2, 0.5)
    assert s["cv_backbone_before"] == 1.0 and s["cv_backbone_after"] == 0.0
    assert s["backbone_share"] == 0.5 and s["mean_km"] == 5.0 and s["violations"] == 0


def test_preferences_pick_who_goes():
    schools, teachers, needs = pair()
    teachers[1] = T("T2", "A", "math", 7, 40, True, True, prefs=("B",))
    plan = plan_rotation(schools, teachers, needs, time_limit_s=30)
    assert plan.moves["T2"] == ("A", "B")
    assert plan.summary["pref_met"] == 1


def test_locks_and_forbidden_moves_are_honoured():
    schools, teachers, needs = pair()
    plan = plan_rotation(
        schools, teachers, needs, locked={"T3": "A"}, forbidden=[("T1", "B")], time_limit_s=30
    )
    assert plan.moves == {"T2": ("A", "B"), "T3": ("B", "A")}
    assert plan.summary["violations"] == 0


def test_locking_a_teacher_in_place_keeps_them():
    schools, teachers, needs = pair()
    # with both of A's teachers held, no exchange is possible, so no share can be asked
    rules = RotationRules(share=0.0)
    plan = plan_rotation(
        schools, teachers, needs, rules=rules, locked={"T1": "A", "T2": "A"}, time_limit_s=30
    )
    assert plan.moves == {}
    assert plan.summary["violations"] == 0


def test_ineligible_teachers_never_move():
    schools, teachers, needs = pair()
    rules = RotationRules(min_years=9)  # only T1 (10 years) and T4 (12) are eligible
    plan = plan_rotation(schools, teachers, needs, rules=rules, time_limit_s=30)
    assert set(plan.moves) == {"T1", "T4"}
    young = RotationRules(max_age_female=35, max_age_male=50)
    assert not is_eligible(T("X", "A", "math", 10, 40, True, True, gender="F"), young)
    assert is_eligible(T("X", "A", "math", 10, 40, True, True, gender="M"), young)


def test_keeping_three_maths_teachers_is_impossible_when_two_of_three_must_move():
    schools = [Sch("A", "primary", "urban", 300, 0, 0), Sch("B", "primary", "rural", 100, 5, 0)]
    teachers = [
        T("T1", "A", "math", 10, 40, True, True),
        T("T2", "A", "math", 10, 40, False, True),
        T("T3", "A", "math", 10, 40, False, True),
        T("T4", "B", "chinese", 10, 40, False, True),
        T("T5", "B", "chinese", 10, 40, False, True),
    ]
    needs = [N("A", "math", 3)]
    with pytest.raises(
        InputError, match="school A cannot keep 3 math teachers if 2 of its 3 must move"
    ) as err:
        plan_rotation(schools, teachers, needs, locked={"T1": "B", "T2": "B"})
    assert "school A cannot keep 3 math teachers if 2 of its 3 must move" in str(err.value)


def test_share_out_of_reach_names_the_numbers():
    schools, teachers, needs = pair()
    far = RotationRules(max_km=2, share=0.5)
    with pytest.raises(InputError, match=r"share 0.5 needs 2 movers but only 0 eligible"):
        plan_rotation(schools, teachers, needs, rules=far)


def test_backbone_share_against_eligible_teachers_can_be_impossible():
    schools, teachers, needs = pair()
    # 60% of 4 eligible = 3 backbone movers, but only 2 backbone teachers exist
    rules = RotationRules(backbone_share=0.6, backbone_basis="eligible")
    with pytest.raises(InputError, match="backbone share 0.6 of eligible teachers needs 3"):
        plan_rotation(schools, teachers, needs, rules=rules)


def skewed() -> tuple[list[Sch], list[T], list[N]]:
    """Urban schools hold the backbone and qualified teachers, rural ones few."""
    schools = [Sch(f"U{i}", "primary", "urban", 400, float(i), 0.0) for i in range(3)]
    schools += [Sch(f"R{i}", "primary", "rural", 200, float(i), 8.0) for i in range(3)]
    teachers = []
    n = 0
    for s in schools:
        urban = s.school_id.startswith("U")
        for k in range(12):
            n += 1
            subject = ["math", "chinese", "english"][k % 3]
            teachers.append(
                T(
                    f"T{n:03d}",
                    s.school_id,
                    subject,
                    4 + (n * 7) % 10,
                    30 + n % 25,
                    backbone=urban and k < 6,
                    qualified=urban or k < 4,
                )
            )
    needs = [N(s.school_id, subj, 3) for s in schools for subj in ("math", "chinese", "english")]
    return schools, teachers, needs


def test_rotation_lowers_both_cvs_on_a_skewed_county():
    plan = plan_rotation(*skewed(), time_limit_s=60)
    s = plan.summary
    assert s["violations"] == 0
    assert s["cv_backbone_after"] < s["cv_backbone_before"]
    assert s["cv_qualified_after"] < s["cv_qualified_before"]
    assert s["moved"] >= 0.1 * s["eligible"]


def test_same_inputs_give_the_same_bytes():
    assert plan_rotation(*skewed()).out_bytes() == plan_rotation(*skewed()).out_bytes()


def test_the_trivial_plan_passes_the_checker_and_a_broken_one_does_not():
    schools, teachers, needs = pair()
    rules = RotationRules(share=0.0, backbone_share=0.0)
    assert check_rotation(schools, teachers, needs, rules, {}) == []
    broken = {"T1": ("A", "B")}  # one-way: head counts and the A maths need break
    problems = check_rotation(schools, teachers, needs, rules, broken)
    assert any("1 in, 0 out" in p or "0 in, 1 out" in p for p in problems)
    assert any("math below 2" in p for p in problems)


def write_inputs(tmp: Path, *, bad: bool = False) -> list[str]:
    (tmp / "s.csv").write_text(
        "school_id,level,urban_rural,students,x_km,y_km\nA,primary,urban,100,0,0\nB,primary,rural,100,5,0\n"
    )
    years = "ten" if bad else "10"
    (tmp / "t.csv").write_text(
        "teacher_id,school_id,subject,years_at_school,age,backbone,qualified,pref1,pref2,pref3\n"
        f"T1,A,math,{years},40,1,1,,,\nT2,A,math,7,40,1,1,,,\nT3,B,math,8,40,0,1,,,\nT4,B,math,12,40,0,1,A,,\n"
    )
    (tmp / "n.csv").write_text("school_id,subject,required\nA,math,2\nB,math,2\n")
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
        "30",
    ]


def test_cli_writes_the_plan_and_the_contract_summary(tmp_path, capsys):
    assert main(write_inputs(tmp_path)) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(summary) == [
        "eligible",
        "moved",
        "moved_share",
        "backbone_share",
        "cv_backbone_before",
        "cv_backbone_after",
        "cv_qualified_before",
        "cv_qualified_after",
        "mean_km",
        "pref_met",
        "violations",
        "target",
        "time_to_first_plan_s",
        "gap",
        "stage",
        "result_sha256",
    ]
    data = (tmp_path / "out.csv").read_bytes()
    assert data == b"teacher_id,from_school,to_school\nT1,A,B\nT4,B,A\n"
    assert summary["result_sha256"] == hashlib.sha256(data).hexdigest()
    assert summary["pref_met"] == 1


def test_cli_bad_input_exits_2_naming_the_cell_and_writes_nothing(tmp_path, capsys):
    assert main(write_inputs(tmp_path, bad=True)) == 2
    err = capsys.readouterr().err
    assert "t.csv" in err and "row 2" in err and "years_at_school" in err
    assert not (tmp_path / "out.csv").exists()


def test_cli_infeasible_rules_exit_2_with_the_reason(tmp_path, capsys):
    args = write_inputs(tmp_path)
    assert main([*args, "--max-km", "1", "--share", "0.5"]) == 2
    assert "needs 2 movers" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_cli_unknown_preferred_school_exits_2(tmp_path, capsys):
    args = write_inputs(tmp_path)
    text = (tmp_path / "t.csv").read_text().replace("12,40,0,1,A,,", "12,40,0,1,Z,,")
    (tmp_path / "t.csv").write_text(text)
    assert main(args) == 2
    assert "pref1" in capsys.readouterr().err
