"""The pages drive the actions end to end (registration, vetting, review, menus)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from junheng.afterschool.models import (
    Course,
    CourseStatus,
    Menu,
    Offering,
    Provider,
    ProviderStatus,
    SchoolSlot,
)
from tests.afterschool.conftest import COURSE, PDF, PNG, VALID_CREDIT, today
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_registration_creates_account_and_draft_application(client, db):
    resp = client.post(
        "/afterschool/register/",
        {
            "username": "newprov",
            "password1": "x-Very-Long-pw-123",
            "password2": "x-Very-Long-pw-123",
            "name": "海盐县青少年足球协会",
            "org_type": "association",
            "credit_code": VALID_CREDIT.lower(),
            "contact_name": "张教练",
            "contact_phone": "13800000001",
            "service_items": "足球",
            "fee_standards": "免费",
            "x_km": 3,
            "y_km": 4,
            "weekly_sessions": 6,
            "licence": SimpleUploadedFile("licence.pdf", PDF),
        },
    )
    assert resp.status_code == 302 and resp.url == "/afterschool/my/"
    p = Provider.objects.get()
    assert p.status == ProviderStatus.DRAFT and p.credit_code == VALID_CREDIT
    assert p.staff.get().user.username == "newprov" and p.staff.get().user.role == "provider"
    assert p.documents.get().kind == "licence"


def test_organisation_needs_a_credit_code(client, db):
    resp = client.post(
        "/afterschool/register/",
        {
            "username": "x1",
            "password1": "x-Very-Long-pw-123",
            "password2": "x-Very-Long-pw-123",
            "name": "某培训机构",
            "org_type": "training",
            "record_id": "R1",
            "contact_name": "a",
            "contact_phone": "1",
            "service_items": "s",
            "fee_standards": "f",
            "x_km": 0,
            "y_km": 0,
            "weekly_sessions": 1,
            "licence": SimpleUploadedFile("l.pdf", PDF),
        },
    )
    assert resp.status_code == 200 and "机构须填写统一社会信用代码" in resp.content.decode()
    assert not Provider.objects.exists()


def test_provider_proposes_and_bureau_vets_through_the_pages(client, make_provider, users):
    staff, p = make_provider(status="draft")
    client.force_login(staff)
    r = client.post(
        "/afterschool/my/instructors/",
        {
            "name": "王琴师",
            "qualifications": "非遗传承人",
            "background_check": SimpleUploadedFile("c.pdf", PDF),
            "background_check_expires": (today() + dt.timedelta(days=300)).isoformat(),
        },
    )
    assert r.status_code == 302 and p.instructors.count() == 1
    client.post("/afterschool/my/submit/")
    p.refresh_from_db()
    assert p.status == ProviderStatus.SUBMITTED
    r = client.post("/afterschool/my/courses/new/", {**COURSE, "title": "英语培优"})
    assert r.status_code == 200 and "不得开展学科类培训" in r.content.decode()
    r = client.post(
        "/afterschool/my/courses/new/", {**COURSE, "photo": SimpleUploadedFile("p.png", PNG)}
    )
    assert r.status_code == 302
    course = Course.objects.get(provider=p)
    assert course.status == CourseStatus.SUBMITTED and course.photos.count() == 1

    client.force_login(users["bureau"])
    page = client.get(f"/afterschool/vetting/{p.pk}/").content.decode()
    assert 'data-testid="quality-score">—<' in page
    client.post(f"/afterschool/vetting/{p.pk}/act/", {"action": "reject", "reason": ""})
    p.refresh_from_db()
    assert p.status == ProviderStatus.SUBMITTED  # a reason is required
    until = (today() + dt.timedelta(days=365)).isoformat()
    client.post(f"/afterschool/vetting/{p.pk}/act/", {"action": "approve", "until": until})
    p.refresh_from_db()
    assert p.status == ProviderStatus.APPROVED
    client.post(f"/afterschool/courses/{course.pk}/review/", {"action": "approve"})
    course.refresh_from_db()
    assert course.status == CourseStatus.APPROVED
    # the approved course's photo is public now
    client.logout()
    assert client.get(f"/afterschool/photos/{course.photos.get().pk}/").status_code == 200


def test_school_adds_own_course_sets_slots_and_publishes(client, users, region, term, slots):
    client.force_login(users["school"])
    r = client.post("/afterschool/menu/slots/", {"slots": [slots[0].pk, slots[2].pk]})
    assert r.status_code == 302
    assert SchoolSlot.objects.filter(school=region["school_a"]).count() == 2
    r = client.post(
        "/afterschool/menu/courses/new/",
        {
            **COURSE,
            "title": "校园足球",
            "category": "sports",
            "teacher": region["teacher_a"].pk,
            "slot": slots[5].pk,
        },
    )
    assert r.status_code == 200  # slot outside the school's after-school time
    r = client.post(
        "/afterschool/menu/courses/new/",
        {
            **COURSE,
            "title": "校园足球",
            "category": "sports",
            "teacher": region["teacher_a"].pk,
            "slot": slots[2].pk,
        },
    )
    assert r.status_code == 302
    o = Offering.objects.get()
    assert (o.source, o.slot, o.course.school) == ("school", slots[2], region["school_a"])
    client.post("/afterschool/menu/publish/", {"action": "publish", "note": "欢迎报名"})
    assert Menu.objects.get().status == "published"
    client.force_login(users["parent"])
    page = client.get("/afterschool/children/").content.decode()
    assert "校园足球" in page and 'data-open="1"' in page  # grade 3 is within 3–9


def test_parent_page_highlights_only_courses_open_to_the_childs_grade(
    client, make_provider, make_course, users, region, term, slots
):
    staff, p = make_provider()
    young = make_course(p, staff, title="绘本阅读", category="reading", grade_min=1, grade_max=2)
    fits = make_course(p, staff, title="古琴", grade_min=3, grade_max=6)
    for i, c in enumerate((young, fits)):
        Offering.objects.create(
            term=term, course=c, school=region["school_a"], slot=slots[i], seats=20, source="supply"
        )
    from junheng.afterschool import actions

    actions.do_publish_menu(region["school_a"], term, by=users["school"])
    client.force_login(users["parent"])
    page = client.get("/afterschool/children/").content.decode()
    assert page.index("古琴") < page.index("绘本阅读")  # open courses first
    assert page.count('data-open="1"') == 1 and page.count('data-open="0"') == 1


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("bureau", "/afterschool/vetting/"),
        ("bureau", "/afterschool/vetting/?status=submitted"),
        ("bureau", "/afterschool/courses/review/"),
        ("bureau", "/afterschool/courses/review/?status=approved"),
        ("bureau", "/afterschool/supply/"),
        ("school", "/afterschool/menu/"),
        ("school", "/afterschool/menu/slots/"),
        ("school", "/afterschool/menu/requests/new/"),
        ("school", "/afterschool/menu/courses/new/"),
        ("parent", "/afterschool/children/"),
        ("bureau", "/afterschool/providers/"),
    ],
)
def test_pages_render_for_their_role(
    client, make_provider, make_course, users, term, slots, role, url
):
    staff, p = make_provider()
    make_course(p, staff)
    make_provider("待审机构", status="submitted")
    client.force_login(users[role])
    resp = client.get(url)
    assert resp.status_code == 200
    assert "{%" not in resp.content.decode()


def test_provider_pages_render(client, make_provider, make_course, users, region, term, slots):
    staff, p = make_provider()
    c = make_course(p, staff)
    from junheng.afterschool import actions

    actions.do_send_course_request(
        by=users["school"],
        term=term,
        school=region["school_a"],
        course=c,
        slot=slots[0],
        seats_wanted=5,
    )
    client.force_login(staff)
    for url in ("/afterschool/my/", "/afterschool/my/courses/new/", "/afterschool/my/requests/"):
        assert client.get(url).status_code == 200
    page = client.get("/afterschool/my/requests/").content.decode()
    assert 'data-testid="confirm-request"' in page


def test_list_pages_keep_a_flat_query_budget(
    client, make_provider, make_course, users, region, term, slots, django_assert_max_num_queries
):
    from junheng.afterschool import actions

    make_provider("待审机构", status="submitted")
    for i in range(6):
        staff, p = make_provider(f"机构{i}")
        c = make_course(p, staff)
        Offering.objects.create(
            term=term, course=c, school=region["school_a"], slot=slots[i], seats=20, source="supply"
        )
    actions.do_publish_menu(region["school_a"], term, by=users["school"])
    client.force_login(users["bureau"])
    vetting = assert_constant_queries(
        client,
        "/afterschool/vetting/",
        lambda: [make_provider(f"待审机构{i}", status="submitted") for i in range(5)],
        django_assert_max_num_queries,
    )
    assert "待审机构4" in vetting.content.decode()
    with django_assert_max_num_queries(8):
        providers = client.get("/afterschool/providers/")
    assert providers.status_code == 200 and "机构5" in providers.content.decode()
    client.force_login(users["parent"])
    # + the course details: seats held (enrolments, offers), photos, instructors
    with django_assert_max_num_queries(12):
        children = client.get("/afterschool/children/")
    assert children.status_code == 200
    assert children.content.decode().count('data-testid="menu-item"') == 6
    client.force_login(users["school"])
    with django_assert_max_num_queries(14):
        menu = client.get("/afterschool/menu/")
    assert menu.status_code == 200 and "古琴入门" in menu.content.decode()
