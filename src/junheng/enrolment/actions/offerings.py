"""Cancelling an offering (停开) and moving it to another slot (调整时段), aware of its children.

The school's menu, the small-offering rule and the admin all come here (afterschool's
`do_cancel_offering` / `do_move_offering` delegate to these), so no path leaves children
enrolled in a cancelled course or double-booked in one slot:

- **cancel**: active seats end (status "cancelled"), open offers are withdrawn and waitlist
  places closed; each child who held a seat is re-placed on their remaining choices of the same
  window, in the draw's service order, wherever a seat is free (through the seat ledger), and
  every family concerned is told what happened. Families who ranked the course in a window still
  open are told to change their ranking. One adjustment per window records it.
- **move**: refused while a child holding a seat (or an open offer) of the offering already has
  another seat in the new slot; otherwise the slot changes and the families are told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.afterschool.models import Offering, OfferingStatus
from junheng.enrolment import ledger
from junheng.enrolment.actions.common import notify_guardians
from junheng.enrolment.actions.draws import lottery_keys
from junheng.enrolment.actions.seats import RESULTS_LINK, _record, held_in_term
from junheng.enrolment.models import (
    AdjustmentKind,
    ChoiceWindow,
    Draw,
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
from junheng.region.models import Student, TimeSlot


def cancel_impact(offering: Offering) -> dict[str, int]:
    """What cancelling would touch (the confirmation page says it before it is done)."""
    return {
        "enrolled": Enrolment.objects.filter(
            offering=offering, status=EnrolmentStatus.ACTIVE
        ).count(),
        "offered": WaitlistOffer.objects.filter(offering=offering, status=OfferStatus.OPEN).count(),
        "waiting": WaitlistEntry.objects.filter(
            offering=offering, status=EntryStatus.WAITING
        ).count(),
        "ranked_open": RankingChoice.objects.filter(
            offering=offering, ranking__window__state=WindowState.OPEN
        ).count(),
    }


def move_clashes(offering: Offering, slot: TimeSlot) -> list[Student]:
    """Children holding a seat or an open offer of the offering who already have another seat
    in `slot` (moving there would double-book them)."""
    holders = set(
        Enrolment.objects.filter(offering=offering, status=EnrolmentStatus.ACTIVE).values_list(
            "student_id", flat=True
        )
    ) | set(
        WaitlistOffer.objects.filter(offering=offering, status=OfferStatus.OPEN).values_list(
            "student_id", flat=True
        )
    )
    if not holders:
        return []
    clash = (
        Enrolment.objects.filter(
            student_id__in=holders,
            status=EnrolmentStatus.ACTIVE,
            offering__term_id=offering.term_id,
            offering__slot=slot,
        )
        .exclude(offering=offering)
        .values_list("student_id", flat=True)
    )
    return list(Student.objects.filter(pk__in=set(clash)).order_by("code"))


def do_cancel_offering(offering: Offering, *, by: User, reason: str = "") -> dict[str, Any]:
    """Cancel one offering (the school's menu, the bureau): children re-placed or told."""
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=offering.school_id)
    reason = (reason or "").strip()
    if any(cancel_impact(offering).values()) and not reason:
        raise ActionError(_("已有学生录取、候补或填报这门课程：停开必须填写原因（会通知家长）。"))
    return cancel_offerings([offering], by=by, reason=reason, kind=AdjustmentKind.CANCEL)


def cancel_offerings(
    offerings: Sequence[Offering], *, by: User, reason: str, kind: str
) -> dict[str, Any]:
    """Cancel offerings of one school and term and re-place their children (one transaction).

    Returns {"cancelled": [offering ids], "replaced": {student code: offering id or None}}.
    """
    if not offerings:
        return {"cancelled": [], "replaced": {}}
    school_id, term_id = offerings[0].school_id, offerings[0].term_id
    if any(o.school_id != school_id or o.term_id != term_id for o in offerings):
        raise ValueError("offerings of one school and term only")
    now = timezone.now()
    ids = sorted(o.pk for o in offerings)
    replaced: dict[str, int | None] = {}
    with transaction.atomic():
        # Every offering of the school's term, in id order: the re-placements below take seats
        # of other offerings, and a fixed order keeps two cancellations from deadlocking.
        siblings = list(
            Offering.objects.filter(school_id=school_id, term_id=term_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = {oid: ledger.lock_offering(oid) for oid in siblings}
        for oid in ids:
            if locked[oid].status != OfferingStatus.OPEN:
                raise ActionError(_("该课程已取消。"))
        titles = {oid: locked[oid].course.title for oid in ids}
        hit = list(
            Enrolment.objects.filter(offering_id__in=ids, status=EnrolmentStatus.ACTIVE)
            .select_related("student", "window")
            .order_by("pk")
        )
        for e in hit:
            e.status = EnrolmentStatus.CANCELLED
            e.ended_at = now
            e.save(update_fields=["status", "ended_at"])
        offers = list(
            WaitlistOffer.objects.filter(
                offering_id__in=ids, status=OfferStatus.OPEN
            ).select_related("student", "entry")
        )
        WaitlistOffer.objects.filter(pk__in=[o.pk for o in offers]).update(
            status=OfferStatus.WITHDRAWN, decided_at=now
        )
        waiting = list(
            WaitlistEntry.objects.filter(
                offering_id__in=ids, status__in=[EntryStatus.WAITING, EntryStatus.OFFERED]
            ).select_related("student")
        )
        WaitlistEntry.objects.filter(pk__in=[w.pk for w in waiting]).update(status=EntryStatus.LEFT)
        for oid in ids:
            locked[oid].status = OfferingStatus.CANCELLED
            locked[oid].save(update_fields=["status"])
        still_open = {oid: o for oid, o in locked.items() if o.status == OfferingStatus.OPEN}

        by_window: dict[int, list[Enrolment]] = defaultdict(list)
        for e in hit:
            by_window[e.window_id].append(e)
        touched: set[int] = set(by_window) | {w.window_id for w in waiting}
        for window_id in sorted(touched):
            window = ChoiceWindow.objects.get(pk=window_id)
            mine = by_window.get(window_id, [])
            placed = _replace(window, mine, still_open, titles)
            replaced.update({code: oid for code, (oid, _t) in placed.items()})
            told = {w.student_id: w for w in waiting if w.window_id == window_id}
            _record(
                window,
                kind,
                by,
                offering=ids[0] if len(ids) == 1 else ids,
                course="、".join(titles[oid] for oid in ids),
                reason=reason,
                enrolled=len(mine),
                placed={code: t for code, (_oid, t) in placed.items()},
                waiting=len(told),
            )
            for w in told.values():
                if w.student_id in {e.student_id for e in mine}:
                    continue
                notify_guardians(
                    w.student,
                    _("“%(course)s”停开（%(reason)s），%(name)s 的候补已取消。")
                    % {
                        "course": titles[w.offering_id],
                        "reason": reason or _("未说明原因"),
                        "name": w.student.name,
                    },
                    link=RESULTS_LINK,
                )
        # Families who ranked a cancelled course in a window still open: change the ranking.
        for rc in RankingChoice.objects.filter(
            offering_id__in=ids, ranking__window__state=WindowState.OPEN
        ).select_related("ranking__student", "ranking__window"):
            notify_guardians(
                rc.ranking.student,
                _("“%(course)s”已停开（%(reason)s），请为 %(name)s 重新填报志愿。")
                % {
                    "course": titles[rc.offering_id],
                    "reason": reason or _("未说明原因"),
                    "name": rc.ranking.student.name,
                },
                link=f"/enrolment/choose/{rc.ranking.window_id}/{rc.ranking.student_id}/",
            )
        if by is not None and by.is_authenticated:
            for oid in ids:
                audit(by, "afterschool.offering.cancel", locked[oid], reason=reason)
    return {"cancelled": ids, "replaced": replaced}


def _replace(
    window: ChoiceWindow,
    hit: list[Enrolment],
    open_by_id: dict[int, Offering],
    titles: dict[int, str],
) -> dict[str, tuple[int | None, str | None]]:
    """Re-place the window's children of cancelled offerings, in the draw's service order,
    on the first remaining choice with a free seat (slot and K rules kept); each family told."""
    out: dict[str, tuple[int | None, str | None]] = {}
    if not hit:
        return out
    students = {e.student_id: e.student for e in hit}
    lost = {e.student_id: titles[e.offering_id] for e in hit}
    if Draw.objects.filter(window=window).exists():
        # The draw's service order: priority first, then the lottery key the engine used.
        keys = lottery_keys(window, students)
        order = sorted(
            students.values(), key=lambda s: (-window.priority_of(s), keys.get(s.pk, ""))
        )
    else:
        order = sorted(students.values(), key=lambda s: s.code)
    for s in order:
        wants = list(
            RankingChoice.objects.filter(ranking__window=window, ranking__student=s)
            .order_by("rank")
            .values_list("rank", "offering_id")
        )
        got: Offering | None = None
        for rank, oid in wants:
            target = open_by_id.get(oid)
            if target is None:
                continue
            held = held_in_term(window.school_id, window.term_id, s.pk)
            if len(held) >= window.max_courses:
                break
            if any(e.offering_id == oid or e.offering.slot_id == target.slot_id for e in held):
                continue
            seat = Enrolment(
                window=window,
                student=s,
                offering=target,
                rank=rank,
                source=EnrolmentSource.REPLACEMENT,
            )
            try:
                ledger.take_seats(target.pk, [seat])
            except ledger.SeatsFullError:
                continue
            WaitlistEntry.objects.filter(
                offering=target, student=s, status=EntryStatus.WAITING
            ).update(status=EntryStatus.ENROLLED)
            got = target
            break
        if got is not None:
            out[s.code] = (got.pk, got.course.title)
            text = _(
                "“%(lost)s”停开，%(name)s 已按原志愿调剂到“%(course)s”（%(slot)s），请查看结果。"
            ) % {"lost": lost[s.pk], "name": s.name, "course": got.course.title, "slot": got.slot}
        else:
            out[s.code] = (None, None)
            text = _(
                "“%(lost)s”停开，%(name)s 的其他志愿已无空余名额，暂未能调剂，请联系学校。"
            ) % {"lost": lost[s.pk], "name": s.name}
        notify_guardians(s, text, link=RESULTS_LINK)
    return out


def do_move_offering(offering: Offering, *, by: User, slot: TimeSlot) -> Offering:
    """Move an offering to another weekly slot of the school, unless that double-books a child."""
    from junheng.afterschool.actions import school_slot_ids

    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=offering.school_id)
    if slot.pk not in school_slot_ids(offering.school):
        raise ActionError(_("时段“%(s)s”不在本校课后服务时间内。") % {"s": slot})
    with transaction.atomic():
        locked = ledger.lock_offering(offering.pk)
        if locked.status != OfferingStatus.OPEN:
            raise ActionError(_("该课程已取消。"))
        if locked.slot_id == slot.pk:
            return offering
        clashes = move_clashes(locked, slot)
        if clashes:
            raise ActionError(
                _("%(n)d 名学生在“%(slot)s”已有其他课程（%(codes)s），不能调整到该时段。")
                % {
                    "n": len(clashes),
                    "slot": slot,
                    "codes": "、".join(s.code for s in clashes[:10])
                    + ("…" if len(clashes) > 10 else ""),
                }
            )
        before = locked.slot
        locked.slot = slot
        locked.save(update_fields=["slot"])
        course = locked.course.title
        children = list(
            Student.objects.filter(
                enrolments__offering=locked, enrolments__status=EnrolmentStatus.ACTIVE
            ).distinct()
        )
        for s in children:
            notify_guardians(
                s,
                _("%(name)s 的“%(course)s”上课时间由 %(before)s 调整为 %(after)s。")
                % {"name": s.name, "course": course, "before": before, "after": slot},
                link=RESULTS_LINK,
            )
        for w in ChoiceWindow.objects.filter(
            school_id=locked.school_id,
            term_id=locked.term_id,
            state__in=[WindowState.DRAWN, WindowState.PUBLISHED],
        ):
            _record(
                w,
                AdjustmentKind.MOVE,
                by,
                offering=locked.pk,
                course=course,
                before=str(before),
                after=str(slot),
                told=len(children),
            )
        audit(by, "afterschool.offering.move", locked, before=before.code, after=slot.code)
    offering.refresh_from_db()
    return offering
