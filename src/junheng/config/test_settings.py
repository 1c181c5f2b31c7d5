"""Settings of the test suite: the production settings with the two fast paths tests need.

Jobs run inside the request (the immediate backend: deterministic, no worker to wait for);
tests of the queue itself switch to the database or RQ backend and run a worker inline.
Static files are not hashed (no collectstatic before each run); a test checks the manifest.
"""

from junheng.config.caches import caches_from_url
from junheng.config.settings import *  # noqa: F403
from junheng.config.settings import STORAGES

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
JUNHENG_TASKS = "immediate"
# Balance pages count live (tests change rows with bulk writes the cache would not see), and
# each test process has its own cache whatever CACHE_URL says (tests of Redis set their own).
JUNHENG_BALANCE_CACHE_S = 0
CACHES = caches_from_url("")
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
