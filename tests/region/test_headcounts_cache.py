"""The pages that show every school's head counts (the bureau's home map, the communities'
county view) read them from a cache: a city's million students are counted once per
JUNHENG_BALANCE_CACHE_S, not on every page view, and forgotten when a school, teacher or student
is saved or deleted."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from junheng.balance import adapters as balance
from junheng.region import queries
from junheng.region.models import Student

pytestmark = pytest.mark.django_db

KEYS = [queries.HEADCOUNTS_KEY, balance.CACHE_KEY, balance.RAW_CACHE_KEY]


@pytest.fixture
def cached(settings):
    settings.JUNHENG_BALANCE_CACHE_S = 300
    cache.delete_many(KEYS)
    yield
    cache.delete_many(KEYS)


def _counts_students(ctx) -> bool:
    return any('FROM "region_student"' in q["sql"] and "COUNT" in q["sql"] for q in ctx)


def test_the_bureau_home_counts_students_once(users, login, region, cached):
    client = login(users["bureau"])
    first = client.get(reverse("home"))
    assert first.context["glance"]["totals"]["students"] == Student.objects.count()
    with CaptureQueriesContext(connection) as again:
        second = client.get(reverse("home"))
    assert second.context["glance"]["totals"] == first.context["glance"]["totals"]
    assert not _counts_students(again.captured_queries)

    Student.objects.create(
        code="P0099", name="新生", gender="F", school=region["school_a"], grade=3
    )
    third = client.get(reverse("home"))
    assert third.context["glance"]["totals"]["students"] == Student.objects.count()


def test_the_counts_are_live_without_a_cache_time(users, login, region, settings):
    settings.JUNHENG_BALANCE_CACHE_S = 0
    client = login(users["bureau"])
    client.get(reverse("home"))
    Student.objects.bulk_create(  # a bulk write sends no signal
        [Student(code="P0098", name="新生", gender="F", school=region["school_a"], grade=3)]
    )
    totals = client.get(reverse("home")).context["glance"]["totals"]
    assert totals["students"] == Student.objects.count()


def test_the_kept_balance_rows_equal_the_live_ones(region, cached):
    from junheng.region.models import School

    pks = list(School.objects.values_list("pk", flat=True))
    assert balance.cached_balance_rows(pks) == balance.balance_rows(School.objects.all())
    with CaptureQueriesContext(connection) as again:
        balance.cached_balance_rows(pks)
    assert not _counts_students(again.captured_queries)
