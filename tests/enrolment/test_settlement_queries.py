"""The school's settlement page reads the term's class-hour rates once, however many provider
offerings it lists (it read them once an offering)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from junheng.afterschool.models import Offering
from junheng.enrolment.models import HourRate
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_settlement_page_queries_do_not_grow_with_offerings(
    market, users, client, django_assert_max_num_queries
):
    term, chess = market["term"], market["chess"]
    HourRate.objects.create(term=term, provider=None, yuan_per_hour=Decimal("60"))
    HourRate.objects.create(term=term, provider=market["provider"], yuan_per_hour=Decimal("80"))
    client.force_login(users["school"])

    def twelve_more_offerings() -> None:
        for i in range(12):
            Offering.objects.create(
                term=term,
                course=chess.course,
                school=market["school"],
                slot=market["slots"][i % 3],
                seats=2,
                fee=Decimal("300"),
                source="supply",
                code=f"Q{i:02d}",
            )

    response = assert_constant_queries(
        client, "/enrolment/settlement/", twelve_more_offerings, django_assert_max_num_queries
    )
    rows = response.context["rows"]
    assert len(rows) == 15 and all(r["rate"] == Decimal("80") for r in rows)
    assert response.content.decode().count('data-testid="settlement-row"') == 15
