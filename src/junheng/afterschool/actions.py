"""The only writers of the course supermarket: every state change is one `do_<verb>_<thing>`.

Each action takes the acting user as `by=`, checks the state it starts from, writes the change
and its history row (VettingEvent, CourseEvent) in one transaction, and raises `ActionError`
(with a message fit to show the user) when the change is not allowed. Views, the admin, the demo
loader and the tests all call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.afterschool import adapters
from junheng.afterschool.models import (
    Course,
    CourseEvent,
    CoursePhoto,
    CourseRequest,
    CourseStatus,
    DocumentKind,
    Instructor,
    Menu,
    MenuStatus,
    Offering,
    OfferingSource,
    OfferingStatus,
    PlacementStatus,
    Provider,
    ProviderDocument,
    ProviderStaff,
    ProviderStatus,
    RequestStatus,
    RunStatus,
    SchoolSlot,
    SupplyPlacement,
    SupplyRun,
    VettingEvent,
)
from junheng.afterschool.models.providers import TRANSITIONS
from junheng.afterschool.tutoring import TutoringMatch, describe_matches, tutoring_matches
from junheng.afterschool.uploads import validate_document, validate_photo
from junheng.errors import DomainError
from junheng.region.models import School, Term, TimeSlot


class ActionError(DomainError):
    """A change that is not allowed (the domain's one error type, see `junheng.errors`)."""


class TransitionError(ActionError):
    """A vetting or review step from a state that does not allow it (no skipping states)."""


class ReasonRequiredError(ActionError):
    pass


class TutoringRefusedError(ActionError):
    """A course that names subject tutoring (see afterschool.tutoring)."""

    def __init__(self, matches: Sequence[TutoringMatch]) -> None:
        self.terms = [m.term for m in matches]
        super().__init__(
            _("课后服务不得开展学科类培训：课程名称或内容含有“%(terms)s”。")
            % {"terms": describe_matches(matches)}
        )


class OfferingBlockedError(ActionError):
    """A new offering that the white list or the instructors' background checks do not allow."""


def _validate_upload(upload: Any, validator: Any) -> None:
    try:
        validator(upload)
    except ValidationError as err:
        raise ActionError(" ".join(err.messages)) from err


def _status_label(status: str) -> str:
    return str(ProviderStatus(status).label)


# --------------------------------------------------------------------------- vetting


def _check_transition(provider: Provider, to: str) -> None:
    if (provider.status, to) not in TRANSITIONS:
        raise TransitionError(
            _("不能从“%(a)s”直接变为“%(b)s”。")
            % {"a": _status_label(provider.status), "b": _status_label(to)}
        )


def _move_provider(
    provider: Provider,
    to: str,
    *,
    by: User | None,
    reason: str = "",
    until: dt.date | None = None,
) -> Provider:
    with transaction.atomic():
        p = Provider.objects.select_for_update().get(pk=provider.pk)
        _check_transition(p, to)
        key = (p.status, to)
        reason = (reason or "").strip()
        if TRANSITIONS[key] and not reason:
            raise ReasonRequiredError(_("“%(b)s”必须填写理由。") % {"b": _status_label(to)})
        now = timezone.now()
        VettingEvent.objects.create(
            provider=p,
            at=now,
            by=by if by is not None and by.is_authenticated else None,
            from_status=p.status,
            to_status=to,
            reason=reason,
            whitelist_until=until,
        )
        p.status = to
        p.status_reason = reason
        fields = ["status", "status_reason"]
        if until is not None:
            p.whitelist_until = until
            fields.append("whitelist_until")
        if to in (ProviderStatus.SUBMITTED, ProviderStatus.RESUBMITTED):
            p.submitted_at = now
            fields.append("submitted_at")
        p.save(update_fields=fields)
    provider.refresh_from_db()
    return provider


def _check_application_complete(provider: Provider) -> None:
    missing = []
    if not provider.documents.filter(kind=DocumentKind.LICENCE).exists():
        missing.append(_("营业执照或登记证书"))
    today = timezone.localdate()
    if not any(i.check_valid(today) for i in provider.instructors.all()):
        missing.append(_("至少一名持有效无犯罪记录证明的授课人员"))
    if missing:
        raise ActionError(_("申请材料不完整，缺少：%(m)s。") % {"m": "、".join(missing)})


def do_submit_provider(provider: Provider, *, by: User) -> Provider:
    """draft -> submitted: the application goes to the bureau (licence and instructor needed)."""
    _check_transition(provider, ProviderStatus.SUBMITTED)
    _check_application_complete(provider)
    return _move_provider(provider, ProviderStatus.SUBMITTED, by=by)


def do_resubmit_provider(provider: Provider, *, by: User, note: str = "") -> Provider:
    """info_requested / expired -> resubmitted, after the provider added what was asked."""
    _check_transition(provider, ProviderStatus.RESUBMITTED)
    _check_application_complete(provider)
    return _move_provider(provider, ProviderStatus.RESUBMITTED, by=by, reason=note)


def do_approve_provider(
    provider: Provider, *, by: User, until: dt.date, note: str = ""
) -> Provider:
    """submitted / resubmitted -> approved: on the white list until `until` (inclusive)."""
    _check_transition(provider, ProviderStatus.APPROVED)
    if until is None or until <= timezone.localdate():
        raise ActionError(_("白名单有效期必须晚于今天。"))
    return _move_provider(provider, ProviderStatus.APPROVED, by=by, reason=note, until=until)


def do_reject_provider(provider: Provider, *, by: User, reason: str) -> Provider:
    return _move_provider(provider, ProviderStatus.REJECTED, by=by, reason=reason)


def do_request_provider_info(provider: Provider, *, by: User, reason: str) -> Provider:
    return _move_provider(provider, ProviderStatus.INFO_REQUESTED, by=by, reason=reason)


def do_suspend_provider(provider: Provider, *, by: User, reason: str) -> Provider:
    return _move_provider(provider, ProviderStatus.SUSPENDED, by=by, reason=reason)


def do_reinstate_provider(
    provider: Provider, *, by: User, note: str = "", until: dt.date | None = None
) -> Provider:
    """suspended -> approved; the white-list date must still lie ahead (or a new one is given)."""
    if provider.status != ProviderStatus.SUSPENDED:
        raise TransitionError(_("只有暂停中的机构可以恢复。"))
    end = until or provider.whitelist_until
    if end is None or end <= timezone.localdate():
        raise ActionError(_("白名单有效期已过，请给出新的有效期或让机构重新申请。"))
    return _move_provider(provider, ProviderStatus.APPROVED, by=by, reason=note, until=until)


def do_exit_provider(provider: Provider, *, by: User, reason: str) -> Provider:
    return _move_provider(provider, ProviderStatus.EXITED, by=by, reason=reason)


def do_expire_providers(*, by: User | None = None, today: dt.date | None = None) -> int:
    """approved -> expired for every white-list entry whose date has passed; returns how many."""
    today = today or timezone.localdate()
    n = 0
    for p in Provider.objects.filter(status=ProviderStatus.APPROVED, whitelist_until__lt=today):
        _move_provider(p, ProviderStatus.EXPIRED, by=by, reason=_("白名单到期"))
        n += 1
    return n


def do_register_provider(
    *,
    username: str,
    password: str,
    fields: dict[str, Any],
    licence: UploadedFile,
    by: User | None = None,
) -> tuple[User, Provider]:
    """Self-registration: a provider-staff account and a draft application with its licence."""
    _validate_upload(licence, validate_document)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ActionError(_("用户名已被使用。"))
        user = User(
            username=username,
            role=Role.PROVIDER,
            first_name=fields.get("contact_name", "")[:150],
            email=fields.get("email", ""),
            phone=fields.get("contact_phone", ""),
        )
        user.password = make_password(password)
        user.save()
        provider = Provider(**fields)
        provider.full_clean()
        provider.save()
        ProviderStaff.objects.create(user=user, provider=provider)
        ProviderDocument.objects.create(
            provider=provider,
            kind=DocumentKind.LICENCE,
            file=licence,
            original_name=(licence.name or "")[:200],
            uploaded_by=user,
        )
    return user, provider


_EDITABLE = (
    ProviderStatus.DRAFT,
    ProviderStatus.INFO_REQUESTED,
    ProviderStatus.EXPIRED,
    ProviderStatus.APPROVED,
    ProviderStatus.SUSPENDED,
)


def do_add_provider_document(
    provider: Provider, *, by: User, kind: str, upload: UploadedFile
) -> ProviderDocument:
    _validate_upload(upload, validate_document)
    if provider.status not in _EDITABLE + (ProviderStatus.SUBMITTED, ProviderStatus.RESUBMITTED):
        raise ActionError(_("当前状态下不能再上传材料。"))
    return ProviderDocument.objects.create(
        provider=provider,
        kind=kind,
        file=upload,
        original_name=(upload.name or "")[:200],
        uploaded_by=by,
    )


def do_add_instructor(
    provider: Provider,
    *,
    by: User,
    name: str,
    qualifications: str,
    background_check: UploadedFile,
    background_check_expires: dt.date,
) -> Instructor:
    _validate_upload(background_check, validate_document)
    if background_check_expires < timezone.localdate():
        raise ActionError(_("无犯罪记录证明已过期，请上传有效期内的证明。"))
    if provider.status in (ProviderStatus.EXITED, ProviderStatus.REJECTED):
        raise ActionError(_("当前状态下不能添加授课人员。"))
    return Instructor.objects.create(
        provider=provider,
        name=name,
        qualifications=qualifications,
        background_check=background_check,
        background_check_expires=background_check_expires,
    )


# --------------------------------------------------------------------------- courses


def _move_course(course: Course, to: str, *, by: User | None, reason: str = "") -> Course:
    with transaction.atomic():
        c = Course.objects.select_for_update().get(pk=course.pk)
        CourseEvent.objects.create(
            course=c,
            by=by if by is not None and by.is_authenticated else None,
            from_status=c.status,
            to_status=to,
            reason=reason,
        )
        c.status = to
        c.review_reason = reason
        c.save(update_fields=["status", "review_reason"])
    course.refresh_from_db()
    return course


def check_not_tutoring(title: str, content: str) -> None:
    matches = tutoring_matches(title, content)
    if matches:
        raise TutoringRefusedError(matches)


def do_propose_course(
    provider: Provider,
    *,
    by: User,
    fields: dict[str, Any],
    photos: Iterable[UploadedFile] = (),
    submit: bool = True,
) -> Course:
    """A provider's new course (draft), submitted for review unless `submit=False`."""
    photos = list(photos)
    for ph in photos:
        _validate_upload(ph, validate_photo)
    if submit:
        check_not_tutoring(fields.get("title", ""), fields.get("content", ""))
    if provider.status in (ProviderStatus.REJECTED, ProviderStatus.EXITED):
        raise ActionError(_("机构已不在名单内，不能申报课程。"))
    inst = fields.get("instructor")
    if inst is not None and inst.provider_id != provider.pk:
        raise ActionError(_("授课人员不属于本机构。"))
    with transaction.atomic():
        course = Course(provider=provider, status=CourseStatus.DRAFT, **fields)
        course.full_clean()
        course.save()
        for ph in photos:
            CoursePhoto.objects.create(course=course, file=ph, original_name=(ph.name or "")[:200])
        if submit:
            do_submit_course(course, by=by)
    return course


def do_submit_course(course: Course, *, by: User) -> Course:
    """draft / rejected / withdrawn -> submitted; subject tutoring is refused here."""
    if course.status not in (CourseStatus.DRAFT, CourseStatus.REJECTED, CourseStatus.WITHDRAWN):
        raise TransitionError(_("只有草稿、未通过或已撤回的课程可以提交审核。"))
    check_not_tutoring(course.title, course.content)
    return _move_course(course, CourseStatus.SUBMITTED, by=by)


def do_approve_course(course: Course, *, by: User, note: str = "") -> Course:
    """submitted -> approved by the bureau; the tutoring rule is checked again in review."""
    if course.status != CourseStatus.SUBMITTED:
        raise TransitionError(_("只有待审核的课程可以通过。"))
    check_not_tutoring(course.title, course.content)
    return _move_course(course, CourseStatus.APPROVED, by=by, reason=note)


def do_reject_course(course: Course, *, by: User, reason: str) -> Course:
    """submitted -> rejected (or an approved course taken off the list), reason required."""
    if course.status not in (CourseStatus.SUBMITTED, CourseStatus.APPROVED):
        raise TransitionError(_("只有待审核或已通过的课程可以驳回。"))
    if not (reason or "").strip():
        raise ReasonRequiredError(_("驳回课程必须填写理由。"))
    return _move_course(course, CourseStatus.REJECTED, by=by, reason=reason.strip())


def do_withdraw_course(course: Course, *, by: User) -> Course:
    if course.status not in (CourseStatus.SUBMITTED, CourseStatus.APPROVED):
        raise TransitionError(_("只有待审核或已通过的课程可以撤回。"))
    return _move_course(course, CourseStatus.WITHDRAWN, by=by)


def do_add_course_photo(course: Course, *, by: User, upload: UploadedFile) -> CoursePhoto:
    _validate_upload(upload, validate_photo)
    return CoursePhoto.objects.create(
        course=course, file=upload, original_name=(upload.name or "")[:200]
    )


def do_create_school_course(school: School, *, by: User, fields: dict[str, Any]) -> Course:
    """A course run by the school's own teachers: no provider, approved by the school itself."""
    check_not_tutoring(fields.get("title", ""), fields.get("content", ""))
    teacher = fields.get("teacher")
    if teacher is not None and teacher.school_id != school.pk:
        raise ActionError(_("授课教师不属于本校。"))
    with transaction.atomic():
        course = Course(school=school, status=CourseStatus.APPROVED, max_km=0, **fields)
        course.full_clean()
        course.save()
        CourseEvent.objects.create(
            course=course,
            by=by,
            from_status=CourseStatus.DRAFT,
            to_status=CourseStatus.APPROVED,
            reason=_("校内自主课程"),
        )
    return course


# --------------------------------------------------------------------------- offerings


def check_can_offer(
    course: Course,
    *,
    on: dt.date | None = None,
    instructor: Instructor | None = None,
    need_instructor: bool = True,
) -> None:
    """Raise OfferingBlockedError unless a new offering of this course is allowed on that day.

    A provider course needs: course approved, provider on the white list that day (approved and
    not past its date), and — when `need_instructor` — a valid instructor: the given one, else
    the course's own, else any active instructor of the provider with an unexpired background
    check (无犯罪记录证明).
    """
    on = on or timezone.localdate()
    # Fresh rows: a white list or a certificate may have changed since the caller loaded them.
    course = Course.objects.select_related("provider", "instructor").get(pk=course.pk)
    if course.status != CourseStatus.APPROVED:
        raise OfferingBlockedError(_("课程“%(c)s”尚未通过审核。") % {"c": course.title})
    if course.provider is None:
        return
    p = course.provider
    if not p.is_whitelisted(on):
        if p.status == ProviderStatus.APPROVED:
            raise OfferingBlockedError(
                _("机构“%(p)s”的白名单已于 %(d)s 到期，不能新开课。")
                % {"p": p.name, "d": p.whitelist_until}
            )
        raise OfferingBlockedError(
            _("机构“%(p)s”不在白名单内（%(s)s），不能新开课。")
            % {"p": p.name, "s": p.get_status_display()}
        )
    if not need_instructor:
        return
    candidates: list[Instructor]
    if instructor is not None:
        instructor = Instructor.objects.get(pk=instructor.pk)
        if instructor.provider_id != p.pk:
            raise OfferingBlockedError(_("授课人员不属于该机构。"))
        candidates = [instructor]
    elif course.instructor_id is not None:
        candidates = [course.instructor]  # type: ignore[list-item]
    else:
        candidates = list(p.instructors.all())
    if not any(i.check_valid(on) for i in candidates):
        raise OfferingBlockedError(
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
) -> Offering:
    """The one place a new offering is made: white list, background check and slot checked."""
    check_can_offer(course, on=on, instructor=instructor)
    if course.school_id is not None and course.school_id != school.pk:
        raise OfferingBlockedError(_("校内自主课程只能在本校开设。"))
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

    if offering.status != OfferingStatus.OPEN:
        raise ActionError(_("该课程已取消。"))
    try:
        offerings.do_cancel_offering(offering, by=by, reason=reason)
    except offerings.ActionError as err:
        raise ActionError(str(err)) from err
    offering.refresh_from_db()
    return offering


def do_set_offering_seats(offering: Offering, seats: int, *, by: User, reason: str) -> Offering:
    """Change an offering's seats through the seat ledger: never below the seats held, added
    seats offered to the waitlist (`junheng.enrolment.actions.seats.do_set_offering_seats`)."""
    from junheng.enrolment.actions import seats as ledger_actions

    try:
        return ledger_actions.do_set_offering_seats(offering, seats, by=by, reason=reason)
    except ledger_actions.ActionError as err:
        raise ActionError(str(err)) from err


def do_move_offering(offering: Offering, *, by: User, slot: TimeSlot) -> Offering:
    """Move an offering to another slot of the school, unless a child would then hold two
    seats in one slot (see `junheng.enrolment.actions.offerings.do_move_offering`)."""
    from junheng.enrolment.actions import offerings

    if slot.pk not in school_slot_ids(offering.school):
        raise ActionError(_("时段“%(s)s”不在本校课后服务时间内。") % {"s": slot})
    try:
        return offerings.do_move_offering(offering, by=by, slot=slot)
    except offerings.ActionError as err:
        raise ActionError(str(err)) from err


def do_set_school_slots(school: School, *, by: User, slots: Sequence[TimeSlot]) -> None:
    """The weekly slots of the school's after-school time; open offerings must stay inside."""
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
    menu = menu_for(term, school)
    menu.status = MenuStatus.DRAFT
    menu.save(update_fields=["status"])
    return menu


# --------------------------------------------------------------------------- course requests


def do_send_course_request(
    *,
    by: User,
    term: Term,
    school: School,
    course: Course,
    slot: TimeSlot,
    seats_wanted: int,
    note: str = "",
) -> CourseRequest:
    """A school asks a vetted provider for a course at a day and time (点单)."""
    if course.provider_id is None:
        raise ActionError(_("只能向校外机构的课程点单。"))
    check_can_offer(course, need_instructor=False)
    if slot.pk not in school_slot_ids(school):
        raise ActionError(_("时段“%(s)s”不在本校课后服务时间内。") % {"s": slot})
    return CourseRequest.objects.create(
        term=term,
        school=school,
        course=course,
        slot=slot,
        seats_wanted=seats_wanted,
        note=note,
        created_by=by,
    )


def _move_request(req: CourseRequest, frm: Sequence[str], to: str, **fields: Any) -> CourseRequest:
    with transaction.atomic():
        r = CourseRequest.objects.select_for_update().get(pk=req.pk)
        if r.status not in frm:
            raise TransitionError(
                _("该点单当前为“%(s)s”，不能进行此操作。") % {"s": r.get_status_display()}
            )
        for k, v in fields.items():
            setattr(r, k, v)
        r.status = to
        r.updated_at = timezone.now()
        r.save()
    req.refresh_from_db()
    return req


def do_confirm_course_request(
    req: CourseRequest,
    *,
    by: User,
    instructor: Instructor,
    seats: int,
    price: Decimal,
    reply: str = "",
) -> CourseRequest:
    """The provider confirms the instructor, the seats and the price."""
    check_can_offer(req.course, instructor=instructor)
    if seats < 1:
        raise ActionError(_("名额至少为 1。"))
    return _move_request(
        req,
        (RequestStatus.SENT,),
        RequestStatus.CONFIRMED,
        instructor=instructor,
        seats=seats,
        price=price,
        reply=reply,
    )


def do_decline_course_request(req: CourseRequest, *, by: User, reason: str) -> CourseRequest:
    if not (reason or "").strip():
        raise ReasonRequiredError(_("婉拒点单必须填写理由。"))
    return _move_request(req, (RequestStatus.SENT,), RequestStatus.DECLINED, reply=reason.strip())


def do_cancel_course_request(req: CourseRequest, *, by: User) -> CourseRequest:
    return _move_request(
        req, (RequestStatus.SENT, RequestStatus.CONFIRMED), RequestStatus.CANCELLED
    )


def do_approve_course_request(req: CourseRequest, *, by: User) -> CourseRequest:
    """The school approves a confirmed request: the offering is created (checks apply again)."""
    with transaction.atomic():
        if req.status != RequestStatus.CONFIRMED:
            raise TransitionError(_("只有机构已确认的点单可以批准。"))
        offering = do_create_offering(
            by=by,
            term=req.term,
            course=req.course,
            school=req.school,
            slot=req.slot,
            seats=req.seats or req.seats_wanted,
            fee=req.price,
            instructor=req.instructor,
            source=OfferingSource.REQUEST,
        )
        return _move_request(
            req, (RequestStatus.CONFIRMED,), RequestStatus.APPROVED, offering=offering
        )


# --------------------------------------------------------------------------- balanced supply


def do_start_supply_run(
    term: Term, *, by: User, target: float = 10.0, seed: int = 0, time_limit_s: float = 30.0
) -> SupplyRun:
    """Create a run for the term and compute it through the task queue."""
    do_expire_providers(by=None)  # the history shows lapsed entries before the plan leaves them out
    run = SupplyRun.objects.create(
        term=term, target=target, seed=seed, time_limit_s=time_limit_s, created_by=by
    )
    _enqueue(run, by)
    run.refresh_from_db()
    return run


def do_rerun_supply(run: SupplyRun, *, by: User) -> SupplyRun:
    """Re-plan with the run's locked and forbidden placements kept."""
    if run.status in (RunStatus.PUBLISHED, RunStatus.RUNNING, RunStatus.QUEUED):
        raise ActionError(_("该方案当前不能重新计算。"))
    run.status = RunStatus.QUEUED
    run.progress = 0
    run.message = ""
    run.save(update_fields=["status", "progress", "message"])
    _enqueue(run, by)
    run.refresh_from_db()
    return run


def _enqueue(run: SupplyRun, by: User | None = None) -> None:
    # The page returns at once; a worker computes the run (the test suite's immediate backend
    # computes it right here). The job's progress bar is shown on the run's page.
    from junheng.jobs.actions import start_job

    start_job(
        "supply_run",
        "junheng.afterschool.tasks.supply_run_job",
        by=by or run.created_by,
        target=run,
        title=_("均衡配课方案 #%(n)s 计算") % {"n": run.pk},
        max_attempts=2,
        on_fail="junheng.afterschool.tasks.supply_run_failed",
        run_id=run.pk,
    )


def _set_progress(
    run: SupplyRun, progress: int, status: str | None = None, message: str = ""
) -> None:
    run.progress = progress
    fields = ["progress"]
    if status is not None:
        run.status = status
        fields.append("status")
    if message:
        run.message = message
        fields.append("message")
    run.save(update_fields=fields)


def execute_supply_run(run_id: int, job: Any = None) -> dict[str, Any]:
    """The task body: build the engine inputs from live data, plan, store placements and figures.

    With `job` (junheng.jobs), the stages are reported on its progress bar too and a cancel
    request stops the run between stages (nothing is written before the last one).
    """
    from junheng.engines.io import InputError
    from junheng.engines.supply import plan_supply
    from junheng.jobs.actions import progress

    def report(stage: Any, pct: int) -> None:
        if job is not None:
            progress(job, stage, pct)

    run = SupplyRun.objects.select_related("term").get(pk=run_id)
    _set_progress(run, 5, RunStatus.RUNNING)
    report(_("读取机构、课程与学校"), 5)
    on = timezone.localdate()
    live = adapters.load_live(run.term, on=on)
    pinned = list(
        SupplyPlacement.objects.filter(run=run)
        .exclude(status=PlacementStatus.PLANNED)
        .select_related("course", "school")
    )
    locked, forbidden = adapters.pins_for_engine(
        [(p.course_id, p.school.code, p.status, p.sections) for p in pinned], live
    )
    _set_progress(run, 20)
    report(_("求解均衡配课方案"), 20)
    try:
        plan = plan_supply(
            live.providers,
            live.courses,
            live.schools,
            target=run.target,
            locked=locked,
            forbidden=forbidden,
            time_limit_s=run.time_limit_s,
            seed=run.seed,
        )
    except InputError as err:
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        _set_progress(run, 100, RunStatus.FAILED, str(err.reason))
        return {"status": "failed", "message": err.reason}
    _set_progress(run, 80)
    report(_("保存方案"), 80)
    rows = adapters.placements_from_plan(plan.sections, live)
    before = adapters.school_figures(live.school_rows, live.open_offerings, run.target)
    after = adapters.school_figures(
        live.school_rows, live.kept_offerings + adapters.planned_offerings(rows, live), run.target
    )
    pinned_keys = {(p.course_id, p.school_id): p for p in pinned}
    with transaction.atomic():
        SupplyPlacement.objects.filter(run=run, status=PlacementStatus.PLANNED).delete()
        new = []
        for course_pk, school_pk, sections, km in rows:
            p = pinned_keys.get((course_pk, school_pk))
            if p is not None:
                if p.status == PlacementStatus.LOCKED and p.sections != sections:
                    p.sections = sections
                    p.save(update_fields=["sections"])
                continue
            new.append(
                SupplyPlacement(
                    run=run, course_id=course_pk, school_id=school_pk, sections=sections, km=km
                )
            )
        SupplyPlacement.objects.bulk_create(new, batch_size=1000)
        run.summary = dict(plan.summary)
        run.before = before
        run.after = after
        run.finished_at = timezone.now()
        run.status = RunStatus.DONE
        run.progress = 100
        run.message = _("已排 %(n)d 个班，%(s)d 个座位。") % {
            "n": int(plan.summary.get("sections", 0)),
            "s": int(plan.summary.get("seats", 0)),
        }
        run.save(
            update_fields=[
                "summary",
                "before",
                "after",
                "finished_at",
                "status",
                "progress",
                "message",
            ]
        )
    return {"status": "done", "sections": int(plan.summary.get("sections", 0))}


def do_set_placement_status(
    placement: SupplyPlacement, *, by: User, status: str, sections: int | None = None
) -> SupplyPlacement:
    """Lock a placement (keep its sections on re-runs), forbid it, or free it again."""
    if placement.run.status == RunStatus.PUBLISHED:
        raise ActionError(_("方案已发布，不能再修改。"))
    if status not in PlacementStatus.values:
        raise ActionError(_("未知的状态。"))
    placement.status = status
    if sections is not None:
        if sections < 0:
            raise ActionError(_("班数不能为负。"))
        placement.sections = sections
    placement.save(update_fields=["status", "sections"])
    return placement


def do_publish_supply_run(run: SupplyRun, *, by: User) -> tuple[int, list[str]]:
    """Publish: one offering per planned section, slots spread deterministically over the week.

    Earlier supply offerings of the same term are cancelled (this plan replaces them). Courses
    that can no longer be offered (white list expired, no valid instructor) are skipped and named.
    Returns (offerings created, messages about skipped placements).
    """
    with transaction.atomic():
        run = SupplyRun.objects.select_for_update().select_related("term").get(pk=run.pk)
        if run.status != RunStatus.DONE:
            raise ActionError(_("只有计算完成的方案可以发布。"))
        placements = list(
            SupplyPlacement.objects.filter(run=run, sections__gt=0)
            .exclude(status=PlacementStatus.FORBIDDEN)
            .select_related("course__provider", "course__instructor", "school")
            .order_by("school__code", "course_id")
        )
        on = timezone.localdate()
        skipped: list[str] = []
        ok: list[SupplyPlacement] = []
        checked: dict[int, str | None] = {}
        for p in placements:
            if p.course_id not in checked:
                try:
                    check_can_offer(p.course, on=on)
                    checked[p.course_id] = None
                except OfferingBlockedError as err:
                    checked[p.course_id] = str(err)
            if checked[p.course_id] is None:
                ok.append(p)
            elif checked[p.course_id] not in skipped:
                skipped.append(checked[p.course_id])  # type: ignore[arg-type]
        Offering.objects.filter(
            term=run.term, source=OfferingSource.SUPPLY, status=OfferingStatus.OPEN
        ).exclude(supply_run=run).update(status=OfferingStatus.CANCELLED)
        schools = {p.school_id for p in ok}
        slots_of = {s: [] for s in schools}  # type: dict[int, list[int]]
        for ss in SchoolSlot.objects.filter(school_id__in=schools).order_by(
            "slot__weekday", "slot__period"
        ):
            slots_of[ss.school_id].append(ss.slot_id)
        all_slots = list(
            TimeSlot.objects.order_by("weekday", "period").values_list("pk", flat=True)
        )
        if not all_slots:
            raise ActionError(_("尚未设置课后服务时段。"))
        load: dict[tuple[int, int], int] = {}
        for o in Offering.objects.filter(
            term=run.term, school_id__in=schools, status=OfferingStatus.OPEN
        ).values_list("school_id", "slot_id"):
            load[o] = load.get(o, 0) + 1
        assigned = adapters.assign_slots(
            [(p.school_id, p.course_id, p.sections) for p in ok],
            {s: (slots_of[s] or all_slots) for s in schools},
            load,
        )
        by_pk = {p.course_id: p.course for p in ok}
        Offering.objects.bulk_create(
            [
                Offering(
                    term=run.term,
                    course_id=course_pk,
                    school_id=school_pk,
                    slot_id=slot_pk,
                    seats=by_pk[course_pk].seats,
                    fee=by_pk[course_pk].fee_per_term,
                    instructor=by_pk[course_pk].instructor,
                    source=OfferingSource.SUPPLY,
                    supply_run=run,
                )
                for school_pk, course_pk, slot_pk in assigned
            ],
            batch_size=1000,
        )
        run.status = RunStatus.PUBLISHED
        run.published_at = timezone.now()
        run.published_by = by
        run.save(update_fields=["status", "published_at", "published_by"])
    return len(assigned), skipped


def providers_awaiting_vetting() -> Any:
    return Provider.objects.filter(
        Q(status=ProviderStatus.SUBMITTED) | Q(status=ProviderStatus.RESUBMITTED)
    )
