"""Each role logs in in a real browser and sees its own home page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.enrolment.conftest import market, window  # noqa: F401


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
        assert page.locator("[data-testid=school-map] [data-testid=map-school]").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["bureau", "school", "parent", "teacher", "provider"])
def test_each_home_page_says_what_to_do_next(page, users, key):
    login_as(page, users[key].username, PASSWORD)
    section = page.locator("[data-testid=todos]")
    assert section.is_visible()
    assert "待办事项" in section.inner_text()


@pytest.mark.django_db(transaction=True)
def test_bureau_follows_its_to_do_to_the_providers_waiting(page, users, region):
    from junheng.afterschool.models import Provider

    for i in range(4):
        Provider.objects.create(
            name=f"待审机构{i}",
            org_type="training",
            record_id=f"R{i}",
            contact_name="周",
            contact_phone="13800000000",
            service_items="围棋",
            fee_standards="300元/学期",
            status="submitted",
            county=region["county"],
        )
    login_as(page, users["bureau"].username, PASSWORD)
    todo = page.locator("[data-testid=todo-providers]")
    assert "4 家机构等待审核" in todo.inner_text()
    todo.locator("a").click()
    page.wait_for_url("**/afterschool/vetting/")
    assert page.locator("text=待审机构3").first.is_visible()


@pytest.mark.django_db(transaction=True)
def test_parent_follows_the_open_window_to_the_choice_page(
    page,
    users,
    market,  # noqa: F811
    window,  # noqa: F811
):
    login_as(page, users["parent"].username, PASSWORD)
    todo = page.locator("[data-testid=todo-choose]")
    assert "1 个孩子的选课正在进行" in todo.inner_text()
    todo.locator("a").click()
    page.wait_for_url("**/enrolment/choose/")


@pytest.mark.django_db(transaction=True)
def test_school_and_provider_see_their_to_dos(page, users, market):  # noqa: F811
    from junheng.afterschool.models import CourseRequest

    CourseRequest.objects.create(
        term=market["term"],
        school=market["school"],
        course=market["chess"].course,
        slot=market["slots"][0],
        seats_wanted=20,
    )
    login_as(page, users["school"].username, PASSWORD)
    assert "尚未向家长发布" in page.locator("[data-testid=todo-menu]").inner_text()
    page.click("button:has-text('退出')")
    login_as(page, users["provider"].username, PASSWORD)
    todo = page.locator("[data-testid=todo-requests]")
    assert "1 个学校点单等待答复" in todo.inner_text()
    todo.locator("a").click()
    page.wait_for_url("**/afterschool/my/requests/")


@pytest.mark.django_db(transaction=True)
def test_anonymous_visitor_finds_the_public_records_and_logs_in(page, users):
    page.goto(page.base + "/login/")
    page.click("[data-testid=public-index]")
    page.wait_for_url("**/public/")
    assert page.locator("[data-testid=public-draws]").is_visible()
    page.click("[data-testid=login-link]")
    page.wait_for_url("**/login/")
