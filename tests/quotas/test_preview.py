"""The side-by-side preview: seats per method, deviation from the exact share, Alabama check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from junheng.quotas import actions, adapters

pytestmark = pytest.mark.django_db
METHODS = ["hamilton", "sainte-lague", "dhondt"]


def _rows(pv):
    return {r.code: r for r in pv.rows}


def test_preview_for_one_high_school_has_the_hand_computed_seats_and_deviations(draft):
    pv = adapters.preview(draft, "H1")
    assert pv.error == "" and pv.quotas == {"H1": 10, "H2": 7}
    assert [m.method for m in pv.methods] == METHODS
    rows = _rows(pv)
    assert rows["JA"].seats == [4, 5, 5]
    assert rows["JB"].seats == [4, 4, 4]
    assert rows["JC"].seats == [2, 1, 1]
    assert rows["S02"].seats == [0, 0, 0] and rows["S02"].exact == 0
    assert rows["JA"].exact == pytest.approx(60 / 14)
    assert rows["JC"].deviation == pytest.approx([2 - 20 / 14, 1 - 20 / 14, 1 - 20 / 14])
    # max |deviation|: Hamilton 4/7 (JC), the divisor methods 5/7 (JA)
    maxima = {m.method: m.max_deviation for m in pv.methods}
    assert maxima == pytest.approx({"hamilton": 8 / 14, "sainte-lague": 10 / 14, "dhondt": 10 / 14})


def test_preview_of_every_high_school_sums_seats_and_exact_shares(draft):
    pv = adapters.preview(draft)
    rows = _rows(pv)
    assert rows["JA"].seats == [7, 8, 8] and rows["JC"].seats == [3, 2, 2]
    assert rows["JA"].exact == pytest.approx(17 * 6 / 14)
    assert rows["JA"].deviation[0] == pytest.approx(7 - 17 * 6 / 14)
    # over every pair the worst is still H1's: 4/7 and 5/7 (H2's 7 places are exact)
    pair = {m.method: m.max_pair_deviation for m in pv.methods}
    assert pair == pytest.approx({"hamilton": 8 / 14, "sainte-lague": 10 / 14, "dhondt": 10 / 14})
    assert {m.method: m.zero_seat_juniors for m in pv.methods} == dict.fromkeys(METHODS, 0)


def test_alabama_paradox_of_hamilton_is_shown_from_the_engine(draft):
    pv = adapters.preview(draft)
    assert [(p.high_school, p.junior, p.quota, p.seats, p.seats_after) for p in pv.paradoxes] == [
        ("H1", "JC", 10, 2, 1)
    ]
    assert adapters.preview(draft, "H2").paradoxes == []


def test_exact_share_with_min_seats_is_the_minimum_plus_the_proportional_rest(draft, users):
    draft = actions.do_update_settings(
        draft, by=users["bureau"], share=Decimal("0.7"), method="hamilton", min_seats=1
    )
    rows = _rows(adapters.preview(draft, "H1"))
    # 10 − 3 = 7 over 6/6/2: 3, 3, 1 exactly; plus the minimum 1 each
    assert [rows[j].exact for j in ("JA", "JB", "JC", "S02")] == [4, 4, 2, 0]
    assert rows["JA"].seats == [4, 4, 4]


def test_preview_names_the_engines_error_instead_of_a_table(draft, users):
    draft = actions.do_update_settings(
        draft, by=users["bureau"], share=Decimal("0.7"), method="hamilton", min_seats=5
    )
    pv = adapters.preview(draft)
    assert "min-seats" in pv.error and pv.rows == []


def test_preview_page_shows_methods_side_by_side_and_the_paradox(draft, users, login):
    c = login(users["bureau"])
    r = c.get(reverse("quotas:preview", args=[draft.pk]), {"hs": "H1"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="side-by-side"' in html
    for m in METHODS:
        assert f'data-method="{m}"' in html
    assert 'data-paradox="H1-JC"' in html
    assert "0.714" in html and "0.571" in html  # max |deviation| of the methods
    assert 'data-testid="publish-form"' in html and "退回统一招生" in html
