"""The sunshine draw in a real browser: the school admin prepares, runs and publishes it; a
parent on a phone sees the child's class and the public balance table, with masked names only."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD

NAMES = [
    "王小明",
    "李小红",
    "张子涵",
    "刘浩然",
    "陈欣怡",
    "杨梓轩",
    "黄雨桐",
    "赵宇航",
    "吴思远",
    "周嘉怡",
    "徐一鸣",
    "孙可欣",
    "马天佑",
    "朱若曦",
    "胡俊杰",
    "郭雅琪",
    "何宇轩",
    "高诗涵",
]


@pytest.fixture
def cohort(region, users):
    from junheng.accounts.models import Guardianship
    from junheng.region.models import Student, Term

    Term.objects.create(
        name="2026-2027学年第一学期",
        start=dt.date(2026, 9, 1),
        end=dt.date(2027, 1, 22),
        is_current=True,
    )
    Student.objects.bulk_create(
        [
            Student(
                code=f"G1{i:03d}",
                name=name,
                gender="FM"[i % 2],
                school=region["school_a"],
                grade=1,
                score=float(60 + (i * 13) % 40),
                support_needs=i == 4,
            )
            for i, name in enumerate(NAMES)
        ]
    )
    child = Student.objects.get(code="G1005")
    Guardianship.objects.create(user=users["parent"], student=child)
    return child


@pytest.mark.django_db(transaction=True)
def test_school_admin_runs_the_draw_and_a_parent_sees_the_class(page, phone_page, users, cohort):
    from junheng.placement.models import Placement

    login_as(page, users["school"].username, PASSWORD)
    page.goto(page.base + "/placement/")
    page.fill("[data-testid=create-form] input[name=n_classes]", "3")
    page.click("[data-testid=create]")
    page.wait_for_selector("[data-testid=status][data-status=draft]")
    assert page.locator("[data-testid=cohort-size]").inner_text() == str(len(NAMES))

    # twins in one class, recorded with who asked
    form = page.locator("[data-testid=request-form]")
    form.locator("select[name=kind]").select_option("together")
    form.locator("input[name=codes]").fill("G1000 G1001")
    form.locator("input[name=reason]").fill("双胞胎")
    form.locator("input[name=requested_by_name]").fill("王女士")
    form.locator("select[name=requested_by_role]").select_option("parent")
    page.click("[data-testid=add-request]")
    assert "双胞胎" in page.locator("[data-testid=requests]").inner_text()

    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=status][data-status=committed]")
    commitment = page.locator("[data-testid=commitment]").inner_text()
    assert len(commitment) == 64
    assert page.locator("[data-testid=seed-hidden]").count() == 1

    page.click("[data-testid=go-draw]")
    page.wait_for_selector("[data-testid=projector]")
    assert page.locator("[data-testid=commitment]").inner_text() == commitment
    page.fill(".witness-box input[name=name]", "赵公证")
    page.select_option(".witness-box select[name=role]", "notary")
    page.click("[data-testid=add-witness]")
    page.wait_for_selector("[data-testid=witnesses] >> text=赵公证")
    page.fill("[data-testid=entropy-input]", "05 11 29")  # the notary reads out the numbers
    page.click("[data-testid=run-draw]")
    page.wait_for_selector("[data-testid=locked]")
    for k in (1, 2, 3):
        assert page.locator(f"[data-testid=class-{k}]").count() == 1
    assert page.locator("[data-testid=balance-table] tbody tr").count() == 3
    assert "王小明" not in page.content()  # the projector shows masked names
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=status][data-status=published]")

    p = Placement.objects.get()
    class_no = p.members.get(code="G1005").class_no
    assert p.members.get(code="G1000").class_no == p.members.get(code="G1001").class_no

    login_as(phone_page, users["parent"].username, PASSWORD)
    phone_page.goto(phone_page.base + "/placement/my/")
    assert phone_page.locator("[data-testid=child-class]").inner_text().startswith(str(class_no))
    phone_page.click("[data-testid=public-link]")
    phone_page.wait_for_selector("[data-testid=balance-table]")
    assert phone_page.locator("[data-testid=seed]").inner_text() == p.seed
    assert phone_page.locator("[data-testid=entropy]").inner_text() == "05 11 29"
    alias = p.members.get(code="G1005").pseudonym
    assert alias in phone_page.locator("[data-testid=own-alias]").inner_text()
    assert phone_page.locator(f"[data-testid=class-{class_no}].own").count() == 1
    html = phone_page.content()
    others = [n for n in NAMES if n != cohort.name]
    assert not [n for n in others if n in html]
    assert "王*明" in html  # masked names on the class lists
