"""The balance pages read the region's counts from a cache (a city's million students take
seconds to count): counted once per JUNHENG_BALANCE_CACHE_S, forgotten when a school, teacher
or student is saved or deleted, and the dashboard says when they were counted."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from junheng.balance import adapters
from junheng.region.models import Student

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.JUNHENG_BALANCE_CACHE_S = 300
    cache.delete(adapters.CACHE_KEY)
    yield
    cache.delete(adapters.CACHE_KEY)


def students_counted(ev):
    return sum(s.students for s in ev.schools)


def test_counts_are_read_once_and_forgotten_when_a_student_changes(region, cached):
    first = adapters.region_evaluation()
    with CaptureQueriesContext(connection) as again:
        assert students_counted(adapters.region_evaluation()) == students_counted(first)
    assert not any("region_student" in q["sql"] for q in again.captured_queries)

    Student.objects.create(
        code="P0003", name="新生", gender="F", school=region["school_a"], grade=3
    )
    assert students_counted(adapters.region_evaluation()) == students_counted(first) + 1


def test_the_dashboard_says_when_it_counted(users, login, region, cached):
    response = login(users["bureau"]).get(reverse("balance:dashboard"))
    assert response.status_code == 200
    assert 'data-testid="counted-at"' in response.content.decode()
    assert response.context["counted_at"] == adapters.region_evaluation().counted_at
