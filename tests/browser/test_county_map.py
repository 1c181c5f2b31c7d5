"""The county map in a real browser: a provider picks its location on the registration form's
map (the km inputs fill in, typing moves the marker); the bureau's home draws the outline."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD


def _click_at(page, svg, fx: float, fy: float) -> None:
    box = svg.bounding_box()
    assert box
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


@pytest.mark.django_db(transaction=True)
def test_provider_picks_its_location_on_the_county_map(page, users):
    page.goto(page.base + "/afterschool/register/")
    svg = page.locator("[data-testid=pick-map]")
    svg.scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=pick-map][data-ready='1']")
    assert svg.locator("[data-testid=county-outline]").count() == 1
    assert svg.locator("[data-testid=map-school]").count() == 2
    x_in, y_in = page.locator("#id_x_km"), page.locator("#id_y_km")
    before = (x_in.input_value(), y_in.input_value())

    _click_at(page, svg, 0.25, 0.75)  # lower left
    low = (float(x_in.input_value()), float(y_in.input_value()))
    assert (x_in.input_value(), y_in.input_value()) != before
    _click_at(page, svg, 0.75, 0.25)  # upper right
    high = (float(x_in.input_value()), float(y_in.input_value()))
    assert high[0] > low[0] and high[1] > low[1]  # east is right, north is up
    # the two schools sit at x = 1 and x = 20 km: picks land within the county's drawing
    assert -5 < low[0] < high[0] < 26

    # the marker follows typed coordinates too (keyboard users keep the inputs)
    cx = page.locator("[data-testid=map-pick]").get_attribute("cx")
    x_in.fill("1")
    assert page.locator("[data-testid=map-pick]").get_attribute("cx") != cx
    assert "点选" in page.locator("[data-testid=pick-hint]").inner_text()


@pytest.mark.django_db(transaction=True)
def test_bureau_home_draws_schools_over_the_outline(page, users):
    login_as(page, users["bureau"].username, PASSWORD)
    svg = page.locator("[data-testid=school-map]")
    assert svg.locator("[data-testid=county-outline]").is_visible()
    assert svg.locator("circle.school").count() == 2
    assert "凸包" in page.locator("[data-testid=outline-source]").inner_text()
