"""Query budgets of the community pages: the bureau's overview, the public directory and the
county view make as many queries for four communities as for one, and a community's own page
as many for five members as for one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from junheng.communities import actions, lessons
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _create(county9, cusers, core, members):
    s = county9.schools
    return actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s[core],
        kind="co_construction",
        start_year=2026,
        members=[s[m] for m in members],
    )


@pytest.mark.parametrize("page", ["communities:index", "communities:public", "communities:county"])
def test_community_lists_do_not_grow_with_communities(
    page, county9, cusers, client, django_assert_max_num_queries
):
    _create(county9, cusers, "C01", ["M01"])
    client.force_login(cusers["bureau"])

    def three_more() -> None:
        _create(county9, cusers, "C02", ["M02", "M03"])
        _create(county9, cusers, "C03", ["J01"])
        _create(county9, cusers, "N01", ["M04"])

    response = assert_constant_queries(
        client, reverse(page), three_more, django_assert_max_num_queries
    )
    html = response.content.decode()
    shown = ["C01", "C02", "C03", "N01"]  # every community, by its core school
    if page == "communities:county":
        shown = ["M01", "M02", "M03", "M04", "J01"]  # every member, weakest first
    assert all(county9.schools[code].name in html for code in shown)


def test_community_page_does_not_grow_with_members_and_activities(
    county9, cusers, client, django_assert_max_num_queries
):
    s = county9.schools
    c = _create(county9, cusers, "C01", ["M01"])
    client.force_login(cusers["bureau"])

    def four_more_members_and_activities() -> None:
        for i, code in enumerate(["M02", "M03", "M04", "J01"]):
            actions.do_add_member(c, by=cusers["bureau"], school=s[code], year=2026)
            lessons.do_log_activity(
                c,
                by=cusers["bureau"],
                kind="research",
                title=f"教研{i}",
                date=dt.date(2026, 3, 2 + i),
                host=s[code],
            )

    response = assert_constant_queries(
        client,
        reverse("communities:community", args=[c.pk]),
        four_more_members_and_activities,
        django_assert_max_num_queries,
    )
    html = response.content.decode()
    assert all(s[code].name in html for code in ("M01", "M02", "M03", "M04", "J01"))
