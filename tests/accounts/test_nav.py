"""The header's menu: each role's own entries, the current page marked, in the user's language
(rendered once per role, language and current entry in each process and reused)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _nav(html: str) -> str:
    return re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)


def test_each_role_sees_its_own_menu_with_the_current_page_marked(users, client):
    client.force_login(users["parent"])
    choose = _nav(client.get("/enrolment/choose/").content.decode())
    assert '<a href="/enrolment/choose/" aria-current="page">' in choose
    assert "录取结果" in choose and "摇号公平性" not in choose
    results = _nav(client.get("/enrolment/results/").content.decode())
    # the kept menu of another page does not mark this one's entry
    assert '<a href="/enrolment/results/" aria-current="page">' in results
    assert '<a href="/enrolment/choose/" aria-current="page">' not in results
    client.force_login(users["bureau"])
    bureau = _nav(client.get("/enrolment/choose/", follow=True).content.decode())
    assert "摇号公平性" in bureau and "填报志愿" not in bureau


def test_the_menu_follows_the_language(users, client):
    client.force_login(users["parent"])
    assert "录取结果" in _nav(client.get("/enrolment/results/").content.decode())
    client.cookies["django_language"] = "en"
    english = _nav(client.get("/enrolment/results/").content.decode())
    assert "录取结果" not in english and 'aria-current="page"' in english


def test_anonymous_pages_have_no_menu(client):
    assert 'class="main-nav"' not in client.get("/accounts/login/").content.decode()
