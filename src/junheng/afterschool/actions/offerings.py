"""Offerings, school slots and menus (what a school offers in a term)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.afterschool.models import (
    Course,
    CourseStatus,
    Instructor,
    Menu,
    MenuStatus,
    Offering,
    OfferingStatus,
    ProviderStatus,
    SchoolSlot,
    SupplyRun,
)
from junheng.errors import ActionError
from junheng.region.models import School, Term, TimeSlot


def check_can_offer(
    course: Course,
    *,
    on: dt.date | None = None,
    instructor: Instructor | None = None,
    need_instructor: bool = True,
) -> None:
    """Raise ActionError unless a new offering of this course is allowed on that day.

    A provider course needs: course approved, provider on the white list that day (approved and
    not past its date), and — when `need_instructor` — a valid instructor: the given one, else
    the course's own, else any active instructor of the provider with an unexpired background
    check (无犯罪记录证明).
    """
    on = on or timezone.localdate()
    # Fresh rows: a white list or a certificate may have changed since the caller loaded them.
    course = Course.objects.select_related("provider", "instructor").get(pk=course.pk)
    if course.status != CourseStatus.APPROVED:
        raise ActionError(_("课程“%(c)s”尚未通过审核。") % {"c": course.title})
    if course.provider is None:
        return
    p = course.provider
    if not p.is_whitelisted(on):
        if p.status == ProviderStatus.APPROVED:
            raise ActionError(
                _("机构“%(p)s”的白名单已于 %(d)s 到期，不能新开课。")
                % {"p": p.name, "d": p.whitelist_until}
            )
        raise ActionError(
            _("机构“%(p)s”不在白名单内（%(s)s），不能新开课。")
            % {"p": p.name, "s": p.get_status_display()}
        )
    if not need_instructor:
        return
    candidates: list[Instructor]
    if instructor is not None:
        instructor = Instructor.objects.get(pk=instructor.pk)
        if instructor.provider_id != p.pk:
            raise ActionError(_("授课人员不属于该机构。"))
        candidates = [instructor]
    elif course.instructor is not None:
        candidates = [course.instructor]
    else:
        candidates = list(p.instructors.all())
    if not any(i.check_valid(on) for i in candidates):
        raise ActionError(
            _("课程“%(c)s”没有持有效无犯罪记录证明的授课人员，不能新开课。") % {"c": course.title}
        )


def school_slot_ids(school: School) -> list[int]:
    """The school's after-school slots (its SchoolSlot rows; none set: every TimeSlot)."""
    ids = list(
        SchoolSlot.objects.filter(school=school)
        .order_by("slot__weekday", "slot__period")
        .values_list("slot_id", flat=True)
    )
    return ids or list(TimeSlot.objects.order_by("weekday", "period").values_list("pk", flat=True))


def do_create_offering(
    *,
    by: User | None,
    term: Term,
    course: Course,
    school: School,
    slot: TimeSlot,
    seats: int,
    source: str,
    fee: Decimal | None = None,
    instructor: Instructor | None = None,
    supply_run: SupplyRun | None = None,
    on: dt.date | None = None,
    shared: bool = False,
) -> Offering:
    """The one place a new offering is made: white list, background check and slot checked.

    `shared`: another school's own course shared with this one (教共体共享课程; the caller,
    `junheng.communities.sharing`, has checked that the course's school shares it)."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=school.pk)
    check_can_offer(course, on=on, instructor=instructor)
    if course.school_id is not None and course.school_id != school.pk and not shared:
        raise ActionError(_("校内自主课程只能在本校开设。"))
    if slot.pk not in school_slot_ids(school):
        raise ActionError(_("时段“%(s)s”不在本校课后服务时间内。") % {"s": slot})
    if seats < 1:
        raise ActionError(_("名额至少为 1。"))
    return Offering.objects.create(
        term=term,
        course=course,
        school=school,
        slot=slot,
        seats=seats,
        fee=course.fee_per_term if fee is None else fee,
        instructor=instructor or course.instructor,
        source=source,
        supply_run=supply_run,
    )


def do_cancel_offering(offering: Offering, *, by: User, reason: str = "") -> Offering:
    """Cancel an offering. Its children are re-placed on their remaining choices or told, and
    the change is recorded: see `junheng.enrolment.actions.offerings` (the one enrolment-aware
    action; imported here when called, since the enrolment app builds on this one)."""
    from junheng.enrolment.actions import offerings

    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=offering.school_id)
    if offering.status != OfferingStatus.OPEN:
        raise ActionError(_("该课程已取消。"))
    try:
        offerings.do_cancel_offering(offering, by=by, reason=reason)
    except ActionError as err:
        raise ActionError(str(err)) from err
    offering.refresh_from_db()
    return offering


def do_set_offering_seats(offering: Offering, seats: int, *, by: User, reason: str) -> Offering:
    """Change an offering's seats through the seat ledger: never below the seats held, added
    seats offered to the waitlist (`junheng.enrolment.actions.seats.do_set_offering_seats`)."""
    from junheng.enrolment.actions import seats as ledger_actions

    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=offering.school_id)
    try:
        return ledger_actions.do_set_offering_seats(offering, seats, by=by, reason=reason)
    except ActionError as err:
        raise ActionError(str(err)) from err


def do_move_offering(offering: Offering, *, by: User, slot: TimeSlot) -> Offering:
    """Move an offering to another slot of the school, unless a child would then hold two
    seats in one slot (see `junheng.enrolment.actions.offerings.do_move_offering`)."""
    from junheng.enrolment.actions import offerings

    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=offering.school_id)
    if slot.pk not in school_slot_ids(offering.school):
        raise ActionError(_("时段“%(s)s”不在本校课后服务时间内。") % {"s": slot})
    try:
        return offerings.do_move_offering(offering, by=by, slot=slot)
    except ActionError as err:
        raise ActionError(str(err)) from err


def do_set_school_slots(school: School, *, by: User, slots: Sequence[TimeSlot]) -> None:
    """The weekly slots of the school's after-school time; open offerings must stay inside."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=school.pk)
    if not slots:
        raise ActionError(_("至少选择一个时段。"))
    keep = {s.pk for s in slots}
    outside = Offering.objects.filter(
        school=school, status=OfferingStatus.OPEN, term__is_current=True
    ).exclude(slot_id__in=keep)
    if outside.exists():
        raise ActionError(
            _("本学期仍有课程安排在要去掉的时段（%(n)d 个），请先调整这些课程。")
            % {"n": outside.count()}
        )
    with transaction.atomic():
        SchoolSlot.objects.filter(school=school).exclude(slot_id__in=keep).delete()
        have = set(SchoolSlot.objects.filter(school=school).values_list("slot_id", flat=True))
        SchoolSlot.objects.bulk_create(
            [SchoolSlot(school=school, slot=s) for s in slots if s.pk not in have]
        )


def menu_for(term: Term, school: School) -> Menu:
    menu, _created = Menu.objects.get_or_create(term=term, school=school)
    return menu


def do_publish_menu(school: School, term: Term, *, by: User, note: str = "") -> Menu:
    """Publish the school's term menu: from now on its parents see the open offerings."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=school.pk)
    if not Offering.objects.filter(school=school, term=term, status=OfferingStatus.OPEN).exists():
        raise ActionError(_("菜单中还没有课程，不能发布。"))
    with transaction.atomic():
        menu = menu_for(term, school)
        menu.status = MenuStatus.PUBLISHED
        menu.note = note
        menu.published_at = timezone.now()
        menu.published_by = by
        menu.save(update_fields=["status", "note", "published_at", "published_by"])
    return menu


def do_unpublish_menu(school: School, term: Term, *, by: User) -> Menu:
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=school.pk)
    menu = menu_for(term, school)
    menu.status = MenuStatus.DRAFT
    menu.save(update_fields=["status"])
    return menu
