"""Query budgets of the cohort pages: as many queries with 30 more children as with none."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from junheng.portraits import report
from junheng.portraits.models import Dimension, DimensionScore
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _grow(region, term):
    """School A gains grade 4: classes 4(1) and 4(2), 15 children each, scored this term (丙00
    lowest in every dimension)."""

    def grow() -> None:
        from junheng.region.models import SchoolClass, Student

        scores = []
        for number in (1, 2):
            klass = SchoolClass.objects.create(school=region["school_a"], grade=4, number=number)
            for i in range(15):
                k = (number - 1) * 15 + i
                child = Student.objects.create(
                    code=f"PC{k:02d}", name=f"丙{k:02d}", gender="M", school=region["school_a"],
                    grade=4, school_class=klass,
                )  # fmt: skip
                scores += [
                    DimensionScore(student=child, term=term, dimension=d, score=Decimal(1 + k),
                                   coverage=Decimal(1), version="2026")
                    for d in Dimension.values
                ]  # fmt: skip
        DimensionScore.objects.bulk_create(scores)
        report.store_cohorts([term.pk])  # as the scoring run does with the scores it stores

    return grow


def test_the_support_list_makes_as_many_queries_for_a_larger_school(
    client, users, region, portraits, django_assert_max_num_queries
):
    client.force_login(users["school"])
    url = reverse("portraits:support") + "?grade="  # every grade, not the first only
    grow = _grow(region, portraits["autumn"])
    page = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    html = page.content.decode()
    # the lowest 20% of grade 4's 30 children in each dimension: 丙00–丙05, in every dimension
    assert "丙00" in html and "丙05" in html and "丙06" not in html
    row = html.split("丙00")[1].split("</tr>")[0]
    assert "4 4(1)" in row and row.count("、") == len(Dimension.values) - 1
    assert "乙" not in html  # another school's children never appear


def test_the_school_page_makes_as_many_queries_for_a_larger_school(
    client, users, region, portraits, django_assert_max_num_queries
):
    client.force_login(users["school"])
    url = reverse("portraits:school")
    grow = _grow(region, portraits["autumn"])
    page = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    html = page.content.decode()
    assert 'data-students="42">' in html  # the whole school: 12 + 30 children
    assert 'data-students="30">' in html  # grade 4


def test_the_county_page_makes_as_many_queries_for_a_larger_county(
    client, users, region, portraits, django_assert_max_num_queries
):
    client.force_login(users["bureau"])
    url = reverse("portraits:county")
    grow = _grow(region, portraits["autumn"])
    page = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    html = page.content.decode()
    assert 'data-students="47">' in html  # the county: 17 + 30 children
    assert 'data-students="42">' in html  # school A
