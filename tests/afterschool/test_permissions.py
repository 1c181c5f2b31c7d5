"""Who sees what: providers never see each other's applications or documents; school admins
never edit another school's menu; parents only their own children's schools; anonymous users
only the public white list."""

from __future__ import annotations

import pytest

from junheng.afterschool import access, actions
from junheng.afterschool.models import Offering, OfferingSource, OfferingStatus
from tests.afterschool.conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_provider, make_course):
    s1, p1 = make_provider("甲机构", username="alpha")
    s2, p2 = make_provider("乙机构", username="beta", status="submitted")
    return {"s1": s1, "p1": p1, "s2": s2, "p2": p2, "c1": make_course(p1, s1)}


def test_provider_sees_only_its_own_application(client, two):
    client.force_login(two["s1"])
    page = client.get("/afterschool/my/").content.decode()
    assert "甲机构" in page and "乙机构" not in page
    assert list(access.providers_for(two["s1"])) == [two["p1"]]
    # the bureau's vetting pages are not for providers
    assert client.get(f"/afterschool/vetting/{two['p2'].pk}/").status_code == 403


def test_provider_cannot_download_another_providers_document(client, two):
    other_doc = two["p2"].documents.get()
    own_doc = two["p1"].documents.get()
    client.force_login(two["s1"])
    assert client.get(f"/afterschool/documents/{other_doc.pk}/").status_code == 404
    resp = client.get(f"/afterschool/documents/{own_doc.pk}/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    other_inst = two["p2"].instructors.get()
    assert client.get(f"/afterschool/instructors/{other_inst.pk}/certificate/").status_code == 404


def test_documents_are_not_public(client, two, users):
    doc = two["p1"].documents.get()
    assert client.get(f"/afterschool/documents/{doc.pk}/").status_code == 404
    for key in ("school", "parent", "teacher", "provider"):
        client.force_login(users[key])
        assert client.get(f"/afterschool/documents/{doc.pk}/").status_code == 404
    client.force_login(users["bureau"])
    assert client.get(f"/afterschool/documents/{doc.pk}/").status_code == 200


def test_provider_does_not_see_requests_to_other_providers(two, users, region, term, slots):
    actions.do_send_course_request(
        by=users["school"],
        term=term,
        school=region["school_a"],
        course=two["c1"],
        slot=slots[0],
        seats_wanted=5,
    )
    assert access.course_requests_for(two["s1"]).count() == 1
    assert access.course_requests_for(two["s2"]).count() == 0


def test_anonymous_sees_the_public_list_only(client, two):
    page = client.get("/afterschool/providers/").content.decode()
    assert "甲机构" in page and "古琴入门" in page and "每课时 30 元" in page
    assert "乙机构" not in page  # submitted, not yet on the white list
    for url in (
        "/afterschool/my/",
        "/afterschool/vetting/",
        "/afterschool/menu/",
        "/afterschool/children/",
        "/afterschool/supply/",
    ):
        assert client.get(url).status_code == 302  # to the login page


def _open_offering(course, school, term, slot):
    return Offering.objects.create(
        term=term, course=course, school=school, slot=slot, seats=20, source=OfferingSource.SUPPLY
    )


def test_school_admin_never_edits_another_schools_menu(client, two, users, region, term, slots):
    theirs = _open_offering(two["c1"], region["school_b"], term, slots[0])
    client.force_login(users["school"])  # admin of school A
    resp = client.post(f"/afterschool/menu/offerings/{theirs.pk}/", {"action": "cancel"})
    assert resp.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OfferingStatus.OPEN
    assert "澉浦" not in client.get("/afterschool/menu/").content.decode()
    # publishing always acts on the admin's own school
    _open_offering(two["c1"], region["school_a"], term, slots[1])
    client.post("/afterschool/menu/publish/", {"action": "publish"})
    from junheng.afterschool.models import Menu

    assert list(Menu.objects.values_list("school__code", "status")) == [("S01", "published")]


def test_parent_sees_only_own_childs_school_menu_once_published(
    client, two, users, region, term, slots
):
    _open_offering(two["c1"], region["school_a"], term, slots[0])
    _open_offering(two["c1"], region["school_b"], term, slots[1])
    client.force_login(users["parent"])  # child in school A
    assert "古琴入门" not in client.get("/afterschool/children/").content.decode()  # not published
    actions.do_publish_menu(region["school_a"], term, by=users["school"])
    actions.do_publish_menu(region["school_b"], term, by=users["school_b"])
    page = client.get("/afterschool/children/").content.decode()
    assert page.count('data-testid="menu-item"') == 1 and "古琴入门" in page
    assert set(access.offerings_for(users["parent"]).values_list("school__code", flat=True)) == {
        "S01"
    }


def test_other_roles_get_403_on_role_pages(client, users):
    client.force_login(users["parent"])
    assert client.get("/afterschool/menu/").status_code == 403
    assert client.get("/afterschool/vetting/").status_code == 403
    client.force_login(users["school"])
    assert client.get("/afterschool/children/").status_code == 403
    assert client.get("/afterschool/my/").status_code == 403


def test_api_white_list_is_public_and_offerings_are_scoped(client, two, users, region, term, slots):
    resp = client.get("/api/afterschool/providers")
    assert resp.status_code == 200
    names = [p["name"] for p in resp.json()]
    assert names == ["甲机构"] and resp.json()[0]["courses"][0]["title"] == "古琴入门"
    assert client.get("/api/afterschool/offerings").status_code == 401
    _open_offering(two["c1"], region["school_a"], term, slots[0])
    _open_offering(two["c1"], region["school_b"], term, slots[0])
    client.force_login(users["school"])
    got = client.get("/api/afterschool/offerings").json()
    assert [o["school_id"] for o in got] == [region["school_a"].pk]
    client.force_login(two["s2"])  # another provider: none of these are its courses
    assert client.get("/api/afterschool/offerings").json() == []
