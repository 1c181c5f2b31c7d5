"""The header on a phone, a laptop and a desktop: the navigation collapses into a menu button on
a phone and shows every entry when opened; one header menu is open at a time; the school
admin's header fits a 1366 px screen. The phone screenshots in docs/screenshots come from here:
`JUNHENG_SCREENSHOTS=docs/screenshots pytest tests/browser/test_layout.py` (other runs write
them to a temporary folder, so a test run never changes the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD


def _open_every_group(page):
    for summary in page.locator("header .nav-group summary").all():
        summary.click()
        # Opening a group closes the others, so check each group's entries while it is open.
        for link in summary.locator("xpath=..").locator(".nav-menu a").all():
            assert link.is_visible(), link.inner_text()
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("key", "must_see"), [("parent", "填报志愿"), ("teacher", "我的交流轮岗")])
def test_phone_navigation_opens_from_the_menu_button_and_shows_every_entry(
    phone_page, users, key, must_see, tmp_path
):
    page = phone_page
    login_as(page, users[key].username, PASSWORD)
    assert not page.locator("#main-nav").is_visible()
    page.click("[data-testid=nav-toggle]")
    assert page.locator("[data-testid=nav-toggle]").get_attribute("aria-expanded") == "true"
    nav = page.locator("#main-nav")
    assert nav.is_visible()
    for link in nav.locator(":scope > a").all():
        box = link.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390 + 1, link.inner_text()
    _open_every_group(page)
    assert page.get_by_role("link", name=must_see).first.is_visible() or must_see in (
        nav.inner_text()
    )
    shots = Path(os.environ.get("JUNHENG_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"phone-{key}-navigation.png"), full_page=True)
    # The page itself does not scroll sideways on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1


@pytest.mark.django_db(transaction=True)
def test_one_header_menu_is_open_at_a_time_and_a_click_outside_closes_it(page, users):
    login_as(page, users["bureau"].username, PASSWORD)
    groups = page.locator("header details.nav-group")
    assert groups.count() >= 2
    # The closing runs on the "toggle" event, which the browser fires after the click
    # returns: the assertions wait for it (up to Playwright's timeout) instead of racing it.
    groups.nth(0).locator("summary").click()
    expect(groups.nth(0)).to_have_js_property("open", True)
    groups.nth(1).locator("summary").click()
    expect(groups.nth(1)).to_have_js_property("open", True)
    expect(groups.nth(0)).to_have_js_property("open", False)
    page.click("main")
    expect(groups.nth(1)).to_have_js_property("open", False)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["school", "bureau"])
def test_header_fits_a_1366_px_screen_on_one_line(browser, live_server, users, key):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.base = live_server.url
    login_as(page, users[key].username, PASSWORD)
    nav = page.locator("#main-nav > a, #main-nav > details > summary").all()
    tops = {round(el.bounding_box()["y"]) for el in nav}
    width = page.evaluate("document.documentElement.scrollWidth")
    ctx.close()
    assert len(tops) == 1, f"the navigation wraps onto {len(tops)} lines"
    assert width <= 1366
