"""Submissions at window opening on PostgreSQL: a submission locks the window row FOR SHARE,
so families submit side by side (none waits for another's), while closing the window (FOR
UPDATE) waits for the submissions in flight and they for it. Threads, each with its own
connection; `lock_timeout` turns "would wait" into an error instead of a wait. Skipped on
SQLite, which has one writer at a time."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from junheng.enrolment import actions
from junheng.enrolment.actions.windows import _window_shared
from junheng.enrolment.models import ChoiceWindow, Ranking

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _holding_a_submission_lock(window_id: int):
    """A thread inside a submission's transaction, holding the window row's share lock until
    told to go on."""
    held, done = threading.Event(), threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                _window_shared(window_id)
                held.set()
                done.wait(30)
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    assert held.wait(30)
    return done, t


def _in_thread(job):
    out: list[object] = []

    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL lock_timeout = '2s'")
                out.append(job())
        except BaseException as err:  # noqa: BLE001 - returned to the test
            out.append(err)
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    return out[0]


def test_a_submission_does_not_wait_for_another_in_flight(window, market):
    done, holder = _holding_a_submission_lock(window.pk)
    try:
        got = _in_thread(
            lambda: actions.do_submit_ranking(
                window, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
            )
        )
    finally:
        done.set()
        holder.join(30)
    assert isinstance(got, Ranking), got
    assert Ranking.objects.filter(window=window, student=market["kids"][1]).count() == 1


def test_closing_waits_for_a_submission_in_flight(window, users):
    done, holder = _holding_a_submission_lock(window.pk)
    try:
        got = _in_thread(
            lambda: ChoiceWindow.objects.select_for_update().get(pk=window.pk)  # as closing does
        )
    finally:
        done.set()
        holder.join(30)
    assert isinstance(got, OperationalError), got  # lock timeout: it had to wait
    window.refresh_from_db()
    assert window.state == "open"


def test_a_submission_after_closing_is_refused(window, market, users):
    from junheng.errors import ActionError

    actions.do_close_window(window, by=users["bureau"], reason="测试提前截止")
    with pytest.raises(ActionError, match="选课窗口未开放或已截止"):
        actions.do_submit_ranking(
            window, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
        )
