"""Provider vetting (准入): registration, documents, instructors, and every review step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.afterschool.actions.common import (
    _status_label,
    _validate_upload,
)
from junheng.afterschool.models import (
    Course,
    CourseStatus,
    DocumentKind,
    Instructor,
    Provider,
    ProviderDocument,
    ProviderStaff,
    ProviderStatus,
    VettingEvent,
)
from junheng.afterschool.models.providers import TRANSITIONS
from junheng.afterschool.uploads import validate_document
from junheng.errors import ActionError


def _check_transition(provider: Provider, to: str) -> None:
    if (provider.status, to) not in TRANSITIONS:
        raise ActionError(
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
            raise ActionError(_("“%(b)s”必须填写理由。") % {"b": _status_label(to)})
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
        if to in (ProviderStatus.REJECTED, ProviderStatus.EXITED):
            _withdraw_pending_courses(p, by=by)
        _tell_provider(p, to, reason)
    provider.refresh_from_db()
    return provider


# The bureau's decisions the provider is told of (its own submissions it knows about).
TOLD: dict[str, Any] = {
    ProviderStatus.APPROVED: _lazy(
        "审核通过：“%(name)s”已列入课后服务白名单，有效期至 %(until)s。"
    ),
    ProviderStatus.REJECTED: _lazy("审核未通过：%(reason)s。请按理由修改材料后重新提交。"),
    ProviderStatus.INFO_REQUESTED: _lazy("需补充材料：%(reason)s。补充后请重新提交审核。"),
    ProviderStatus.SUSPENDED: _lazy("白名单资格已暂停：%(reason)s。"),
    ProviderStatus.EXITED: _lazy("已退出课后服务白名单：%(reason)s。"),
    ProviderStatus.EXPIRED: _lazy("白名单资格已到期，请更新材料后重新提交审核。"),
}


def _tell_provider(provider: Provider, to: str, reason: str) -> None:
    """A notification to each staff account of the provider, with the reason, linking to its
    application page (where it corrects and resubmits)."""
    from junheng.enrolment.actions.common import notify

    text = TOLD.get(to)
    if text is None:
        return
    until = provider.whitelist_until.isoformat() if provider.whitelist_until else ""
    message = str(text) % {"name": provider.name, "reason": reason.rstrip("。."), "until": until}
    link = reverse("afterschool:my_application")
    for staff in ProviderStaff.objects.filter(provider=provider).select_related("user"):
        notify(staff.user, message, link=link)


def _withdraw_pending_courses(provider: Provider, *, by: User | None) -> None:
    """A provider taken off (rejected, exited) takes its courses waiting for review with it:
    they leave the bureau's review queue, withdrawn, and may be submitted again once the
    provider is back on the list."""
    from junheng.afterschool.actions.courses import _move_course

    for course in Course.objects.filter(provider=provider, status=CourseStatus.SUBMITTED):
        _move_course(course, CourseStatus.WITHDRAWN, by=by, reason=_("机构未在白名单内"))


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
    require_actor(by, Role.PROVIDER, provider_id=provider.pk)
    _check_transition(provider, ProviderStatus.SUBMITTED)
    _check_application_complete(provider)
    return _move_provider(provider, ProviderStatus.SUBMITTED, by=by)


def do_resubmit_provider(provider: Provider, *, by: User, note: str = "") -> Provider:
    """info_requested / expired / rejected -> resubmitted, after the provider corrected or added
    what was asked."""
    require_actor(by, Role.PROVIDER, provider_id=provider.pk)
    _check_transition(provider, ProviderStatus.RESUBMITTED)
    _check_application_complete(provider)
    return _move_provider(provider, ProviderStatus.RESUBMITTED, by=by, reason=note)


def do_approve_provider(
    provider: Provider, *, by: User, until: dt.date, note: str = ""
) -> Provider:
    """submitted / resubmitted -> approved: on the white list until `until` (inclusive)."""
    require_actor(by, Role.BUREAU)
    _check_transition(provider, ProviderStatus.APPROVED)
    if until is None or until <= timezone.localdate():
        raise ActionError(_("白名单有效期必须晚于今天。"))
    return _move_provider(provider, ProviderStatus.APPROVED, by=by, reason=note, until=until)


def do_reject_provider(provider: Provider, *, by: User, reason: str) -> Provider:
    require_actor(by, Role.BUREAU)
    return _move_provider(provider, ProviderStatus.REJECTED, by=by, reason=reason)


def do_request_provider_info(provider: Provider, *, by: User, reason: str) -> Provider:
    require_actor(by, Role.BUREAU)
    return _move_provider(provider, ProviderStatus.INFO_REQUESTED, by=by, reason=reason)


def do_suspend_provider(provider: Provider, *, by: User, reason: str) -> Provider:
    require_actor(by, Role.BUREAU)
    return _move_provider(provider, ProviderStatus.SUSPENDED, by=by, reason=reason)


def do_reinstate_provider(
    provider: Provider, *, by: User, note: str = "", until: dt.date | None = None
) -> Provider:
    """suspended -> approved; the white-list date must still lie ahead (or a new one is given)."""
    require_actor(by, Role.BUREAU)
    if provider.status != ProviderStatus.SUSPENDED:
        raise ActionError(_("只有暂停中的机构可以恢复。"))
    end = until or provider.whitelist_until
    if end is None or end <= timezone.localdate():
        raise ActionError(_("白名单有效期已过，请给出新的有效期或让机构重新申请。"))
    return _move_provider(provider, ProviderStatus.APPROVED, by=by, reason=note, until=until)


def do_exit_provider(provider: Provider, *, by: User, reason: str) -> Provider:
    require_actor(by, Role.BUREAU)
    return _move_provider(provider, ProviderStatus.EXITED, by=by, reason=reason)


def do_expire_providers(*, by: User | None = None, today: dt.date | None = None) -> int:
    """approved -> expired for every white-list entry whose date has passed; returns how many.
    The nightly job (`by=None`) or the bureau in the admin."""
    require_actor(by, Role.BUREAU)
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
    require_actor(by, Role.PROVIDER, provider_id=provider.pk)
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
    require_actor(by, Role.PROVIDER, provider_id=provider.pk)
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
