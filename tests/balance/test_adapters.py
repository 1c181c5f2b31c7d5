"""Region rows -> engine rows, counted by hand; what-if in memory."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Q

from junheng.balance.adapters import (
    Investment,
    TeacherMove,
    balance_rows,
    county_evaluation,
    what_if,
)
from junheng.engines.balance import BalanceSchool
from junheng.engines.io import InputError
from junheng.region.models import School, Student, Teacher


def _rows(**filters):
    return {(r.school_id, r.level): r for r in balance_rows(School.objects.filter(**filters))}


@pytest.mark.django_db
def test_region_fixture_counts_students_and_teacher_kinds(region):
    rows = _rows()
    a, b = rows[("S01", "primary")], rows[("S02", "junior")]
    # S01: one grade-3 pupil; one bachelor, county-backbone maths teacher.
    assert a == BalanceSchool("S01", "primary", 1, 1, 1, 0, 9000, 12000, 3_000_000, 40, False)
    # S02: one grade-7 pupil; an associate-degree PE teacher: not qualified for junior (bachelor+).
    assert b == BalanceSchool("S02", "junior", 1, 0, 0, 1, 2000, 3000, 400_000, 6, False)


@pytest.mark.django_db
def test_qualification_backbone_and_pe_art_follow_the_rules(region):
    a = region["school_a"]
    specs = [
        ("secondary", "none", "math"),  # not qualified
        ("associate", "school", "music"),  # qualified in primary; school backbone does not count
        ("master", "province", "art"),  # qualified, backbone, art
        ("bachelor", "city", "it"),  # qualified, backbone
    ]
    for i, (qual, bb, subj) in enumerate(specs):
        Teacher.objects.create(
            code=f"X{i}",
            name="x",
            school=a,
            subject=subj,
            qualification=qual,
            backbone_level=bb,
            age=30,
            gender="M",
        )
    r = _rows()[("S01", "primary")]
    assert (r.qualified_teachers, r.backbone_teachers, r.pe_art_teachers) == (4, 3, 2)
    # The same count as Teacher.is_qualified / is_backbone / is_pe_art row by row.
    teachers = list(Teacher.objects.filter(school=a))
    assert r.qualified_teachers == sum(t.is_qualified for t in teachers)
    assert r.backbone_teachers == sum(t.is_backbone for t in teachers)
    assert r.pe_art_teachers == sum(t.is_pe_art for t in teachers)


@pytest.mark.django_db
def test_nine_year_school_is_split_by_grade_section_and_one_to_one_point_one(county):
    rows = _rows(code="N1")
    p, j = rows[("N1", "primary")], rows[("N1", "junior")]
    assert (p.students, j.students) == (60, 40)
    # primary: associate ×2 qualified, secondary not; one county backbone; one music teacher.
    assert (p.qualified_teachers, p.backbone_teachers, p.pe_art_teachers) == (2, 1, 1)
    # junior: bachelor and master qualified, associate PE teacher not; province backbone.
    assert (j.qualified_teachers, j.backbone_teachers, j.pe_art_teachers) == (2, 1, 1)
    # shared totals split 60 : 40 × 1.1 = 60 : 44
    assert p.teaching_room_m2 == pytest.approx(600) and j.teaching_room_m2 == pytest.approx(440)
    assert p.sports_field_m2 == pytest.approx(900) and j.sports_field_m2 == pytest.approx(660)
    assert p.equipment_yuan == pytest.approx(150_000)
    assert p.multimedia_classrooms + j.multimedia_classrooms == pytest.approx(4)
    assert p.multimedia_classrooms == pytest.approx(4 * 60 / 104)


@pytest.mark.django_db
def test_nine_year_school_with_only_primary_pupils_has_one_part(region):
    n = School.objects.create(
        code="N9",
        name="九年",
        county=region["county"],
        level="nine_year",
        urban_rural="rural",
        teaching_room_m2=100,
    )
    Student.objects.create(
        code="N9S", name="甲", gender="F", school=n, grade=2, birth_date=date(2018, 1, 1)
    )
    rows = _rows(code="N9")
    assert list(rows) == [("N9", "primary")]
    assert rows[("N9", "primary")].teaching_room_m2 == pytest.approx(100)


@pytest.mark.django_db
def test_teaching_point_is_flagged_and_left_out_under_fifty(county):
    assert _rows(code="TP")[("TP", "primary")].teaching_point is True
    ev = county_evaluation()
    assert ev.result.excluded == ["S01", "S02", "TP"]
    assert not ev.by_school("TP")


@pytest.mark.django_db
def test_school_without_students_is_reported_not_evaluated(region):
    School.objects.create(
        code="E1", name="空校", county=region["county"], level="primary", urban_rural="town"
    )
    ev = county_evaluation()
    assert [i.code for i in ev.empty] == ["E1"]
    assert {s.school_id for s in ev.schools} == {"S01", "S02"}


@pytest.mark.django_db
def test_county_evaluation_matches_hand_computed_indicators(county):
    ev = county_evaluation()
    by = {(s.school_id, s.level): s for s in ev.schools}
    assert by[("P1", "primary")].values == pytest.approx((6, 2, 2, 6, 10, 3000, 3))
    assert (by[("P1", "primary")].met, by[("P1", "primary")].passes) == (7, True)
    p2 = by[("P2", "primary")]
    assert p2.values[0] == pytest.approx(4.0) and (p2.met, p2.passes) == (6, True)
    assert (by[("P3", "primary")].met, by[("P3", "primary")].passes) == (0, False)
    assert by[("J2", "junior")].values == pytest.approx(
        (200 / 60, 0, 100 / 60, 5, 500 / 60, 2000, 100 / 60)
    )
    np_ = by[("N1", "primary")]
    assert np_.values[:6] == pytest.approx((200 / 60, 100 / 60, 100 / 60, 10, 15, 2500))
    assert (np_.met, np_.passes) == (6, False)  # L1 3.33 is below 85% of 4.2
    nj = by[("N1", "junior")]
    assert (nj.met, nj.passes) == (6, True)  # L1 5.0 ≥ 85% of 5.3
    # hand-computed weighted CVs (students, value) — see test docstring of the factory
    assert ev.result.cv["primary"]["L1"] == pytest.approx(0.2333, abs=1e-4)
    assert ev.result.cv["primary"]["L2"] == pytest.approx(0.5401, abs=1e-4)
    assert ev.result.cv["junior"]["L1"] == pytest.approx(0.2309, abs=1e-4)
    assert ev.result.cv["junior"]["L4"] == pytest.approx(0.2900, abs=1e-4)
    assert ev.verdict == "fail" and not ev.result.cv_ok
    means = ev.means()
    assert means["primary"][0] == pytest.approx(1400 / 310)


@pytest.mark.django_db
def test_adapter_reads_a_county_in_a_constant_number_of_queries(
    county, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        balance_rows()


@pytest.mark.django_db
def test_what_if_moves_a_teacher_and_writes_nothing(region):
    ta = region["teacher_a"]  # bachelor, county backbone, primary school S01
    before_rows = Teacher.objects.filter(Q(school__code="S01")).count()
    before, after = what_if([TeacherMove(ta.pk, region["school_b"].pk)])
    b = {s.school_id: s for s in before.result.inputs.values()}
    a = {s.school_id: s for s in after.result.inputs.values()}
    assert (b["S01"].qualified_teachers, b["S01"].backbone_teachers) == (1, 1)
    assert (a["S01"].qualified_teachers, a["S01"].backbone_teachers) == (0, 0)
    # At the junior school a bachelor counts as qualified too.
    assert (a["S02"].qualified_teachers, a["S02"].backbone_teachers) == (1, 1)
    ta.refresh_from_db()
    assert ta.school_id == region["school_a"].pk
    assert Teacher.objects.filter(school__code="S01").count() == before_rows


@pytest.mark.django_db
def test_what_if_investment_adds_to_facility_totals(county):
    p3 = county["P3"]
    _, after = what_if([Investment(p3.pk, sports_field_m2=75, equipment_yuan=40_000)])
    s = after.result.inputs[("P3", "primary")]
    assert s.sports_field_m2 == 375 and s.equipment_yuan == 100_000
    p3.refresh_from_db()
    assert p3.sports_field_m2 == 300


@pytest.mark.django_db
def test_what_if_rejects_bad_changes(region):
    with pytest.raises(InputError, match="unknown teacher"):
        what_if([TeacherMove(10**6, region["school_b"].pk)])
    with pytest.raises(InputError, match="is already there"):
        what_if([TeacherMove(region["teacher_a"].pk, region["school_a"].pk)])
    with pytest.raises(InputError, match="would fall below 0"):
        what_if([Investment(region["school_a"].pk, sports_field_m2=-(10**9))])
