"""Every demo account that `make run` prints logs in, in a real browser, and sees its home page."""

from __future__ import annotations

import io

import pytest

from junheng.commands.demo import APPS, DEMO_PASSWORD, DEMO_SEED, load_demo
from tests.browser.conftest import login_as

# the portraits' records are not needed here and take most of the demo's load time
WITHOUT_PORTRAITS = tuple(a for a in APPS if a != "portraits")


@pytest.mark.django_db(transaction=True)
def test_every_demo_account_logs_in_and_sees_its_home_page(page):
    _region, _county, accounts = load_demo(
        "county", DEMO_SEED, DEMO_PASSWORD, io.StringIO(), WITHOUT_PORTRAITS
    )
    roles = {role for _u, role, _n in accounts}
    assert len(accounts) >= 8 and len(roles) >= 5
    for username, _role, _note in accounts:
        login_as(page, username, DEMO_PASSWORD)
        assert "均衡" in page.title()
        assert page.locator("main h1").first.is_visible()
        who = page.locator("[data-testid=who]").inner_text()
        assert who
        page.locator("form[action$='/logout/'] button").click()
        page.wait_for_selector("input[name=username]")
