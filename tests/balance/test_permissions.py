"""Who may use the balance monitor: the bureau everything, a school admin its own school page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.matrix import BUREAU_ONLY, SCHOOL_A, Case, expect, run_case

API_BUREAU = expect(403, anonymous=401, bureau=200)
API_SCHOOL_A = expect(403, anonymous=401, bureau=200, school=200, school_b=404)

CASES = [
    Case("dashboard", lambda r: reverse("balance:dashboard"), BUREAU_ONLY),
    Case("gap list", lambda r: reverse("balance:gaps"), BUREAU_ONLY),
    Case("what-if", lambda r: reverse("balance:whatif"), BUREAU_ONLY),
    # An empty what-if is the bureau's form error (422); everyone else is stopped before.
    Case(
        "what-if run",
        lambda r: reverse("balance:whatif"),
        expect(403, anonymous=302, bureau=422),
        method="post",
        data={"sports_field_m2": ""},
    ),
    Case("trend", lambda r: reverse("balance:trend"), BUREAU_ONLY),
    Case("export", lambda r: reverse("balance:export"), BUREAU_ONLY),
    Case("report", lambda r: reverse("balance:report"), BUREAU_ONLY),
    Case("guarantee", lambda r: reverse("balance:guarantee"), BUREAU_ONLY),
    Case("school A page", lambda r: reverse("balance:school", args=[r["school_a"].pk]), SCHOOL_A),
    Case("county API", lambda r: "/api/balance/county", API_BUREAU),
    Case("school A API", lambda r: f"/api/balance/schools/{r['school_a'].pk}", API_SCHOOL_A),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, region, case):
    run_case(client, users, region, case)


@pytest.mark.django_db
def test_snapshot_post_is_bureau_only(client, users, region):
    from junheng.balance.models import BalanceSnapshot

    for role in ("school", "provider", "parent", "teacher"):
        client.force_login(users[role])
        assert client.post(reverse("balance:snapshot"), {"year": "2025"}).status_code == 403
    client.logout()
    assert client.post(reverse("balance:snapshot"), {"year": "2025"}).status_code == 302
    assert not BalanceSnapshot.objects.exists()


@pytest.mark.django_db
def test_school_admin_is_sent_to_own_school_page(client, users, region):
    client.force_login(users["school"])
    r = client.get(reverse("balance:mine"))
    assert r.status_code == 302
    assert r["Location"] == reverse("balance:school", args=[region["school_a"].pk])
    client.force_login(users["parent"])
    assert client.get(reverse("balance:mine")).status_code == 403


@pytest.mark.django_db
def test_school_page_for_school_admin_hides_county_tabs(client, users, region):
    client.force_login(users["school"])
    r = client.get(reverse("balance:school", args=[region["school_a"].pk]))
    assert r.status_code == 200
    assert reverse("balance:gaps") not in r.content.decode()


@pytest.mark.django_db
def test_api_returns_county_result_and_school_indicators(client, users, region):
    client.force_login(users["bureau"])
    data = client.get("/api/balance/county").json()
    assert data["verdict"] in ("pass", "fail") and data["schools"] == 2
    assert data["cv_limits"] == {"primary": 0.5, "junior": 0.45}
    parts = {p["code"]: p for p in data["parts"]}
    # S01: one pupil, one county backbone teacher -> L2 = 100 per 100 students
    assert parts["S01"]["indicators"]["L2"] == pytest.approx(100.0)
    client.force_login(users["school"])
    (part,) = client.get(f"/api/balance/schools/{region['school_a'].pk}").json()
    assert part["code"] == "S01" and part["thresholds"]["L1"] == 4.2
    assert part["meets"]["L1"] is True
