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

import html
import io
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
    # The county outline's file format (GeoJSON, RFC 7946) and its geometry types.
    "GeoJSON",
    "Polygon",
    "MultiPolygon",
    "FeatureCollection",
    "WGS",
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
    "true",  # what `junheng verify` prints when a draw checks out ("ok": true)
}
# Identifiers that are data: the column names of the engines' file formats (CONTRACTS.md),
# named in upload hints.
ALLOWED_IDENTS = {"student_id", "junior_id", "high_school_id", "school_id", "teacher_id"}
SKIP_TAGS = {"script", "style", "code", "pre", "textarea", "option"}
ATTRS = ("title", "placeholder", "aria-label", "alt")
# A word: letters only, not part of a code, identifier, path or file name (licence.pdf).
WORD = re.compile(r"(?<![A-Za-z0-9_./-])[A-Za-z]{3,}(?![A-Za-z0-9_./-])")
# Formulas and commands named in the text: sha256(seed), `junheng verify`.
# An identifier shown as text: snake_case or hyphenated words (seats_total, lottery-seed), the
# keys of a dict or the values of a choice field left raw. Codes carry digits (U-P-01) and are
# not matched; file names and paths (licence.pdf, /api/v1) are not either.
IDENT = re.compile(r"(?<![\w./-])[A-Za-z]{2,}(?:[_-][A-Za-z]{2,})+(?![\w./-])")
FORMULA = re.compile(r"sha256\([^)]*\)|junheng [a-z]+")
# A file column's Chinese label followed by its key, the name it round-trips under
# ("学生编码 (student)", in templates, hints and exported headers): the key is data.
KEY_IN_BRACKETS = re.compile(r"(?<=[\u4e00-\u9fff])\s*[(（]\s*[a-z][a-z0-9_]*\s*[)）]")
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


def problems(html: str, allowed_idents: frozenset[str] = frozenset()) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    found = []
    for text in reader.parts:
        if MARKUP.search(text):
            found.append(f"markup: {text[:80]!r}")
        if REPR.search(text):
            found.append(f"repr: {text[:80]!r}")
        plain = KEY_IN_BRACKETS.sub("", FORMULA.sub(" ", text))
        for ident in IDENT.findall(plain):
            if ident not in allowed_idents and ident not in ALLOWED_IDENTS:
                found.append(f"identifier {ident!r} in {text[:80]!r}")
        for word in WORD.findall(plain):
            if word not in ALLOWED and word not in allowed_idents:
                found.append(f"English {word!r} in {text[:80]!r}")
    return found


# Pages whose text depends on the state of their object (a draw before and after it is run, an
# open and a published window…): the crawl reads them once for every state found in the county.
VARIANTS = {
    ("enrolment", "draw_id"): "enrolment.Draw",
    ("enrolment", "window_id"): "enrolment.ChoiceWindow",
    ("placement", "placement_id"): "placement.Placement",
    ("placement", "run_id"): "placement.BulkPlacementRun",
    ("afterschool", "run_id"): "afterschool.SupplyRun",
    ("places", "run_id"): "places.ForecastRun",
    ("communities", "round_id"): "communities.PairingRound",
    ("rotation", "round_id"): "rotation.RotationRound",
    ("quotas", "table_id"): "quotas.QuotaTable",
    ("jobs", "job_id"): "jobs.Job",
}


def _one_per_state(label):
    from django.apps import apps

    model = apps.get_model(label)
    fields = {f.name for f in model._meta.get_fields()}
    state = next((f for f in ("state", "status") if f in fields), None)
    if state is None:
        return list(model.objects.order_by("pk").values_list("pk", flat=True)[:1])
    firsts: dict[object, int] = {}
    for pk, value in model.objects.order_by("pk").values_list("pk", state):
        firsts.setdefault(value, pk)
    return sorted(firsts.values())


XLSX = "spreadsheetml"


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def sheet_problems(data: bytes, allowed_idents: frozenset[str] = frozenset()) -> list[str]:
    """An .xlsx read as a person opens it in Chinese: sheet names in Chinese (no Latin letters
    but the allowed words), header rows (the first two, for a caption) read like page text;
    a contract's column key in brackets after its Chinese label ("学校代码 (school)") is the
    round-trip name of the column and is not read."""
    from openpyxl import load_workbook

    found = []
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        for ws in book.worksheets:
            words = [w for w in re.findall(r"[A-Za-z]+", ws.title) if w not in ALLOWED]
            if words:
                found.append(f"sheet name {ws.title!r}")
            for row in ws.iter_rows(max_row=2, values_only=True):
                for cell in row:
                    if isinstance(cell, str):
                        for p in problems(f"<p>{html.escape(cell)}</p>", allowed_idents):
                            found.append(f"sheet {ws.title!r} header: {p}")
    finally:
        book.close()
    return found


def _objects_the_demo_lacks(users):
    """A computed supply run (the small county's demo has none), so its pages are read too."""
    from junheng.afterschool.actions.supply import do_start_supply_run
    from junheng.afterschool.models import SupplyRun
    from junheng.region.models import Term

    if not SupplyRun.objects.exists():
        term = Term.objects.order_by("-start").first()
        do_start_supply_run(term, by=users["bureau"], time_limit_s=5.0)


def _pages(users):
    """Every named page of the URL conf (of the Django admin, its index and app pages), each path parameter filled as in test_crawl.py, and the pages of VARIANTS once
    for each state of their object."""
    from tests.security.test_crawl import _params

    params = {
        **_params(users),
        "code": users["school_urban"].school.code,  # a school of a forecast run
        "zone": users["school_urban"].school.urban_rural,  # its urban–rural class
    }
    states = {key: _one_per_state(label) for key, label in VARIANTS.items()}
    for name, pattern in _walk(get_resolver().url_patterns):
        if name in ("logout", "set_language") or name.startswith("api-1:"):
            continue
        if name.startswith("admin:") and name not in ("admin:index", "admin:app_list"):
            continue
        ns = name.split(":")[0]
        seen = set()
        keys = [k for k in pattern.pattern.converters if (ns, k) in VARIANTS]
        for key in keys or [None]:
            for pk in (states[(ns, key)] or [params.get(key)]) if key else [None]:
                url = _url(name, pattern, {**params, key: pk} if key else params)
                if url is not None and url not in seen:
                    seen.add(url)
                    yield name, url


def test_reader_finds_what_a_person_would_see():
    assert problems("<p>{{ x }}</p>") == ["markup: '{{ x }}'"]
    assert problems("<p>{'kind': 'siblings'}</p>")[0].startswith("repr:")
    assert problems("<p>at most 1 courses</p>")[0] == "English 'most' in 'at most 1 courses'"
    assert problems("<code>sha256 abcdef</code><p>第 1 组 · junheng</p>") == []
    assert problems('<button title="Close">×</button>') == ["English 'Close' in 'Close'"]
    # Identifiers left raw: a dict's keys, a choice's value.
    assert problems("<th>seats_filled</th>") == ["identifier 'seats_filled' in 'seats_filled'"]
    assert problems("<p>种子 lottery-seed</p>")[0].startswith("identifier 'lottery-seed'")
    # Data: codes with digits, file names, contract columns, the signed-in user's name.
    assert problems("<p>U-P-01 · licence.pdf · 列 student_id</p>") == []
    assert problems("<p>school_urban · bureau</p>", frozenset({"school_urban", "bureau"})) == []
    assert problems("<p>圣拉格法（Sainte-Laguë）</p>") == []
    assert problems("<p>学生编码 (student)、班号（class）</p>") == []
    assert problems("<p>见 (students)</p>") == []  # after a Chinese word: a column key
    assert problems("<p>at most (students)</p>")[0].startswith("English 'most'")


def test_an_english_sheet_name_or_header_is_found():
    from junheng.exports import Sheet, write_xlsx

    bad = write_xlsx(Sheet("students", header=["学生编码 (code)", "seats_filled"]))
    assert sheet_problems(bad) == [
        "sheet name 'students'",
        "sheet 'students' header: identifier 'seats_filled' in 'seats_filled'",
    ]
    assert sheet_problems(write_xlsx(Sheet("学生", header=["学生编码 (code)", "性别"]))) == []


def test_every_key_of_the_draw_summary_has_a_label():
    """The public draw page shows the engine's summary through one label table: every key the
    allocation engine writes is labelled (or is a hash shown on its own row)."""
    from junheng.engines.allocation import Choice, Offering, allocate
    from junheng.public_draw import SUMMARY_HIDDEN, SUMMARY_LABELS, summary_rows

    offers = [Offering("chess", 1), Offering("choir", 1)]
    wants = [Choice("a", 1, "chess"), Choice("b", 1, "chess"), Choice("c", 1, "chess")]
    summary = allocate(offers, wants, {}, seed="demo").summary
    assert set(summary) <= set(SUMMARY_LABELS) | SUMMARY_HIDDEN
    rows = dict(summary_rows(summary))
    assert rows["参加摇号的学生"] == 3 and rows["录取学生"] == 1 and rows["录取率"] == "33.3%"
    assert not any("_" in label for label in rows)


@pytest.mark.django_db
def test_no_page_of_any_role_shows_english_or_raw_markup_in_chinese(world):
    users = world
    _objects_the_demo_lacks(users)
    pages = list(_pages(users))
    # Usernames are data (the header names who is signed in; rosters name accounts).
    data = frozenset(users)
    failures: list[str] = []
    served = books = 0
    seen: dict[str, list[str]] = {}
    for role in ROLES:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if role != "anonymous":
            client.force_login(users[role])
        for name, url in pages:
            response = client.get(url)
            seen.setdefault(name, []).append(f"{role}:{response.status_code}")
            if response.status_code == 200 and XLSX in response.get("Content-Type", ""):
                books += 1
                for p in sheet_problems(_content(response), data):
                    failures.append(f"{role} {name} {url}: {p}")
                continue
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            served += 1
            for p in problems(response.content.decode(), data):
                failures.append(f"{role} {name} {url}: {p}")
    FIGURES["Chinese pages read (role x page)"] = served
    FIGURES["Chinese .xlsx files read (role x file)"] = books
    unique = sorted(set(failures))
    import os

    if os.environ.get("CHINESE_UI_REPORT"):
        with open(os.environ["CHINESE_UI_REPORT"], "w") as out:
            out.write("\n".join(unique))
        with open(os.environ["CHINESE_UI_REPORT"] + ".seen", "w") as out:
            out.write("\n".join(f"{k} {' '.join(v)}" for k, v in sorted(seen.items())))
    assert unique == [], f"{len(unique)} problems:\n" + "\n".join(unique[:300])
