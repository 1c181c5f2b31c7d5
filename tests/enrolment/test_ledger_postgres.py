"""The seat ledger on PostgreSQL: the lock takes the offering row alone, and concurrent
acceptances, expiries, seat changes and manual placements never exceed capacity (threads,
each with its own connection). Skipped on SQLite, which serialises writers itself."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from junheng.enrolment import actions, ledger
from junheng.enrolment.models import Enrolment, OfferStatus, WaitlistOffer
from junheng.errors import ActionError
from tests.enrolment.test_seats import chess_crowd

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"
)


def locking_statements(queries):
    return [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]


def test_seat_locks_take_the_offering_row_alone_no_join(window, market, users):
    order = chess_crowd(window, market, users)
    holder = Enrolment.objects.get(student=market["kids"][order[0]], status="active")
    with CaptureQueriesContext(connection) as drop:
        actions.do_drop_enrolment(holder, by=market["parents"][order[0]])
    offer = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
    with CaptureQueriesContext(connection) as accept:
        actions.do_accept_offer(offer, by=market["parents"][market["kids"].index(offer.student)])
    holder = Enrolment.objects.get(student=market["kids"][order[1]], status="active")
    actions.do_drop_enrolment(holder, by=market["parents"][order[1]])
    later = WaitlistOffer.objects.get(status=OfferStatus.OPEN).expires_at + dt.timedelta(hours=1)
    with CaptureQueriesContext(connection) as expire:
        assert actions.expire_offers(later) == 1
    for name, ctx in (("drop", drop), ("accept", accept), ("expire", expire)):
        locks = locking_statements(ctx.captured_queries)
        assert locks, name
        for sql in locks:
            assert " JOIN " not in sql, (name, sql)
            assert "FOR UPDATE OF" in sql, (name, sql)
        offering_locks = [s for s in locks if 'FROM "afterschool_offering"' in s]
        assert offering_locks, name
        for sql in offering_locks:
            assert 'FOR UPDATE OF "afterschool_offering"' in sql, sql
            assert "ORDER BY" not in sql, sql


def run_together(jobs):
    """Start every job at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    outcomes: list[str] = [""] * len(jobs)

    def wrap(i, job):
        try:
            barrier.wait()
            job()
            outcomes[i] = "ok"
        except ActionError as err:
            outcomes[i] = f"refused: {err}"
        except BaseException as err:  # noqa: BLE001  (reported below)
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_acceptances_and_expiries_never_exceed_capacity(window, market, users, attempt):
    """Two families accept (one of them tapping twice) while two workers lapse every offer:
    each offer ends accepted or lapsed, never both, and the seats passed on still fit."""
    chess = market["chess"]
    order = chess_crowd(window, market, users)  # 2 seats, 5 waiting
    for i in order[:2]:
        actions.do_drop_enrolment(
            Enrolment.objects.get(student=market["kids"][i], status="active"),
            by=market["parents"][i],
        )
    offers = list(WaitlistOffer.objects.filter(status=OfferStatus.OPEN).order_by("pk"))
    assert len(offers) == 2
    far = offers[0].expires_at + dt.timedelta(minutes=1)

    def accept(o):
        return lambda: actions.do_accept_offer(
            o, by=market["parents"][market["kids"].index(o.student)]
        )

    jobs = [
        accept(offers[0]),
        accept(offers[0]),  # a double tap on two phones
        accept(offers[1]),
        lambda: actions.expire_offers(far),
        lambda: actions.expire_offers(far),
    ]
    outcomes = run_together(jobs[attempt:] + jobs[:attempt])
    assert ledger.overbooked() == {}, outcomes
    assert ledger.seats_taken(chess.pk) <= chess.seats
    for o in offers:
        o.refresh_from_db()
        enrolled = Enrolment.objects.filter(
            offering=chess, student=o.student, status="active"
        ).count()
        assert enrolled == (1 if o.status == OfferStatus.ACCEPTED else 0), outcomes
        assert o.status in (OfferStatus.ACCEPTED, OfferStatus.LAPSED)


@pytest.mark.django_db(transaction=True)
def test_concurrent_manual_placements_fill_the_free_seats_and_no_more(window, market, users):
    """Six staff members place six children on the robot course's two free seats at once."""
    robot = market["robot"]  # 2 seats, grades 4–6, nobody ranked it
    actions.do_submit_ranking(
        window, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
    )
    from tests.enrolment.conftest import close_and_draw

    close_and_draw(window, users)
    kids = market["kids"][1:7]
    for k in kids:
        k.grade = 5
        k.save()
    outcomes = run_together(
        [
            (
                lambda k=k: actions.do_enrol_manually(
                    window, k, robot, by=users["bureau"], reason="补录"
                )
            )
            for k in kids
        ]
    )
    assert ledger.overbooked() == {}, outcomes
    assert Enrolment.objects.filter(offering=robot, status="active").count() == 2
    assert sum(o == "ok" for o in outcomes) == 1 + 1, outcomes


@pytest.mark.django_db(transaction=True)
def test_locking_one_offering_blocks_no_other_offering_nor_its_slot_term_or_course(market, users):
    """The issue: the old lock joined slot and course (and, through the default ordering, term
    and school), so FOR UPDATE also locked the rows every other offering shares, and every
    accept, drop and expiry in the county waited for every other. Now, while one transaction
    holds an offering, another locks a second offering of the same slot and term, and the
    shared slot, course, term and school rows, without waiting."""
    from django.db import transaction

    from junheng.afterschool.models import Course, Offering
    from junheng.region.models import School, Term, TimeSlot

    chess = market["chess"]
    twin = Offering.objects.create(
        term=chess.term,
        course=chess.course,
        school=chess.school,
        slot=chess.slot,
        seats=5,
        source="supply",
    )
    held = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def holder():
        try:
            with transaction.atomic():
                ledger.lock_offering(chess.pk)
                held.set()
                release.wait(10)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)
        finally:
            connections.close_all()

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '500ms'")
            ledger.lock_offering(twin.pk)
            for model, pk in (
                (TimeSlot, chess.slot_id),
                (Course, chess.course_id),
                (Term, chess.term_id),
                (School, chess.school_id),
            ):
                model.objects.select_for_update().order_by().get(pk=pk)
    finally:
        release.set()
        t.join(10)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_at_once_many_times_is_stored_once(window, market):
    """A parent's double (or quadruple) tap: the same form arrives on four connections at the
    same moment. One ranking, version 1, the form's choices; then a second form and its own
    four copies make version 2, and the first form's copies, sent again, change nothing."""
    from junheng.enrolment.models import Ranking

    kid, parent = market["kids"][1], market["parents"][1]
    first = [market["chess"].pk, market["choir"].pk]
    second = [market["choir"].pk]

    def send(ids, token):
        return lambda: actions.do_submit_ranking(window, kid, ids, by=parent, token=token)

    assert run_together([send(first, "form-1")] * 4) == ["ok"] * 4
    r = Ranking.objects.get(window=window, student=kid)
    assert r.version == 1
    assert run_together([send(second, "form-2")] * 4 + [send(first, "form-1")] * 2) == ["ok"] * 6
    r.refresh_from_db()
    assert Ranking.objects.filter(window=window, student=kid).count() == 1
    got = list(r.choices.order_by("rank").values_list("offering_id", flat=True))
    # form-2 stored once; form-1 was stored already, so its copies change nothing whether
    # they come before form-2 or after it: version 2 and form-2's choices either way.
    assert r.version == 2 and got == second
