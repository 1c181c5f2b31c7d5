"""The published rotation plan feeds the balance monitor's government item G11."""

from __future__ import annotations

from junheng.balance.items import compute_item
from junheng.rotation import actions


def test_g11_is_empty_until_a_plan_is_published(rnd, rusers):
    item = compute_item("G11", rnd.year)
    assert item is not None and item.value is None and item.passes is None


def test_g11_is_the_published_movers_share_and_checks_the_backbone_share(rnd, rusers):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    actions.do_publish(rnd, by=rusers["bureau"])
    run.refresh_from_db()
    item = compute_item("G11", rnd.year)
    assert item is not None
    assert item.value == round(100 * run.summary["moved_share"], 1)
    expected = run.summary["moved_share"] >= 0.10 and run.summary["backbone_share"] >= 0.20
    assert item.passes is expected
