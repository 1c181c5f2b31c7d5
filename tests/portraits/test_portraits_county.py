"""The bureau's county page of growth portraits: the by-school table 50 schools a page, searched
and filtered like the school list, every figure (and every one hidden) the same whatever page or
filter is shown; as many queries for 60 more schools."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from junheng.portraits import report
from junheng.portraits.models import CohortScore, Dimension
from junheng.region.models import School
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _more_schools(county, term, n=60):
    """`n` schools with cohort cells this term: a third rural, the rest town, 9-20 children
    each (some hidden: under 10), the last urban with 4 children (then 城关小学, the only other
    urban school, is hidden too: the urban row less 城关小学 would give those 4 away)."""
    schools = School.objects.bulk_create(
        School(code=f"M{i:03d}", name=f"第{i:03d}学校", county=county, level="primary",
               urban_rural="urban" if i == n - 1 else "rural" if i % 3 == 0 else "town",
               x_km=i, y_km=i)
        for i in range(n)
    )  # fmt: skip
    size = [4 if i == n - 1 else 9 + i % 12 for i in range(n)]
    CohortScore.objects.bulk_create(
        CohortScore(term=term, school=s, grade=4, dimension=d, version="2026",
                    students=size[i], total=Decimal(70 * size[i] + j))
        for i, s in enumerate(schools)
        for j, d in enumerate(Dimension.values)
    )  # fmt: skip
    return schools


@pytest.fixture
def city(region, portraits):
    _more_schools(region["county"], portraits["autumn"])
    return portraits["autumn"]


def _shown(response):
    return {row["key"]: row["cells"] for row in response.context["by_school"]}


def test_the_schools_are_paged_and_each_shows_the_figures_of_the_whole(client, users, city):
    client.force_login(users["bureau"])
    url = reverse("portraits:county")
    whole = {row["key"]: row["cells"] for row in report.county_figures(city)["by_school"]}
    first = client.get(url)
    assert first.context["page"].paginator.count == len(whole) == 62
    assert len(first.context["by_school"]) == 50
    html = first.content.decode()
    assert 'data-testid="pager"' in html and "共 62 条" in html
    second = client.get(url, {"page": 2})
    shown = _shown(first) | _shown(second)
    assert shown == whole  # every school once, its figures and what is hidden unchanged
    names = [row["label"] for row in first.context["by_school"] + second.context["by_school"]]
    assert names == list(School.objects.order_by("code").values_list("name", flat=True))
    guan = School.objects.get(name="城关小学").pk
    assert all(c["protected"] for c in whole[guan])


def test_a_filter_narrows_the_schools_not_the_figures(client, users, city):
    client.force_login(users["bureau"])
    url = reverse("portraits:county")
    figures = report.county_figures(city)
    whole = {row["key"]: row["cells"] for row in figures["by_school"]}
    rural = client.get(url, {"urban_rural": "rural"})
    rural_ids = set(School.objects.filter(urban_rural="rural").values_list("pk", flat=True))
    assert set(_shown(rural)) == rural_ids & set(whole)
    assert all(cells == whole[k] for k, cells in _shown(rural).items())
    # the county and urban/town/rural rows are the whole county's
    assert rural.context["whole"] == figures["whole"]
    assert [r["cells"] for r in rural.context["by_ur"]] == [r["cells"] for r in figures["by_ur"]]
    found = client.get(url, {"q": "第007"})
    assert [row["label"] for row in found.context["by_school"]] == ["第007学校"]
    nothing = client.get(url, {"q": "没有这所学校"})
    assert nothing.context["by_school"] == [] and "没有符合条件的学校" in nothing.content.decode()


def test_the_county_page_makes_as_many_queries_for_60_more_schools(
    client, users, region, portraits, django_assert_max_num_queries
):
    client.force_login(users["bureau"])

    def grow() -> None:
        _more_schools(region["county"], portraits["autumn"])

    page = assert_constant_queries(
        client, reverse("portraits:county") + "?page=2", grow, django_assert_max_num_queries
    )
    assert len(page.context["by_school"]) == 12


def test_the_latest_scored_term_is_found_past_a_newer_term_without_scores(portraits):
    import datetime as dt

    from junheng.region.models import Term

    Term.objects.create(name="下一学期", start=dt.date(2027, 2, 20), end=dt.date(2027, 7, 1))
    assert report.latest_term() == portraits["autumn"]
    CohortScore.objects.all().delete()
    assert report.latest_term() is None
