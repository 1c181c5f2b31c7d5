"""Seats after the draw: drops, waitlist offers (候补递补), lapses, and cancelled small offerings.

Pretix's waiting-list pattern: a freed seat goes to the first waiting child in the draw's
lottery (service) order — never by timestamp — as a time-limited offer that holds the seat
(counted as taken) until it is accepted, declined or lapses. Every seat count happens under a
row lock of the offering (select_for_update), so two frees or two accepts never oversell.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.afterschool.actions import do_cancel_offering
from junheng.afterschool.models import Offering, OfferingStatus
from junheng.enrolment import adapters
from junheng.enrolment.actions.common import (
    ActionError,
    active_count,
    free_seats,
    notify_guardians,
)
from junheng.enrolment.actions.draws import lottery_keys
from junheng.enrolment.actions.windows import may_rank_for
from junheng.enrolment.models import (
    AdjustmentKind,
    ChoiceWindow,
    DrawAdjustment,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    Ranking,
    WaitlistEntry,
    WaitlistOffer,
    WindowState,
)

RESULTS_LINK = "/enrolment/results/"


def _lock(offering_id: int) -> Offering:
    return Offering.objects.select_for_update().select_related("slot", "course").get(pk=offering_id)


def _held(window_id: int, student_id: int) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(
            window_id=window_id, student_id=student_id, status=EnrolmentStatus.ACTIVE
        ).select_related("offering__slot")
    )


def offer_next(
    window: ChoiceWindow, offering_id: int, *, by: User | None, now: dt.datetime | None = None
) -> list[WaitlistOffer]:
    """Offer every free seat of the offering to the next waiting children, in lottery order."""
    if window.state != WindowState.PUBLISHED:
        return []
    at = now or timezone.now()
    made: list[WaitlistOffer] = []
    with transaction.atomic():
        offering = _lock(offering_id)
        if offering.status != OfferingStatus.OPEN:
            return []
        free = free_seats(offering)
        while free > 0:
            entry = (
                WaitlistEntry.objects.select_for_update()
                .filter(window=window, offering=offering, status=EntryStatus.WAITING)
                .select_related("student")
                .order_by("position")
                .first()
            )
            if entry is None:
                break
            held = _held(window.pk, entry.student_id)
            if any(e.offering_id == offering.pk for e in held) or (
                len(held) >= window.max_courses and entry.rank >= max(e.rank for e in held)
            ):
                # Already has it, or now holds K seats all ranked above this one.
                entry.status = EntryStatus.LEFT
                entry.save(update_fields=["status"])
                continue
            offer = WaitlistOffer.objects.create(
                entry=entry,
                offering=offering,
                student=entry.student,
                created_at=at,
                expires_at=at + dt.timedelta(hours=window.offer_hours),
            )
            entry.status = EntryStatus.OFFERED
            entry.save(update_fields=["status"])
            DrawAdjustment.objects.create(
                window=window,
                kind=AdjustmentKind.OFFER,
                by=by,
                detail={
                    "offering": offering.pk,
                    "student": entry.student.code,
                    "position": entry.position,
                },
            )
            notify_guardians(
                entry.student,
                _("%(name)s 候补到“%(course)s”的名额，请在 %(h)d 小时内确认。")
                % {
                    "name": entry.student.name,
                    "course": offering.course.title,
                    "h": window.offer_hours,
                },
                link=RESULTS_LINK,
            )
            made.append(offer)
            free -= 1
    return made


def offer_free_seats(window: ChoiceWindow, *, by: User | None) -> int:
    n = 0
    for o in adapters.window_offerings(window):
        n += len(offer_next(window, o.pk, by=by))
    return n


def do_drop_enrolment(
    enrolment: Enrolment, *, by: User, now: dt.datetime | None = None
) -> Enrolment:
    """A family gives up a seat; it goes to the next child on the waitlist."""
    if not may_rank_for(by, enrolment.student) and by.role != Role.BUREAU:
        raise ActionError(_("只能为自己的孩子退课。"))
    with transaction.atomic():
        _lock(enrolment.offering_id)
        e = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if e.status != EnrolmentStatus.ACTIVE:
            raise ActionError(_("该课程已不在读。"))
        e.status = EnrolmentStatus.DROPPED
        e.ended_at = now or timezone.now()
        e.save(update_fields=["status", "ended_at"])
        DrawAdjustment.objects.create(
            window_id=e.window_id,
            kind=AdjustmentKind.DROP,
            by=by,
            detail={"offering": e.offering_id, "student": e.student.code},
        )
        audit(by, "enrolment.drop", e)
    offer_next(e.window, e.offering_id, by=by, now=now)
    enrolment.refresh_from_db()
    return enrolment


def do_accept_offer(offer: WaitlistOffer, *, by: User, now: dt.datetime | None = None) -> Enrolment:
    """Take the offered seat. A seat held in the same slot, or the worst seat once K are held,
    is given up for it (and offered on in turn)."""
    if not may_rank_for(by, offer.student):
        raise ActionError(_("只能为自己的孩子确认。"))
    at = now or timezone.now()
    expire_offers(at, offering_id=offer.offering_id)
    freed: list[int] = []
    with transaction.atomic():
        offering = _lock(offer.offering_id)
        o = (
            WaitlistOffer.objects.select_for_update()
            .select_related("entry__window")
            .get(pk=offer.pk)
        )
        if o.status != OfferStatus.OPEN:
            raise ActionError(_("该候补录取已失效（已过期、已放弃或已确认）。"))
        window = o.entry.window
        enrolment = Enrolment.objects.create(
            window=window,
            student_id=o.student_id,
            offering=offering,
            rank=o.entry.rank,
            source=EnrolmentSource.OFFER,
            created_at=at,
        )
        o.status = OfferStatus.ACCEPTED
        o.decided_at = at
        o.decided_by = by
        o.save(update_fields=["status", "decided_at", "decided_by"])
        WaitlistEntry.objects.filter(pk=o.entry_id).update(status=EntryStatus.ENROLLED)
        others = [e for e in _held(window.pk, o.student_id) if e.pk != enrolment.pk]
        give_up = [e for e in others if e.offering.slot_id == offering.slot_id]
        keep = sorted((e for e in others if e not in give_up), key=lambda e: e.rank)
        while len(keep) + 1 > window.max_courses:
            give_up.append(keep.pop())
        for e in give_up:
            e.status = EnrolmentStatus.SWAPPED
            e.ended_at = at
            e.save(update_fields=["status", "ended_at"])
            freed.append(e.offering_id)
        if active_count(offering.pk) > offering.seats:
            raise ActionError(_("名额已满。"))  # cannot happen: the offer held the seat
        DrawAdjustment.objects.create(
            window=window,
            kind=AdjustmentKind.ACCEPT,
            by=by,
            detail={"offering": offering.pk, "student": o.student.code, "gave_up": freed},
        )
    for oid in freed:
        offer_next(window, oid, by=by, now=at)
    return enrolment


def do_decline_offer(offer: WaitlistOffer, *, by: User, now: dt.datetime | None = None) -> None:
    if not may_rank_for(by, offer.student):
        raise ActionError(_("只能为自己的孩子确认。"))
    at = now or timezone.now()
    with transaction.atomic():
        _lock(offer.offering_id)
        o = (
            WaitlistOffer.objects.select_for_update()
            .select_related("entry__window")
            .get(pk=offer.pk)
        )
        if o.status != OfferStatus.OPEN:
            raise ActionError(_("该候补录取已失效（已过期、已放弃或已确认）。"))
        o.status = OfferStatus.DECLINED
        o.decided_at = at
        o.decided_by = by
        o.save(update_fields=["status", "decided_at", "decided_by"])
        WaitlistEntry.objects.filter(pk=o.entry_id).update(status=EntryStatus.DECLINED)
        DrawAdjustment.objects.create(
            window=o.entry.window,
            kind=AdjustmentKind.DECLINE,
            by=by,
            detail={"offering": o.offering_id, "student": o.student.code},
        )
    offer_next(o.entry.window, o.offering_id, by=by, now=at)


def expire_offers(now: dt.datetime | None = None, *, offering_id: int | None = None) -> int:
    """Lapse every open offer past its time and pass each seat on (run by a task, the
    `expire_offers` management command, and lazily when pages load)."""
    at = now or timezone.now()
    qs = WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=at)
    if offering_id is not None:
        qs = qs.filter(offering_id=offering_id)
    n = 0
    for pk, oid in list(qs.values_list("pk", "offering_id")):
        with transaction.atomic():
            _lock(oid)
            o = (
                WaitlistOffer.objects.select_for_update()
                .select_related("entry__window", "student", "offering__course")
                .get(pk=pk)
            )
            if o.status != OfferStatus.OPEN or o.expires_at > at:
                continue
            o.status = OfferStatus.LAPSED
            o.decided_at = at
            o.save(update_fields=["status", "decided_at"])
            WaitlistEntry.objects.filter(pk=o.entry_id).update(status=EntryStatus.LAPSED)
            DrawAdjustment.objects.create(
                window=o.entry.window,
                kind=AdjustmentKind.LAPSE,
                detail={"offering": o.offering_id, "student": o.student.code},
            )
            notify_guardians(
                o.student,
                _("%(name)s 的“%(course)s”候补录取已过期，名额已顺延给下一位。")
                % {"name": o.student.name, "course": o.offering.course.title},
                link=RESULTS_LINK,
            )
            n += 1
        offer_next(o.entry.window, oid, by=None, now=at)
    return n


def do_cancel_small_offerings(window: ChoiceWindow, *, by: User) -> dict[str, Any]:
    """Cancel the window's offerings with fewer active enrolments than `min_size`, and re-place
    their children on their remaining choices in the draw's service order (recorded)."""
    if not by.is_authenticated or by.role != Role.BUREAU:
        raise ActionError(_("没有权限执行此操作。"))
    if window.state not in (WindowState.DRAWN, WindowState.PUBLISHED):
        raise ActionError(_("摇号之后才能处理人数不足的课程。"))
    if window.min_size <= 0:
        raise ActionError(_("本窗口未设置最低开班人数。"))
    with transaction.atomic():
        offerings = [_lock(o.pk) for o in adapters.window_offerings(window)]
        small = [o for o in offerings if active_count(o.pk) < window.min_size]
        if not small:
            return {"cancelled": [], "replaced": {}}
        small_ids = {o.pk for o in small}
        hit = list(
            Enrolment.objects.filter(
                offering_id__in=small_ids, status=EnrolmentStatus.ACTIVE
            ).select_related("student")
        )
        for e in hit:
            e.status = EnrolmentStatus.CANCELLED
            e.ended_at = timezone.now()
            e.save(update_fields=["status", "ended_at"])
        WaitlistOffer.objects.filter(offering_id__in=small_ids, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN, decided_at=timezone.now()
        )
        WaitlistEntry.objects.filter(
            offering_id__in=small_ids, status__in=[EntryStatus.WAITING, EntryStatus.OFFERED]
        ).update(status=EntryStatus.LEFT)
        for o in small:
            do_cancel_offering(o, by=by)
        open_by_id = {o.pk: o for o in offerings if o.pk not in small_ids}
        students = {e.student_id: e.student for e in hit}
        keys = lottery_keys(window, students)
        order = sorted(
            students.values(),
            key=lambda s: (-window.priority_of(s), keys.get(s.pk, "")),
        )
        replaced: dict[str, int | None] = {}
        for s in order:
            ranking = Ranking.objects.filter(window=window, student=s).first()
            wants = (
                list(ranking.choices.order_by("rank").values_list("rank", "offering_id"))
                if ranking
                else []
            )
            replaced[s.code] = None
            for rank, oid in wants:
                held = _held(window.pk, s.pk)
                if len(held) >= window.max_courses:
                    break
                target = open_by_id.get(oid)
                if target is None or any(
                    e.offering_id == oid or e.offering.slot_id == target.slot_id for e in held
                ):
                    continue
                if free_seats(target) > 0:
                    Enrolment.objects.create(
                        window=window,
                        student=s,
                        offering=target,
                        rank=rank,
                        source=EnrolmentSource.REPLACEMENT,
                    )
                    replaced[s.code] = oid
                    break
            notify_guardians(
                s,
                _("%(name)s 所选课程因人数不足停开，已按原志愿重新安排，请查看结果。")
                % {"name": s.name},
                link=RESULTS_LINK,
            )
        detail = {"cancelled": sorted(small_ids), "replaced": replaced}
        DrawAdjustment.objects.create(
            window=window, kind=AdjustmentKind.CANCEL_SMALL, by=by, detail=detail
        )
        audit(by, "enrolment.cancel_small", window, **detail)
    return detail
