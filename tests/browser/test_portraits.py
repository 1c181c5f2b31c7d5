"""Growth portraits in a browser on a phone: a parent opens the child's portrait (radar,
timeline, strengths); the child's teacher opens its class; the bureau sees the county by
dimension with small groups showing no figure."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.portraits.conftest import portraits  # noqa: F401  (fixture)


@pytest.mark.django_db(transaction=True)
def test_parent_teacher_and_bureau_on_a_phone(phone_page, users, region, portraits):  # noqa: F811
    page = phone_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    child = region["student_a"]

    login_as(page, users["parent"].username, PASSWORD)
    page.goto(page.base + "/portraits/")
    page.click(f"[data-testid=child-{child.code}]")
    page.wait_for_selector("canvas#portrait-radar[data-rendered='1']")
    assert page.locator("[data-testid=portrait-name]").inner_text() == child.name
    assert page.locator("[data-testid=timeline] tbody tr").count() == 2
    assert page.locator("[data-testid=strengths] li").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # no sideways scrolling of the page on a phone
    # where the health score comes from: the child's own grade's and sex's fitness band
    page.click("[data-testid=explain-health] summary")
    applied = page.locator("[data-testid=explain-health] [data-testid=band-applied]")
    assert applied.first.is_visible() and "达到「≥" in applied.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.context.clear_cookies()

    login_as(page, users["teacher"].username, PASSWORD)
    page.goto(page.base + "/portraits/")
    page.click(f"[data-testid=class-{portraits['class_a'].pk}]")
    assert page.locator("[data-testid=class-children] li").count() == 12
    assert page.locator("[data-testid=class-figures] td[data-students='12']").count() == 5
    page.context.clear_cookies()

    login_as(page, users["bureau"].username, PASSWORD)
    page.goto(page.base + "/portraits/county/")
    small = page.locator("[data-testid=by-school] td[data-students='5']")
    assert small.count() == 5 and set(small.all_inner_texts()) == {"—"}
    assert not errors, errors
