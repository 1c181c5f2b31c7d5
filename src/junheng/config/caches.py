"""`CACHE_URL` to Django's `CACHES` (the cache every web and worker process shares)."""

from __future__ import annotations

from typing import Any

DEFAULT_TABLE = "junheng_cache"
# "local": each process's own memory whatever CACHE_URL says, for what every request of a busy
# page reads alike and may be a few seconds old (the rank page's course list at window
# opening): never shared between processes, never a source of truth.
LOCAL: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "junheng-local",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}


def caches_from_url(url: str, key_prefix: str = "junheng") -> dict[str, dict[str, Any]]:
    """db:// or db://<table> (the settings' default): a table in the database (`migrate`
    creates it). redis://host:6379/1, rediss://… or unix://…: Redis (the `redis` package, in
    the rq extra). "" or locmem://: each process's own memory (the test suite). Always with
    the "local" alias beside the shared "default".

    >>> caches_from_url("db://")["default"]["LOCATION"]
    'junheng_cache'
    """
    url = url.strip()
    default: dict[str, Any]
    if not url or url.startswith("locmem://"):
        default = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    elif url.startswith(("redis://", "rediss://", "unix://")):
        default = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A page counts live rather than hang when the cache server is gone.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    elif url.startswith("db://"):
        default = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": url.removeprefix("db://").strip("/") or DEFAULT_TABLE,
        }
    else:
        raise ValueError(f"CACHE_URL must be redis://…, db://[table] or unset, not {url!r}")
    default["KEY_PREFIX"] = key_prefix
    return {"default": default, "local": LOCAL}
