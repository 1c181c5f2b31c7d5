"""The seat ledger: no path gives more seats than an offering has, a second window cannot
overbook, a second round serves the first round's waitlist first, one result card per term."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from junheng.enrolment import actions, ledger
from junheng.enrolment.models import (
    ChoiceWindow,
    DrawAdjustment,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    Ranking,
    RankingChoice,
    WaitlistEntry,
    WaitlistOffer,
    WindowState,
)
from junheng.errors import ActionError
from tests.enrolment.conftest import close_and_draw


def seated(offering):
    return Enrolment.objects.filter(offering=offering, status=EnrolmentStatus.ACTIVE).count()


@pytest.fixture
def gym(market, users):
    """篮球 with 33 seats (Thursday) and 美术 with 40 (Friday) at school A; 65 more children."""
    from django.contrib.auth.hashers import make_password

    from junheng.accounts.models import Guardianship, User
    from junheng.afterschool.models import Course, Offering
    from junheng.region.models import Student, TimeSlot

    thu, fri = (
        TimeSlot.objects.create(weekday=d, period=1, start=dt.time(15, 30), end=dt.time(16, 30))
        for d in (4, 5)
    )

    def offering(title, slot, seats):
        course = Course.objects.create(
            provider=market["provider"],
            title=title,
            category="sports",
            grade_min=1,
            grade_max=6,
            content="…",
            fee_per_term=Decimal("0"),
            status="approved",
        )
        return Offering.objects.create(
            term=market["term"],
            course=course,
            school=market["school"],
            slot=slot,
            seats=seats,
            source="supply",
        )

    basketball = offering("篮球", thu, 33)
    art = offering("美术", fri, 40)
    hashed = make_password(None)
    kids = Student.objects.bulk_create(
        [
            Student(code=f"G{i:04d}", name=f"学生{i}", gender="M", school=market["school"], grade=4)
            for i in range(65)
        ]
    )
    parents = User.objects.bulk_create(
        [User(username=f"gp{i:04d}", role="parent", password=hashed) for i in range(65)]
    )
    Guardianship.objects.bulk_create(
        [Guardianship(user=u, student=k) for u, k in zip(parents, kids, strict=True)]
    )
    return {"basketball": basketball, "art": art, "kids": kids, "parents": parents}


def first_round(window, gym, users):
    """All 65 rank basketball only: 33 seats, 32 on its waitlist. Published."""
    for kid, parent in zip(gym["kids"], gym["parents"], strict=True):
        actions.do_submit_ranking(window, kid, [gym["basketball"].pk], by=parent)
    close_and_draw(window, users)


def test_a_second_window_for_the_same_school_and_term_is_refused(window, market, users):
    now = timezone.now()
    with pytest.raises(ActionError, match="第二轮"):
        actions.do_create_window(
            by=users["bureau"],
            school=market["school"],
            term=market["term"],
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
        )
    assert ChoiceWindow.objects.filter(school=market["school"], term=market["term"]).count() == 1


def test_issue_regression_basketball_33_seats_never_34_through_a_second_round(
    window, market, users, gym
):
    """The issue: 篮球 had 33 seats and ended with 34 active enrolments after a second window
    was created, opened, drawn and published, and the first window's 32 waiting were jumped."""
    bb = gym["basketball"]
    first_round(window, gym, users)
    assert seated(bb) == 33
    waiting = WaitlistEntry.objects.filter(window=window, offering=bb, status=EntryStatus.WAITING)
    assert waiting.count() == 32
    # The second round is the bureau's explicit action, over the seats still free.
    w2 = actions.do_create_second_round(
        window,
        by=users["bureau"],
        opens_at=timezone.now() - dt.timedelta(minutes=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    assert w2.round == 2 and w2.state == WindowState.DRAFT
    cap = actions.round_capacity(w2)
    assert cap[bb.pk] == 0 and cap[gym["art"].pk] == 40
    actions.do_open_window(w2, by=users["bureau"])
    w2.refresh_from_db()
    unplaced = [k for k in gym["kids"] if not Enrolment.objects.filter(student=k).exists()]
    kid, parent = unplaced[0], gym["parents"][gym["kids"].index(unplaced[0])]
    assert bb not in actions.rankable_offerings(w2, kid)
    with pytest.raises(ActionError, match="所选课程不在本次选课范围内"):
        actions.do_submit_ranking(w2, kid, [bb.pk], by=parent)
    holder = Enrolment.objects.filter(offering=bb, status="active").first().student
    with pytest.raises(ActionError, match="尚未录取"):
        actions.do_submit_ranking(
            w2, holder, [gym["art"].pk], by=gym["parents"][gym["kids"].index(holder)]
        )
    for k in unplaced[:5]:
        actions.do_submit_ranking(w2, k, [gym["art"].pk], by=gym["parents"][gym["kids"].index(k)])
    close_and_draw(w2, users)
    assert seated(bb) == 33
    assert seated(gym["art"]) == 5
    assert ledger.overbooked() == {}
    # A freed basketball seat goes to the first round's waitlist, position 1, not round 2.
    first = waiting.order_by("position").first()
    leaver = Enrolment.objects.filter(offering=bb, status="active").first()
    actions.do_drop_enrolment(leaver, by=gym["parents"][gym["kids"].index(leaver.student)])
    offer = WaitlistOffer.objects.get(offering=bb, status=OfferStatus.OPEN)
    assert offer.student_id == first.student_id
    assert seated(bb) + 1 == 33 == ledger.seats_taken(bb.pk)


def test_a_window_made_behind_the_actions_back_still_cannot_overbook(window, market, users, gym):
    """Even a second window written straight into the database (as the old code allowed)
    draws only on the free seats: the draw's offerings.csv says capacity 0 for basketball."""
    bb = gym["basketball"]
    first_round(window, gym, users)
    now = timezone.now()
    w2 = ChoiceWindow.objects.create(
        school=market["school"],
        term=market["term"],
        round=2,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
    )
    actions.do_open_window(w2, by=users["bureau"])
    for k in gym["kids"][:10]:
        r = Ranking.objects.create(window=w2, student=k, receipt_code="X")
        RankingChoice.objects.create(ranking=r, rank=1, offering=bb)
    draw = close_and_draw(w2, users)
    assert f"{bb.engine_id},0," in draw.offerings_csv
    assert seated(bb) == 33
    assert ledger.overbooked() == {}


def test_parent_sees_one_result_card_per_child_and_term(window, market, users, gym, client):
    first_round(window, gym, users)
    w2 = actions.do_create_second_round(
        window,
        by=users["bureau"],
        opens_at=timezone.now() - dt.timedelta(minutes=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    actions.do_open_window(w2, by=users["bureau"])
    i = next(
        i for i, k in enumerate(gym["kids"]) if not Enrolment.objects.filter(student=k).exists()
    )
    kid, parent = gym["kids"][i], gym["parents"][i]
    actions.do_submit_ranking(w2, kid, [gym["art"].pk], by=parent)
    close_and_draw(w2, users)
    client.force_login(parent)
    html = client.get("/enrolment/results/").content.decode()
    assert html.count('data-testid="result-card"') == 1
    assert "美术" in html and 'data-testid="not-enrolled"' not in html
    assert 'data-testid="waiting"' in html  # still 篮球's waitlist from round 1


def test_take_seats_refuses_beyond_capacity_and_writes_nothing(window, market, users):
    chess = market["chess"]  # 2 seats
    with transaction.atomic():
        ledger.take_seats(
            chess.pk,
            [
                Enrolment(window=window, student=market["kids"][i], offering=chess, rank=1)
                for i in (1, 2)
            ],
        )
    with (
        pytest.raises(ledger.SeatsFullError, match="名额已满：该课程只剩 0 个名额"),
        transaction.atomic(),
    ):
        ledger.take_seats(
            chess.pk,
            [Enrolment(window=window, student=market["kids"][3], offering=chess, rank=1)],
        )
    assert seated(chess) == 2


def test_every_path_that_takes_a_seat_goes_through_the_ledger(window, market, users):
    """Draw, waitlist offer, acceptance, manual placement, re-placement after a cancellation,
    seat change: after each, no offering holds more than its seats."""
    m = market
    wants = {i: ["chess", "choir"] for i in range(7)}
    for i, keys in wants.items():
        actions.do_submit_ranking(window, m["kids"][i], [m[k].pk for k in keys], by=m["parents"][i])
    close_and_draw(window, users)
    assert ledger.overbooked() == {}
    assert seated(m["chess"]) == 2 and seated(m["choir"]) == 2
    # Manual placement: refused when full, allowed on a free seat.
    unplaced = [
        k for k in m["kids"] if not Enrolment.objects.filter(student=k, status="active").exists()
    ]
    # Manual placement never jumps the waitlist (chess has children waiting) …
    with pytest.raises(ActionError, match="候补"):
        actions.do_enrol_manually(
            window, unplaced[0], m["chess"], by=users["school"], reason="补录"
        )
    # Seat change: never below the seats held, more seats go to the waitlist as offers.
    with pytest.raises(ActionError, match="不能少于"):
        actions.do_set_offering_seats(m["chess"], 1, by=users["school"], reason="教室小")
    actions.do_set_offering_seats(m["chess"], 3, by=users["school"], reason="换大教室")
    offer = WaitlistOffer.objects.get(offering=m["chess"], status="open")
    assert ledger.seats_taken(m["chess"].pk) == 3 and ledger.free_seats(m["chess"]) == 0
    # Acceptance turns the offer's hold into the seat (and frees the choir seat if it had one).
    parent = m["parents"][m["kids"].index(offer.student)]
    actions.do_accept_offer(offer, by=parent)
    assert ledger.overbooked() == {}
    # The robot offering has free seats and nobody waits: a manual placement fits there.
    robot_kid = unplaced[-1]
    robot_kid.grade = 5
    robot_kid.save()
    e = actions.do_enrol_manually(window, robot_kid, m["robot"], by=users["school"], reason="漏报")
    assert e.source == "manual" and e.status == "active"
    # Cancelling choir re-places its children through the ledger.
    actions.do_cancel_offering(m["choir"], by=users["school"], reason="老师离职")
    assert ledger.overbooked() == {}
    assert DrawAdjustment.objects.filter(window=window, kind="manual").exists()


def test_manual_placement_checks_role_reason_state_and_slot(window, market, users, region):
    m = market
    actions.do_submit_ranking(window, m["kids"][1], [m["chess"].pk], by=m["parents"][1])
    with pytest.raises(ActionError, match="公布"):
        actions.do_enrol_manually(window, m["kids"][2], m["robot"], by=users["bureau"], reason="x")
    close_and_draw(window, users)
    kid = m["kids"][2]
    kid.grade = 5
    kid.save()
    for who in ("parent", "provider", "teacher", "school_b"):
        with pytest.raises(PermissionDenied):
            actions.do_enrol_manually(window, kid, m["robot"], by=users[who], reason="x")
    with pytest.raises(ActionError, match="原因"):
        actions.do_enrol_manually(window, kid, m["robot"], by=users["bureau"], reason=" ")
    with pytest.raises(ActionError, match="不在本校"):
        actions.do_enrol_manually(
            window, region["student_b"], m["robot"], by=users["bureau"], reason="x"
        )
    # K = 1: a child with a seat cannot get a second one by hand.
    m["kids"][1].grade = 5
    m["kids"][1].save()
    with pytest.raises(ActionError, match="最多"):
        actions.do_enrol_manually(window, m["kids"][1], m["robot"], by=users["bureau"], reason="x")
    assert not Enrolment.objects.filter(offering=m["robot"]).exists()


def test_second_round_needs_every_earlier_round_published_and_the_bureau(window, market, users):
    later = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ActionError, match="公布"):
        actions.do_create_second_round(
            window, by=users["bureau"], opens_at=timezone.now(), closes_at=later
        )
    actions.do_submit_ranking(
        window, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
    )
    close_and_draw(window, users)
    for who in ("school", "parent", "provider"):
        with pytest.raises(PermissionDenied):
            actions.do_create_second_round(
                window, by=users[who], opens_at=timezone.now(), closes_at=later
            )
    assert ChoiceWindow.objects.filter(school=market["school"]).count() == 1


def test_second_round_page_says_what_happens_and_creates_only_when_confirmed(
    window, market, users, client
):
    actions.do_submit_ranking(
        window, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
    )
    close_and_draw(window, users)
    client.force_login(users["bureau"])
    url = f"/enrolment/windows/{window.pk}/round/"
    page = client.get(url).content.decode()
    assert "候补优先" in page and "尚未录取" in page
    data = {"opens_at": "2026-12-02T08:00", "closes_at": "2026-12-04T18:00"}
    client.post(url, data)
    assert ChoiceWindow.objects.filter(school=market["school"]).count() == 1
    r = client.post(url, {**data, "confirm": "yes"})
    w2 = ChoiceWindow.objects.get(school=market["school"], round=2)
    assert r.status_code == 302 and r["Location"] == f"/enrolment/windows/{w2.pk}/"
    client.force_login(users["school"])
    assert client.get(url).status_code == 403
