"""Placement lists at city size: the placements, the bulk runs and a bulk run's school lines
are paged and searchable, with a constant number of queries."""

from __future__ import annotations

from django.urls import reverse

from junheng.placement.models import BulkPlacementRun, BulkPlacementSchool, Placement
from junheng.region.models import School
from tests.querycount import assert_constant_queries


def add_schools(county, n):
    return School.objects.bulk_create(
        School(code=f"X{i:04d}", name=f"新区第{i}小学", county=county, level="primary")
        for i in range(n)
    )


def test_the_bureau_pages_and_searches_every_placement(
    users, login, region, term, draft, django_assert_max_num_queries
):
    client = login(users["bureau"])
    url = reverse("placement:index")

    def grow():
        Placement.objects.bulk_create(
            Placement(school=s, term=term, grade=1, n_classes=2)
            for s in add_schools(region["county"], 120)
        )

    response = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    assert response.context["page"].paginator.count == 121
    assert len(response.context["placements"]) == 50
    mine = client.get(url, {"q": "城关"}).context["placements"]
    assert [(p.school.code, p.n) for p in mine] == [("S01", 40)]
    assert client.get(url, {"status": "published"}).context["page"].paginator.count == 0


def test_a_school_admin_sees_only_its_own_placements_whatever_the_search(
    users, login, region, term, draft
):
    Placement.objects.create(school=region["school_b"], term=term, grade=1, n_classes=2)
    client = login(users["school"])
    shown = client.get(reverse("placement:index"), {"q": "澉浦"}).context["placements"]
    assert list(shown) == []
    shown = client.get(reverse("placement:index")).context["placements"]
    assert [p.school.code for p in shown] == ["S01"]


def test_a_bulk_run_pages_its_schools_with_constant_queries(
    users, login, region, term, django_assert_max_num_queries
):
    run = BulkPlacementRun.objects.create(term=term, grade=1, seed="s", seed_commitment="c")
    client = login(users["bureau"])
    url = reverse("placement:bulk_detail", args=[run.pk])

    # measured with a few lines (an empty page skips the query for its rows) after one warm-up
    # request (whatever the first request of a process caches is not the page's own cost)
    BulkPlacementSchool.objects.bulk_create(
        [
            BulkPlacementSchool(run=run, school=region["school_a"], status="pending"),
            BulkPlacementSchool(run=run, school=region["school_b"], status="pending"),
        ]
    )
    assert client.get(url).status_code == 200

    def grow():
        BulkPlacementSchool.objects.bulk_create(
            BulkPlacementSchool(run=run, school=s, status="skipped" if i % 2 else "pending")
            for i, s in enumerate(add_schools(region["county"], 120))
        )

    response = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    assert response.context["page"].paginator.count == 122
    skipped = client.get(url, {"status": "skipped", "q": "X000"}).context["lines"]
    assert [ln.school.code for ln in skipped] == ["X0001", "X0003", "X0005", "X0007", "X0009"]
    runs = client.get(reverse("placement:bulk")).context["runs"]
    assert [r.pk for r in runs] == [run.pk]
    assert login(users["school"]).get(url).status_code == 403
