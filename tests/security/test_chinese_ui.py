"""Nothing raw or English in the Chinese UI: every page of every role, crawled in zh-hans.

The URL conf is walked and filled as in test_crawl.py (the small demo county, its demo
accounts). Each page a role is served (HTML, 200) is read as a person reads it — the visible
text, the title and the words in tooltips, placeholders and buttons — and fails on:

- template markup or an unfilled placeholder left in the text (``{{``, ``{%``, ``%(n)d``);
- a Python repr shown as text (``{'key': …}``, ``[{…}]``, ``None``, ``True``);
- an English word: letters only, three or more, not in the allow-list of data and proper
  names below (codes, file names, units, the engine's name…).

Text inside ``<code>``, ``<pre>``, ``<script>``, ``<style>``, ``<textarea>`` and elements marked
``translate="no"`` is data (hashes, commands, file contents) and is not read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.security.conftest import FIGURES
from tests.security.test_crawl import _url, _walk

ROLES = ("anonymous", "bureau", "school_urban", "school_rural", "provider", "parent", "teacher")

# Data and proper names that are English (or Latin letters) by nature.
ALLOWED = {
    "junheng",  # the product's name
    "English",  # the language switch names each language in itself
    "sha",  # sha256 hashes are named so
    "csv",
    "xlsx",
    "CSV",
    "XLSX",
    "Excel",
    "JSON",
    "API",
    "OpenAPI",
    "htmx",
    "CP",
    "SAT",
    "HiGHS",
    "OR",
    "Tools",
    "PDF",
    "JPG",
    "PNG",
    "GIS",
    "km",
    # Column names of the engines' file formats (CONTRACTS.md), named in upload hints.
    "gender",
    "score",
    "needs",
    "together",
    "apart",
    "graduates",
    # Proper names of apportionment methods (指标到校).
    "Hamilton",
    "Hondt",
    "Django",
}
SKIP_TAGS = {"script", "style", "code", "pre", "textarea", "option"}
ATTRS = ("title", "placeholder", "aria-label", "alt")
# A word: letters only, not part of a code, identifier, path or file name (licence.pdf).
WORD = re.compile(r"(?<![A-Za-z0-9_./-])[A-Za-z]{3,}(?![A-Za-z0-9_./-])")
# Formulas and commands named in the text: sha256(seed), `junheng verify`.
FORMULA = re.compile(r"sha256\([^)]*\)|junheng [a-z]+")
MARKUP = re.compile(r"\{\{|\}\}|\{%|%\}|%\([a-z_]+\)[sd]")
REPR = re.compile(r"\{'[^']*': |\[\{|\bNone\b|\bTrue\b|\bFalse\b|<[A-Za-z]+ object at ")


class _Reader(HTMLParser):
    """The text a person reads on the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in SKIP_TAGS or a.get("translate") == "no":
            if tag not in ("br", "img", "input", "meta", "link"):
                self._skip.append(tag)
            return
        for name in ATTRS:
            if a.get(name):
                self.parts.append(a[name] or "")
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def problems(html: str) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    found = []
    for text in reader.parts:
        if MARKUP.search(text):
            found.append(f"markup: {text[:80]!r}")
        if REPR.search(text):
            found.append(f"repr: {text[:80]!r}")
        for word in WORD.findall(FORMULA.sub(" ", text)):
            if word not in ALLOWED:
                found.append(f"English {word!r} in {text[:80]!r}")
    return found


def _pages(users):
    from tests.security.test_crawl import _params

    params = _params(users)
    for name, pattern in _walk(get_resolver().url_patterns):
        if name in ("logout", "set_language") or name.startswith("api-1:"):
            continue
        if name.startswith("admin:") and name not in ("admin:index", "admin:app_list"):
            continue
        url = _url(name, pattern, params)
        if url is not None:
            yield name, url


def test_reader_finds_what_a_person_would_see():
    assert problems("<p>{{ x }}</p>") == ["markup: '{{ x }}'"]
    assert problems("<p>{'kind': 'siblings'}</p>")[0].startswith("repr:")
    assert problems("<p>at most 1 courses</p>")[0] == "English 'most' in 'at most 1 courses'"
    assert problems("<code>sha256 abcdef</code><p>第 1 组 · junheng</p>") == []
    assert problems('<button title="Close">×</button>') == ["English 'Close' in 'Close'"]


@pytest.mark.django_db
def test_no_page_of_any_role_shows_english_or_raw_markup_in_chinese(world):
    users = world
    pages = list(_pages(users))
    failures: list[str] = []
    served = 0
    for role in ROLES:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if role != "anonymous":
            client.force_login(users[role])
        for name, url in pages:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            served += 1
            for p in problems(response.content.decode()):
                failures.append(f"{role} {name} {url}: {p}")
    FIGURES["Chinese pages read (role x page)"] = served
    unique = sorted(set(failures))
    import os

    if os.environ.get("CHINESE_UI_REPORT"):
        with open(os.environ["CHINESE_UI_REPORT"], "w") as out:
            out.write("\n".join(unique))
    assert unique == [], f"{len(unique)} problems:\n" + "\n".join(unique[:300])
