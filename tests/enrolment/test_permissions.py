"""Who sees what: parents their own children, providers masked names, schools their own
windows, anonymous users only public draw pages."""

from __future__ import annotations

import datetime as dt

import pytest

from junheng.accounts.models import AuditLog
from junheng.enrolment import actions
from junheng.enrolment.models import Draw, Enrolment
from tests.conftest import ENTROPY
from tests.enrolment.conftest import close_and_draw, rank_all


@pytest.fixture
def drawn(window, market, users):
    rank_all(window, market, {0: ["chess"], 1: ["chess"], 2: ["choir"]})
    close_and_draw(window, users)
    return window


def test_parent_sees_only_their_own_childrens_rankings_and_results(drawn, market, client):
    parent = market["parents"][1]
    client.force_login(parent)
    other = market["kids"][2]
    assert client.get(f"/enrolment/choose/{drawn.pk}/{other.pk}/").status_code == 404
    other_ranking = drawn.rankings.get(student=other)
    assert client.get(f"/enrolment/receipts/{other_ranking.pk}/").status_code == 404
    page = client.get("/enrolment/results/").content.decode()
    assert market["kids"][1].name in page and other.name not in page
    e = Enrolment.objects.get(student=other)
    assert client.post(f"/enrolment/enrolments/{e.pk}/drop/").status_code == 404
    assert Enrolment.objects.get(student=other).status == "active"


def test_parent_cannot_use_staff_pages(drawn, market, client):
    client.force_login(market["parents"][1])
    assert client.get(f"/enrolment/windows/{drawn.pk}/").status_code == 403
    assert client.post(f"/enrolment/windows/{drawn.pk}/publish/").status_code == 403
    assert client.get(f"/enrolment/attendance/{market['chess'].pk}/").status_code == 403


def test_provider_sees_masked_names_only(drawn, market, users, client):
    client.force_login(users["provider"])
    page = client.get(f"/enrolment/attendance/{market['chess'].pk}/").content.decode()
    for i in (0, 1):
        kid = market["kids"][i]
        assert kid.masked_name in page and kid.name not in page
    assert "张*明" in page


def test_school_staff_see_full_names_and_the_access_is_audited(drawn, market, users, client):
    client.force_login(users["school"])
    page = client.get(f"/enrolment/attendance/{market['chess'].pk}/").content.decode()
    assert market["kids"][0].name in page
    assert AuditLog.objects.filter(action="enrolment.roster.view").exists()


def test_school_admin_sees_only_its_own_schools_windows(drawn, users, client):
    client.force_login(users["school_b"])
    assert client.get(f"/enrolment/windows/{drawn.pk}/").status_code == 404
    assert client.get("/enrolment/").status_code == 200
    client.force_login(users["school"])
    assert client.get(f"/enrolment/windows/{drawn.pk}/").status_code == 200
    # Only the bureau runs the window's steps.
    assert client.post(f"/enrolment/windows/{drawn.pk}/cancel_small/").status_code == 403


def test_anonymous_sees_only_public_draw_pages(drawn, market, client):
    draw = Draw.objects.get(window=drawn)
    assert client.get(f"/enrolment/draws/{draw.pk}/").status_code == 200
    assert client.get(f"/enrolment/draws/{draw.pk}/out.csv").status_code == 200
    for url in [
        "/enrolment/",
        f"/enrolment/windows/{drawn.pk}/",
        "/enrolment/results/",
        "/enrolment/choose/",
        f"/enrolment/attendance/{market['chess'].pk}/",
        "/enrolment/bills/",
        "/enrolment/settlement/",
    ]:
        r = client.get(url)
        assert r.status_code == 302 and "/login/" in r["Location"], url


def test_staff_pages_render(drawn, market, users, client):
    client.force_login(users["bureau"])
    for url in [
        "/enrolment/",
        f"/enrolment/windows/{drawn.pk}/",
        "/enrolment/windows/new/",
        "/enrolment/report/",
        f"/enrolment/settlement/?school={market['school'].pk}",
        "/enrolment/notifications/",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get("/enrolment/report/").content.decode()
    assert "城区" in page
    r = client.get(f"/enrolment/settlement/?school={market['school'].pk}&format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = client.get(f"/enrolment/bills/school.xlsx?school={market['school'].pk}")
    assert r.status_code == 200


def test_parent_pages_render(drawn, market, client):
    client.force_login(market["parents"][1])
    for url in [
        "/enrolment/choose/",
        "/enrolment/results/",
        "/enrolment/bills/",
        "/enrolment/notifications/",
        "/enrolment/bills/?format=xlsx",
    ]:
        assert client.get(url).status_code == 200, url
    e = Enrolment.objects.get(student=market["kids"][1])
    assert client.get(f"/enrolment/enrolments/{e.pk}/rate/").status_code == 200


def test_bureau_runs_the_window_from_its_page_each_step_confirmed_first(market, users, client):
    from django.utils import timezone

    from junheng.enrolment.models import Notification

    client.force_login(users["bureau"])
    now = timezone.now()
    w = actions.do_create_window(
        by=users["bureau"],
        school=market["school"],
        term=market["term"],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
    )
    says = {
        "open": "种子",
        "close": "提前截止",
        "run": "只运行一次",
        "publish": "公布后不能撤回",
    }
    for verb, state in [
        ("open", "open"),
        ("close", "closed"),
        ("run", "drawn"),
        ("publish", "published"),
    ]:
        if verb == "close":
            rank_all(w, market, {1: ["chess"]})
        before = w.state
        url = f"/enrolment/windows/{w.pk}/{verb}/"
        page = client.get(url)
        assert page.status_code == 200 and says[verb] in page.content.decode(), verb
        # A POST that did not come from the confirmation form changes nothing.
        assert client.post(url).status_code == 200
        w.refresh_from_db()
        assert w.state == before, verb
        data = {"confirm": "yes", "entropy": ENTROPY} if verb == "run" else {"confirm": "yes"}
        if verb == "close":
            # Before closes_at: refused without a reason, and the families are told the reason.
            client.post(url, data)
            w.refresh_from_db()
            assert w.state == "open"
            data["reason"] = "场地检修，提前统计人数"
        assert client.post(url, data).status_code == 302, verb
        w.refresh_from_db()
        assert w.state == state, verb
        if verb == "close":
            assert w.close_reason == "场地检修，提前统计人数"
            told = Notification.objects.filter(user=market["parents"][1])
            assert any("场地检修" in n.text for n in told)
