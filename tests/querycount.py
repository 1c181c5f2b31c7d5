"""Query budgets of list pages: measured with few rows, asserted with many (pretix's habit)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries(client, url: str) -> int:
    """How many queries a GET of `url` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def assert_constant_queries(
    client, url: str, grow: Callable[[], None], django_assert_max_num_queries
):
    """The page makes no more queries after `grow()` has added many rows than before; returns
    the response with many rows."""
    few = queries(client, url)
    grow()
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    return response
