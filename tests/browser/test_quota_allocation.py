"""The bureau previews the quota table with every method, publishes it, and a junior school's
admin (on a phone) sees its own row only."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.quotas.conftest import draft, quota_region  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_bureau_previews_publishes_and_a_school_admin_sees_its_own_row(
    page,
    phone_page,
    users,
    quota_region,  # noqa: F811
    draft,  # noqa: F811
):
    from junheng.accounts.models import User
    from junheng.quotas.models import QuotaSeat

    login_as(page, users["bureau"].username, PASSWORD)
    page.goto(page.base + f"/quotas/tables/{draft.pk}/")
    page.click("[data-testid=to-preview]")
    table = page.locator("[data-testid=side-by-side]")
    # JC (2 graduates): Hamilton 2 + 1, the divisor methods 1 + 1
    jc = table.locator("tr[data-junior=JC] td[data-seats]")
    assert jc.all_inner_texts() == ["3", "2", "2"]
    assert "丙九年一贯制学校" in page.locator("[data-testid=alabama]").inner_text()
    page.select_option("select[name=method]", "hamilton")
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=quota-table]")
    assert page.locator("[data-testid=status]").inner_text() == "已发布"
    assert QuotaSeat.objects.filter(table=draft).count() == 8

    ja = User(username="school_ja", role="school", school=quota_region["JA"])
    ja.set_password(PASSWORD)
    ja.save()
    login_as(phone_page, "school_ja", PASSWORD)
    phone_page.goto(phone_page.base + "/quotas/mine/")
    assert phone_page.locator("[data-testid=my-total]").inner_text() == "7"
    mine = phone_page.locator("[data-testid=my-row]")
    assert mine.locator("tr[data-hs=H1] td.num").inner_text() == "4"
    assert mine.locator("tr[data-hs=H2] td.num").inner_text() == "3"
    body = phone_page.content()
    assert "乙初中" not in body and "丙九年一贯制学校" not in body
