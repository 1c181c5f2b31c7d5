"""The pages' whole-region counts (junheng/kept.py): kept in the cache every process shares
(`CACHE_URL`), counted again by a periodic job so that no page view pays for the count."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from junheng import kept
from junheng.balance import adapters as balance
from junheng.config.caches import caches_from_url
from junheng.jobs.models import Job, JobState
from junheng.jobs.schedule import PERIODIC, tick
from junheng.region import queries
from junheng.region.models import Student

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
KEYS = [*kept.kept_keys(), kept.PENDING_KEY]


@pytest.fixture
def cached(settings):
    settings.JUNHENG_BALANCE_CACHE_S = 300
    cache.delete_many(KEYS)
    yield settings
    cache.delete_many(KEYS)


def _counts_students(ctx: CaptureQueriesContext) -> bool:
    return any(
        'FROM "region_student"' in q["sql"] and "COUNT" in q["sql"] for q in ctx.captured_queries
    )


def _new_student(region, code: str) -> Student:
    return Student(code=code, name="新生", gender="F", school=region["school_a"], grade=3)


def test_the_periodic_job_counts_for_the_pages_so_no_view_counts(users, login, region, cached):
    assert "page_counts" in {p.name for p in PERIODIC}
    assert kept.REFRESH_EVERY.total_seconds() < cached.JUNHENG_BALANCE_CACHE_S
    client = login(users["bureau"])
    client.get(reverse("home"))  # counted and kept
    # A bulk write (an import) sends no signal: the kept counts do not see it yet ...
    Student.objects.bulk_create([_new_student(region, "P0098")])
    stale = client.get(reverse("home")).context["glance"]["totals"]["students"]
    assert stale == Student.objects.count() - 1

    # ... until the scheduler's job counts again; the next views count nothing themselves.
    assert "page_counts" in tick()
    job = Job.objects.get(kind="periodic:page_counts")
    assert job.state == JobState.DONE and job.result["students"] == Student.objects.count()
    with CaptureQueriesContext(connection) as view:
        home = client.get(reverse("home"))
        dashboard = client.get(reverse("balance:dashboard"))
    assert not _counts_students(view)
    assert home.context["glance"]["totals"]["students"] == Student.objects.count()
    assert dashboard.status_code == 200
    assert sum(s.students for s in balance.region_evaluation().schools) == Student.objects.count()


def _queue_in_the_database(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_after_a_save_pages_show_the_kept_counts_until_the_queued_recount_has_run(
    users, login, region, cached
):
    from junheng.jobs.worker import drain

    _queue_in_the_database(cached)
    client = login(users["bureau"])
    before = Student.objects.count()
    assert client.get(reverse("home")).context["glance"]["totals"]["students"] == before
    # Two saves (a burst): the counts are stale and one recount job waits for a worker.
    _new_student(region, "P0097").save()
    _new_student(region, "P0096").save()
    assert kept.is_stale()
    queued = Job.objects.filter(kind="page_counts")
    assert queued.count() == 1 and queued.get().state == JobState.QUEUED
    with CaptureQueriesContext(connection) as view:
        home = client.get(reverse("home"))
        dashboard = client.get(reverse("balance:dashboard"))
    assert not _counts_students(view)  # no request counts while a stale value is kept
    assert home.context["glance"]["totals"]["students"] == before
    assert sum(s.students for s in dashboard.context["ev"].schools) == before

    assert drain() == 1  # the worker recounts
    assert queued.get().state == JobState.DONE and not kept.is_stale()
    with CaptureQueriesContext(connection) as view:
        home = client.get(reverse("home"))
    assert not _counts_students(view)
    assert home.context["glance"]["totals"]["students"] == before + 2
    assert sum(s.students for s in balance.region_evaluation().schools) == before + 2
    # The next save queues the next recount.
    Student.objects.filter(code="P0097").delete()
    assert Job.objects.filter(kind="page_counts", state=JobState.QUEUED).count() == 1


def test_old_kept_counts_are_served_until_the_recount_replaces_them(users, login, region, cached):
    """The periodic recount waits behind long jobs in the worker queue: the page goes on
    showing the counts it has, however old, instead of counting a city itself (~1 s)."""
    from junheng.jobs.worker import drain

    _queue_in_the_database(cached)
    client = login(users["bureau"])
    before = Student.objects.count()
    with freeze_time() as clock:
        client.get(reverse("home"))  # counted and kept
        Student.objects.bulk_create([_new_student(region, "P0094")])  # no signal
        clock.tick(cached.JUNHENG_BALANCE_CACHE_S * 12)  # an hour: long past fresh
        with CaptureQueriesContext(connection) as view:
            home = client.get(reverse("home"))
            dashboard = client.get(reverse("balance:dashboard"))
        assert not _counts_students(view)
        assert home.context["glance"]["totals"]["students"] == before
        assert sum(s.students for s in dashboard.context["ev"].schools) == before

        assert "page_counts" in tick()  # the periodic job's turn comes at last
        drain()
        with CaptureQueriesContext(connection) as view:
            home = client.get(reverse("home"))
        assert not _counts_students(view)
        assert home.context["glance"]["totals"]["students"] == before + 1

        # A day with no recount at all (the workers stopped): the page counts again.
        Student.objects.bulk_create([_new_student(region, "P0093")])
        clock.tick(kept.STALE_FOR.total_seconds() + 1)
        with CaptureQueriesContext(connection) as view:
            home = client.get(reverse("home"))
        assert _counts_students(view)
        assert home.context["glance"]["totals"]["students"] == before + 2


def test_without_a_worker_a_page_counts_at_most_every_keep_period(users, login, region, cached):
    client = login(users["bureau"])  # the immediate backend: no worker recounts
    before = Student.objects.count()
    with freeze_time() as clock:
        client.get(reverse("home"))  # counted and kept
        Student.objects.bulk_create([_new_student(region, "P0092")])  # no signal
        clock.tick(cached.JUNHENG_BALANCE_CACHE_S - 1)
        with CaptureQueriesContext(connection) as view:
            home = client.get(reverse("home"))
        assert not _counts_students(view)
        assert home.context["glance"]["totals"]["students"] == before
        clock.tick(2)  # the kept counts are no longer fresh
        with CaptureQueriesContext(connection) as view:
            home = client.get(reverse("home"))
        assert _counts_students(view)
        assert home.context["glance"]["totals"]["students"] == before + 1


def test_counts_kept_by_an_older_release_are_counted_again(users, login, region, cached):
    cache.set(queries.GLANCE_KEY, {"totals": {"students": -1}}, 300)  # the bare value
    home = login(users["bureau"]).get(reverse("home"))
    assert home.context["glance"]["totals"]["students"] == Student.objects.count()


def test_a_first_view_with_nothing_kept_counts_itself(users, login, region, cached):
    _queue_in_the_database(cached)
    _new_student(region, "P0095").save()  # nothing kept yet: no value to serve stale
    with CaptureQueriesContext(connection) as view:
        home = login(users["bureau"]).get(reverse("home"))
    assert _counts_students(view)
    assert home.context["glance"]["totals"]["students"] == Student.objects.count()


def test_the_job_keeps_nothing_when_the_pages_count_live(region, settings):
    settings.JUNHENG_BALANCE_CACHE_S = 0
    assert kept.refresh_page_counts_job(None) == {"skipped": True}
    assert cache.get(queries.HEADCOUNTS_KEY) is None


def test_a_page_counts_live_when_the_cache_server_is_down(users, login, region, settings):
    settings.JUNHENG_BALANCE_CACHE_S = 300
    settings.CACHES = caches_from_url("redis://127.0.0.1:1/0")  # nothing listens there
    pytest.importorskip("redis")
    home = login(users["bureau"]).get(reverse("home"))
    assert home.status_code == 200
    assert home.context["glance"]["totals"]["students"] == Student.objects.count()


def test_the_database_cache_is_created_by_migrate_and_shared(region, settings):
    from junheng.jobs.apps import create_cache_table

    settings.JUNHENG_BALANCE_CACHE_S = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "junheng_test_cache",
            "KEY_PREFIX": "t",
        }
    }
    create_cache_table()  # what `migrate` runs after the jobs app's migrations
    assert "junheng_test_cache" in connection.introspection.table_names()
    kept.refresh_page_counts()
    with connection.cursor() as cur:
        cur.execute("SELECT cache_key FROM junheng_test_cache")
        keys = {row[0] for row in cur.fetchall()}
    assert f"t:1:{queries.HEADCOUNTS_KEY}" in keys
    live = queries.count_headcounts()
    with CaptureQueriesContext(connection) as read:
        assert queries.school_headcounts() == live
    assert not _counts_students(read)  # read from the table, not counted


def _redis_url() -> str:
    return os.environ.get("CACHE_URL_TEST", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"))


@pytest.fixture
def redis_cache(settings):
    """The Redis cache (`CACHE_URL=redis://…`) under a prefix of its own (skipped locally
    without Redis; CI has it and must test it)."""
    redis = pytest.importorskip("redis")
    url = _redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as err:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"CI must test the Redis cache, no Redis: {err}") from err
        pytest.skip(f"no Redis at {url}")
    prefix = f"junheng-test-{uuid.uuid4().hex[:12]}"
    settings.JUNHENG_BALANCE_CACHE_S = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield url, prefix
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_the_redis_cache_gives_every_process_the_same_counts(region, redis_cache):
    url, prefix = redis_cache
    counted = kept.refresh_page_counts()
    # Another process (a second gunicorn worker, another machine) reads the counts this one
    # kept, without a database.
    code = (
        "import django; django.setup()\n"
        "from junheng.region import queries\n"
        "from junheng import kept\n"
        "students, teachers = kept.peek(queries.HEADCOUNTS_KEY)\n"
        "print(sum(p + j for p, j in students.values()), sum(teachers.values()))\n"
    )
    env = {
        **os.environ,
        "CACHE_URL": url,
        "CACHE_KEY_PREFIX": prefix,
        "DJANGO_SETTINGS_MODULE": "junheng.config.settings",
        "PYTHONPATH": str(REPO / "src"),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        str(counted["students"]),
        str(sum(queries.count_headcounts()[1].values())),
    ]

    # A save in this process forgets them for every process.
    _new_student(region, "P0097").save()
    import redis

    assert not redis.Redis.from_url(url).exists(f"{prefix}:1:{queries.HEADCOUNTS_KEY}")
    assert queries.school_headcounts() == queries.count_headcounts()


def test_cache_url_chooses_the_cache():
    assert caches_from_url("")["default"]["BACKEND"].endswith("LocMemCache")
    redis = caches_from_url("redis://10.0.0.5:6379/1", "bureau")["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://10.0.0.5:6379/1" and redis["KEY_PREFIX"] == "bureau"
    assert caches_from_url("db://")["default"]["LOCATION"] == "junheng_cache"
    assert caches_from_url("db://page_cache")["default"]["LOCATION"] == "page_cache"
    with pytest.raises(ValueError, match="CACHE_URL"):
        caches_from_url("memcached://10.0.0.5")


def test_the_bureau_home_reads_the_kept_glance_whatever_the_region_size(
    users, login, region, cached, django_assert_max_num_queries
):
    from junheng.region.models import School

    client = login(users["bureau"])
    kept.refresh_page_counts()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    assert not any('"region_school"' in q["sql"] for q in few.captured_queries)
    county = region["school_a"].county
    schools = School.objects.bulk_create(
        [
            School(
                code=f"N{i:03d}",
                name=f"新校{i}",
                county=county,
                level="primary",
                urban_rural="town",
                x_km=i,
                y_km=i,
            )
            for i in range(30)
        ]
    )
    Student.objects.bulk_create(
        [
            Student(code=f"N{i:04d}", name="新生", gender="M", school=s, grade=2)
            for i, s in enumerate(schools)
        ]
    )
    kept.refresh_page_counts()  # the periodic job
    with django_assert_max_num_queries(len(few.captured_queries)):
        home = client.get(reverse("home"))
    glance = home.context["glance"]
    assert glance["totals"]["schools"] == School.objects.count()
    assert glance["totals"]["students"] == Student.objects.count()
    assert home.content.decode().count('data-testid="map-school"') == School.objects.count()


def test_a_new_county_outline_redraws_the_kept_map(users, login, region, cached):
    kept.refresh_page_counts()
    county = region["school_a"].county
    county.outline = [[[0, 0], [50, 0], [50, 50], [0, 50], [0, 0]]]
    county.save(update_fields=["outline"])
    html = login(users["bureau"]).get(reverse("home")).content.decode()
    assert "县域轮廓：教育局导入的县界" in html


def test_migrate_creates_the_default_cache_table_whatever_the_cache():
    from junheng.config.caches import DEFAULT_TABLE

    assert DEFAULT_TABLE in connection.introspection.table_names()  # the test database's
