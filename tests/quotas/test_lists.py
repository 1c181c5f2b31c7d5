"""Quota lists at city size: a table's junior schools (draft and published) and the high
schools are paged and searchable, with a constant number of queries."""

from __future__ import annotations

from django.urls import reverse

from junheng.quotas.models import HighSchool, JuniorGraduates, QuotaSeat
from junheng.region.models import School
from tests.querycount import assert_constant_queries


def add_juniors(table, county, n):
    schools = School.objects.bulk_create(
        School(code=f"J{i:04d}", name=f"新区第{i}初中", county=county, level="junior")
        for i in range(n)
    )
    JuniorGraduates.objects.bulk_create(
        JuniorGraduates(table=table, school=s, graduates=100) for s in schools
    )
    if table.is_published:
        QuotaSeat.objects.bulk_create(
            QuotaSeat(table=table, high_school=p.high_school, school=s, seats=1)
            for s in schools
            for p in table.plans.all()
        )


def test_a_draft_pages_its_junior_schools_with_constant_queries(
    users, login, draft, quota_region, django_assert_max_num_queries
):
    client = login(users["bureau"])
    url = reverse("quotas:table", args=[draft.pk])
    n0, total0 = draft.graduates.count(), sum(g.graduates for g in draft.graduates.all())
    response = assert_constant_queries(
        client,
        url,
        lambda: add_juniors(draft, quota_region["county"], 120),
        django_assert_max_num_queries,
    )
    page = response.context["page"]
    assert page.paginator.count == n0 + 120 and len(response.context["graduates"]) == 50
    assert response.context["graduates_count"] == n0 + 120
    assert response.context["graduates_total"] == total0 + 120 * 100
    found = client.get(url, {"q": "J0117"}).context["graduates"]
    assert [g.school.code for g in found] == ["J0117"]


def test_a_published_table_pages_its_rows_with_constant_queries(
    users, login, published, quota_region, django_assert_max_num_queries
):
    client = login(users["bureau"])
    url = reverse("quotas:table", args=[published.pk])
    n0, total0 = published.graduates.count(), sum(g.graduates for g in published.graduates.all())
    response = assert_constant_queries(
        client,
        url,
        lambda: add_juniors(published, quota_region["county"], 120),
        django_assert_max_num_queries,
    )
    rows = response.context["rows"]
    assert len(rows) == 50 and response.context["page"].paginator.count == n0 + 120
    assert response.context["graduates_total"] == total0 + 120 * 100
    j = client.get(url, {"q": "J0005"}).context["rows"]
    assert [(r["school"].code, r["seats"], r["total"]) for r in j] == [("J0005", [1, 1], 2)]
    ja = client.get(url, {"q": "甲初中"}).context["rows"]
    assert sum(ja[0]["seats"]) == ja[0]["total"] > 0


def test_high_schools_are_paged_and_searchable(
    users, login, quota_region, django_assert_max_num_queries
):
    client = login(users["bureau"])
    url = reverse("quotas:high_schools")

    def grow():
        HighSchool.objects.bulk_create(
            HighSchool(code=f"HX{i:03d}", name=f"新区第{i}高中", quality=i % 2 == 0)
            for i in range(80)
        )

    response = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    assert response.context["page"].paginator.count == 83
    found = client.get(url, {"q": "HX07", "quality": "false"}).context["schools"]
    assert [s.code for s in found] == ["HX071", "HX073", "HX075", "HX077", "HX079"]


def test_school_admins_and_parents_may_not_open_a_draft(users, login, draft):
    for key in ("school", "parent", "provider"):
        response = login(users[key]).get(reverse("quotas:table", args=[draft.pk]), {"q": "J"})
        assert response.status_code in (302, 403, 404), key
