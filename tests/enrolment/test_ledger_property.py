"""Property: any sequence of seat operations after a draw — drops, acceptances, declines,
expiries, manual placements, seat changes, cancellations, slot moves — never leaves an offering
holding more seats than it has, a child with more than K seats, or a child twice in one slot.

Each example runs inside a transaction that is rolled back, over the same published draw.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.enrolment import actions, ledger
from junheng.enrolment.models import Enrolment, EnrolmentStatus, OfferStatus, WaitlistOffer
from junheng.errors import ActionError
from tests.enrolment.conftest import close_and_draw, rank_all

OFFERINGS = ("chess", "choir", "robot")
KIDS = range(7)

op = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(KIDS)),
    st.tuples(st.just("accept"), st.sampled_from(KIDS)),
    st.tuples(st.just("decline"), st.sampled_from(KIDS)),
    st.tuples(st.just("expire"), st.integers(1, 48)),
    st.tuples(st.just("manual"), st.sampled_from(KIDS), st.sampled_from(OFFERINGS)),
    st.tuples(st.just("seats"), st.sampled_from(OFFERINGS), st.integers(1, 4)),
    st.tuples(st.just("cancel"), st.sampled_from(OFFERINGS)),
    st.tuples(st.just("move"), st.sampled_from(OFFERINGS), st.integers(0, 2)),
)


class RollbackError(Exception):
    """Raised to undo one example's changes."""


@pytest.fixture
def drawn(window, market, users):
    for i in (1, 3, 5):
        market["kids"][i].grade = 5
        market["kids"][i].save()
    rank_all(
        window,
        market,
        {
            0: ["chess", "choir"],
            1: ["robot", "chess"],
            2: ["chess"],
            3: ["chess", "robot", "choir"],
            4: ["choir", "chess"],
            5: ["robot"],
            6: ["chess", "choir"],
        },
    )
    close_and_draw(window, users)
    return window


def _check(window, market):
    assert ledger.overbooked() == {}
    for kid in market["kids"]:
        held = list(
            Enrolment.objects.filter(student=kid, status=EnrolmentStatus.ACTIVE).select_related(
                "offering"
            )
        )
        assert len(held) <= window.max_courses, kid.code
        slots = [e.offering.slot_id for e in held]
        assert len(slots) == len(set(slots)), kid.code


def _apply(step, window, market, users, clock):
    kind = step[0]
    kids, parents = market["kids"], market["parents"]
    if kind == "drop":
        e = Enrolment.objects.filter(student=kids[step[1]], status="active").first()
        if e is not None:
            actions.do_drop_enrolment(e, by=parents[step[1]], now=clock[0])
    elif kind in ("accept", "decline"):
        o = WaitlistOffer.objects.filter(student=kids[step[1]], status=OfferStatus.OPEN).first()
        if o is not None:
            fn = actions.do_accept_offer if kind == "accept" else actions.do_decline_offer
            fn(o, by=parents[step[1]], now=clock[0])
    elif kind == "expire":
        clock[0] += dt.timedelta(hours=step[1])
        actions.expire_offers(clock[0])
    elif kind == "manual":
        actions.do_enrol_manually(
            window, kids[step[1]], market[step[2]], by=users["school"], reason="补录"
        )
    elif kind == "seats":
        actions.do_set_offering_seats(market[step[1]], step[2], by=users["school"], reason="调整")
    elif kind == "cancel":
        actions.do_cancel_offering(market[step[1]], by=users["school"], reason="停开")
    elif kind == "move":
        actions.do_move_offering(market[step[1]], by=users["school"], slot=market["slots"][step[2]])


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(op, max_size=10))
def test_random_seat_operations_never_exceed_capacity(drawn, market, users, steps):
    from django.utils import timezone

    clock = [timezone.now()]
    try:
        with transaction.atomic():
            for step in steps:
                for name in OFFERINGS:
                    market[name].refresh_from_db()
                # A refusal is a fine outcome; what matters is the state after it.
                with contextlib.suppress(ActionError):
                    _apply(step, drawn, market, users, clock)
                _check(drawn, market)
            raise RollbackError
    except RollbackError:
        pass
