"""The window page (the staff's view of one choice window) makes as many queries for many
offerings and rankings as for a few."""

from __future__ import annotations

from decimal import Decimal

import pytest

from junheng.afterschool.models import Offering
from tests.enrolment.conftest import rank_all
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_window_page_does_not_grow_with_offerings_and_rankings(
    window, market, users, client, django_assert_max_num_queries
):
    rank_all(window, market, {0: ["chess"]})
    client.force_login(users["bureau"])

    def more_offerings_and_rankings() -> None:
        for i in range(6):
            Offering.objects.create(
                term=market["term"],
                course=market["choir"].course,
                school=market["school"],
                slot=market["slots"][i % 3],
                seats=10,
                fee=Decimal("200"),
                source="supply",
                code=f"W{i:02d}",
            )
        rank_all(window, market, {1: ["choir"], 2: ["chess", "choir"], 3: ["choir"], 4: ["chess"]})

    response = assert_constant_queries(
        client,
        f"/enrolment/windows/{window.pk}/",
        more_offerings_and_rankings,
        django_assert_max_num_queries,
    )
    assert response.context["n_rankings"] == 5
    assert len(response.context["rows"]) == 9
