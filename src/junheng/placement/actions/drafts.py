"""Placement drafts: the cohort, settings, requests, teacher teams and witnesses."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.errors import ActionError
from junheng.placement import adapters
from junheng.placement.actions.common import (
    _check_feasible,
    _lock,
    _members_from_students,
    _require,
    cohort_students,
    member_rows,
    request_rows,
)
from junheng.placement.models import (
    Placement,
    PlacementMember,
    PlacementRequest,
    PlacementStatus,
    RequesterRole,
    RequestKind,
    Source,
    TeacherTeam,
    Witness,
)
from junheng.public_draw import unique_pseudonyms
from junheng.region.models import School, Student, Teacher, Term


@transaction.atomic
def do_create_placement(
    *,
    school: School,
    term: Term,
    grade: int,
    n_classes: int,
    method: str,
    balance_extras: bool,
    by: User,
    imported: adapters.ImportedCohort | None = None,
) -> Placement:
    """A draft placement with its cohort from the region data, or from an imported file whose
    ids are the codes of this school's students of that grade (its together/apart labels become
    requests)."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=school.pk)
    if Placement.objects.filter(school=school, term=term, grade=grade).exists():
        raise ActionError(_("本学期该年级已有编班。"))
    placement = Placement(
        school=school,
        term=term,
        grade=grade,
        n_classes=n_classes,
        method=method,
        balance_extras=balance_extras,
        created_by=by,
        source=Source.IMPORT if imported else Source.REGION,
    )
    if imported is None:
        students = cohort_students(school, grade)
        if not students:
            raise ActionError(_("本校 %(g)d 年级没有学生。") % {"g": grade})
        members = _members_from_students(placement, students)
        request_specs: list[tuple[str, str, list[str]]] = []
    else:
        by_code = {s.code: s for s in Student.objects.filter(school=school, grade=grade)}
        members = []
        aliases = unique_pseudonyms(len(imported.members))
        for i, row in enumerate(imported.members):
            s = by_code.get(row.code)
            if s is None:
                raise ActionError(
                    _("第 %(row)d 行 student_id 列：%(code)s 不是本校 %(g)d 年级的学生编码。")
                    % {"row": i + 2, "code": row.code, "g": grade}
                )
            members.append(
                PlacementMember(
                    placement=placement,
                    student=s,
                    code=s.code,
                    pseudonym=aliases[i],
                    name=s.name,
                    gender=row.gender,
                    score=row.score,
                    needs=row.needs,
                    migrant=row.migrant,
                    left_behind=row.left_behind,
                )
            )
        request_specs = [
            (RequestKind.TOGETHER, label, codes)
            for label, codes in imported.together.items()
            if len(codes) > 1
        ]
        request_specs += [
            (RequestKind.APART, label, codes)
            for label, codes in imported.apart.items()
            if len(codes) > 1
        ]
    rows = member_rows(members)
    specs = [
        adapters.RequestRow(key=f"i{k}", kind=kind, codes=tuple(codes))
        for k, (kind, _label, codes) in enumerate(request_specs)
    ]
    _check_feasible(rows, specs, n_classes, method, balance_extras)
    placement.save()
    for m in members:
        m.placement = placement
    PlacementMember.objects.bulk_create(members, batch_size=1000)
    if request_specs:
        by_member = {m.code: m.student for m in members}
        for kind, label, codes in request_specs:
            req = PlacementRequest.objects.create(
                placement=placement,
                kind=kind,
                reason=_("导入名单：%(label)s") % {"label": label},
                requested_by_name=by.get_full_name() or by.username,
                requested_by_role=RequesterRole.SCHOOL,
                created_by=by,
            )
            req.students.set([s for c in codes if (s := by_member[c]) is not None])
    return placement


def _draft_rows(placement: Placement) -> list[adapters.MemberRow]:
    return member_rows(placement.members.filter(late=False).order_by("code"))


@transaction.atomic
def do_update_settings(
    placement: Placement, *, n_classes: int, method: str, balance_extras: bool, by: User
) -> Placement:
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(placement, PlacementStatus.DRAFT)
    if placement.teams.count() > n_classes:
        raise ActionError(_("教师团队多于班级数：请先删去多余的团队。"))
    _check_feasible(
        _draft_rows(placement), request_rows(placement), n_classes, method, balance_extras
    )
    placement.n_classes = n_classes
    placement.method = method
    placement.balance_extras = balance_extras
    placement.save(update_fields=["n_classes", "method", "balance_extras"])
    return placement


@transaction.atomic
def do_add_request(
    placement: Placement,
    *,
    kind: str,
    students: Sequence[Student],
    reason: str,
    requested_by_name: str,
    requested_by_role: str,
    by: User,
) -> PlacementRequest:
    """Record a together (twins, siblings) or apart (separation) request, with who asked."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(placement, PlacementStatus.DRAFT, message=_("种子承诺已公布，不能再登记申请。"))
    codes = sorted({s.code for s in students})
    if len(codes) < 2:
        raise ActionError(_("一条申请至少涉及两名学生。"))
    members = set(placement.members.values_list("code", flat=True))
    outside = [c for c in codes if c not in members]
    if outside:
        raise ActionError(
            _("这些学生不在本次编班名单中：%(codes)s") % {"codes": "、".join(outside)}
        )
    new = adapters.RequestRow(key="new", kind=kind, codes=tuple(codes))
    _check_feasible(
        _draft_rows(placement),
        [*request_rows(placement), new],
        placement.n_classes,
        placement.method,
        placement.balance_extras,
    )
    req = PlacementRequest.objects.create(
        placement=placement,
        kind=kind,
        reason=reason,
        requested_by_name=requested_by_name,
        requested_by_role=requested_by_role,
        created_by=by,
    )
    req.students.set(list(students))
    return req


@transaction.atomic
def do_delete_request(req: PlacementRequest, *, by: User) -> None:
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=req.placement.school_id)
    placement = _lock(req.placement)
    _require(placement, PlacementStatus.DRAFT)
    req.delete()


@transaction.atomic
def do_add_team(
    placement: Placement, *, label: str, homeroom: Teacher, teachers: Sequence[Teacher], by: User
) -> TeacherTeam:
    """A teacher team (homeroom teacher and others of the school) to be drawn to a class."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(placement, PlacementStatus.DRAFT)
    everyone = [homeroom, *teachers]
    if any(t.school_id != placement.school_id for t in everyone):
        raise ActionError(_("只能选择本校教师。"))
    if placement.teams.count() >= placement.n_classes:
        raise ActionError(_("每个班一个教师团队：已有 %(n)d 个。") % {"n": placement.n_classes})
    if placement.teams.filter(label=label).exists():
        raise ActionError(_("团队名称重复。"))
    if (
        placement.teams.filter(homeroom=homeroom).exists()
        or placement.teams.filter(teachers=homeroom).exists()
    ):
        raise ActionError(_("%(name)s 已在另一个团队中。") % {"name": homeroom.name})
    team = TeacherTeam.objects.create(placement=placement, label=label, homeroom=homeroom)
    team.teachers.set([t for t in teachers if t.pk != homeroom.pk])
    return team


@transaction.atomic
def do_delete_team(team: TeacherTeam, *, by: User) -> None:
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=team.placement.school_id)
    placement = _lock(team.placement)
    _require(placement, PlacementStatus.DRAFT)
    team.delete()


@transaction.atomic
def do_add_witness(placement: Placement, *, name: str, role: str, by: User) -> Witness:
    """Witnesses are recorded before the run (parent representatives, inspectors, a notary)."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(
        placement,
        PlacementStatus.DRAFT,
        PlacementStatus.COMMITTED,
        message=_("抽签已进行，不能再登记监督人。"),
    )
    return Witness.objects.create(placement=placement, name=name.strip(), role=role, added_by=by)
