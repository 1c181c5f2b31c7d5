"""Shared fixtures: a small region and one user of every role, made through real models."""

from __future__ import annotations

import os
from datetime import date

import pytest

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API in live-server tests

PASSWORD = "junheng-test-pw-2026"
# Public entropy "entered at the ceremony" in tests that run a draw.
ENTROPY = "17 42 08 93"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the users' language; a test that switches to English cannot leak."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_cache_rows_outlive_a_transactional_test(request):
    """The db:// cache is a table that a transactional test's flush does not empty (it is not a
    model's): what such a test kept (the home page's counts, say) is emptied at its end, while
    the database is still open, so no later test reads another test's figures."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_local_cache_between_tests():
    """Each process's local-memory cache (the rank page's course list) starts empty in every
    test: a page one test rendered is never what the next one reads."""
    from django.core.cache import caches

    caches["local"].clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Full-strength hashing costs ~0.5 s per user; tests do not need it."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # hashes made before the override
    ]


@pytest.fixture
def region(db):
    from junheng.region.models import County, School, Student, Teacher

    county = County.objects.create(code="330424", name="海盐县")
    a = School.objects.create(
        code="S01",
        name="城关小学",
        county=county,
        level="primary",
        urban_rural="urban",
        x_km=1,
        y_km=1,
        teaching_room_m2=9000,
        sports_field_m2=12000,
        equipment_yuan=3_000_000,
        multimedia_classrooms=40,
    )
    b = School.objects.create(
        code="S02",
        name="澉浦镇中学",
        county=county,
        level="junior",
        urban_rural="rural",
        x_km=20,
        y_km=15,
        teaching_room_m2=2000,
        sports_field_m2=3000,
        equipment_yuan=400_000,
        multimedia_classrooms=6,
    )
    ta = Teacher.objects.create(
        code="T01",
        name="王老师",
        school=a,
        subject="math",
        qualification="bachelor",
        backbone_level="county",
        years_at_school=8,
        age=40,
        gender="F",
    )
    tb = Teacher.objects.create(
        code="T02",
        name="李老师",
        school=b,
        subject="pe",
        section="junior",
        qualification="associate",
        years_at_school=3,
        age=30,
        gender="M",
    )
    sa = Student.objects.create(
        code="P0001", name="张小明", gender="M", school=a, grade=3, birth_date=date(2017, 5, 1)
    )
    sb = Student.objects.create(
        code="P0002", name="陈小红", gender="F", school=b, grade=7, birth_date=date(2013, 9, 1)
    )
    return {
        "county": county,
        "school_a": a,
        "school_b": b,
        "teacher_a": ta,
        "teacher_b": tb,
        "student_a": sa,
        "student_b": sb,
    }


@pytest.fixture
def users(region):
    """One user per role; the school admin and parent belong to school A; the teacher is T01."""
    from junheng.accounts.models import Guardianship, User

    def make(username, role, **kw):
        u = User(username=username, role=role, **kw)
        u.set_password(PASSWORD)
        u.save()
        return u

    out = {
        "bureau": make("bureau", "bureau"),
        "school": make("school_a", "school", school=region["school_a"]),
        "school_b": make("school_b", "school", school=region["school_b"]),
        "provider": make("provider", "provider"),
        "parent": make("parent", "parent"),
        "teacher": make("teacher", "teacher", teacher=region["teacher_a"]),
    }
    Guardianship.objects.create(user=out["parent"], student=region["student_a"])
    return out


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
