"""Teacher rotation end to end: the bureau opens the year's rotation, an eligible teacher (on a
phone) states preferences, the bureau runs the plan, sees what each share of movers buys (table
and chart), chooses a share, runs the plan again with it and publishes it, the teacher sees the
outcome."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.rotation.conftest import county6, rusers  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_bureau_opens_teacher_states_preferences_bureau_publishes_teacher_sees_outcome(
    page,
    phone_page,
    county6,  # noqa: F811
    rusers,  # noqa: F811
):
    from junheng.rotation.models import Move, Preference, RotationRound

    # the bureau opens the year's rotation with its rules
    login_as(page, rusers["bureau"].username, PASSWORD)
    page.goto(page.base + "/rotation/")
    page.fill("input[name=year]", "2026")
    page.fill("input[name=max_km]", "25")
    page.click("[data-testid=open-round]")
    page.wait_for_selector("[data-testid=round-status]")
    rnd = RotationRound.objects.get(year=2026)
    assert rnd.max_km == 25

    # an eligible teacher states three preferred schools and a hardship reason, on a phone
    teacher = rusers["teacher"]
    login_as(phone_page, teacher.username, PASSWORD)
    phone_page.goto(phone_page.base + "/rotation/mine/")
    assert phone_page.locator("[data-testid=eligible]").is_visible()
    options = phone_page.locator("select[name=pref1] option").all()
    values = [o.get_attribute("value") for o in options if o.get_attribute("value")]
    assert len(values) >= 3
    phone_page.select_option("select[name=pref1]", values[2])
    phone_page.select_option("select[name=pref2]", values[0])
    phone_page.select_option("select[name=pref3]", values[1])
    phone_page.click("[data-testid=save-preferences]")
    phone_page.wait_for_selector("[data-testid=my-preferences]")
    pref = Preference.objects.get(round=rnd, teacher=teacher.teacher)
    assert [str(s.pk) for s in pref.schools()] == [values[2], values[0], values[1]]
    # nothing to see before the plan is published
    assert phone_page.locator("[data-testid=outcome]").count() == 0

    # the bureau runs the plan, sees the moves and the indicators, and publishes
    page.on("dialog", lambda d: d.accept())
    page.goto(page.base + f"/rotation/{rnd.pk}/")
    page.click("[data-testid=run-plan]")
    page.wait_for_selector("[data-testid=moves]")
    assert page.locator("[data-testid=run-status]").inner_text() == "已完成"
    assert page.locator("[data-testid=violations]").inner_text() == "0"
    assert page.locator("[data-testid=balance] tr[data-indicator=backbone]").is_visible()
    page.wait_for_function(
        "Chart.getChart(document.getElementById('rotation-chart')) !== undefined"
    )
    floor_moved = rnd.latest_run().summary["moved"]

    # what each share of movers buys: the table and its chart; the bureau chooses 20%, and the
    # plan computed again moves that many
    page.click("[data-testid=run-tradeoff]")
    page.wait_for_selector("[data-testid=tradeoff-table]")
    assert page.locator("[data-testid=tradeoff-table] tbody tr").count() == 6  # before + 5
    page.wait_for_function(
        "Chart.getChart(document.getElementById('tradeoff-chart')) !== undefined"
    )
    page.click("[data-testid=choose-20]")
    page.wait_for_selector("[data-testid=chosen-20]")
    rnd.refresh_from_db()
    assert rnd.target_share == Decimal("0.2")
    with page.expect_navigation():
        page.click("[data-testid=run-plan]")
    page.wait_for_selector("[data-testid=moves]")
    row = next(r for r in rnd.tradeoffs.get().rows if r["share"] == 0.2)
    assert rnd.latest_run().summary["moved"] == row["moved"] > floor_moved
    assert page.locator("[data-testid=moves] tbody tr").count() == row["moved"]
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=frozen]")
    assert page.locator("[data-testid=round-status]").inner_text() == "已发布"

    # the teacher sees their own outcome
    phone_page.goto(phone_page.base + "/rotation/mine/")
    outcome = phone_page.locator("[data-testid=outcome]")
    assert outcome.is_visible()
    rnd.refresh_from_db()
    move = Move.objects.filter(run=rnd.published_run, teacher=teacher.teacher).first()
    if move is not None:
        assert (
            phone_page.locator("[data-testid=outcome-school]").inner_text() == move.to_school.name
        )
    else:
        assert phone_page.locator("[data-testid=outcome-stay]").is_visible()
