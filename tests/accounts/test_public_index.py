"""Anonymous visitors find the public records — draws and class placements — and a way in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.querycount import assert_constant_queries


@pytest.mark.django_db
def test_anonymous_visitor_finds_public_draws_and_a_login_link(client, users, market, window):
    from tests.enrolment.conftest import close_and_draw, rank_all

    rank_all(window, market, {0: ["chess"]})
    draw = close_and_draw(window, users)
    response = client.get(reverse("public_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("enrolment:draw_public", args=[draw.pk]) in html
    assert 'data-testid="login-link"' in html
    # The login page and the header lead there.
    assert reverse("public_index") in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_public_index_makes_the_same_queries_for_many_draws(
    client, users, market, django_assert_max_num_queries
):
    import datetime as dt

    from django.utils import timezone

    from junheng.enrolment.models import ChoiceWindow, Draw
    from junheng.region.models import Term

    def draw_at(i):
        now = timezone.now()
        term = Term.objects.create(
            name=f"学期{i}", start=dt.date(2030 + i, 2, 1), end=dt.date(2030 + i, 7, 1)
        )
        w = ChoiceWindow.objects.create(
            school=market["school"],
            term=term,
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
            state="open",
        )
        Draw.objects.create(window=w, seed="s", seed_commitment="c" * 64)

    draw_at(0)

    def grow():
        for i in range(1, 12):
            draw_at(i)

    response = assert_constant_queries(
        client, reverse("public_index"), grow, django_assert_max_num_queries
    )
    assert "学期11" in response.content.decode()
