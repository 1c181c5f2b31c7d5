"""Simplified Chinese and English: the switch in base.html and the foundation's catalogues."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse

import junheng

PACKAGE = Path(junheng.__file__).parent
CATALOGUES = [
    PACKAGE / "locale/en/LC_MESSAGES/django.po",
    PACKAGE / "accounts/locale/en/LC_MESSAGES/django.po",
    PACKAGE / "region/locale/en/LC_MESSAGES/django.po",
]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """`make test` compiles first; a bare pytest run may not have: compile and reload."""
    from django.utils.translation import trans_real

    from junheng.commands import i18n

    i18n.run(None)
    trans_real._translations.clear()
    trans_real._default = None


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_foundation_string_has_an_english_translation(path):
    po = polib.pofile(str(path))
    assert len(po) > 5
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_language_switch_turns_the_pages_english_and_back(client, users):
    client.force_login(users["bureau"])
    page = client.get(reverse("home")).content.decode()
    assert "退出" in page and 'lang="zh-hans"' in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page
    for english in (
        "Sign out",
        "Change password",
        "County at a glance",
        "Import &amp; export",
        "Bureau admin",
    ):
        assert english in page, english
    assert "退出" not in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert "退出" in page and "Sign out" not in page


def test_language_buttons_name_each_language_in_itself(client, users):
    client.force_login(users["parent"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert ">简体中文</button>" in page and ">English</button>" in page
    assert "My children" in page


def test_login_page_and_import_page_in_english(client, users):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Sign in" in client.get(reverse("login")).content.decode()
    client.force_login(users["school"])
    page = client.get(reverse("region:import")).content.decode()
    assert "Upload and import" in page and "Download an import template" in page


def test_import_errors_speak_the_users_language(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "code,name,gender,school,grade\nP7,王,M,S01,abc\n".encode()
    client.force_login(users["bureau"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(
        reverse("region:import"), {"kind": "students", "file": SimpleUploadedFile("s.csv", data)}
    )
    page = response.content.decode()
    assert "Should be a whole number, got “abc”" in page
    assert "Not imported" in page


def test_every_app_with_models_is_named_in_chinese_and_in_english(db):
    """The admin's app list and the permission names of the user and group pages
    ("成长档案 | …") show each app's name; none may stay in English (or Chinese in English)."""
    import re

    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.utils import translation

    cjk = re.compile(r"[\u4e00-\u9fff]")
    configs = [c for c in apps.get_app_configs() if list(c.get_models())]
    assert len(configs) > 10
    with translation.override("zh-hans"):
        chinese = {c.label: str(c.verbose_name) for c in configs}
        permission = str(Permission.objects.filter(content_type__app_label="portraits").first())
    with translation.override("en"):
        english = {c.label: str(c.verbose_name) for c in configs}
    assert [label for label, name in chinese.items() if not cjk.search(name)] == []
    assert [label for label, name in english.items() if cjk.search(name)] == []
    assert chinese["portraits"] == "成长档案" and english["portraits"] == "Growth portraits"
    assert permission.startswith("成长档案 | ")
