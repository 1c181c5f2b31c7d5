"""The parent's results page makes as many queries for four children as for one."""

from __future__ import annotations

import pytest

from junheng.accounts.models import Guardianship
from tests.enrolment.conftest import close_and_draw, rank_all
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_results_page_queries_do_not_grow_with_children(
    window, market, users, client, django_assert_max_num_queries
):
    rank_all(window, market, {1: ["chess"], 2: ["choir"], 3: ["chess"], 4: ["choir"]})
    close_and_draw(window, users)
    parent = market["parents"][1]
    client.force_login(parent)
    kids = market["kids"][1:5]

    def three_more_children() -> None:
        for kid in kids[1:]:
            Guardianship.objects.create(user=parent, student=kid)

    response = assert_constant_queries(
        client, "/enrolment/results/", three_more_children, django_assert_max_num_queries
    )
    page = response.content.decode()
    assert all(kid.name in page for kid in kids)
    assert page.count('data-testid="enrolled"') == 4  # two seats each in chess and choir
    assert market["kids"][5].name not in page  # not this parent's child
