"""Each role logs in in a real browser and sees its own home page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("key", "expect"),
    [
        ("bureau", "[data-testid=total-schools]"),
        ("school", "[data-testid=school-name]"),
        ("parent", "[data-testid=child]"),
        ("teacher", "[data-testid=teacher-card]"),
        ("provider", "h1"),
    ],
)
def test_each_role_logs_in_and_sees_its_home(page, users, key, expect):
    login_as(page, users[key].username, PASSWORD)
    assert "均衡" in page.title()
    assert page.locator(expect).first.is_visible()
    if key == "bureau":
        assert page.locator("[data-testid=total-schools]").inner_text() == "2"
        page.wait_for_selector("#school-map[data-ready='1']")
