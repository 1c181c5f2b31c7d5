"""After the draw: waitlist offers in lottery order, lapses, accepting, capacity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from junheng.engines.lottery import final_seed, lottery_key
from junheng.enrolment import actions
from junheng.enrolment.models import (
    Draw,
    Enrolment,
    EnrolmentStatus,
    Notification,
    OfferStatus,
    Ranking,
    WaitlistOffer,
)
from junheng.errors import ActionError
from tests.conftest import ENTROPY
from tests.enrolment.conftest import close_and_draw


def service_order(window, market, idx):
    """The order the draw will serve these children in (call it once they have ranked): the
    seed rule's final seed (the window's seed, the input files as they stand, the tests'
    entropy) and the children's pseudonyms."""
    from junheng.enrolment import adapters

    inputs = adapters.draw_inputs(window).inputs_sha256
    seed = final_seed(Draw.objects.get(window=window).seed, inputs, ENTROPY)
    alias = dict(Ranking.objects.filter(window=window).values_list("student_id", "pseudonym"))
    kids = market["kids"]
    return [i for _k, i in sorted((lottery_key(seed, alias[kids[i].pk]), i) for i in idx)]


def chess_crowd(window, market, users):
    """All seven children want chess only, submitted in REVERSE lottery order (so the first in
    lottery order submitted last): the 2 seats go to order[0:2], the waitlist is order[2:]."""
    for i in range(7):
        actions.do_submit_ranking(
            window, market["kids"][i], [market["chess"].pk], by=market["parents"][i]
        )
    order = service_order(window, market, range(7))
    for i in reversed(order):  # the same choices again, now in reverse lottery order
        actions.do_submit_ranking(
            window, market["kids"][i], [market["chess"].pk], by=market["parents"][i]
        )
    close_and_draw(window, users)
    return order


def active_chess(market):
    return Enrolment.objects.filter(offering=market["chess"], status=EnrolmentStatus.ACTIVE)


def test_freed_seat_goes_to_the_next_in_lottery_order_not_by_timestamp(window, market, users):
    order = chess_crowd(window, market, users)
    assert set(active_chess(market).values_list("student_id", flat=True)) == {
        market["kids"][i].pk for i in order[:2]
    }
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    offer = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
    assert offer.student == market["kids"][order[2]]
    # The family is told in-app.
    assert Notification.objects.filter(user=market["parents"][order[2]]).exists()


def test_an_open_offer_holds_the_seat(window, market, users):
    order = chess_crowd(window, market, users)
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    assert actions.free_seats(market["chess"]) == 0
    assert active_chess(market).count() == 1
    assert WaitlistOffer.objects.filter(status="open").count() == 1


def test_a_lapsed_offer_passes_to_the_next_in_lottery_order(window, market, users):
    order = chess_crowd(window, market, users)
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    first = WaitlistOffer.objects.get(status="open")
    later = first.expires_at + dt.timedelta(minutes=1)
    assert actions.expire_offers(later) == 1
    first.refresh_from_db()
    assert first.status == OfferStatus.LAPSED
    nxt = WaitlistOffer.objects.get(status="open")
    assert nxt.student == market["kids"][order[3]]
    # A lapsed offer can no longer be accepted.
    with pytest.raises(ActionError, match="该候补录取已失效"):
        actions.do_accept_offer(first, by=market["parents"][order[2]], now=later)


def test_expiry_runs_from_the_management_command(window, market, users):
    order = chess_crowd(window, market, users)
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    WaitlistOffer.objects.filter(status="open").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    call_command("expire_offers")
    assert WaitlistOffer.objects.get(status="open").student == market["kids"][order[3]]


def test_accepting_enrols_and_never_exceeds_capacity(window, market, users):
    order = chess_crowd(window, market, users)
    for i in order[:2]:
        holder = Enrolment.objects.get(student=market["kids"][i], status="active")
        actions.do_drop_enrolment(holder, by=market["parents"][i])
    offers = list(WaitlistOffer.objects.filter(status="open").order_by("pk"))
    assert [o.student for o in offers] == [market["kids"][i] for i in order[2:4]]
    for o in offers:
        parent = market["parents"][market["kids"].index(o.student)]
        e = actions.do_accept_offer(o, by=parent)
        assert e.source == "offer" and e.status == "active"
    assert active_chess(market).count() == 2 == market["chess"].seats
    assert actions.free_seats(market["chess"]) == 0
    with pytest.raises(ActionError, match="该候补录取已失效"):
        actions.do_accept_offer(offers[0], by=market["parents"][order[2]])
    assert active_chess(market).count() == 2


def test_declining_passes_the_seat_on(window, market, users):
    order = chess_crowd(window, market, users)
    holder = Enrolment.objects.get(student=market["kids"][order[1]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[1]])
    offer = WaitlistOffer.objects.get(status="open")
    actions.do_decline_offer(offer, by=market["parents"][order[2]])
    assert WaitlistOffer.objects.get(status="open").student == market["kids"][order[3]]


def test_accepting_a_better_choice_gives_up_the_worse_seat_which_moves_on(window, market, users):
    # Everyone ranks chess 1st, choir 2nd: order[2:4] get choir, the rest nothing.
    for i in range(7):
        actions.do_submit_ranking(
            window,
            market["kids"][i],
            [market["chess"].pk, market["choir"].pk],
            by=market["parents"][i],
        )
    order = service_order(window, market, range(7))
    close_and_draw(window, users)
    third = market["kids"][order[2]]
    assert Enrolment.objects.get(student=third, status="active").offering == market["choir"]
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    offer = WaitlistOffer.objects.get(status="open")
    assert offer.student == third
    actions.do_accept_offer(offer, by=market["parents"][order[2]])
    assert Enrolment.objects.get(student=third, status="active").offering == market["chess"]
    # The choir seat they left goes to the first waiting for choir: order[4].
    nxt = WaitlistOffer.objects.get(status="open")
    assert nxt.offering == market["choir"] and nxt.student == market["kids"][order[4]]
    assert Enrolment.objects.filter(offering=market["choir"], status="active").count() == 1


def test_no_offers_before_results_are_published(window, market, users):
    for i in range(7):
        actions.do_submit_ranking(
            window, market["kids"][i], [market["chess"].pk], by=market["parents"][i]
        )
    order = service_order(window, market, range(7))
    close_and_draw(window, users, publish=False)
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    assert not WaitlistOffer.objects.exists()
    actions.do_publish_results(window, by=users["bureau"])
    assert WaitlistOffer.objects.get().student == market["kids"][order[2]]


def test_only_the_childs_parent_may_drop(window, market, users):
    order = chess_crowd(window, market, users)
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    other = market["parents"][order[1]]
    with pytest.raises(PermissionDenied):
        actions.do_drop_enrolment(holder, by=other)
