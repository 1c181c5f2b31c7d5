"""The bureau adds a housing development to a scenario, runs the forecast with it, sees a red
school, opens its chart and exports the planning report; the school's own admin sees the
baseline only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.places.conftest import places, year  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_bureau_runs_a_housing_scenario_sees_a_red_school_opens_its_chart_and_exports(
    page,
    users,
    places,  # noqa: F811
):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = places["base"]
    login_as(page, users["bureau"].username, PASSWORD)

    # A scenario with a housing development in the zone of 城关小学 (S01), from base + 2 on.
    page.goto(page.base + "/places/scenarios/")
    page.fill("[data-testid=new-scenario] input[name=name]", "南湖新城")
    page.click("[data-testid=new-scenario] button[type=submit]")
    form = page.locator("[data-testid=add-housing]")
    form.locator("input[name=housing-name]").fill("南湖小区一期")
    form.locator("select[name=housing-school]").select_option("S01")
    form.locator("input[name=housing-year]").fill(str(base + 2))
    form.locator("input[name=housing-students]").fill("60")
    form.locator("button[type=submit]").click()
    assert "南湖小区一期" in page.locator("[data-testid=housing]").inner_text()

    # Run the forecast with it.
    page.goto(page.base + "/places/")
    page.select_option("[data-testid=run-form] select[name=scenario]", label="南湖新城")
    page.fill("[data-testid=run-form] input[name=years]", "3")
    page.click("[data-testid=run]")
    page.wait_for_selector("[data-testid=run-status]")
    assert page.locator("[data-testid=run-status]").inner_text() == "已完成"
    # The baseline has no red school; the scenario has S01 red from base + 2.
    reds = page.locator("[data-testid=red-count]").all_inner_texts()
    assert reds == ["0", "2"]  # base + 2 and base + 3
    assert page.locator("tr[data-school=S01] td[data-first=scenario]").inner_text() == str(base + 2)
    page.click("[data-testid=variant-switch] a:has-text('南湖新城')")
    red_row = page.locator(f"[data-testid=warnings] tr[data-school=S01][data-year='{base + 2}']")
    assert red_row.locator("[data-level]").inner_text() == "红色预警"

    # Its chart: history, baseline and scenario lines against the places.
    red_row.locator("[data-testid=warning-link]").click()
    page.wait_for_selector("canvas#places-canvas[data-rendered='1']")
    assert page.locator("[data-testid=school-name]").inner_text() == "城关小学"
    scenario_total = page.locator(
        f"[data-testid=projection-scenario] tr[data-year='{base + 2}'] [data-testid=total]"
    )
    assert scenario_total.inner_text() == "300"

    # The planning report.
    page.go_back()
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True)  # noqa: SIM115
    rows = list(wb["预警清单"].iter_rows(values_only=True))
    assert ("情景", "S01", "城关小学") in {r[:3] for r in rows[2:] if r[-1] == "红色预警"}
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_schools_admin_sees_its_own_baseline_on_a_phone(
    phone_page,
    users,
    places,  # noqa: F811
):
    from junheng.places import actions

    sc = actions.do_create_scenario(by=users["bureau"], name="保密的撤并方案")
    actions.do_add_merger(
        sc,
        by=users["bureau"],
        school=places["S03"],
        into=places["school_a"],
        year=places["base"] + 1,
    )
    actions.do_run_forecast(by=users["bureau"], scenario=sc, years=3)
    login_as(phone_page, users["school"].username, PASSWORD)
    phone_page.goto(phone_page.base + "/places/mine/")
    phone_page.wait_for_selector("canvas#places-canvas[data-rendered='1']")
    body = phone_page.content()
    assert "城关小学" in body
    assert "保密的撤并方案" not in body and "村小" not in body
    assert phone_page.locator("[data-testid=projection-scenario]").count() == 0
