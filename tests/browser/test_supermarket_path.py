"""The course supermarket end to end in a real browser: a provider registers and proposes a
course, the bureau approves both, plans balanced supply and publishes it, the school publishes
its menu, and a parent on a phone sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.fixture
def market_setup(settings, tmp_path, users):
    from junheng.region.models import Term, TimeSlot

    settings.MEDIA_ROOT = tmp_path / "media"
    Term.objects.create(
        name="2026 春季", start=dt.date(2026, 2, 16), end=dt.date(2026, 7, 3), is_current=True
    )
    for wd in range(1, 6):
        TimeSlot.objects.create(weekday=wd, period=1, start=dt.time(15, 40), end=dt.time(16, 40))
    return users


@pytest.mark.django_db(transaction=True)
def test_provider_to_parent_supermarket_path(page, phone_page, market_setup):
    users = market_setup
    base = page.base
    later = (timezone.localdate() + dt.timedelta(days=365)).isoformat()

    # 1. A provider registers (no login needed) ...
    page.goto(base + "/afterschool/providers/")
    page.click("[data-testid=register-link]")
    form = page.locator("[data-testid=register-form]")
    form.locator("input[name=name]").fill("海盐古琴艺术社")
    form.locator("select[name=org_type]").select_option("artist")
    form.locator("input[name=record_id]").fill("330424-YS-0001")
    form.locator("input[name=contact_name]").fill("李琴师")
    form.locator("input[name=contact_phone]").fill("13800000000")
    form.locator("input[name=x_km]").fill("2")
    form.locator("input[name=y_km]").fill("2")
    form.locator("textarea[name=service_items]").fill("古琴、书法")
    form.locator("textarea[name=fee_standards]").fill("每课时 30 元")
    form.locator("input[name=weekly_sessions]").fill("4")
    form.locator("input[name=username]").fill("guqin")
    form.locator("input[name=password1]").fill("Guqin-Pass-2026!")
    form.locator("input[name=password2]").fill("Guqin-Pass-2026!")
    form.locator("input[name=licence]").set_input_files(_file("licence.pdf"))
    page.click("[data-testid=register-submit]")
    page.wait_for_selector("[data-testid=provider-status][data-status=draft]")

    # ... adds an instructor with a background check, submits, and proposes a course.
    f = page.locator("[data-testid=instructor-form]")
    f.locator("input[name=name]").fill("王琴师")
    f.locator("textarea[name=qualifications]").fill("市级非遗传承人")
    f.locator("input[name=background_check]").set_input_files(_file("check.pdf"))
    f.locator("input[name=background_check_expires]").fill(later)
    page.click("[data-testid=instructor-submit]")
    page.click("[data-testid=submit-application]")
    page.wait_for_selector("[data-testid=provider-status][data-status=submitted]")
    page.click("[data-testid=new-course]")
    cf = page.locator("[data-testid=course-form]")
    cf.locator("input[name=title]").fill("古琴入门")
    cf.locator("select[name=category]").select_option("heritage")
    cf.locator("input[name=grade_min]").fill("3")
    cf.locator("input[name=grade_max]").fill("9")
    cf.locator("input[name=seats]").fill("20")
    cf.locator("textarea[name=content]").fill("认识古琴，学弹《仙翁操》。")
    cf.locator("input[name=max_km]").fill("30")
    page.click("[data-testid=course-submit]")
    page.wait_for_selector("[data-testid=my-courses] >> text=古琴入门")

    # 2. The bureau approves the provider and the course.
    page.context.clear_cookies()
    login_as(page, "bureau", PASSWORD)
    page.goto(base + "/afterschool/vetting/?status=submitted")
    page.click("[data-testid=vetting-row] >> text=海盐古琴艺术社")
    assert page.inner_text("[data-testid=quality-score]") == "—"
    page.fill("[data-testid=approve-form] input[name=until]", later)
    page.click("[data-testid=approve-provider]")
    page.wait_for_selector("[data-testid=provider-status][data-status=approved]")
    page.goto(base + "/afterschool/courses/review/")
    page.click("[data-testid=review-course][data-title=古琴入门] [data-testid=approve-course]")
    page.wait_for_selector("[data-testid=no-courses]")

    # 3. ... plans balanced supply for the term and publishes it.
    page.goto(base + "/afterschool/supply/")
    page.fill("[data-testid=supply-form] input[name=time_limit_s]", "10")
    page.click("[data-testid=supply-start]")
    page.wait_for_selector("[data-testid=supply-status][data-status=done]")
    assert page.locator("[data-testid=placement]").count() == 2
    assert page.locator("[data-testid=class-rural] td").nth(3).inner_text() != "0.0"
    page.click("[data-testid=supply-publish]")
    page.wait_for_selector("[data-testid=supply-status][data-status=published]")

    # 4. The school sees the planned offering and publishes its menu.
    page.context.clear_cookies()
    login_as(page, users["school"].username, PASSWORD)
    page.goto(base + "/afterschool/menu/")
    assert page.locator("[data-testid=menu-offering] >> text=古琴入门").count() == 1
    page.click("[data-testid=publish-menu]")
    page.wait_for_selector("[data-testid=menu-status][data-status=published]")

    # 5. A parent on a phone sees the course, highlighted for the child's grade.
    login_as(phone_page, users["parent"].username, PASSWORD)
    phone_page.goto(phone_page.base + "/afterschool/children/")
    item = phone_page.locator("[data-testid=menu-item]", has_text="古琴入门")
    assert item.count() == 1 and item.get_attribute("data-open") == "1"
    assert item.is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # fits the phone: no sideways scrolling
