"""Pairing rounds in the app: strengths from the balance monitor, roles, the job, pins, publish."""

from __future__ import annotations

import pytest

from junheng.communities import actions, adapters
from junheng.communities.models import Community, PairingRun, RoundSchool, RunStatus
from junheng.errors import ActionError


def test_strength_is_the_pairing_engines_strength_of_the_balance_monitors_own_rows(county9):
    from junheng.balance.adapters import balance_rows
    from junheng.engines.pairing import school_strengths

    strength, left = adapters.county_strengths(county9.county, 2026, 0.5)
    expected = school_strengths(balance_rows())
    assert left == []
    assert {county9.schools[c].pk: v for c, v in expected.items()} == strength
    s = county9.schools
    assert strength[s["C01"].pk] > strength[s["M01"].pk] > strength[s["M04"].pk]


def test_bureau_results_blend_into_the_strength(county9, cusers):
    s = county9.schools
    before, _ = adapters.county_strengths(county9.county, 2026, 0.5)
    actions.do_set_results(by=cusers["bureau"], year=2025, scores={s["M04"].pk: 90.0})
    after, _ = adapters.county_strengths(county9.county, 2026, 0.5)
    assert after[s["M04"].pk] == round(0.5 * before[s["M04"].pk] + 45.0, 2)
    assert after[s["M01"].pk] == before[s["M01"].pk]
    later, _ = adapters.county_strengths(county9.county, 2024, 0.5)  # a 2025 result is not used
    assert later[s["M04"].pk] == before[s["M04"].pk]


def test_a_round_starts_with_the_strongest_third_of_each_level_as_cores(rnd, county9):
    roles = dict(RoundSchool.objects.filter(round=rnd).values_list("school__code", "role"))
    assert roles == {
        "C01": "core",
        "C02": "core",
        "C03": "core",
        "N01": "member",
        "M01": "member",
        "M02": "member",
        "M03": "member",
        "M04": "member",
        "J01": "member",
    }


def test_the_job_pairs_every_member_it_can_and_lifts_the_weakest_most(rnd, county9, cusers):
    run = actions.do_run_pairing(rnd, by=cusers["bureau"])
    assert run.status == RunStatus.DONE
    pairs = {
        p.member.code: (p.core.code, p.mode) for p in run.pairs.select_related("member", "core")
    }
    # M04 is 40 km away: no local core in reach and no remote places by default
    assert "M04" not in pairs and len(pairs) == 5
    s = run.summary
    assert s["paired"] == 5 and s["unpaired"] == 1 and s["violations"] == 0
    assert s["min_lift"] >= run.baseline["min_lift"]
    from junheng.jobs.models import Job

    job = Job.latest_for(run)
    assert job is not None and job.state == "done" and job.pct == 100


def test_remote_places_pair_the_far_school_over_the_internet(rnd, county9, cusers):
    actions.do_update_round(rnd, by=cusers["bureau"], remote=1)
    run = actions.do_run_pairing(rnd, by=cusers["bureau"])
    modes = {p.member.code: p.mode for p in run.pairs.select_related("member")}
    assert modes["M04"] == "remote" and run.summary["paired"] == 6


def test_locks_and_forbidden_pairs_hold_on_a_re_run(rnd, county9, cusers):
    s = county9.schools
    bureau = cusers["bureau"]
    first = actions.do_run_pairing(rnd, by=bureau)
    m01 = first.pairs.get(member=s["M01"])
    other = s["C02"] if m01.core_id == s["C01"].pk else s["C01"]
    actions.do_pin(rnd, by=bureau, member=s["M01"], core=other, kind="lock")
    actions.do_pin(rnd, by=bureau, member=s["M02"], core=s["C01"], kind="forbid")
    second = actions.do_run_pairing(rnd, by=bureau)
    assert second.pairs.get(member=s["M01"]).core_id == other.pk
    assert second.pairs.get(member=s["M01"]).locked
    assert not second.pairs.filter(member=s["M02"], core=s["C01"]).exists()
    with pytest.raises(
        ActionError, match="只能锁定或禁止成员校与核心校的结对"
    ):  # pins join a member with a core only
        actions.do_pin(rnd, by=bureau, member=s["C01"], core=s["C02"], kind="lock")


def test_locks_beyond_a_cores_capacity_end_the_run_as_infeasible_with_the_reason(
    rnd, county9, cusers
):
    s = county9.schools
    bureau = cusers["bureau"]
    actions.do_set_roles(rnd, by=bureau, roles={s["C02"].pk: ("core", 1)})
    actions.do_pin(rnd, by=bureau, member=s["M01"], core=s["C02"], kind="lock")
    actions.do_pin(rnd, by=bureau, member=s["M02"], core=s["C02"], kind="lock")
    run = actions.do_run_pairing(rnd, by=bureau)
    assert run.status == RunStatus.INFEASIBLE and "capacit" in run.message
    assert not run.pairs.exists()
    with pytest.raises(ActionError, match="请先计算出结对方案再发布"):
        actions.do_publish_round(rnd, by=bureau)


def test_roles_and_capacities_change_the_plan(rnd, county9, cusers):
    s = county9.schools
    bureau = cusers["bureau"]
    actions.do_set_roles(rnd, by=bureau, roles={s["C01"].pk: ("core", 0), s["C02"].pk: ("none", 5)})
    rs = RoundSchool.objects.get(round=rnd, school=s["C02"])
    assert rs.role == "none" and rs.capacity is None  # capacity only for cores
    run = actions.do_run_pairing(rnd, by=bureau)
    cores = set(run.pairs.values_list("core__code", flat=True))
    assert cores <= {"C03"}
    with pytest.raises(ActionError, match="未知的角色"):
        actions.do_set_roles(rnd, by=bureau, roles={s["C01"].pk: ("leader", None)})


def test_publishing_creates_one_community_per_core_and_freezes_the_round(rnd, county9, cusers):
    bureau = cusers["bureau"]
    run = actions.do_run_pairing(rnd, by=bureau)
    created = actions.do_publish_round(rnd, by=bureau)
    rnd.refresh_from_db()
    assert rnd.is_published and rnd.published_run == run
    cores = {c.core.code for c in created}
    assert cores == set(run.pairs.values_list("core__code", flat=True))
    members = {m.school.code for c in created for m in c.memberships.select_related("school")}
    assert members == set(run.pairs.values_list("member__code", flat=True))
    assert all(c.kind == "co_construction" and c.pairing_round == rnd for c in created)
    for call in (
        lambda: actions.do_run_pairing(rnd, by=bureau),
        lambda: actions.do_update_round(rnd, by=bureau, capacity=5),
        lambda: actions.do_publish_round(rnd, by=bureau),
    ):
        with pytest.raises(ActionError, match="2026 年度结对方案已发布，不能修改"):
            call()
    assert PairingRun.objects.filter(round=rnd).count() == 1


def test_publishing_refuses_members_already_in_an_exclusive_community(rnd, county9, cusers):
    s = county9.schools
    bureau = cusers["bureau"]
    run = actions.do_run_pairing(rnd, by=bureau)
    some = run.pairs.select_related("member").first().member
    actions.do_create_community(
        by=bureau,
        county=county9.county,
        core=s["C02"],
        kind="integration",
        start_year=2025,
        members=[some],
    )
    with pytest.raises(ActionError, match=some.name):
        actions.do_publish_round(rnd, by=bureau)
    rnd.refresh_from_db()
    assert not rnd.is_published and Community.objects.count() == 1


def test_a_round_per_county_and_year(rnd, county9, cusers):
    with pytest.raises(ActionError, match="2026 年度的结对方案已经建立"):
        actions.do_open_round(by=cusers["bureau"], year=2026, county=county9.county)
    with pytest.raises(ActionError, match="结对上限须在 0 到 50 之间"):
        actions.do_open_round(by=cusers["bureau"], year=2027, county=county9.county, capacity=99)
