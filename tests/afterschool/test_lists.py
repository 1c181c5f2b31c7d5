"""The white list, the vetting queue and course review at city scale: paged, searchable,
filtered, with a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from junheng.afterschool.models import Course, Instructor, Provider
from junheng.region.models import County
from tests.querycount import assert_constant_queries

UNTIL = dt.date(2099, 1, 1)


def bulk_providers(n, county, *, status="approved", prefix="机构", category="arts"):
    providers = Provider.objects.bulk_create(
        Provider(
            name=f"{prefix}{i:04d}",
            org_type="training" if i % 2 else "association",
            record_id=f"R{prefix}{i}",
            contact_name="x",
            contact_phone="1",
            service_items="体育与艺术课程" if i % 3 else "编程与机器人",
            fee_standards="每课时 30 元",
            status=status,
            whitelist_until=UNTIL if status == "approved" else None,
            county=county,
        )
        for i in range(n)
    )
    Course.objects.bulk_create(
        Course(
            provider=p,
            title=f"课程{p.name}-{k}",
            category=category if k == 0 else "sports",
            content="x",
            status="approved" if k < 2 else "submitted",
        )
        for p in providers
        for k in range(3)
    )
    Instructor.objects.bulk_create(
        Instructor(provider=p, name="老师", qualifications="x", background_check_expires=UNTIL)
        for p in providers
    )
    return providers


def test_public_white_list_is_paged_and_its_queries_do_not_grow(
    client, region, django_assert_max_num_queries
):
    bulk_providers(3, region["county"])
    url = reverse("afterschool:public_providers")
    response = assert_constant_queries(
        client,
        url,
        lambda: bulk_providers(80, region["county"], prefix="乙"),
        django_assert_max_num_queries,
    )
    page = response.context["page"]
    assert page.paginator.count == 83 and len(response.context["providers"]) == 20
    first = response.context["providers"][0]
    assert [c.status for c in first.public_courses] == ["approved", "approved"]
    assert 'rel="next"' in response.content.decode()


def test_public_white_list_search_by_category_area_and_name(client, region):
    other = County.objects.create(code="330481", name="海宁市")
    bulk_providers(4, region["county"], prefix="甲", category="heritage")
    bulk_providers(4, other, prefix="乙")
    bulk_providers(2, other, prefix="丙", status="suspended")  # never on the public list
    url = reverse("afterschool:public_providers")

    def names(**params):
        return sorted(p.name for p in client.get(url, params).context["page"].paginator.object_list)

    assert names(county=other.pk) == [f"乙{i:04d}" for i in range(4)]
    assert names(category="heritage") == [f"甲{i:04d}" for i in range(4)]
    assert names(category="heritage", county=other.pk) == []
    assert names(q="乙0002") == ["乙0002"]
    assert names(q="机器人", county=other.pk) == ["乙0000", "乙0003"]
    assert names(org_type="association", q="甲") == ["甲0000", "甲0002"]
    assert len(names()) == 8


def test_vetting_queue_pages_filters_and_keeps_its_status_tab(
    users, login, region, django_assert_max_num_queries
):
    client = login(users["bureau"])
    bulk_providers(2, region["county"], status="submitted", prefix="待审")
    url = reverse("afterschool:vetting") + "?status=submitted"
    response = assert_constant_queries(
        client,
        url,
        lambda: bulk_providers(70, region["county"], status="submitted", prefix="新"),
        django_assert_max_num_queries,
    )
    assert response.context["page"].paginator.count == 72
    row = next(p for p in response.context["providers"] if p.name == "待审0000")
    assert (row.n_courses, row.n_instructors) == (3, 1)
    html = response.content.decode()
    assert 'name="status" value="submitted"' in html  # the filter form keeps the tab
    r = client.get(reverse("afterschool:vetting"), {"status": "submitted", "q": "待审0001"})
    assert [p.name for p in r.context["providers"]] == ["待审0001"]


def test_vetting_queue_opens_on_the_applications_waiting_for_a_decision(users, login, region):
    client = login(users["bureau"])
    bulk_providers(3, region["county"], status="submitted", prefix="待审")
    bulk_providers(5, region["county"], status="approved", prefix="已过")
    response = client.get(reverse("afterschool:vetting"))
    assert response.context["status"] == "waiting"
    assert response.context["page"].paginator.count == 3
    html = response.content.decode()
    assert 'aria-current="page" data-testid="tab-waiting"' in html
    everything = client.get(reverse("afterschool:vetting"), {"status": "all"})
    assert everything.context["page"].paginator.count == 8


def test_course_review_is_paged_with_constant_queries(
    users, login, region, django_assert_max_num_queries
):
    client = login(users["bureau"])
    bulk_providers(1, region["county"])
    url = reverse("afterschool:course_review")
    response = assert_constant_queries(
        client,
        url,
        lambda: bulk_providers(40, region["county"], prefix="丁"),
        django_assert_max_num_queries,
    )
    assert response.context["page"].paginator.count == 41  # the submitted ones (k = 2)
    r = client.get(url, {"status": "approved", "category": "arts"})
    assert r.context["page"].paginator.count == 41


def test_only_the_bureau_sees_the_vetting_queue(users, login):
    for key in ("school", "provider", "parent", "teacher"):
        assert login(users[key]).get(reverse("afterschool:vetting")).status_code == 403
