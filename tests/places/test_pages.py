"""The bureau's places pages: what they show, forms that go through the actions, no inline
script (data through json_script, code in static files), bounded queries."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.places.conftest import csv_bytes

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


@pytest.fixture
def run(places, users, housing_scenario):
    from junheng.places.actions import do_run_forecast

    return do_run_forecast(by=users["bureau"], scenario=housing_scenario, years=3)


def _chart(html: str) -> dict:
    m = re.search(r'<script id="places-chart" type="application/json">(.*?)</script>', html)
    assert m, "no chart data"
    return json.loads(m.group(1))


def test_running_a_forecast_from_the_page_shows_its_warnings(
    places, users, login, housing_scenario
):
    c = login(users["bureau"])
    r = c.post("/places/", {"scenario": housing_scenario.pk, "years": 3, "history": 3}, follow=True)
    html = r.content.decode()
    assert "预测已完成" in html
    assert 'data-testid="warnings"' in html
    r = c.get(r.redirect_chain[-1][0] + "?variant=scenario")
    html = r.content.decode()
    assert re.search(r'data-school="S01" data-year="\d+".*?data-level="red"', html, re.S)
    assert not INLINE.search(html)


def test_the_run_form_reports_a_refusal(region, users, login):
    html = login(users["bureau"]).post("/places/", {"years": 3, "history": 3}).content.decode()
    assert 'data-testid="run-errors"' in html and "尚无在校生历史数据" in html


def test_the_school_page_charts_history_projection_and_capacity(run, places, users, login):
    html = login(users["bureau"]).get(f"/places/runs/{run.pk}/schools/S01/").content.decode()
    assert not INLINE.search(html)
    assert "places/chart.js" in html and "vendor/chart-4.6.1.umd.min.js" in html
    chart = _chart(html)
    base = places["base"]
    assert chart["years"] == [base - 2, base - 1, base, base + 1, base + 2, base + 3]
    assert chart["history"]["data"] == [240, 240, 240, None, None, None]
    lines = {p["variant"]: p["data"] for p in chart["projections"]}
    assert lines["baseline"] == [None, None, 240, 240, 240, 240]
    assert lines["scenario"] == [None, None, 240, 240, 300, 300]
    assert chart["capacity"][0]["data"][3:] == [270, 270, 270]
    assert len(chart["capacity"]) == 1  # housing leaves the places as they are: one line


def test_the_zone_page_sums_the_schools_of_one_class(run, places, users, login):
    c = login(users["bureau"])
    html = c.get(f"/places/runs/{run.pk}/zones/rural/").content.decode()
    assert not INLINE.search(html)
    chart = _chart(html)
    assert chart["projections"][0]["data"][-3:] == [210, 210, 210]  # S02 150 + S03 60
    assert 'data-school="S03"' in html and 'data-school="S01"' not in html
    assert c.get(f"/places/runs/{run.pk}/zones/moon/").status_code == 404


def test_the_data_page_imports_and_shows_row_errors(places, users, login, year):
    c = login(users["bureau"])
    bad = SimpleUploadedFile(
        "bad.csv", csv_bytes("学校代码,学年,年级,学生数", [("S99", year - 1, 1, 3)])
    )
    html = c.post(
        "/places/data/import/", {"kind": "enrolment", "file": bad}, follow=True
    ).content.decode()
    assert 'data-testid="import-errors"' in html and "第 2 行" in html and "S99" in html
    good = SimpleUploadedFile(
        "b.csv", csv_bytes("学校代码,出生年份,出生人口", [("S01", year - 7, 50)])
    )
    html = c.post(
        "/places/data/import/", {"kind": "births", "file": good}, follow=True
    ).content.decode()
    assert "已导入 b.csv" in html
    wrong = SimpleUploadedFile("x.pdf", b"%PDF")
    html = c.post(
        "/places/data/import/", {"kind": "births", "file": wrong}, follow=True
    ).content.decode()
    assert ".xlsx 或 .csv" in html


def test_scenario_pages_add_and_remove_items(places, users, login):
    from junheng.places.models import Housing, Scenario

    c = login(users["bureau"])
    r = c.post("/places/scenarios/", {"name": "情景甲"})
    sc = Scenario.objects.get(name="情景甲")
    assert r["Location"] == f"/places/scenarios/{sc.pk}/"
    data = {
        "housing-name": "东湖苑",
        "housing-school": "S01",
        "housing-year": 2030,
        "housing-students": 120,
    }
    html = c.post(f"/places/scenarios/{sc.pk}/add/housing/", data, follow=True).content.decode()
    assert "已添加" in html and "东湖苑" in html
    bad = {**data, "housing-grade": 8}
    html = c.post(f"/places/scenarios/{sc.pk}/add/housing/", bad, follow=True).content.decode()
    assert "没有 8 年级" in html
    item = Housing.objects.get()
    c.post(f"/places/scenarios/{sc.pk}/remove/housing/{item.pk}/")
    assert not Housing.objects.exists()


def test_the_export_downloads_an_xlsx(run, users, login):
    from openpyxl import load_workbook

    r = login(users["bureau"]).get(f"/places/runs/{run.pk}/export.xlsx")
    assert r.status_code == 200
    assert "filename*=utf-8''" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    assert "预警清单" in wb.sheetnames


def test_the_run_page_query_count_is_bounded(run, users, login, django_assert_max_num_queries):
    c = login(users["bureau"])
    with django_assert_max_num_queries(25):
        r = c.get(f"/places/runs/{run.pk}/?variant=scenario")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="summary"' in html and 'data-testid="warning-link"' in html


def test_pages_read_in_english_too(run, users, login):
    c = login(users["bureau"])
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = c.get(f"/places/runs/{run.pk}/").content.decode()
    assert "Warnings" in html and "预警清单" not in html


def test_every_string_of_the_app_has_an_english_translation():
    from pathlib import Path

    import polib

    import junheng

    po = polib.pofile(str(Path(junheng.__file__).parent / "places/locale/en/LC_MESSAGES/django.po"))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_the_admin_shows_places_rows_read_only(run, users, login):
    c = login(users["bureau"])
    assert c.get("/admin/places/forecastrun/").status_code == 200
    assert c.get(f"/admin/places/forecastrun/{run.pk}/change/").status_code == 200
    assert c.get("/admin/places/scenario/add/").status_code == 403
    assert c.post(f"/admin/places/forecastrun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert c.get("/admin/places/capacity/").status_code == 200


def test_the_report_keeps_formula_text_and_a_large_one_is_a_job(run, users, login, settings):
    from tests.exportcheck import FORMULA, assert_formula_stays_text, assert_job_path, body

    run.rows.filter(school_code="S01").update(school_name=FORMULA)  # the name it computed with
    c = login(users["bureau"])
    url = f"/places/runs/{run.pk}/export.xlsx"
    assert_formula_stays_text(body(c.get(url)))
    queued = assert_job_path(c, settings, url)
    assert_formula_stays_text(queued)
    assert login(users["school"]).get(url).status_code == 403
