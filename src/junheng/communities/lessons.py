"""Synchronous lessons (同步课堂): timetables, requests, the term's schedule, delivery.

Writes, like `actions`: each `do_*` takes `by`, checks role and state, writes in one
transaction with an audit row; refusals are `ActionError`.
- timetables: the bureau imports any school's, a school admin its own (`timetables.parse`,
  all-or-nothing with row and column);
- requests: per pair and subject (the bureau, or the pair's core school); default ones from
  the timetables (`engines.synclass.pair_requests`);
- the schedule of a term: `engines.synclass.schedule_lessons` over every active community's
  requests of the county, as a job; publishing it writes the term's dated lessons;
- delivery: the core or the member school (or the bureau) records a lesson held or cancelled
  with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import may_act, require_actor, schools_for
from junheng.communities import timetables
from junheng.communities.models import (
    DAYS,
    PERIODS,
    Community,
    LessonStatus,
    Membership,
    ScheduleStatus,
    SyncLesson,
    SyncRequest,
    SyncSchedule,
    SyncSlot,
    TimetableEntry,
)
from junheng.engines.io import InputError
from junheng.errors import ActionError
from junheng.jobs.actions import JobFailed, start_job
from junheng.jobs.actions import progress as report
from junheng.jobs.models import Job
from junheng.region.models import County, School, SchoolClass, Teacher, Term

# --------------------------------------------------------------------------- timetables


def do_import_timetables(data: bytes, filename: str, *, by: User) -> int:
    """Replace the weeks of the classes in the file; FileError lists every problem."""
    require_actor(by, Role.BUREAU, Role.SCHOOL)
    # The rows it may write: a school admin's own school's classes (another school's rows are
    # refused by row and column), the bureau's (and the system's) any school's.
    allowed = School.objects.all() if by is None else schools_for(by)
    schools = {s.code: s for s in allowed}
    cells, covered = timetables.parse(data, filename, schools=schools)
    with transaction.atomic():
        TimetableEntry.objects.filter(school_class_id__in=covered).delete()
        TimetableEntry.objects.bulk_create(
            [
                TimetableEntry(
                    school_class_id=c.class_id,
                    day=c.day,
                    period=c.period,
                    subject=c.subject,
                    teacher_id=c.teacher_id,
                )
                for c in cells
            ],
            batch_size=2000,
        )
        audit(by, "communities.import_timetables", None, classes=len(covered), cells=len(cells))
    return len(cells)


# --------------------------------------------------------------------------- requests


def _require_core_or_bureau(by: User | None, community: Community) -> None:
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=community.core_id)


def do_add_request(
    membership: Membership,
    *,
    by: User,
    subject: str,
    teacher: Teacher,
    core_class: SchoolClass,
    member_class: SchoolClass,
    per_week: int = 1,
) -> SyncRequest:
    community = membership.community
    _require_core_or_bureau(by, community)
    if teacher.school_id != community.core_id or core_class.school_id != community.core_id:
        raise ActionError(_("授课教师和班级须属于核心校。"))
    if member_class.school_id != membership.school_id:
        raise ActionError(_("听课班级须属于该成员校。"))
    if not 1 <= per_week <= DAYS:
        raise ActionError(_("每周节数须在 1 到 5 之间。"))
    with transaction.atomic():
        if SyncRequest.objects.filter(membership=membership, subject=subject).exists():
            raise ActionError(_("该结对已有这一学科的同步课堂。"))
        req = SyncRequest.objects.create(
            membership=membership,
            subject=subject,
            teacher=teacher,
            core_class=core_class,
            member_class=member_class,
            per_week=per_week,
        )
        audit(
            by, "communities.add_request", community, member=membership.school.code, subject=subject
        )
    return req


def do_delete_request(req: SyncRequest, *, by: User) -> None:
    _require_core_or_bureau(by, req.membership.community)
    with transaction.atomic():
        if req.lessons.exclude(status=LessonStatus.PLANNED).exists():
            raise ActionError(_("已有登记过的同步课堂，不能删除。"))
        audit(by, "communities.delete_request", req.membership.community, subject=req.subject)
        req.delete()


def _level(member: School, core: School) -> str:
    level = member.level if member.level != "nine_year" else core.level
    return "junior" if level == "junior" else "primary"


def do_default_requests(community: Community, *, by: User, per_week: int = 1) -> int:
    """For each pair without requests: Chinese, maths and science (physics in junior) once a
    week in grade 4 (8), taught by the core's teacher of that class (from its timetable)."""
    from junheng.engines.synclass import pair_requests

    _require_core_or_bureau(by, community)
    members = list(
        community.memberships.select_related("school").exclude(sync_requests__isnull=False)
    )
    if not members:
        return 0
    schools = [community.core_id, *(m.school_id for m in members)]
    by_school: dict[str, dict[int, list[str]]] = {}
    class_of: dict[str, SchoolClass] = {}
    for sc in (
        SchoolClass.objects.filter(school_id__in=schools)
        .select_related("school")
        .order_by("grade", "number")
    ):
        key = str(sc.pk)
        class_of[key] = sc
        by_school.setdefault(sc.school.code, {}).setdefault(sc.grade, []).append(key)
    teaching = {
        (str(cid), subj): str(tid)
        for cid, subj, tid in TimetableEntry.objects.filter(
            school_class__school_id=community.core_id, teacher__isnull=False
        )
        .order_by("school_class_id", "day", "period")
        .values_list("school_class_id", "subject", "teacher_id")
    }
    staff: dict[tuple[str, str], list[str]] = {}
    for tid, subject in (
        Teacher.objects.filter(school_id=community.core_id)
        .order_by("code")
        .values_list("pk", "subject")
    ):
        staff.setdefault((community.core.code, subject), []).append(str(tid))
    pairs = [
        (m.school.code, community.core.code, _level(m.school, community.core)) for m in members
    ]
    reqs, _skipped = pair_requests(pairs, by_school, teaching, per_week=per_week, staff=staff)
    by_code = {m.school.code: m for m in members}
    with transaction.atomic():
        SyncRequest.objects.bulk_create(
            [
                SyncRequest(
                    membership=by_code[r.request_id.split(":")[0]],
                    subject=r.subject,
                    per_week=r.per_week,
                    teacher_id=int(r.teacher_id),
                    core_class=class_of[r.core_class],
                    member_class=class_of[r.member_classes[0]],
                )
                for r in reqs
            ]
        )
        audit(by, "communities.default_requests", community, requests=len(reqs))
    return len(reqs)


# --------------------------------------------------------------------------- scheduling


def county_requests(county_id: int) -> list[SyncRequest]:
    return list(
        SyncRequest.objects.filter(
            membership__community__county_id=county_id, membership__community__active=True
        ).select_related(
            "membership__school", "membership__community", "teacher", "core_class", "member_class"
        )
    )


def schedule_inputs(
    requests: Sequence[SyncRequest],
) -> tuple[dict[str, set[tuple[int, int]]], dict[str, set[tuple[int, int]]], list[Any]]:
    """(class busy periods, teacher busy periods, engine requests) from stored timetables;
    ids are database pks as text. A primary class's 8th period counts as taken."""
    from junheng.engines.synclass import SyncRequest as EngineRequest

    class_ids = {r.core_class_id for r in requests} | {r.member_class_id for r in requests}
    teacher_ids = {r.teacher_id for r in requests}
    classes: dict[str, set[tuple[int, int]]] = {}
    for sc in SchoolClass.objects.filter(pk__in=class_ids):
        closed = {
            (d, p)
            for d in range(1, DAYS + 1)
            for p in range(timetables.periods_of(sc.grade) + 1, PERIODS + 1)
        }
        classes[str(sc.pk)] = closed
    teachers: dict[str, set[tuple[int, int]]] = {str(t): set() for t in teacher_ids}
    for cid, d, p in TimetableEntry.objects.filter(school_class_id__in=class_ids).values_list(
        "school_class_id", "day", "period"
    ):
        classes[str(cid)].add((d, p))
    for tid, d, p in TimetableEntry.objects.filter(teacher_id__in=teacher_ids).values_list(
        "teacher_id", "day", "period"
    ):
        teachers[str(tid)].add((d, p))
    engine = [
        EngineRequest(
            str(r.pk),
            str(r.teacher_id),
            str(r.core_class_id),
            (str(r.member_class_id),),
            r.per_week,
            r.subject,
        )
        for r in requests
    ]
    return classes, teachers, engine


def _lock_draft(schedule: SyncSchedule) -> SyncSchedule:
    locked = SyncSchedule.objects.select_for_update().get(pk=schedule.pk)
    if locked.status != ScheduleStatus.DRAFT:
        raise ActionError(_("本学期同步课堂已发布，不能重新排课。"))
    return locked


def do_schedule_term(*, by: User, county: County, term: Term, max_load: int = 20) -> SyncSchedule:
    """(Re)compute the term's weekly synchronous lessons as a job (a draft until published)."""
    require_actor(by, Role.BUREAU)
    if not 0 <= max_load <= 40:
        raise ActionError(_("教师每周课时上限须在 0 到 40 之间。"))
    with transaction.atomic():
        schedule, _created = SyncSchedule.objects.get_or_create(
            county=county, term=term, defaults={"created_by": by, "max_load": max_load}
        )
        schedule = _lock_draft(schedule)
        schedule.max_load = max_load
        schedule.computing = True
        schedule.save(update_fields=["max_load", "computing"])
        audit(by, "communities.schedule_term", schedule, max_load=max_load)

    start_job(
        "sync_schedule",
        "junheng.communities.tasks.schedule_job",
        by=by,
        target=schedule,
        title=_("%(t)s 同步课堂排课") % {"t": term.name},
        on_fail="junheng.communities.tasks.schedule_failed",
        schedule_id=schedule.pk,
    )
    schedule.refresh_from_db()
    return schedule


def execute_schedule(schedule_id: int, job: Job | None = None) -> dict[str, Any]:
    """The job body: read timetables and requests, place the lessons, store the weekly slots."""
    from junheng.engines.synclass import schedule_lessons

    schedule = SyncSchedule.objects.get(pk=schedule_id)
    if job is not None:
        report(job, _("读取课表与同步课堂需求"), 10)
    requests = county_requests(schedule.county_id)
    classes, teachers, engine = schedule_inputs(requests)
    if job is not None:
        report(job, _("求解同步课堂课表"), 30)
    try:
        plan = schedule_lessons(
            days=DAYS,
            periods=PERIODS,
            classes=classes,
            teachers=teachers,
            requests=engine,
            max_load=schedule.max_load,
        )
    except InputError as err:
        raise JobFailed(err.reason) from err
    if job is not None:
        report(job, _("保存方案"), 90)
    with transaction.atomic():
        schedule = _lock_draft(schedule)
        SyncSlot.objects.filter(schedule=schedule).delete()
        SyncSlot.objects.bulk_create(
            [
                SyncSlot(schedule=schedule, request_id=int(rid), day=d, period=p)
                for rid, slots in plan.placed.items()
                for d, p in slots
            ]
        )
        schedule.summary = plan.summary
        schedule.unplaced = [
            {"request": int(u.request_id), "missing": u.missing, "reason": u.reason}
            for u in plan.unplaced
        ]
        schedule.computing = False
        schedule.computed_at = timezone.now()
        schedule.save(update_fields=["summary", "unplaced", "computing", "computed_at"])
    return plan.summary


def term_dates(term: Term, day: int) -> list[dt.date]:
    """Every date of the term that falls on weekday `day` (1 = Monday)."""
    first = term.start + dt.timedelta(days=(day - 1 - term.start.weekday()) % 7)
    out = []
    d = first
    while d <= term.end:
        out.append(d)
        d += dt.timedelta(days=7)
    return out


def do_publish_schedule(schedule: SyncSchedule, *, by: User) -> int:
    """Freeze the weekly slots and write every dated lesson of the term; returns how many."""
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        schedule = _lock_draft(schedule)
        if schedule.computed_at is None or schedule.computing:
            raise ActionError(_("请先完成排课再发布。"))
        slots = list(schedule.slots.all())
        if not slots:
            raise ActionError(_("没有安排任何同步课堂，不能发布。"))
        term = schedule.term
        lessons = [
            SyncLesson(schedule=schedule, request_id=s.request_id, date=d, period=s.period)
            for s in slots
            for d in term_dates(term, s.day)
        ]
        SyncLesson.objects.bulk_create(lessons, batch_size=2000)
        schedule.status = ScheduleStatus.PUBLISHED
        schedule.published_at = timezone.now()
        schedule.published_by = by
        schedule.save(update_fields=["status", "published_at", "published_by"])
        audit(by, "communities.publish_schedule", schedule, lessons=len(lessons))
    return len(lessons)


# --------------------------------------------------------------------------- delivery


def may_record(by: User | None, lesson: SyncLesson) -> bool:
    """The bureau, or the admin of the lesson's core or member school."""
    m = lesson.request.membership
    return may_act(by, Role.BUREAU, Role.SCHOOL, school_ids={m.school_id, m.community.core_id})


def do_record_lesson(lesson: SyncLesson, *, by: User, status: str, reason: str = "") -> SyncLesson:
    """Record a lesson held or cancelled (with its reason), or back to planned."""
    if not may_record(by, lesson):
        raise PermissionDenied
    if status not in LessonStatus.values:
        raise ActionError(_("未知的状态。"))
    reason = reason.strip()
    if status == LessonStatus.CANCELLED and not reason:
        raise ActionError(_("取消须填写原因。"))
    if status == LessonStatus.HELD and lesson.date > timezone.localdate():
        raise ActionError(_("尚未到上课日期，不能登记为已上。"))
    with transaction.atomic():
        lesson = SyncLesson.objects.select_for_update().get(pk=lesson.pk)
        lesson.status = status
        lesson.reason = reason if status == LessonStatus.CANCELLED else ""
        lesson.recorded_at = timezone.now() if status != LessonStatus.PLANNED else None
        lesson.recorded_by = by if status != LessonStatus.PLANNED else None
        lesson.save(update_fields=["status", "reason", "recorded_at", "recorded_by"])
        audit(
            by,
            f"communities.lesson_{status}",
            lesson.request.membership.community,
            lesson=lesson.pk,
            date=str(lesson.date),
        )
    return lesson


# --------------------------------------------------------------------------- joint activities


def may_log(by: User | None, community: Community) -> bool:
    """The bureau, or the admin of the community's core or of one of its members."""
    from junheng.communities.sharing import community_school_ids

    # The bureau first: it needs no query for the community's schools.
    return may_act(by, Role.BUREAU) or may_act(
        by, Role.SCHOOL, school_ids=community_school_ids(community)
    )


def may_delete_activity(by: User | None, activity: Any) -> bool:
    """The bureau, or the school admin who logged it (one of the community's schools)."""
    return may_act(by, Role.BUREAU) or (
        may_log(by, activity.community)
        and may_act(by, Role.SCHOOL, user_id=activity.recorded_by_id)
    )


def do_log_activity(
    community: Community,
    *,
    by: User,
    kind: str,
    title: str,
    date: dt.date,
    host: School,
    participants: int = 0,
    note: str = "",
) -> Any:
    from junheng.communities.models import Activity, ActivityKind

    if not may_log(by, community):
        raise PermissionDenied
    if kind not in ActivityKind.values:
        raise ActionError(_("未知的活动类型。"))
    if not title.strip():
        raise ActionError(_("请填写活动主题。"))
    in_it = host.pk == community.core_id or community.memberships.filter(school=host).exists()
    if not in_it:
        raise ActionError(_("承办学校须是本教共体的学校。"))
    if date > timezone.localdate():
        raise ActionError(_("只能登记已经开展的活动。"))
    with transaction.atomic():
        a = Activity.objects.create(
            community=community,
            kind=kind,
            title=title.strip(),
            date=date,
            host=host,
            participants=max(0, participants),
            note=note,
            recorded_by=by,
        )
        audit(by, "communities.log_activity", community, activity=a.pk, kind=kind)
    return a


def do_delete_activity(activity: Any, *, by: User) -> None:
    if not may_delete_activity(by, activity):
        raise PermissionDenied
    with transaction.atomic():
        audit(by, "communities.delete_activity", activity.community, title=activity.title)
        activity.delete()
