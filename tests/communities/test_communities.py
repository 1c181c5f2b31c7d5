"""Communities and their members: kinds, the one-exclusive-community rule, goals, dissolving."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from junheng.accounts.models import AuditLog
from junheng.communities import actions
from junheng.communities.models import Community, Membership
from junheng.errors import ActionError


def test_a_community_is_created_with_its_core_members_and_an_audit_row(community, county9):
    assert community.name == "城南实验小学教育共同体"
    assert community.kind == "co_construction" and community.active
    codes = [m.school.code for m in community.memberships.select_related("school")]
    assert codes == ["M01", "M02"]
    assert all(m.exclusive for m in community.memberships.all())
    assert AuditLog.objects.filter(action="communities.create").count() == 1


def test_refusals_are_domain_errors():
    assert issubclass(ActionError, ActionError)


def test_a_school_joins_at_most_one_integration_or_co_construction_community(
    community, county9, cusers
):
    s = county9.schools
    with pytest.raises(ActionError, match="百步乡小学"):
        actions.do_create_community(
            by=cusers["bureau"],
            county=county9.county,
            core=s["C02"],
            kind="integration",
            start_year=2026,
            members=[s["M01"], s["M03"]],
        )
    assert Community.objects.count() == 1  # nothing half-made
    other = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s["C02"],
        kind="integration",
        start_year=2026,
        members=[s["M03"]],
    )
    with pytest.raises(ActionError, match="已是另一个融合型或共建型教共体的成员：六里乡小学"):
        actions.do_add_member(other, by=cusers["bureau"], school=s["M02"], year=2026)
    # cooperation and internet pairs may overlap with them
    coop = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s["C02"],
        kind="cooperation",
        start_year=2026,
        members=[s["M01"], s["M02"]],
    )
    assert coop.memberships.count() == 2


def test_the_database_refuses_a_second_exclusive_membership_too(community, county9, cusers):
    s = county9.schools
    other = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s["C02"],
        kind="cooperation",
        start_year=2026,
        members=[s["M01"]],
    )
    with (
        pytest.raises(
            IntegrityError,
            match=r"uniq_exclusive_community_member|communities_membership\.school_id",
        ),
        transaction.atomic(),
    ):
        Membership.objects.filter(community=other).update(exclusive=True)


def test_changing_a_community_to_an_exclusive_kind_checks_its_members(community, county9, cusers):
    s = county9.schools
    coop = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s["C02"],
        kind="cooperation",
        start_year=2026,
        members=[s["M01"]],
    )
    with pytest.raises(ActionError, match="已是另一个融合型或共建型教共体的成员：百步乡小学"):
        actions.do_update_community(coop, by=cusers["bureau"], kind="integration")
    coop.refresh_from_db()
    assert coop.kind == "cooperation"
    actions.do_dissolve_community(community, by=cusers["bureau"])
    actions.do_update_community(coop, by=cusers["bureau"], kind="integration")
    assert coop.memberships.get().exclusive


def test_dissolving_frees_the_members(community, county9, cusers):
    actions.do_dissolve_community(community, by=cusers["bureau"])
    community.refresh_from_db()
    assert not community.active
    assert not community.memberships.filter(exclusive=True).exists()
    with pytest.raises(ActionError, match="该教共体已撤销"):
        actions.do_add_member(
            community, by=cusers["bureau"], school=county9.schools["M03"], year=2026
        )
    again = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=county9.schools["C02"],
        kind="co_construction",
        start_year=2027,
        members=[county9.schools["M01"]],
    )
    assert again.memberships.get().exclusive


def test_a_core_cannot_be_its_own_member_and_members_are_not_repeated(county9, cusers):
    s = county9.schools
    for members, says in (
        ([s["C01"]], "核心校不能同时是本教共体的成员校"),
        ([s["M01"], s["M01"]], "成员校重复"),
    ):
        with pytest.raises(ActionError, match=says):
            actions.do_create_community(
                by=cusers["bureau"],
                county=county9.county,
                core=s["C01"],
                kind="cooperation",
                start_year=2026,
                members=members,
            )


def test_cross_region_pairs_name_the_partner_region_and_school(county9, cusers):
    s = county9.schools
    with pytest.raises(ActionError, match="结对地区"):
        actions.do_create_community(
            by=cusers["bureau"],
            county=county9.county,
            core=s["C01"],
            kind="cross_region",
            start_year=2026,
        )
    c = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s["C01"],
        kind="cross_region",
        start_year=2026,
        partner_region="云和县",
        partner_school="云和县实验小学",
    )
    assert (c.partner_region, c.partner_school) == ("云和县", "云和县实验小学")
    assert c.name == "城南实验小学结对共同体"


def test_goals_are_one_per_year_and_not_negative(community, cusers):
    actions.do_set_goal(community, by=cusers["bureau"], year=2026, lessons=60, activities=8)
    actions.do_set_goal(community, by=cusers["bureau"], year=2026, lessons=72, activities=8)
    assert list(community.goals.values_list("year", "lessons")) == [(2026, 72)]
    with pytest.raises(ActionError, match="目标不能为负"):
        actions.do_set_goal(community, by=cusers["bureau"], year=2027, lessons=-1, activities=0)


@pytest.mark.parametrize("who", ["core", "member", "teacher", "parent", "provider"])
def test_only_the_bureau_manages_communities(community, county9, cusers, who):
    by = cusers[who]
    s = county9.schools
    calls = [
        lambda: actions.do_create_community(
            by=by, county=county9.county, core=s["C02"], kind="cooperation", start_year=2026
        ),
        lambda: actions.do_add_member(community, by=by, school=s["M03"], year=2026),
        lambda: actions.do_update_community(community, by=by, name="x"),
        lambda: actions.do_dissolve_community(community, by=by),
        lambda: actions.do_set_goal(community, by=by, year=2026, lessons=1, activities=1),
        lambda: actions.do_set_results(by=by, year=2026, scores={s["M01"].pk: 50.0}),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    community.refresh_from_db()
    assert community.active and community.name != "x"


def test_results_are_entered_between_0_and_100_and_cleared_with_none(county9, cusers):
    from junheng.communities.models import SchoolResult

    s = county9.schools
    actions.do_set_results(by=cusers["bureau"], year=2026, scores={s["M01"].pk: 70.5})
    assert SchoolResult.objects.get(school=s["M01"], year=2026).score == 70.5
    with pytest.raises(
        ActionError, match=f"{s['M01'].name}的得分须在 0 到 100 之间（填写的是 101）"
    ):
        actions.do_set_results(by=cusers["bureau"], year=2026, scores={s["M01"].pk: 101.0})
    assert SchoolResult.objects.get(school=s["M01"], year=2026).score == 70.5
    actions.do_set_results(by=cusers["bureau"], year=2026, scores={s["M01"].pk: None})
    assert not SchoolResult.objects.exists()
