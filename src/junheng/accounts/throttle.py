"""Rate limits kept in the database (no cache server needed; every worker sees the same counts).

django-axes locks a *username* after a few wrong passwords. Two doors are guarded here:

- wrong passwords per client *address*, with a limit far above what a school behind one NAT
  address (or parents behind a carrier's NAT) reaches, against one address trying a common
  password on many usernames (password spraying): `AddressThrottleBackend`, first in
  AUTHENTICATION_BACKENDS, refuses every login from an address over the limit;
- provider self-registration, the one form a stranger can send without an account.

`hit` records one request and says whether it is within the limit; `count` reads without
recording. The client address is the one django-axes uses, so one proxy setting serves both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from junheng.accounts.models import ThrottleHit


def client_address(request: HttpRequest) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def count(scope: str, key: str, *, window: dt.timedelta) -> int:
    since = timezone.now() - window
    return ThrottleHit.objects.filter(scope=scope, key=key[:100], at__gte=since).count()


def record(scope: str, key: str, *, window: dt.timedelta) -> None:
    """Count one request (and forget this key's requests older than the window)."""
    key = key[:100]
    ThrottleHit.objects.filter(scope=scope, key=key, at__lt=timezone.now() - window).delete()
    ThrottleHit.objects.create(scope=scope, key=key)


def hit(scope: str, key: str, *, limit: int, window: dt.timedelta) -> bool:
    """Record one request; True while at most `limit` were made in the last `window`."""
    record(scope, key, window=window)
    return count(scope, key[:100], window=window) <= limit


LOGIN_FAILED = "login.fail"
# The request attribute that tells the login form this address is blocked (not the password).
ADDRESS_BLOCKED = "junheng_address_blocked"


def login_window() -> dt.timedelta:
    cooloff: dt.timedelta = settings.AXES_COOLOFF_TIME
    return cooloff


def address_blocked(request: HttpRequest) -> bool:
    n = count(LOGIN_FAILED, client_address(request), window=login_window())
    return n >= settings.LOGIN_FAILURES_PER_ADDRESS


def record_login_failure(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    """`user_login_failed` receiver (connected in AccountsConfig.ready)."""
    if isinstance(request, HttpRequest):
        record(LOGIN_FAILED, client_address(request), window=login_window())


class AxesBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when there is no request: every login a person makes
    arrives through a view with one; calls without one are programmatic (the test client's
    `login`, management commands), and axes would refuse them with an exception."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, *args, **kwargs)  # returns None or raises a lockout
        return None


class AddressThrottleBackend:
    """Refuses every login from an address with too many recent failures (raising
    PermissionDenied stops Django's authenticate() before any password is checked). It has no
    get_user, like axes' backend, so sessions and the test client's force_login skip it."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if request is not None and address_blocked(request):
            setattr(request, ADDRESS_BLOCKED, True)  # read by the login form's message
            raise PermissionDenied
