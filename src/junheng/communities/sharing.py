"""Teacher exchange and shared courses inside a community (教共体内教师交流、共享课程).

Writes, like `actions`: each `do_*` takes `by`, checks role and state, writes in one
transaction with an audit row; refusals are `ActionError`.

- **Teacher exchange**: the bureau, the core school or the teacher's own school plans that a
  teacher of the community goes to another of its schools in a year's rotation. The rotation
  round of that year reads the plan as the teacher's wish (`exchange_preferences`, called by
  `junheng.rotation.adapters.round_inputs`): after the teacher's own choices, in the next empty
  place of three. The engine still decides (needs, the rules, the balance of the county); the
  community page shows what the published plan did with it.
- **Shared courses**: the core school (or the bureau) shares one of its own after-school
  courses (校内自主课程) with the members; a member school puts it on its term menu through
  the one offering writer, `junheng.afterschool.actions.do_create_offering` (slot and seats
  checked there), and its parents choose it in the course supermarket as any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import may_act, require_actor
from junheng.afterschool.models import (
    Course,
    CourseStatus,
    Offering,
    OfferingSource,
    OfferingStatus,
)
from junheng.communities.models import Community, SharedCourse, TeacherExchange
from junheng.errors import ActionError
from junheng.region.models import School, Teacher, Term, TimeSlot

if TYPE_CHECKING:
    from django.db.models import QuerySet

MAX_PREFS = 3  # a rotation preference holds three schools


def community_school_ids(community: Community) -> set[int]:
    """The core and the members of a community."""
    return {community.core_id, *community.memberships.values_list("school_id", flat=True)}


# --------------------------------------------------------------------------- teacher exchange


def may_plan_exchange(
    by: User | None, community: Community, teacher_school_id: int | None = None
) -> bool:
    """The bureau, the core school's admin, or (for its own teachers) a member school's."""
    if may_act(by, Role.BUREAU):
        return True
    allowed = {community.core_id}
    if teacher_school_id is not None:
        allowed.add(teacher_school_id)
    return may_act(by, Role.SCHOOL, school_ids=allowed & community_school_ids(community))


def do_plan_exchange(
    community: Community,
    *,
    by: User,
    teacher: Teacher,
    to_school: School,
    year: int,
    note: str = "",
) -> TeacherExchange:
    """Plan a teacher's exchange to another school of the community in `year`'s rotation."""
    if not may_plan_exchange(by, community, teacher.school_id):
        raise PermissionDenied
    if not community.active:
        raise ActionError(_("该教共体已撤销。"))
    schools = community_school_ids(community)
    if teacher.school_id not in schools:
        raise ActionError(_("教师须是本教共体学校的教师。"))
    if to_school.pk not in schools:
        raise ActionError(_("交流学校须是本教共体的学校。"))
    if to_school.pk == teacher.school_id:
        raise ActionError(_("交流学校不能是教师所在的学校。"))
    if not 2000 <= year <= 2100:
        raise ActionError(_("年度须在 2000 到 2100 之间。"))
    with transaction.atomic():
        taken = TeacherExchange.objects.filter(teacher=teacher, year=year).first()
        if taken is not None:
            raise ActionError(
                _("%(t)s 已有 %(y)s 年度的交流计划。") % {"t": teacher.name, "y": year}
            )
        ex = TeacherExchange.objects.create(
            community=community,
            teacher=teacher,
            to_school=to_school,
            year=year,
            note=note.strip(),
            created_by=by,
        )
        audit(
            by,
            "communities.plan_exchange",
            community,
            teacher=teacher.code,
            to_school=to_school.code,
            year=year,
        )
    return ex


def do_cancel_exchange(exchange: TeacherExchange, *, by: User) -> None:
    if not may_plan_exchange(by, exchange.community, exchange.teacher.school_id):
        raise PermissionDenied
    with transaction.atomic():
        audit(
            by,
            "communities.cancel_exchange",
            exchange.community,
            teacher=exchange.teacher.code,
            year=exchange.year,
        )
        exchange.delete()


def exchange_preferences(county_id: int, year: int) -> dict[int, list[int]]:
    """teacher pk -> the school pks their active communities plan to send them to in `year`
    (the rotation round's adapters add them after the teacher's own choices)."""
    out: dict[int, list[int]] = {}
    rows = (
        TeacherExchange.objects.filter(
            community__county_id=county_id, community__active=True, year=year
        )
        .exclude(to_school_id=F("teacher__school_id"))  # a teacher who has moved there since
        .order_by("teacher_id", "pk")
        .values_list("teacher_id", "to_school_id")
    )
    for tid, sid in rows:
        out.setdefault(tid, []).append(sid)
    return out


def merge_preferences(own: Iterable[str], community: Iterable[str]) -> tuple[str, ...]:
    """A teacher's own choices first, then the community's plan, at most three, no repeats."""
    out: list[str] = []
    for code in [*own, *community]:
        if code not in out and len(out) < MAX_PREFS:
            out.append(code)
    return tuple(out)


def exchange_rows(community: Community) -> list[dict[str, Any]]:
    """The community's planned exchanges, each with what that year's published rotation plan
    did with it: moved there, moved elsewhere, stays, or not yet decided."""
    from junheng.rotation.models import Move, RotationRound

    exchanges = list(
        community.exchanges.select_related("teacher__school", "to_school").order_by(
            "-year", "teacher__code"
        )
    )
    runs = {
        r.year: r.published_run_id
        for r in RotationRound.objects.filter(
            county_id=community.county_id,
            year__in={e.year for e in exchanges},
            published_run__isnull=False,
        )
    }
    moves = {
        (m.run_id, m.teacher_id): m
        for m in Move.objects.filter(
            run_id__in=[r for r in runs.values() if r is not None],
            teacher_id__in=[e.teacher_id for e in exchanges],
        ).select_related("to_school")
    }
    rows = []
    for e in exchanges:
        run_id = runs.get(e.year)
        move = moves.get((run_id, e.teacher_id)) if run_id is not None else None
        if run_id is None:
            outcome, label = "pending", _("待交流轮岗方案发布")
        elif move is None:
            outcome, label = "stays", _("未安排交流")
        elif move.to_school_id == e.to_school_id:
            outcome, label = "done", _("已安排到该校")
        else:
            outcome, label = "elsewhere", _("安排到 %(s)s") % {"s": move.to_school.name}
        rows.append({"e": e, "outcome": outcome, "label": label})
    return rows


# --------------------------------------------------------------------------- shared courses


def may_share(by: User | None, community: Community) -> bool:
    """The bureau, or the admin of the community's core school."""
    return may_act(by, Role.BUREAU, Role.SCHOOL, school_id=community.core_id)


def do_share_course(community: Community, *, by: User, course: Course) -> SharedCourse:
    """Share one of the core school's own approved courses with the community's members."""
    if not may_share(by, community):
        raise PermissionDenied
    if not community.active:
        raise ActionError(_("该教共体已撤销。"))
    if course.school_id != community.core_id:
        raise ActionError(_("只能共享核心校的校内自主课程。"))
    if course.status != CourseStatus.APPROVED:
        raise ActionError(_("课程“%(c)s”尚未通过审核。") % {"c": course.title})
    with transaction.atomic():
        shared, created = SharedCourse.objects.get_or_create(
            community=community, course=course, defaults={"shared_by": by}
        )
        if not created:
            raise ActionError(_("课程“%(c)s”已经共享。") % {"c": course.title})
        audit(by, "communities.share_course", community, course=course.pk)
    return shared


def do_unshare_course(shared: SharedCourse, *, by: User) -> None:
    """Stop sharing; offerings already on members' menus stay for their term."""
    if not may_share(by, shared.community):
        raise PermissionDenied
    with transaction.atomic():
        audit(by, "communities.unshare_course", shared.community, course=shared.course_id)
        shared.delete()


def do_offer_shared_course(
    shared: SharedCourse,
    *,
    by: User,
    school: School,
    term: Term,
    slot: TimeSlot,
    seats: int,
) -> Offering:
    """A member school puts a shared course on its term menu (the bureau may do it for it)."""
    from junheng.afterschool.actions import do_create_offering

    community = shared.community
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school.pk)
    if not community.active:
        raise ActionError(_("该教共体已撤销。"))
    if not community.memberships.filter(school=school).exists():
        raise ActionError(_("只有本教共体的成员校可以开设共享课程。"))
    if Offering.objects.filter(
        course=shared.course, school=school, term=term, slot=slot, status=OfferingStatus.OPEN
    ).exists():
        raise ActionError(_("本学期该时段已开设这门课程。"))
    with transaction.atomic():
        offering = do_create_offering(
            by=by,
            term=term,
            course=shared.course,
            school=school,
            slot=slot,
            seats=seats,
            source=OfferingSource.SCHOOL,
            shared=True,
        )
        audit(
            by,
            "communities.offer_shared_course",
            community,
            course=shared.course_id,
            school=school.code,
            offering=offering.pk,
        )
    return offering


def shared_course_rows(community: Community, term: Term | None) -> list[dict[str, Any]]:
    """Each shared course with the member schools offering it this term (seats, offerings)."""
    shared = list(community.shared_courses.select_related("course__teacher").order_by("pk"))
    members = list(community.memberships.values_list("school_id", flat=True))
    offered: dict[int, list[Offering]] = {}
    if term is not None and shared:
        for o in (
            Offering.objects.filter(
                course_id__in=[s.course_id for s in shared],
                school_id__in=members,
                term=term,
                status=OfferingStatus.OPEN,
            )
            .select_related("school", "slot")
            .order_by("school__code", "slot__weekday", "slot__period")
        ):
            offered.setdefault(o.course_id, []).append(o)
    return [{"s": s, "offerings": offered.get(s.course_id, [])} for s in shared]


def shareable_courses(community: Community) -> QuerySet[Course]:
    """The core school's own approved courses not yet shared."""
    return (
        Course.objects.filter(school_id=community.core_id, status=CourseStatus.APPROVED)
        .exclude(community_shares__community=community)
        .order_by("title")
    )
