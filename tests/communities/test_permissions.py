"""Every role tries what it must not: pages and API of the communities and pairing rounds."""

from __future__ import annotations

import pytest

from junheng.communities import actions

ROLES = ("anonymous", "bureau", "core", "member", "other", "teacher", "parent", "provider")


def _status(client, cusers, role, method, url, data=None):
    client.logout()
    if role != "anonymous":
        client.force_login(cusers[role])
    return getattr(client, method)(url, data=data or {}).status_code


def _row(client, cusers, method, url, data=None):
    return {r: _status(client, cusers, r, method, url, data) for r in ROLES}


def test_the_public_list_is_open_to_everyone(client, cusers, community):
    got = _row(client, cusers, "get", "/communities/public/")
    assert set(got.values()) == {200}
    page = client.get("/communities/public/").content.decode()
    assert "城南实验小学" in page and "百步乡小学" in page


def test_a_community_page_is_for_the_bureau_and_the_schools_in_it(client, cusers, community):
    got = _row(client, cusers, "get", f"/communities/{community.pk}/")
    assert got == {
        "anonymous": 302,
        "bureau": 200,
        "core": 200,
        "member": 200,
        "other": 404,  # J01 is not in it: told it does not exist
        "teacher": 200,  # a teacher of M01
        "parent": 403,
        "provider": 403,
    }


BUREAU_ONLY = {
    "anonymous": 302,
    "bureau": None,
    "core": 403,
    "member": 403,
    "other": 403,
    "teacher": 403,
    "parent": 403,
    "provider": 403,
}


def _bureau_urls(community, rnd, school_pk):
    return [
        ("get", "/communities/new/", 200),
        ("get", "/communities/results/", 200),
        ("get", f"/communities/pairing/{rnd.pk}/", 200),
        ("post", f"/communities/{community.pk}/edit/", 302),
        ("post", f"/communities/{community.pk}/members/", 302),
        ("post", f"/communities/{community.pk}/members/{school_pk}/remove/", 302),
        ("post", f"/communities/{community.pk}/goals/", 302),
        ("post", f"/communities/{community.pk}/dissolve/", 302),
        ("post", "/communities/pairing/", 302),
        ("post", f"/communities/pairing/{rnd.pk}/rules/", 302),
        ("post", f"/communities/pairing/{rnd.pk}/roles/", 302),
        ("post", f"/communities/pairing/{rnd.pk}/pin/", 302),
        ("post", f"/communities/pairing/{rnd.pk}/run/", 302),
        ("post", f"/communities/pairing/{rnd.pk}/publish/", 302),
    ]


def test_managing_and_pairing_are_for_the_bureau_only(client, cusers, community, rnd, county9):
    for method, url, _ok in _bureau_urls(community, rnd, county9.schools["M02"].pk):
        others = {r: v for r, v in BUREAU_ONLY.items() if r != "bureau"}
        got = {r: _status(client, cusers, r, method, url) for r in others}
        assert got == others, url
    # nothing changed for all those refusals
    community.refresh_from_db()
    assert community.active and community.memberships.count() == 2
    assert not rnd.runs.exists()


def test_the_bureau_can_use_every_management_page(client, cusers, community, rnd, county9):
    for method, url, ok in _bureau_urls(community, rnd, county9.schools["M02"].pk):
        assert _status(client, cusers, "bureau", method, url) == ok, url


def test_index_sends_each_role_to_its_own_page(client, cusers):
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(cusers[role])
        r = client.get("/communities/")
        got[role] = r.status_code if r.status_code == 200 else r["Location"]
    assert got["bureau"] == 200
    assert got["core"] == got["member"] == got["teacher"] == "/communities/mine/"
    assert got["parent"] == got["provider"] == "/communities/public/"
    assert "/login/" in got["anonymous"]


def test_a_school_sees_only_its_own_communities(client, cusers, community, county9):
    other = actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=county9.schools["C03"],
        kind="cooperation",
        start_year=2026,
        members=[county9.schools["J01"]],
    )
    client.force_login(cusers["member"])
    page = client.get("/communities/mine/").content.decode()
    assert community.name in page and other.name not in page
    client.force_login(cusers["other"])
    page = client.get("/communities/mine/").content.decode()
    assert other.name in page and community.name not in page


def test_api_scopes_as_the_pages_do(client, cusers, community, rnd):
    url = f"/api/communities/communities/{community.pk}"
    got = _row(client, cusers, "get", url)
    assert got == {
        "anonymous": 401,
        "bureau": 200,
        "core": 200,
        "member": 200,
        "other": 404,
        "teacher": 200,
        "parent": 403,
        "provider": 403,
    }
    got = _row(client, cusers, "get", f"/api/communities/rounds/{rnd.pk}/proposal")
    assert got == {**dict.fromkeys(ROLES, 403), "anonymous": 401, "bureau": 200}
    assert set(_row(client, cusers, "get", "/api/communities/communities").values()) - {200} == {
        401
    }


@pytest.mark.parametrize("who", ["core", "member"])
def test_a_school_admin_cannot_post_to_another_rounds_pin(client, cusers, rnd, county9, who):
    client.force_login(cusers[who])
    s = county9.schools
    r = client.post(
        f"/communities/pairing/{rnd.pk}/pin/",
        {"member": s["M01"].pk, "core": s["C01"].pk, "kind": "lock"},
    )
    assert r.status_code == 403 and not rnd.pins.exists()
