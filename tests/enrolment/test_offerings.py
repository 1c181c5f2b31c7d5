"""Cancelling or moving an offering after the draw: children re-placed or told, recorded as an
adjustment the window's page tells in a sentence; moving never double-books a child."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from junheng.afterschool import actions as menu_actions
from junheng.afterschool.models import OfferingStatus
from junheng.enrolment import actions, ledger
from junheng.enrolment.adjustments import describe
from junheng.enrolment.models import (
    DrawAdjustment,
    Enrolment,
    EntryStatus,
    Notification,
    WaitlistEntry,
)
from junheng.errors import ActionError
from tests.enrolment.conftest import close_and_draw, rank_all


def active(offering):
    return Enrolment.objects.filter(offering=offering, status="active")


@pytest.fixture
def drawn(window, market, users):
    """Kids 1 and 2 (low income, served first) hold chess; kid 3 waits for chess; kid 4 holds
    choir, which has one seat left."""
    for i in (1, 2):
        market["kids"][i].low_income = True
        market["kids"][i].save()
    rank_all(window, market, {1: ["chess", "choir"], 2: ["chess", "choir"], 3: ["chess"]})
    rank_all(window, market, {4: ["choir"]})
    close_and_draw(window, users)
    assert active(market["chess"]).count() == 2 and active(market["choir"]).count() == 1
    return market


def test_issue_regression_cancelling_after_the_draw_replaces_or_tells_every_child(
    window, drawn, users, client
):
    m = drawn
    client.force_login(users["school"])
    url = f"/afterschool/menu/offerings/{m['chess'].pk}/"
    # The menu's cancel button leads to a page that says what will happen.
    r = client.post(url, {"action": "cancel"})
    assert r.status_code == 302 and r["Location"].endswith(f"{m['chess'].pk}/cancel/")
    page = client.get(r["Location"]).content.decode()
    assert "2 名在读学生" in page and "候补" in page and 'name="reason"' in page
    m["chess"].refresh_from_db()
    assert m["chess"].status == OfferingStatus.OPEN
    # Without a reason nothing happens (the families would be told nothing).
    client.post(r["Location"], {"confirm": "yes"})
    m["chess"].refresh_from_db()
    assert m["chess"].status == OfferingStatus.OPEN and active(m["chess"]).count() == 2
    client.post(r["Location"], {"confirm": "yes", "reason": "围棋老师离职"})
    m["chess"].refresh_from_db()
    assert m["chess"].status == OfferingStatus.CANCELLED
    assert active(m["chess"]).count() == 0
    assert not WaitlistEntry.objects.filter(
        offering=m["chess"], status=EntryStatus.WAITING
    ).exists()
    # The first of kids 1 and 2 in the draw's order gets choir's free seat, the other is told.
    placed = Enrolment.objects.filter(offering=m["choir"], status="active", source="replacement")
    assert placed.count() == 1
    assert active(m["choir"]).count() == 2 == m["choir"].seats
    for i in (1, 2, 3):
        notes = " ".join(
            Notification.objects.filter(user=m["parents"][i]).values_list("text", flat=True)
        )
        assert "围棋" in notes and "停开" in notes, i
    adj = DrawAdjustment.objects.get(window=window, kind="cancel")
    sentence = describe(adj)
    assert "围棋老师离职" in sentence and "1 人按原志愿调剂" in sentence
    assert "1 人未能调剂" in sentence and "{" not in sentence
    client.force_login(users["bureau"])
    assert sentence in client.get(f"/enrolment/windows/{window.pk}/").content.decode()
    assert ledger.overbooked() == {}


def test_cancelling_an_offering_nobody_chose_needs_no_reason(drawn, users):
    menu_actions.do_cancel_offering(drawn["robot"], by=users["school"])
    drawn["robot"].refresh_from_db()
    assert drawn["robot"].status == OfferingStatus.CANCELLED


def test_families_who_ranked_a_course_in_an_open_window_are_asked_to_rank_again(
    window, market, users
):
    rank_all(window, market, {1: ["chess", "choir"]})
    with pytest.raises(ActionError, match="原因"):
        menu_actions.do_cancel_offering(market["chess"], by=users["school"])
    menu_actions.do_cancel_offering(market["chess"], by=users["school"], reason="场地不足")
    note = Notification.objects.get(user=market["parents"][1])
    assert "重新填报" in note.text and note.link.startswith(f"/enrolment/choose/{window.pk}/")


def test_only_the_schools_admin_or_the_bureau_cancels(drawn, users, client):
    for who in ("school_b", "provider", "parent", "teacher"):
        with pytest.raises(PermissionDenied):
            actions.do_cancel_offering(drawn["chess"], by=users[who], reason="x")
    client.force_login(users["school_b"])
    url = f"/afterschool/menu/offerings/{drawn['chess'].pk}/cancel/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "yes", "reason": "x"}).status_code == 404
    client.force_login(users["parent"])
    assert client.get(url).status_code == 403
    drawn["chess"].refresh_from_db()
    assert drawn["chess"].status == OfferingStatus.OPEN


@pytest.fixture
def two_courses(market, users):
    """A K = 2 window: kid 1 holds chess (Monday) and choir (Tuesday)."""
    now = timezone.now()
    w = actions.do_create_window(
        by=users["bureau"],
        school=market["school"],
        term=market["term"],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
        max_courses=2,
        method="draft",
    )
    actions.do_open_window(w, by=users["bureau"])
    w.refresh_from_db()
    rank_all(w, market, {1: ["chess", "choir"], 2: ["choir"]})
    close_and_draw(w, users)
    assert active(market["chess"]).count() == 1 and active(market["choir"]).count() == 2
    return w


def test_moving_an_offering_onto_a_childs_other_seat_is_refused(two_courses, market, users):
    monday = market["slots"][0]
    with pytest.raises(ActionError, match=market["kids"][1].code):
        menu_actions.do_move_offering(market["choir"], by=users["school"], slot=monday)
    market["choir"].refresh_from_db()
    assert market["choir"].slot == market["slots"][1]
    assert actions.move_clashes(market["choir"], monday) == [market["kids"][1]]


def test_moving_an_offering_tells_its_families_and_is_recorded(two_courses, market, users):
    wednesday = market["slots"][2]
    menu_actions.do_move_offering(market["choir"], by=users["school"], slot=wednesday)
    market["choir"].refresh_from_db()
    assert market["choir"].slot == wednesday
    for i in (1, 2):
        assert Notification.objects.filter(
            user=market["parents"][i], text__contains="周三"
        ).exists(), i
    adj = DrawAdjustment.objects.get(window=two_courses, kind="move")
    assert "周二" in describe(adj) and "周三" in describe(adj) and "2 名" in describe(adj)


def test_the_menu_page_moves_and_reports_a_clash(two_courses, market, users, client):
    client.force_login(users["school"])
    r = client.post(
        f"/afterschool/menu/offerings/{market['choir'].pk}/",
        {"action": "move", "slot": market["slots"][0].pk},
        follow=True,
    )
    assert "已有其他课程" in r.content.decode()
    market["choir"].refresh_from_db()
    assert market["choir"].slot == market["slots"][1]


def test_the_menu_changes_seats_through_the_ledger(drawn, users, client):
    """Fewer seats than held is refused; more seats go to the waitlist as offers."""
    from junheng.enrolment.models import WaitlistOffer

    m = drawn
    client.force_login(users["school"])
    url = f"/afterschool/menu/offerings/{m['chess'].pk}/"
    page = client.post(url, {"action": "seats", "seats": 1, "reason": "教室小"}, follow=True)
    assert "不能少于 2" in page.content.decode()
    m["chess"].refresh_from_db()
    assert m["chess"].seats == 2
    client.post(url, {"action": "seats", "seats": 3, "reason": "换大教室"})
    m["chess"].refresh_from_db()
    assert m["chess"].seats == 3
    offer = WaitlistOffer.objects.get(offering=m["chess"], status="open")
    assert offer.student == m["kids"][3]  # the child waiting for chess
    assert ledger.seats_taken(m["chess"].pk) == 3
    assert "换大教室" in describe(DrawAdjustment.objects.get(kind="seats"))
    client.force_login(users["school_b"])
    assert client.post(url, {"action": "seats", "seats": 9, "reason": "x"}).status_code == 404
