"""The seat ledger (名额台账): the one place where an offering's seats are counted and given.

An offering's seats are held by its active enrolments (录取) and by its open waitlist offers
(候补录取通知, which hold a seat until accepted, declined or lapsed). Every path that gives a
seat — the draw's result, a waitlist offer, an acceptance, a staff member's manual placement,
the re-placement of children of a cancelled offering, a second round — writes its holder through
`take_seats`, which locks the offering's row, counts what is held and refuses what would exceed
the capacity, in the caller's transaction. Paths that free a seat (drop, decline, lapse,
sibling release, cancellation) only change a holder's status; the next `take_seats` sees it.

The lock takes the offering row alone: `SELECT … FOR UPDATE OF "afterschool_offering"` with no
join (no `select_related`, the default ordering cleared), so locking one offering never blocks
the term, the school, the slot or the course rows that every other offering shares.
On SQLite, whose writers are serialised by the database itself, `FOR UPDATE` is not emitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from junheng.afterschool.models import Offering
from junheng.enrolment.models import (
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
)


class SeatsFullError(Exception):
    """Raised by `take_seats` when the holders would exceed the offering's capacity."""

    def __init__(self, offering: Offering, wanted: int, free: int) -> None:
        self.offering_id = offering.pk
        self.wanted = wanted
        self.free = free
        super().__init__(
            _("名额已满：该课程只剩 %(free)d 个名额，不能再录取 %(n)d 人。")
            % {"free": max(free, 0), "n": wanted}
        )


def lock_offering(offering_id: int) -> Offering:
    """The offering's row, locked until the end of the transaction (its row alone)."""
    return Offering.objects.select_for_update(of=("self",)).order_by().get(pk=offering_id)


def seats_taken(offering_id: int) -> int:
    """Seats held: active enrolments plus open waitlist offers (of every window)."""
    enrolled = (
        Enrolment.objects.filter(offering_id=offering_id, status=EnrolmentStatus.ACTIVE)
        .order_by()
        .count()
    )
    offered = (
        WaitlistOffer.objects.filter(offering_id=offering_id, status=OfferStatus.OPEN)
        .order_by()
        .count()
    )
    return enrolled + offered


def free_seats(offering: Offering) -> int:
    """Seats neither enrolled nor held by an open offer (never below 0)."""
    return max(0, offering.seats - seats_taken(offering.pk))


def taken_by_offering(offering_ids: Iterable[int]) -> dict[int, int]:
    """`seats_taken` for many offerings in two queries (pages and draw inputs)."""
    ids = list(offering_ids)
    out = dict.fromkeys(ids, 0)
    for model, status in (
        (Enrolment, EnrolmentStatus.ACTIVE),
        (WaitlistOffer, OfferStatus.OPEN),
    ):
        rows = (
            model.objects.filter(offering_id__in=ids, status=status)
            .order_by()
            .values_list("offering_id")
            .annotate(n=Count("pk"))
        )
        for oid, n in rows:
            out[oid] += n
    return out


def waiting_before(
    offering_ids: Iterable[int], school_id: int, term_id: int, round_: int
) -> dict[int, int]:
    """Children still waiting for each offering on the waitlists of earlier rounds."""
    ids = list(offering_ids)
    out = dict.fromkeys(ids, 0)
    rows = (
        WaitlistEntry.objects.filter(
            offering_id__in=ids,
            status=EntryStatus.WAITING,
            window__school_id=school_id,
            window__term_id=term_id,
            window__round__lt=round_,
        )
        .order_by()
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    for oid, n in rows:
        out[oid] = n
    return out


def round_capacity(
    offerings: Sequence[Offering], school_id: int, term_id: int, round_: int
) -> dict[int, int]:
    """Seats a round may draw on: free seats, less the children an earlier round's waitlist
    still holds in line for them (a second round never jumps the existing waitlist)."""
    taken = taken_by_offering(o.pk for o in offerings)
    waiting = (
        waiting_before((o.pk for o in offerings), school_id, term_id, round_) if round_ > 1 else {}
    )
    return {o.pk: max(0, o.seats - taken[o.pk] - waiting.get(o.pk, 0)) for o in offerings}


def take_seats(
    offering_id: int, holders: Sequence[Enrolment | WaitlistOffer]
) -> list[Enrolment | WaitlistOffer]:
    """Give seats of one offering: lock its row, check capacity, write the holders.

    `holders` are unsaved active enrolments and/or open offers of this offering. Raises
    `SeatsFullError` (and writes nothing) when they do not fit. Must run inside the caller's
    transaction, so the check and the write commit together.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_seats must run inside transaction.atomic()")
    offering = lock_offering(offering_id)
    for h in holders:
        if h.offering_id != offering_id:
            raise ValueError(f"holder of offering {h.offering_id} given to {offering_id}")
        if isinstance(h, Enrolment) and h.status != EnrolmentStatus.ACTIVE:
            raise ValueError("only active enrolments take a seat")
        if isinstance(h, WaitlistOffer) and h.status != OfferStatus.OPEN:
            raise ValueError("only open offers take a seat")
    free = offering.seats - seats_taken(offering_id)
    if len(holders) > free:
        raise SeatsFullError(offering, len(holders), free)
    enrolments = [h for h in holders if isinstance(h, Enrolment)]
    offers = [h for h in holders if isinstance(h, WaitlistOffer)]
    if len(enrolments) == 1:
        enrolments[0].save()
    elif enrolments:
        Enrolment.objects.bulk_create(enrolments)
    for o in offers:
        o.save()
    return list(holders)


def overbooked(offering_ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """Offerings holding more seats than they have: {id: (seats, taken)}; empty = sound.
    (Tests and a health check use it; the ledger above keeps it empty.)"""
    qs = Offering.objects.order_by()
    if offering_ids is not None:
        qs = qs.filter(pk__in=list(offering_ids))
    qs = qs.annotate(
        n_enrolled=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE), distinct=True
        ),
        n_offered=Count("offers", filter=Q(offers__status=OfferStatus.OPEN), distinct=True),
    )
    return {
        o.pk: (o.seats, o.n_enrolled + o.n_offered)
        for o in qs
        if o.n_enrolled + o.n_offered > o.seats
    }
