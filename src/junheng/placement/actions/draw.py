"""The sunshine draw: commit, run once with the final seed, publish, late arrivals."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import junheng
from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.engines.io import InputError
from junheng.engines.lottery import final_seed, seed_commitment
from junheng.engines.placement import PlacementResult, draw_teams, place
from junheng.errors import ActionError
from junheng.jobs.actions import progress, start_job
from junheng.jobs.models import Job
from junheng.placement import adapters
from junheng.placement.actions.common import (
    _check_feasible,
    _lock,
    _require,
    _witness_list,
    engine_input_of,
    request_rows,
)
from junheng.placement.actions.drafts import _draft_rows
from junheng.placement.models import (
    AuditEvent,
    LateArrival,
    Placement,
    PlacementAudit,
    PlacementMember,
    PlacementRequest,
    PlacementStatus,
    RequesterRole,
    RequestKind,
    TeacherTeam,
)
from junheng.public_draw import clean_entropy, unique_pseudonyms
from junheng.region.models import SchoolClass, Student


def _commit_fields(placement: Placement, seed: str, data: adapters.EngineInput) -> None:
    placement.seed = seed
    placement.seed_commitment = seed_commitment(seed)
    placement.input_sha256 = data.sha256
    placement.status = PlacementStatus.COMMITTED
    placement.committed_at = timezone.now()


@transaction.atomic
def do_commit_placement(placement: Placement, *, by: User) -> Placement:
    """Lock the inputs, draw the seed and publish sha256(seed) with the input hash."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(placement, PlacementStatus.DRAFT)
    teams = placement.teams.count()
    if teams not in (0, placement.n_classes):
        raise ActionError(
            _("教师团队数（%(t)d）须等于班级数（%(n)d），或不抽教师团队。")
            % {"t": teams, "n": placement.n_classes}
        )
    data = _check_feasible(
        _draft_rows(placement),
        request_rows(placement),
        placement.n_classes,
        placement.method,
        placement.balance_extras,
    )
    _commit_fields(placement, secrets.token_hex(16), data)
    placement.save(
        update_fields=["seed", "seed_commitment", "input_sha256", "status", "committed_at"]
    )
    PlacementAudit.objects.create(
        placement=placement,
        event=AuditEvent.COMMIT,
        operator=by,
        seed_commitment=placement.seed_commitment,
        input_sha256=placement.input_sha256,
        detail={
            "students": len(data.students),
            "classes": placement.n_classes,
            "method": placement.method,
        },
    )
    audit(by, "placement.commit", placement, commitment=placement.seed_commitment)
    return placement


def _apply_draw(placement: Placement, result: PlacementResult, *, by: User | None) -> None:
    """Store a draw's result on the placement (inside the caller's transaction)."""
    class_of = result.class_of()
    members = list(placement.members.filter(late=False))
    for m in members:
        m.class_no = class_of[m.pseudonym]
    PlacementMember.objects.bulk_update(members, ["class_no"], batch_size=1000)
    teams = list(placement.teams.all())
    team_draw: dict[str, int] = {}
    if teams:
        drawn = draw_teams([t.label for t in teams], placement.n_classes, placement.final_seed)
        by_label = {t.label: t for t in teams}
        for class_no, label in drawn.items():
            by_label[label].class_no = class_no
            team_draw[label] = class_no
        TeacherTeam.objects.bulk_update(teams, ["class_no"])
    placement.result_sha256 = result.summary["result_sha256"]
    placement.engine_release = junheng.__version__
    placement.summary = dict(result.summary)
    placement.table = [
        {
            "class_no": r.class_no,
            "size": r.size,
            "female": r.female,
            "male": r.male,
            "needs": r.needs,
            "mean_score": r.mean_score,
            "attributes": dict(r.attributes),
        }
        for r in result.table
    ]
    placement.status = PlacementStatus.DRAWN
    placement.drawn_at = timezone.now()
    placement.drawn_by = by
    placement.save(
        update_fields=[
            "result_sha256",
            "engine_release",
            "summary",
            "table",
            "status",
            "drawn_at",
            "drawn_by",
            "entropy",
            "final_seed",
        ]
    )
    # The seeds stay hidden until publication (the publish record carries them).
    PlacementAudit.objects.create(
        placement=placement,
        event=AuditEvent.DRAW,
        operator=by,
        seed_commitment=placement.seed_commitment,
        witnesses=_witness_list(placement),
        input_sha256=placement.input_sha256,
        result_sha256=placement.result_sha256,
        detail={
            "entropy": placement.entropy,
            "inputs_sha256": placement.inputs_sha256,
            "method": placement.method,
            "classes": placement.n_classes,
            "summary": dict(result.summary),
            "teams": team_draw,
            "bulk_run": placement.bulk_run_id,
            "engine_release": placement.engine_release,
        },
    )


def set_final_seed(placement: Placement, entropy: str) -> str:
    """Record the draw's entropy and final seed (not saved): sha256(seed:inputs_sha256:entropy)."""
    placement.entropy = entropy
    placement.final_seed = final_seed(placement.seed, placement.inputs_sha256, entropy)
    return placement.final_seed


def do_run_draw(placement: Placement, *, by: User, entropy: str) -> Placement:
    """Start the committed draw with the ceremony's public `entropy` (a job: the page shows its
    progress); it runs exactly once, with the final seed sha256(seed:inputs_sha256:entropy),
    and afterwards the placement is locked. The checks a user can act on are made here at
    once. A failed attempt runs again with the same entropy (no second roll of the dice)."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)

    with transaction.atomic():
        placement = _lock(placement)
        _require(placement, PlacementStatus.COMMITTED, message=_("请先公布种子承诺，再进行抽签。"))
        value = clean_entropy(entropy, error=ActionError)
        if not placement.witnesses.exists():
            raise ActionError(_("抽签前须登记至少一名监督人。"))
        if placement.entropy and placement.entropy != value:
            raise ActionError(
                _("本次抽签已录入公开随机数“%(e)s”，重新运行须使用同一组数。")
                % {"e": placement.entropy}
            )
        running = Job.latest_for(placement, "placement_draw")
        if running is not None and running.is_active:
            raise ActionError(_("抽签正在进行中，请等待完成。"))
        set_final_seed(placement, value)
        placement.save(update_fields=["entropy", "final_seed"])
    start_job(
        "placement_draw",
        "junheng.placement.tasks.placement_draw_job",
        by=by,
        target=placement,
        title=_("编班抽签：%(p)s") % {"p": placement},
        placement_id=placement.pk,
        by_id=by.pk,
    )
    placement.refresh_from_db()
    return placement


def execute_draw(placement_id: int, *, by: User | None, job: Job | None = None) -> dict[str, Any]:
    """The job body of a placement draw: the engine runs with no transaction open, with the
    final seed fixed by `do_run_draw`, then the result is stored in one short transaction
    that checks again that nobody drew first."""

    def step(stage: Any, pct: int) -> None:
        if job is not None:
            progress(job, stage, pct)

    placement = Placement.objects.get(pk=placement_id)
    step(_("核对冻结的编班名单"), 5)
    data = engine_input_of(placement)
    if data.sha256 != placement.input_sha256:  # the inputs are frozen at commit
        raise ActionError(_("编班名单与公布的输入哈希不一致，抽签中止。"))
    if not placement.entropy:
        raise ActionError(_("请录入抽签现场的公开随机数（监督人报出的数字或公开来源读取的数字）。"))
    seed = final_seed(placement.seed, placement.inputs_sha256, placement.entropy)
    step(_("抽签并均衡编班"), 20)
    try:
        result = place(data.students, placement.n_classes, seed, placement.method)
    except InputError as err:
        raise ActionError(_("编班条件无法满足：%(reason)s") % {"reason": err.reason}) from err
    step(_("保存分班结果"), 85)
    with transaction.atomic():
        placement = _lock(placement)
        _require(placement, PlacementStatus.COMMITTED)
        _apply_draw(placement, result, by=by)
        audit(
            by,
            "placement.draw",
            placement,
            entropy=placement.entropy,
            result_sha256=placement.result_sha256,
        )
    return {"placement": placement.pk, "result_sha256": placement.result_sha256}


def _write_classes(placement: Placement) -> None:
    """Create classes 1..N of the grade and set every member's class (publication)."""
    classes = {}
    for k in range(1, placement.n_classes + 1):
        c, _created = SchoolClass.objects.get_or_create(
            school=placement.school, grade=placement.grade, number=k
        )
        classes[k] = c
    by_class: dict[int, list[int]] = {}
    for student_id, class_no in placement.members.exclude(student=None).values_list(
        "student_id", "class_no"
    ):
        if class_no is not None and student_id is not None:
            by_class.setdefault(class_no, []).append(student_id)
    for class_no, ids in by_class.items():
        Student.objects.filter(pk__in=ids).update(school_class=classes[class_no])
    # classes of that grade beyond N that no student sits in any more
    SchoolClass.objects.filter(
        school=placement.school,
        grade=placement.grade,
        number__gt=placement.n_classes,
        students__isnull=True,
    ).delete()


@transaction.atomic
def do_publish_placement(placement: Placement, *, by: User) -> Placement:
    """Reveal the seed, publish the lists (masked) and the balance table, write the classes."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(placement, PlacementStatus.DRAWN, message=_("只能公布已抽签的编班。"))
    _write_classes(placement)
    placement.status = PlacementStatus.PUBLISHED
    placement.published_at = timezone.now()
    placement.save(update_fields=["status", "published_at"])
    PlacementAudit.objects.create(
        placement=placement,
        event=AuditEvent.PUBLISH,
        operator=by,
        seed=placement.seed,
        seed_commitment=placement.seed_commitment,
        witnesses=_witness_list(placement),
        input_sha256=placement.input_sha256,
        result_sha256=placement.result_sha256,
        detail={"entropy": placement.entropy, "final_seed": placement.final_seed},
    )
    audit(
        by,
        "placement.publish",
        placement,
        seed=placement.seed,
        result_sha256=placement.result_sha256,
    )
    return placement


@transaction.atomic
def do_add_late_arrival(
    placement: Placement,
    *,
    student: Student,
    reason: str,
    apart_from: Sequence[Student] = (),
    requested_by_name: str = "",
    requested_by_role: str = RequesterRole.SCHOOL,
    by: User,
) -> LateArrival:
    """Place a student who arrives after publication into the smallest suitable class."""
    require_actor(by, Role.SCHOOL, Role.BUREAU, school_id=placement.school_id)
    placement = _lock(placement)
    _require(placement, PlacementStatus.PUBLISHED, message=_("公布编班结果后才能安排插班。"))
    if student.school_id != placement.school_id or student.grade != placement.grade:
        raise ActionError(_("该学生不是本校 %(g)d 年级的学生。") % {"g": placement.grade})
    if placement.members.filter(code=student.code).exists():
        raise ActionError(_("该学生已在编班名单中。"))
    members = list(placement.members.all())
    sizes = dict.fromkeys(range(1, placement.n_classes + 1), 0)
    same = dict.fromkeys(sizes, 0)
    for m in members:
        if m.class_no:
            sizes[m.class_no] += 1
            same[m.class_no] += int(m.gender == student.gender)
    apart_codes = {s.code for s in apart_from}
    class_of = {m.code: m.class_no for m in members}
    missing = sorted(apart_codes - set(class_of))
    if missing:
        raise ActionError(
            _("这些学生不在本次编班名单中：%(codes)s") % {"codes": "、".join(missing)}
        )
    blocked = {k for c in apart_codes if (k := class_of[c]) is not None}
    try:
        class_no = adapters.late_class(sizes, same, blocked, seed=placement.seed, code=student.code)
    except ValueError as err:
        raise ActionError(_("每个班都有需要分开的学生，无法安排。")) from err
    taken = placement.members.values_list("pseudonym", flat=True)
    member = PlacementMember.objects.create(
        placement=placement,
        student=student,
        code=student.code,
        pseudonym=unique_pseudonyms(1, taken)[0],
        name=student.name,
        gender=student.gender,
        score=student.score,
        needs=student.support_needs,
        migrant=student.migrant,
        left_behind=student.left_behind,
        class_no=class_no,
        late=True,
    )
    if apart_from:
        req = PlacementRequest.objects.create(
            placement=placement,
            kind=RequestKind.APART,
            reason=_("插班：%(reason)s") % {"reason": reason},
            requested_by_name=requested_by_name or (by.get_full_name() or by.username),
            requested_by_role=requested_by_role,
            created_by=by,
        )
        req.students.set([student, *apart_from])
    late = LateArrival.objects.create(
        placement=placement, member=member, class_no=class_no, reason=reason, by=by
    )
    school_class, _created = SchoolClass.objects.get_or_create(
        school=placement.school, grade=placement.grade, number=class_no
    )
    student.school_class = school_class
    student.save(update_fields=["school_class"])
    PlacementAudit.objects.create(
        placement=placement,
        event=AuditEvent.LATE,
        operator=by,
        seed_commitment=placement.seed_commitment,
        result_sha256=placement.result_sha256,
        detail={
            "student": student.code,
            "class_no": class_no,
            "reason": reason,
            "apart_from": sorted(apart_codes),
            "sizes_before": sizes,
        },
    )
    audit(by, "placement.late_arrival", placement, student=student.code, class_no=class_no)
    return late
