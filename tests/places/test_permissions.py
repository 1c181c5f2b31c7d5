"""Every role tries what it must not: the bureau sees everything, a school its own school's
baseline only, everyone else nothing; the API is scoped as the pages are."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db

OTHERS = ("provider", "parent", "teacher")


@pytest.fixture
def world(places, users, housing_scenario):
    from junheng.places.actions import do_run_forecast

    run = do_run_forecast(by=users["bureau"], scenario=housing_scenario, years=3)
    item = housing_scenario.housing.get()
    return {"run": run, "scenario": housing_scenario, "item": item, **places}


def _bureau_gets(w):
    run, sc = w["run"], w["scenario"]
    return [
        f"/places/runs/{run.pk}/",
        f"/places/runs/{run.pk}/zones/urban/",
        f"/places/runs/{run.pk}/export.xlsx",
        "/places/data/",
        f"/places/data/capacity/{w['school_a'].pk}/",
        "/places/scenarios/",
        f"/places/scenarios/{sc.pk}/",
    ]


def _bureau_posts(w):
    sc, item = w["scenario"], w["item"]
    return [
        ("/places/", {"years": 3, "history": 3}),
        ("/places/data/snapshot/", {"year": w["year"]}),
        ("/places/data/import/", {"kind": "enrolment"}),
        (f"/places/data/capacity/{w['school_a'].pk}/", {"classrooms": 99, "max_class": 45}),
        ("/places/scenarios/", {"name": "偷偷建的情景"}),
        (f"/places/scenarios/{sc.pk}/", {"name": "改名"}),
        (f"/places/scenarios/{sc.pk}/add/housing/", {"housing-name": "x"}),
        (f"/places/scenarios/{sc.pk}/remove/housing/{item.pk}/", {}),
        (f"/places/scenarios/{sc.pk}/delete/", {}),
    ]


def test_the_bureau_opens_every_page(world, users, login):
    c = login(users["bureau"])
    for url in ["/places/", *_bureau_gets(world)]:
        assert c.get(url).status_code == 200, url
    page = c.get(f"/places/runs/{world['run'].pk}/schools/S01/").content.decode()
    assert 'data-testid="projection-scenario"' in page


@pytest.mark.parametrize("role", ["school", *OTHERS])
def test_no_other_role_opens_or_changes_the_bureaus_pages(world, users, login, role):
    from junheng.accounts.models import AuditLog
    from junheng.places.models import Capacity, ForecastRun, Scenario

    c = login(users[role])
    before = (ForecastRun.objects.count(), Scenario.objects.count(), AuditLog.objects.count())
    for url in _bureau_gets(world):
        assert c.get(url).status_code == 403, (role, url)
    for url, data in _bureau_posts(world):
        assert c.post(url, data).status_code == 403, (role, url)
    assert (
        ForecastRun.objects.count(),
        Scenario.objects.count(),
        AuditLog.objects.count(),
    ) == before
    assert Capacity.objects.get(school=world["school_a"]).classrooms == 6
    assert world["scenario"].housing.count() == 1
    index = c.get("/places/")
    assert index.status_code == (302 if role == "school" else 403)


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    for url in ["/places/", "/places/mine/", *_bureau_gets(world)]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert client.post("/places/data/snapshot/", {"year": 2020}).status_code == 302


def test_a_school_sees_its_own_school_baseline_only(world, users, login):
    run = world["run"]
    c = login(users["school"])  # school A = S01
    mine = c.get("/places/mine/")
    assert mine.status_code == 302 and mine["Location"] == f"/places/runs/{run.pk}/schools/S01/"
    page = c.get(f"/places/runs/{run.pk}/schools/S01/?variant=scenario").content.decode()
    assert "城关小学" in page
    assert 'data-testid="projection-baseline"' in page
    assert 'data-testid="projection-scenario"' not in page
    assert "新城住宅" not in page  # the scenario's name never reaches a school
    chart = json.loads(
        re.search(r'id="places-chart" type="application/json">(.*?)</script>', page).group(1)
    )
    assert [p["variant"] for p in chart["projections"]] == ["baseline"]
    for code in ("S02", "S03", "N01"):
        assert c.get(f"/places/runs/{run.pk}/schools/{code}/").status_code == 404
    other = login(users["school_b"])
    assert other.get(f"/places/runs/{run.pk}/schools/S01/").status_code == 404
    assert other.get(f"/places/runs/{run.pk}/schools/S02/").status_code == 200


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_get_403_on_school_pages(world, users, login, role):
    c = login(users[role])
    assert c.get(f"/places/runs/{world['run'].pk}/schools/S01/").status_code == 403
    assert c.get("/places/mine/").status_code == 403


def test_a_school_without_a_finished_run_sees_so(places, users, login):
    page = login(users["school"]).get("/places/mine/")
    assert page.status_code == 200 and 'data-testid="no-forecast"' in page.content.decode()


def test_the_api_is_scoped_like_the_pages(world, users, login):
    run = world["run"]
    bureau = login(users["bureau"])
    assert [r["id"] for r in bureau.get("/api/places/runs").json()] == [run.pk]
    reds = bureau.get(f"/api/places/runs/{run.pk}/warnings?variant=scenario").json()
    assert {(r["school_id"], r["level"]) for r in reds} >= {("S01", "red")}
    assert bureau.get(f"/api/places/runs/{run.pk}/schools/N01").status_code == 404
    started = bureau.post("/api/places/runs", {"years": 2}, content_type="application/json")
    assert started.status_code == 200 and started.json()["status"] == "done"

    school = login(users["school"])
    assert school.get("/api/places/runs").status_code == 403
    assert school.get(f"/api/places/runs/{run.pk}/warnings").status_code == 403
    assert school.post("/api/places/runs", {}, content_type="application/json").status_code == 403
    own = school.get(f"/api/places/runs/{run.pk}/schools/S01?variant=scenario").json()
    assert [r["students"] for r in own] == [240, 240, 240]  # the baseline, not the scenario
    assert school.get(f"/api/places/runs/{run.pk}/schools/S02").status_code == 404
    for role in OTHERS:
        c = login(users[role])
        assert c.get("/api/places/runs").status_code == 403
        assert c.get(f"/api/places/runs/{run.pk}/schools/S01").status_code == 403
