"""Counts kept for the pages (页面统计缓存): whole-region aggregates that a page reads and a
periodic job counts.

Some pages show every school's counts (the bureau's home map, the balance dashboard, the
communities' county view, a teacher's rotation choices); counting a city's million students
takes a second or more. They read the counts from the cache that every process shares
(`CACHE_URL`: by default a table in the database, or Redis), which the periodic job `refresh_page_counts_job`
counts again every `REFRESH_EVERY` (started by the workers, `junheng.jobs.schedule`), so no
page view pays for the count while a worker runs. Each entry carries the time it was counted: it
is fresh for `JUNHENG_BALANCE_CACHE_S` seconds (longer than the refresh period), so without a
worker a page counts at most that often, as before. With a worker, an older entry is not
dropped: the pages go on showing it until the recount replaces it (the periodic job may wait
behind long jobs in the queue), so a page view never pays for the count. The cache keeps
an entry `STALE_FOR` (a day) at most, so a bureau whose workers have been stopped that long
counts on the page again. Actions always count live.

Saving or deleting a county, school, teacher or student (signals, region/apps.py) makes the kept
counts stale (`recount_soon`): the pages go on showing them, and one recount job is queued for
the workers (debounced: while one is waiting, further saves queue nothing), so no page view
after a save pays for the count (~1 s on a city). Only a page with nothing kept at all (the
first view, a day without a recount, or an old entry with no worker) counts itself. With the
immediate backend (no worker: jobs run in the request) a save forgets the counts instead, as the
next page must count anyway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from junheng.jobs.models import Job

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The periodic job's period (jobs/schedule.py); JUNHENG_BALANCE_CACHE_S (300) should be longer.
REFRESH_EVERY = timedelta(minutes=2)


def keep_seconds() -> int:
    """How long a kept count is fresh: JUNHENG_BALANCE_CACHE_S; 0 counts on every call (tests)."""
    return int(getattr(settings, "JUNHENG_BALANCE_CACHE_S", 300))


# How long the cache holds an entry, fresh or not: a worker's recount replaces it long before.
STALE_FOR = timedelta(days=1)

# An entry is (STAMP, counted at (time.time()), value): an entry of an older release (the bare
# value) reads as nothing kept.
STAMP = "kept/2"


def read(key: str, count: Callable[[], T]) -> T:
    """The count kept under `key`, or `count()` now (and kept) when there is none.

    An entry older than `keep_seconds()` is still served while a worker runs (its periodic job,
    or the recount a save queued, replaces it); without a worker the page counts it again, as
    at most every `keep_seconds()`."""
    ttl = keep_seconds()
    if ttl <= 0:
        return count()
    try:
        found: Any = cache.get(key)
    except Exception:  # an entry pickled by an older release, or the cache server down
        logger.warning("page count cache: could not read %s", key, exc_info=True)
        found = None
    if isinstance(found, tuple) and len(found) == 3 and found[0] == STAMP:
        _, counted_at, value = found
        from junheng.jobs.actions import uses_worker

        if time.time() - counted_at < ttl or uses_worker():
            return cast(T, value)
    value = count()
    keep(key, value)
    return value


def peek(key: str) -> Any:
    """The value kept under `key`, fresh or not, without counting; None when nothing is kept."""
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 3 and found[0] == STAMP:
        return found[2]
    return None


def keep(key: str, value: Any) -> None:
    """Keep `value` under `key`, counted now."""
    try:
        cache.set(key, (STAMP, time.time(), value), int(STALE_FOR.total_seconds()))
    except Exception:  # a page still shows its live count when the cache server is down
        logger.warning("page count cache: could not write %s", key, exc_info=True)


def forget(*keys: str) -> None:
    try:
        cache.delete_many(list(keys))
    except Exception:
        logger.warning("page count cache: could not forget %s", keys, exc_info=True)


def kept_keys() -> tuple[str, ...]:
    """Every key `refresh_page_counts` keeps."""
    from junheng.balance import adapters as balance
    from junheng.region import queries as region

    return (region.HEADCOUNTS_KEY, region.GLANCE_KEY, balance.RAW_CACHE_KEY, balance.CACHE_KEY)


# Set while a recount job is queued (debounce); it lapses on its own should that job be lost
# (its transaction rolled back), and the periodic job counts every REFRESH_EVERY anyway.
PENDING_KEY = "junheng:kept:recount-pending"
PENDING_S = 60


def is_stale() -> bool:
    """Is a recount queued (a save since the kept counts were counted)?"""
    try:
        return bool(cache.get(PENDING_KEY))
    except Exception:
        return False


def recount_soon(*args: Any, **kwargs: Any) -> None:
    """A row the kept counts count was saved or deleted (a signal handler): keep serving the
    counts, marked stale, and queue one recount job unless one is already waiting."""
    from junheng.jobs.actions import start_job, uses_worker

    if keep_seconds() <= 0:
        return
    if not uses_worker():
        forget(*kept_keys())
        return
    try:
        first = cache.add(PENDING_KEY, True, PENDING_S)
    except Exception:  # the cache server is down: the pages count live anyway
        logger.warning("page count cache: could not mark the counts stale", exc_info=True)
        return
    if first:
        start_job(
            "page_counts",
            "junheng.kept.recount_job",
            by=None,
            title=gettext_noop("重新统计页面所用的全区学生与教师数"),
            max_attempts=1,
        )


def refresh_page_counts() -> dict[str, Any]:
    """Count every kept aggregate again and keep it (what the periodic job does)."""
    from junheng.balance import adapters as balance
    from junheng.region import queries as region

    heads = region.count_headcounts()
    keep(region.HEADCOUNTS_KEY, heads)
    keep(region.GLANCE_KEY, region.count_region_glance())
    raw = balance.load_raw()
    keep(balance.RAW_CACHE_KEY, raw)
    keep(balance.CACHE_KEY, balance.evaluate_raw(raw))
    return {"schools": len(raw), "students": sum(p + j for p, j in heads[0].values())}


def recount_job(job: Job) -> dict[str, Any]:
    """The queued recount after a save: saves from now on queue the next one."""
    forget(PENDING_KEY)
    return refresh_page_counts_job(job)


def refresh_page_counts_job(job: Job) -> dict[str, Any]:
    """The periodic job's body: nothing to do when the counts are not kept (0 seconds)."""
    if keep_seconds() <= 0:
        return {"skipped": True}
    return refresh_page_counts()
