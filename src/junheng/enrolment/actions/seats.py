"""Seats after the draw: drops, waitlist offers (候补递补), lapses, manual placements, seat changes.

Pretix's waiting-list pattern: a freed seat goes to the first waiting child in the draw's
lottery (service) order — never by timestamp — as a time-limited offer that holds the seat
(counted as taken) until it is accepted, declined or lapses. Every seat is given through
`junheng.enrolment.ledger.take_seats` (row lock of the offering alone, capacity checked), so no
path and no race oversells.

A school and term may have several rounds (选课轮次): the waitlists are served in round order,
so a second round never jumps the children still waiting from the first. A child's seats and
waitlist places are compared by (round, rank): any choice of an earlier round comes before any
choice of a later one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.afterschool.models import Offering, OfferingStatus
from junheng.enrolment import adapters, ledger
from junheng.enrolment.actions.common import notify_guardians, require_family
from junheng.enrolment.models import (
    AdjustmentKind,
    ChoiceWindow,
    DrawAdjustment,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    RankingChoice,
    WaitlistEntry,
    WaitlistOffer,
    WindowState,
)
from junheng.errors import ActionError
from junheng.region.models import Student

RESULTS_LINK = "/enrolment/results/"


def held_in_term(school_id: int, term_id: int, student_id: int) -> list[Enrolment]:
    """The child's active seats in every round of the school's term, best first."""
    rows = list(
        Enrolment.objects.filter(
            window__school_id=school_id,
            window__term_id=term_id,
            student_id=student_id,
            status=EnrolmentStatus.ACTIVE,
        ).select_related("offering__slot", "offering__course", "window")
    )
    return sorted(rows, key=seat_key)


def seat_key(e: Enrolment | WaitlistEntry) -> tuple[int, int]:
    """How much the family wants it: (round, rank), smaller is better."""
    return (e.window.round, e.rank)


def _published_windows(school_id: int, term_id: int) -> list[ChoiceWindow]:
    return list(
        ChoiceWindow.objects.filter(
            school_id=school_id, term_id=term_id, state=WindowState.PUBLISHED
        ).order_by("round", "pk")
    )


def _record(window: ChoiceWindow | int, kind: str, by: User | None, **detail: Any) -> None:
    DrawAdjustment.objects.create(
        window_id=window if isinstance(window, int) else window.pk,
        kind=kind,
        by=by if by is not None and by.is_authenticated else None,
        detail=detail,
    )


def offer_next(
    offering_id: int, *, by: User | None, now: dt.datetime | None = None
) -> list[WaitlistOffer]:
    """Offer every free seat of the offering to the next waiting children: the first round's
    waitlist in lottery order, then the next round's."""
    at = now or timezone.now()
    made: list[WaitlistOffer] = []
    with transaction.atomic():
        offering = ledger.lock_offering(offering_id)
        if offering.status != OfferingStatus.OPEN:
            return []
        course = offering.course.title
        for window in _published_windows(offering.school_id, offering.term_id):
            while ledger.free_seats(offering) > 0:
                entry = (
                    WaitlistEntry.objects.select_for_update(of=("self",))
                    .filter(window=window, offering=offering, status=EntryStatus.WAITING)
                    .order_by("position")
                    .first()
                )
                if entry is None:
                    break
                entry.window = window
                held = held_in_term(offering.school_id, offering.term_id, entry.student_id)
                if any(e.offering_id == offering.pk for e in held) or (
                    len(held) >= window.max_courses and seat_key(entry) >= seat_key(held[-1])
                ):
                    # Already has it, or now holds K seats all wanted more than this one.
                    entry.status = EntryStatus.LEFT
                    entry.save(update_fields=["status"])
                    continue
                offer = WaitlistOffer(
                    entry=entry,
                    offering=offering,
                    student_id=entry.student_id,
                    created_at=at,
                    expires_at=at + dt.timedelta(hours=window.offer_hours),
                )
                ledger.take_seats(offering.pk, [offer])
                entry.status = EntryStatus.OFFERED
                entry.save(update_fields=["status"])
                student = Student.objects.get(pk=entry.student_id)
                _record(
                    window,
                    AdjustmentKind.OFFER,
                    by,
                    offering=offering.pk,
                    course=course,
                    student=student.code,
                    position=entry.position,
                    hours=window.offer_hours,
                )
                notify_guardians(
                    student,
                    _("%(name)s 候补到“%(course)s”的名额，请在 %(h)d 小时内确认。")
                    % {"name": student.name, "course": course, "h": window.offer_hours},
                    link=RESULTS_LINK,
                )
                made.append(offer)
    return made


def offer_free_seats(window: ChoiceWindow, *, by: User | None) -> int:
    """Serve the waitlists of every offering of the window's school and term."""
    n = 0
    for o in adapters.window_offerings(window):
        n += len(offer_next(o.pk, by=by))
    return n


def do_drop_enrolment(
    enrolment: Enrolment, *, by: User, now: dt.datetime | None = None
) -> Enrolment:
    """A family gives up a seat; it goes to the next child on the waitlist."""
    require_family(by, enrolment.student, Role.BUREAU)
    with transaction.atomic():
        offering = ledger.lock_offering(enrolment.offering_id)
        e = Enrolment.objects.select_for_update(of=("self",)).get(pk=enrolment.pk)
        if e.status != EnrolmentStatus.ACTIVE:
            raise ActionError(_("该课程已不在读。"))
        e.status = EnrolmentStatus.DROPPED
        e.ended_at = now or timezone.now()
        e.save(update_fields=["status", "ended_at"])
        _record(
            e.window_id,
            AdjustmentKind.DROP,
            by,
            offering=e.offering_id,
            course=offering.course.title,
            student=enrolment.student.code,
        )
        audit(by, "enrolment.drop", e)
        # Same transaction, same lock: the seat is never free for anyone but the waitlist.
        offer_next(e.offering_id, by=by, now=now)
    enrolment.refresh_from_db()
    return enrolment


def do_accept_offer(offer: WaitlistOffer, *, by: User, now: dt.datetime | None = None) -> Enrolment:
    """Take the offered seat. A seat held in the same slot, or the worst seat once K are held,
    is given up for it (and offered on in turn)."""
    require_family(by, offer.student)
    at = now or timezone.now()
    expire_offers(at, offering_id=offer.offering_id)
    freed: list[Enrolment] = []
    with transaction.atomic():
        offering = ledger.lock_offering(offer.offering_id)
        o = WaitlistOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
        if o.status != OfferStatus.OPEN:
            raise ActionError(_("该候补录取已失效（已过期、已放弃或已确认）。"))
        entry = WaitlistEntry.objects.select_related("window").get(pk=o.entry_id)
        window = entry.window
        # The open offer held this seat; accepting turns that hold into the enrolment.
        o.status = OfferStatus.ACCEPTED
        o.decided_at = at
        o.decided_by = by
        o.save(update_fields=["status", "decided_at", "decided_by"])
        enrolment = Enrolment(
            window=window,
            student_id=o.student_id,
            offering=offering,
            rank=entry.rank,
            source=EnrolmentSource.OFFER,
            created_at=at,
        )
        others = held_in_term(offering.school_id, offering.term_id, o.student_id)
        ledger.take_seats(offering.pk, [enrolment])
        entry.status = EntryStatus.ENROLLED
        entry.save(update_fields=["status"])
        give_up = [e for e in others if e.offering.slot_id == offering.slot_id]
        keep = [e for e in others if e not in give_up]
        while len(keep) + 1 > window.max_courses:
            give_up.append(keep.pop())
        for e in give_up:
            e.status = EnrolmentStatus.SWAPPED
            e.ended_at = at
            e.save(update_fields=["status", "ended_at"])
            freed.append(e)
        _record(
            window,
            AdjustmentKind.ACCEPT,
            by,
            offering=offering.pk,
            course=offering.course.title,
            student=offer.student.code,
            gave_up=[e.offering_id for e in freed],
            gave_up_courses=[e.offering.course.title for e in freed],
        )
    for e in freed:
        offer_next(e.offering_id, by=by, now=at)
    return enrolment


def do_decline_offer(offer: WaitlistOffer, *, by: User, now: dt.datetime | None = None) -> None:
    require_family(by, offer.student)
    at = now or timezone.now()
    with transaction.atomic():
        offering = ledger.lock_offering(offer.offering_id)
        o = WaitlistOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)
        if o.status != OfferStatus.OPEN:
            raise ActionError(_("该候补录取已失效（已过期、已放弃或已确认）。"))
        o.status = OfferStatus.DECLINED
        o.decided_at = at
        o.decided_by = by
        o.save(update_fields=["status", "decided_at", "decided_by"])
        entry = WaitlistEntry.objects.get(pk=o.entry_id)
        entry.status = EntryStatus.DECLINED
        entry.save(update_fields=["status"])
        _record(
            entry.window_id,
            AdjustmentKind.DECLINE,
            by,
            offering=o.offering_id,
            course=offering.course.title,
            student=offer.student.code,
        )
        offer_next(o.offering_id, by=by, now=at)


def expire_offers(now: dt.datetime | None = None, *, offering_id: int | None = None) -> int:
    """Lapse every open offer past its time and pass each seat on (run by a task, the
    `expire_offers` management command, and lazily when pages load)."""
    at = now or timezone.now()
    qs = WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=at).order_by("pk")
    if offering_id is not None:
        qs = qs.filter(offering_id=offering_id)
    n = 0
    for pk, oid in list(qs.values_list("pk", "offering_id")):
        with transaction.atomic():
            offering = ledger.lock_offering(oid)
            o = WaitlistOffer.objects.select_for_update(of=("self",)).get(pk=pk)
            if o.status != OfferStatus.OPEN or o.expires_at > at:
                continue
            o.status = OfferStatus.LAPSED
            o.decided_at = at
            o.save(update_fields=["status", "decided_at"])
            entry = WaitlistEntry.objects.get(pk=o.entry_id)
            entry.status = EntryStatus.LAPSED
            entry.save(update_fields=["status"])
            student = Student.objects.get(pk=o.student_id)
            course = offering.course.title
            _record(
                entry.window_id,
                AdjustmentKind.LAPSE,
                None,
                offering=oid,
                course=course,
                student=student.code,
            )
            notify_guardians(
                student,
                _("%(name)s 的“%(course)s”候补录取已过期，名额已顺延给下一位。")
                % {"name": student.name, "course": course},
                link=RESULTS_LINK,
            )
            n += 1
            offer_next(oid, by=None, now=at)
    return n


# --------------------------------------------------------------------------- staff changes


def do_enrol_manually(
    window: ChoiceWindow,
    student: Student,
    offering: Offering,
    *,
    by: User,
    reason: str,
    now: dt.datetime | None = None,
) -> Enrolment:
    """A staff member places a child by hand on a free seat (e.g. a child who missed the
    window), after the results are published: free seats then have no one waiting for them,
    so nobody is jumped. The child's slot and K rules hold as in the draw."""
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=window.school_id)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("人工录取必须填写原因。"))
    window.refresh_from_db()
    if window.state != WindowState.PUBLISHED:
        raise ActionError(_("结果公布之后才能人工录取。"))
    if student.school_id != window.school_id:
        raise ActionError(_("该学生不在本校。"))
    if offering.school_id != window.school_id or offering.term_id != window.term_id:
        raise ActionError(_("所选课程不在本次选课范围内。"))
    if not offering.course.open_to_grade(student.grade):
        raise ActionError(
            _("“%(c)s”不面向 %(g)d 年级。") % {"c": offering.course.title, "g": student.grade}
        )
    at = now or timezone.now()
    with transaction.atomic():
        locked = ledger.lock_offering(offering.pk)
        if locked.status != OfferingStatus.OPEN:
            raise ActionError(_("该课程已停开。"))
        held = held_in_term(window.school_id, window.term_id, student.pk)
        if any(e.offering_id == offering.pk for e in held):
            raise ActionError(_("该学生已录取这门课程。"))
        if any(e.offering.slot_id == locked.slot_id for e in held):
            raise ActionError(_("该学生在同一时段已有课程。"))
        if len(held) >= window.max_courses:
            raise ActionError(
                _("该学生已录取 %(n)d 门课程（每人最多 %(k)d 门）。")
                % {"n": len(held), "k": window.max_courses}
            )
        if WaitlistOffer.objects.filter(
            offering_id=offering.pk, student=student, status=OfferStatus.OPEN
        ).exists():
            raise ActionError(_("该学生已有这门课程的候补录取，请家长确认。"))
        queue = (
            WaitlistEntry.objects.filter(
                offering_id=offering.pk,
                status=EntryStatus.WAITING,
                window__state=WindowState.PUBLISHED,
            )
            .exclude(student=student)
            .count()
        )
        if queue:
            raise ActionError(
                _("仍有 %(n)d 名学生在候补这门课程：空余名额先按摇号顺序给候补的学生。")
                % {"n": queue}
            )
        ranked = dict(
            RankingChoice.objects.filter(
                ranking__window=window, ranking__student=student
            ).values_list("offering_id", "rank")
        )
        e = Enrolment(
            window=window,
            student=student,
            offering=locked,
            rank=ranked.get(locked.pk, 0),
            source=EnrolmentSource.MANUAL,
            created_at=at,
        )
        try:
            ledger.take_seats(locked.pk, [e])
        except ledger.SeatsFullError as err:
            raise ActionError(str(err)) from err
        WaitlistEntry.objects.filter(
            offering_id=offering.pk, student=student, status=EntryStatus.WAITING
        ).update(status=EntryStatus.ENROLLED)
        _record(
            window,
            AdjustmentKind.MANUAL,
            by,
            offering=offering.pk,
            course=locked.course.title,
            student=student.code,
            reason=reason,
        )
        audit(by, "enrolment.manual", e, reason=reason)
        notify_guardians(
            student,
            _("%(name)s 已被学校安排到“%(course)s”（%(slot)s）。")
            % {"name": student.name, "course": locked.course.title, "slot": locked.slot},
            link=RESULTS_LINK,
        )
    return e


def do_set_offering_seats(offering: Offering, seats: int, *, by: User, reason: str) -> Offering:
    """Change an offering's seats. Never below the seats already held; added seats go to the
    waitlists in lottery order."""
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=offering.school_id)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("调整名额必须填写原因。"))
    if seats < 1:
        raise ActionError(_("名额至少为 1。"))
    with transaction.atomic():
        locked = ledger.lock_offering(offering.pk)
        if locked.status != OfferingStatus.OPEN:
            raise ActionError(_("该课程已停开。"))
        taken = ledger.seats_taken(locked.pk)
        if seats < taken:
            raise ActionError(
                _("已有 %(n)d 个名额被录取或候补占用，名额不能少于 %(n)d。") % {"n": taken}
            )
        before = locked.seats
        locked.seats = seats
        locked.save(update_fields=["seats"])
        for w in ChoiceWindow.objects.filter(
            school_id=locked.school_id,
            term_id=locked.term_id,
            state__in=[WindowState.DRAWN, WindowState.PUBLISHED],
        ):
            _record(
                w,
                AdjustmentKind.SEATS,
                by,
                offering=locked.pk,
                course=locked.course.title,
                before=before,
                after=seats,
                reason=reason,
            )
        audit(by, "afterschool.offering.seats", locked, before=before, after=seats, reason=reason)
    offer_next(locked.pk, by=by)
    offering.refresh_from_db()
    return offering


def do_cancel_small_offerings(window: ChoiceWindow, *, by: User) -> dict[str, Any]:
    """Cancel the window's offerings with fewer active enrolments than `min_size`; their
    children are re-placed on their remaining choices in the draw's service order (recorded)."""
    from junheng.enrolment.actions.offerings import cancel_offerings

    require_actor(by, Role.BUREAU)
    if window.state not in (WindowState.DRAWN, WindowState.PUBLISHED):
        raise ActionError(_("摇号之后才能处理人数不足的课程。"))
    if window.min_size <= 0:
        raise ActionError(_("本窗口未设置最低开班人数。"))
    small = small_offerings(window)
    if not small:
        return {"cancelled": [], "replaced": {}}
    outcome = cancel_offerings(
        small,
        by=by,
        reason=_("录取人数少于最低开班人数 %(n)d") % {"n": window.min_size},
        kind=AdjustmentKind.CANCEL_SMALL,
    )
    audit(by, "enrolment.cancel_small", window, **outcome)
    return outcome


def small_offerings(window: ChoiceWindow) -> list[Offering]:
    """The window's open offerings with fewer active enrolments than its minimum size."""
    offerings = adapters.window_offerings(window)
    enrolled = dict(
        Enrolment.objects.filter(
            offering_id__in=[o.pk for o in offerings], status=EnrolmentStatus.ACTIVE
        )
        .order_by()
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    return [o for o in offerings if enrolled.get(o.pk, 0) < window.min_size]
