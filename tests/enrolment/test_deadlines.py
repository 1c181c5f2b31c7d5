"""Windows close themselves at `closes_at`; closing early needs a reason the families are told."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from junheng.accounts.models import AuditLog
from junheng.enrolment import actions
from junheng.enrolment.models import ChoiceWindow, DrawAdjustment, Notification, WindowState
from junheng.errors import ActionError


def test_due_windows_close_themselves_once(window, market, users):
    actions.do_submit_ranking(
        window, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
    )
    assert actions.close_due_windows(window.closes_at - dt.timedelta(seconds=1)) == 0
    window.refresh_from_db()
    assert window.state == WindowState.OPEN
    assert actions.close_due_windows(window.closes_at) == 1
    window.refresh_from_db()
    assert window.state == WindowState.CLOSED and window.closed_at == window.closes_at
    assert actions.close_due_windows(window.closes_at + dt.timedelta(days=1)) == 0  # idempotent
    assert AuditLog.objects.filter(action="enrolment.window.close").count() == 1
    # On time: nobody is told anything special.
    assert not DrawAdjustment.objects.filter(window=window, kind="close").exists()
    with pytest.raises(ActionError, match="截止"):
        actions.do_submit_ranking(
            window, market["kids"][2], [market["chess"].pk], by=market["parents"][2]
        )


def test_draft_and_drawn_windows_are_left_alone(market, users):
    now = timezone.now()
    w = actions.do_create_window(
        by=users["bureau"],
        school=market["school"],
        term=market["term"],
        opens_at=now - dt.timedelta(days=3),
        closes_at=now - dt.timedelta(days=1),
    )
    assert actions.close_due_windows() == 0
    w.refresh_from_db()
    assert w.state == WindowState.DRAFT


def test_the_management_command_closes_due_windows(window):
    ChoiceWindow.objects.filter(pk=window.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1),
        opens_at=timezone.now() - dt.timedelta(hours=2),
    )
    out = io.StringIO()
    call_command("close_windows", stdout=out)
    assert "1 windows closed" in out.getvalue()
    window.refresh_from_db()
    assert window.state == WindowState.CLOSED


def test_the_scheduler_runs_the_close_job(db):
    from junheng.enrolment.tasks import close_due_windows_job
    from junheng.jobs.schedule import available

    assert "close_windows" in {p.name for p in available()}
    assert close_due_windows_job(None) == {"closed": 0}


def test_closing_early_needs_a_reason_that_every_family_is_told(window, market, users):
    with pytest.raises(ActionError, match="原因"):
        actions.do_close_window(window, by=users["bureau"])
    with pytest.raises(ActionError, match="原因"):
        actions.do_close_window(window, by=users["bureau"], reason="   ")
    window.refresh_from_db()
    assert window.state == WindowState.OPEN
    actions.do_close_window(window, by=users["bureau"], reason="学校临时停课")
    window.refresh_from_db()
    assert window.state == WindowState.CLOSED and window.close_reason == "学校临时停课"
    # Every family of the school, ranked or not, is told the reason once.
    for parent in market["parents"]:
        notes = Notification.objects.filter(user=parent, text__contains="学校临时停课")
        assert notes.count() == 1, parent.username
    assert (
        not Notification.objects.filter(text__contains="学校临时停课")
        .exclude(user__in=market["parents"])
        .exists()
    )
    adj = DrawAdjustment.objects.get(window=window, kind="close")
    assert adj.detail["reason"] == "学校临时停课" and adj.detail["told"] == len(market["parents"])


def test_only_the_bureau_closes_a_window(window, users):
    for who in ("school", "parent", "provider", "teacher"):
        with pytest.raises(PermissionDenied):
            actions.do_close_window(window, by=users[who], reason="x")
    window.refresh_from_db()
    assert window.state == WindowState.OPEN


def test_the_window_page_shows_the_early_close_reason(window, users, client):
    actions.do_close_window(window, by=users["bureau"], reason="学校临时停课")
    client.force_login(users["school"])
    page = client.get(f"/enrolment/windows/{window.pk}/").content.decode()
    assert "学校临时停课" in page and "提前截止选课" in page


def test_the_confirmation_page_speaks_english_too(window, users, client):
    from junheng.commands import i18n

    i18n.run(None)
    client.force_login(users["bureau"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/enrolment/windows/{window.pk}/close/").content.decode()
    assert "When you confirm:" in page and "Reason for closing early" in page
    assert "closing now is early" in page
