"""A school admin imports a student list in a real browser; the language switch works."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.region.test_import import STUDENT_HEADER, xlsx


@pytest.mark.django_db(transaction=True)
def test_school_admin_imports_students_and_sees_the_counts(page, users, tmp_path):
    from junheng.region.models import Student

    login_as(page, users["school"].username, PASSWORD)
    page.goto(page.base + "/region/import/")
    good = tmp_path / "students.xlsx"
    good.write_bytes(
        xlsx(
            [
                list(STUDENT_HEADER),
                ["P5001", "赵一", "M", "2018-03-02", "S01", 2, 1, "否"],
                ["P5002", "钱二", "F", "", "S01", 2, 1, "是"],
            ]
        )
    )
    page.select_option("select[name=kind]", "students")
    page.set_input_files("input[name=file]", str(good))
    page.click("[data-testid=import-form] button[type=submit]")
    assert page.locator("[data-testid=created]").inner_text() == "2"
    assert Student.objects.filter(code__in=["P5001", "P5002"]).count() == 2

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([list(STUDENT_HEADER), ["P5003", "孙三", "M", "", "S02", 8, 1, ""]]))
    page.select_option("select[name=kind]", "students")
    page.set_input_files("input[name=file]", str(bad))
    page.click("[data-testid=import-form] button[type=submit]")
    assert "S02" in page.locator("[data-testid=import-errors]").inner_text()
    assert not Student.objects.filter(code="P5003").exists()


@pytest.mark.django_db(transaction=True)
def test_language_switch_in_the_header(phone_page, users):
    login_as(phone_page, users["parent"].username, PASSWORD)
    phone_page.click("[data-testid=lang-en]")
    phone_page.wait_for_selector("html[lang=en]")
    assert "My children" in phone_page.content()
    phone_page.click("[data-testid=lang-zh-hans]")
    phone_page.wait_for_selector("html[lang=zh-hans]")
    assert "我的孩子" in phone_page.content()
