"""The bureau uses the balance monitor in a real browser: dashboard with charts served by the
app, a school page, the gap list, and a what-if whose after-verdict appears in place (htmx)."""

from __future__ import annotations

import pytest

from tests.balance.factory import build_county
from tests.browser.conftest import login_as
from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_bureau_reads_dashboard_school_gaps_and_runs_a_what_if(page, users, region):
    from junheng.region.models import School

    # The region's one-pupil schools become teaching points (outside the indicators).
    School.objects.filter(code__in=["S01", "S02"]).update(teaching_point=True)
    county = build_county(region["county"])
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    login_as(page, users["bureau"].username, PASSWORD)

    page.goto(page.base + "/balance/")
    assert page.locator("[data-testid=verdict]").inner_text() == "未达标"
    assert page.locator("[data-testid=passing]").inner_text() == "4 / 7"
    # Chart.js came from the app and drew every indicator's chart.
    page.wait_for_selector("canvas#chart-L1[data-rendered='1']")
    assert page.locator("canvas[data-rendered='1']").count() == 7
    assert page.evaluate("typeof Chart") == "function"
    chart_js = [u for u in requests if "chart-4.6.1.umd.min.js" in u]
    assert chart_js and all(u.startswith(page.base) for u in chart_js)
    assert all(u.startswith(page.base) or u.startswith("data:") for u in requests)
    primary_l2 = page.locator("[data-testid=cv-table] tr[data-level=primary] td[data-indicator=L2]")
    assert primary_l2.inner_text() == "0.5401"

    page.click("text=山村小学")
    page.wait_for_selector("[data-testid=school-verdict]")
    assert page.locator("[data-testid=school-verdict]").inner_text() == "未达标"
    assert "还需 75 m² 体育运动场馆" in page.locator("tr[data-indicator=L5]").inner_text()

    page.goto(page.base + "/balance/gaps/")
    rows = page.locator("[data-testid=gap-table] tbody tr")
    assert rows.count() == 3  # P3, J2 and N1's primary part
    assert page.locator("tr[data-school=N1]").inner_text().count("还需 1 名高于规定学历的教师") == 1

    # What-if: one more qualified teacher for N1 (from P1, which keeps 5 of 6) makes N1 pass.
    page.goto(page.base + "/balance/what-if/")
    page.fill("input[name=move_count]", "1")
    page.select_option("select[name=move_kind]", "qualified")
    page.select_option("select[name=move_from]", str(county["P1"].pk))
    page.select_option("select[name=move_to]", str(county["N1"].pk))
    page.click("[data-testid=whatif-run]")
    page.wait_for_selector("[data-testid=verdict-after]")
    assert page.locator("[data-testid=verdict-before]").inner_text() == "未达标"
    assert page.locator("[data-testid=passing-after]").inner_text() == "5"
    assert page.url.endswith("/balance/what-if/")  # swapped in place by htmx
    n1 = page.locator("[data-testid=whatif-schools] tr", has_text="镇九年一贯制学校").first
    assert "达标" in n1.inner_text()
