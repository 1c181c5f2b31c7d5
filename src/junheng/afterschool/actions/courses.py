"""Courses: proposal, the tutoring check, review, and a school's own courses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.afterschool.actions.common import (
    _validate_upload,
)
from junheng.afterschool.models import (
    Course,
    CourseEvent,
    CoursePhoto,
    CourseStatus,
    Provider,
    ProviderStatus,
)
from junheng.afterschool.tutoring import describe_matches, tutoring_matches
from junheng.afterschool.uploads import validate_photo
from junheng.errors import ActionError
from junheng.region.models import School


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


def _provider_id(course: Course) -> int:
    """The course's provider for `require_actor`; a school's own course has none, so no
    provider's staff may act on it (0 is no provider's id)."""
    return course.provider_id or 0


def check_not_tutoring(title: str, content: str) -> None:
    matches = tutoring_matches(title, content)
    if matches:
        raise ActionError(
            _("课后服务不得开展学科类培训：课程名称或内容含有“%(terms)s”。")
            % {"terms": describe_matches(matches)}
        )


def do_propose_course(
    provider: Provider,
    *,
    by: User,
    fields: dict[str, Any],
    photos: Iterable[UploadedFile] = (),
    submit: bool = True,
) -> Course:
    """A provider's new course (draft), submitted for review unless `submit=False`."""
    require_actor(by, Role.PROVIDER, provider_id=provider.pk)
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
    require_actor(by, Role.PROVIDER, provider_id=_provider_id(course))
    if course.status not in (CourseStatus.DRAFT, CourseStatus.REJECTED, CourseStatus.WITHDRAWN):
        raise ActionError(_("只有草稿、未通过或已撤回的课程可以提交审核。"))
    if course.provider is not None and course.provider.status in (
        ProviderStatus.REJECTED,
        ProviderStatus.EXITED,
    ):
        raise ActionError(_("机构不在白名单内，请先重新提交机构审核，再提交课程。"))
    check_not_tutoring(course.title, course.content)
    return _move_course(course, CourseStatus.SUBMITTED, by=by)


def do_approve_course(course: Course, *, by: User, note: str = "") -> Course:
    """submitted -> approved by the bureau; the tutoring rule is checked again in review."""
    require_actor(by, Role.BUREAU)
    if course.status != CourseStatus.SUBMITTED:
        raise ActionError(_("只有待审核的课程可以通过。"))
    check_not_tutoring(course.title, course.content)
    return _move_course(course, CourseStatus.APPROVED, by=by, reason=note)


def do_reject_course(course: Course, *, by: User, reason: str) -> Course:
    """submitted -> rejected (or an approved course taken off the list), reason required."""
    require_actor(by, Role.BUREAU)
    if course.status not in (CourseStatus.SUBMITTED, CourseStatus.APPROVED):
        raise ActionError(_("只有待审核或已通过的课程可以驳回。"))
    if not (reason or "").strip():
        raise ActionError(_("驳回课程必须填写理由。"))
    return _move_course(course, CourseStatus.REJECTED, by=by, reason=reason.strip())


def do_withdraw_course(course: Course, *, by: User) -> Course:
    require_actor(by, Role.PROVIDER, provider_id=_provider_id(course))
    if course.status not in (CourseStatus.SUBMITTED, CourseStatus.APPROVED):
        raise ActionError(_("只有待审核或已通过的课程可以撤回。"))
    return _move_course(course, CourseStatus.WITHDRAWN, by=by)


def do_create_school_course(school: School, *, by: User, fields: dict[str, Any]) -> Course:
    """A course run by the school's own teachers: no provider, approved by the school itself."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=school.pk)
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
