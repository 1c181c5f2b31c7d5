"""The only writers of class placement (均衡编班 / 阳光分班): one `do_<verb>_<thing>` per change.

Each action takes the acting user as `by=`, checks the state it starts from, writes the change
and its audit record in one transaction and raises `ActionError` (a message fit to show the user)
when the change is not allowed — nothing is saved then.

The sunshine draw: a draft (cohort, classes, method, requests, teams) is *committed*: a seed is
drawn with `secrets`, and sha256(seed) and the SHA-256 of the engine's input file are published
before anything is run (the inputs are frozen then). Witnesses are recorded. At the draw the
public entropy of the ceremony is entered (numbers the witnesses give, or read from a public
source) and the engine runs exactly once with the final seed
sha256(seed:inputs_sha256:entropy) (`junheng.engines.lottery.final_seed`), then the placement
is locked (a second run is refused); teacher teams are drawn to classes by the same final seed.
Publishing reveals the seeds and writes every student's class. Students appear in the draw's
files by a random per-placement pseudonym (`PlacementMember.pseudonym`), never by their code. Late arrivals go afterwards into
the smallest class holding nobody they must be kept apart from.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import User, audit
from junheng.engines.io import InputError, csv_bytes
from junheng.engines.lottery import final_seed, seed_commitment
from junheng.engines.placement import Cohort, PlacementResult, draw_teams, place, place_all
from junheng.errors import DomainError
from junheng.placement import adapters
from junheng.placement.models import (
    AuditEvent,
    BulkPlacementRun,
    BulkPlacementSchool,
    BulkStatus,
    LateArrival,
    Placement,
    PlacementAudit,
    PlacementMember,
    PlacementRequest,
    PlacementStatus,
    RequesterRole,
    RequestKind,
    Source,
    TeacherTeam,
    Witness,
)
from junheng.public_draw import clean_entropy, unique_pseudonyms
from junheng.region.models import School, SchoolClass, Student, Teacher, Term


class ActionError(DomainError):
    """A change that is not allowed (the domain's one error type, see `junheng.errors`)."""


class DrawLockedError(ActionError):
    """The draw has already run: it is locked and is never run twice."""


CHECK_SEED = "feasibility-check"


# --------------------------------------------------------------------------- helpers


def member_rows(members: Iterable[PlacementMember]) -> list[adapters.MemberRow]:
    return [
        adapters.MemberRow(
            code=m.code,
            gender=m.gender,
            score=m.score,
            needs=m.needs,
            migrant=m.migrant,
            left_behind=m.left_behind,
            name=m.name,
            pseudonym=m.pseudonym,
        )
        for m in members
    ]


def request_rows(placement: Placement) -> list[adapters.RequestRow]:
    reqs = placement.requests.prefetch_related("students")
    return [
        adapters.RequestRow(
            key=str(r.pk), kind=r.kind, codes=tuple(sorted(s.code for s in r.students.all()))
        )
        for r in reqs
    ]


def engine_input_of(placement: Placement) -> adapters.EngineInput:
    """The engine input of the cohort as drawn (late arrivals are not part of the draw)."""
    members = list(placement.members.filter(late=False).order_by("code"))
    if any(not m.pseudonym for m in members):  # every path that adds a member gives one
        raise ActionError(_("编班名单中有学生缺少公示化名编号。"))
    return adapters.engine_input(
        member_rows(members), request_rows(placement), balance_extras=placement.balance_extras
    )


def result_file(placement: Placement) -> bytes:
    """The draw's result file as `junheng place --out` writes it (student_id = pseudonym,
    class), sorted by student_id: its SHA-256 is the published result hash."""
    rows = sorted(
        placement.members.filter(late=False)
        .exclude(class_no=None)
        .values_list("pseudonym", "class_no")
    )
    return csv_bytes(["student_id", "class"], rows)


def _precheck(
    n_students: int, n_classes: int, requests: Sequence[adapters.RequestRow], known: set[str]
) -> None:
    """The impossible requests, said in the user's words before the engine is asked."""
    if n_classes < 1:
        raise ActionError(_("班级数至少为 1。"))
    if n_classes > n_students:
        raise ActionError(
            _("%(n)d 名学生无法分成 %(k)d 个班。") % {"n": n_students, "k": n_classes}
        )
    cap = math.ceil(n_students / n_classes)
    for r in requests:
        codes = [c for c in r.codes if c in known]
        if r.kind == RequestKind.APART and len(codes) > n_classes:
            raise ActionError(
                _("分开申请有 %(k)d 名学生，但只有 %(n)d 个班：无法让他们互不同班。")
                % {"k": len(codes), "n": n_classes}
            )
    try:
        tog = adapters.together_labels(requests, known)
        apt = adapters.apart_labels(requests, known)
    except adapters.RequestConflictError as err:
        raise ActionError(
            _("学生 %(code)s 已在另一条分开申请中：请把这些学生合并为一条分开申请。")
            % {"code": str(err)}
        ) from err
    sizes = Counter(tog.values())
    for label, size in sizes.items():
        if size > cap:
            raise ActionError(
                _("同班组有 %(k)d 名学生，超过每班最多 %(cap)d 人。") % {"k": size, "cap": cap}
            )
        inside = [apt[c] for c, lab in tog.items() if lab == label and c in apt]
        if len(inside) != len(set(inside)):
            raise ActionError(_("同一个同班组里有两名学生又被申请分开。"))


def _check_feasible(
    members: Sequence[adapters.MemberRow],
    requests: Sequence[adapters.RequestRow],
    n_classes: int,
    method: str,
    balance_extras: bool,
) -> adapters.EngineInput:
    known = {m.code for m in members}
    _precheck(len(members), n_classes, requests, known)
    data = adapters.engine_input(members, requests, balance_extras=balance_extras)
    try:
        place(data.students, n_classes, CHECK_SEED, method, max_iter=0)
    except InputError as err:
        raise ActionError(_("编班条件无法满足：%(reason)s") % {"reason": err.reason}) from err
    return data


def _require(placement: Placement, *states: str, message: str | None = None) -> None:
    if placement.status not in states:
        if placement.is_locked and PlacementStatus.COMMITTED in states:
            raise DrawLockedError(_("本次编班已抽签并锁定，不能再次抽签或修改。"))
        raise ActionError(
            message or _("当前状态（%(s)s）不允许此操作。") % {"s": placement.get_status_display()}
        )


def _lock(placement: Placement) -> Placement:
    """Re-read the placement under a row lock (the state check must see the latest state)."""
    fresh = Placement.objects.select_for_update().get(pk=placement.pk)
    placement.status = fresh.status
    return fresh


def _witness_list(placement: Placement) -> list[dict[str, str]]:
    return [{"name": w.name, "role": w.get_role_display()} for w in placement.witnesses.all()]


def _members_from_students(
    placement: Placement, students: Sequence[Student]
) -> list[PlacementMember]:
    aliases = unique_pseudonyms(len(students))
    return [
        PlacementMember(
            placement=placement,
            student=s,
            code=s.code,
            pseudonym=alias,
            name=s.name,
            gender=s.gender,
            score=s.score,
            needs=s.support_needs,
            migrant=s.migrant,
            left_behind=s.left_behind,
        )
        for s, alias in zip(students, aliases, strict=True)
    ]


def cohort_students(school: School, grade: int) -> list[Student]:
    """The cohort from the region data: every student of that grade at the school."""
    return list(Student.objects.filter(school=school, grade=grade).order_by("code"))


# --------------------------------------------------------------------------- drafts


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
    placement = _lock(req.placement)
    _require(placement, PlacementStatus.DRAFT)
    req.delete()


@transaction.atomic
def do_add_team(
    placement: Placement, *, label: str, homeroom: Teacher, teachers: Sequence[Teacher], by: User
) -> TeacherTeam:
    """A teacher team (homeroom teacher and others of the school) to be drawn to a class."""
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
    placement = _lock(team.placement)
    _require(placement, PlacementStatus.DRAFT)
    team.delete()


@transaction.atomic
def do_add_witness(placement: Placement, *, name: str, role: str, by: User) -> Witness:
    """Witnesses are recorded before the run (parent representatives, inspectors, a notary)."""
    placement = _lock(placement)
    _require(
        placement,
        PlacementStatus.DRAFT,
        PlacementStatus.COMMITTED,
        message=_("抽签已进行，不能再登记监督人。"),
    )
    return Witness.objects.create(placement=placement, name=name.strip(), role=role, added_by=by)


# --------------------------------------------------------------------------- the sunshine draw


def _commit_fields(placement: Placement, seed: str, data: adapters.EngineInput) -> None:
    placement.seed = seed
    placement.seed_commitment = seed_commitment(seed)
    placement.input_sha256 = data.sha256
    placement.status = PlacementStatus.COMMITTED
    placement.committed_at = timezone.now()


@transaction.atomic
def do_commit_placement(placement: Placement, *, by: User) -> Placement:
    """Lock the inputs, draw the seed and publish sha256(seed) with the input hash."""
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
    from junheng.jobs.actions import start_job
    from junheng.jobs.models import Job

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


def execute_draw(placement_id: int, *, by: User | None, job: Any = None) -> dict[str, Any]:
    """The job body of a placement draw: the engine runs with no transaction open, with the
    final seed fixed by `do_run_draw`, then the result is stored in one short transaction
    that checks again that nobody drew first."""
    from junheng.jobs.actions import progress

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


# --------------------------------------------------------------------------- the bureau's run


@transaction.atomic
def do_start_bulk_run(
    *,
    term: Term,
    grade: int,
    method: str,
    max_class_size: int,
    witnesses: Sequence[tuple[str, str]],
    by: User,
) -> BulkPlacementRun:
    """Prepare and commit every school's placement of a grade under one public seed.

    Each school's seed is f"{seed}:{school code}". Schools that already committed their own
    placement are skipped; a school's draft (with its requests and teams) is used as it is;
    other schools get a placement from the region data with ceil(students / max size) classes.
    """
    if not witnesses:
        raise ActionError(_("抽签前须登记至少一名监督人。"))
    seed = secrets.token_hex(16)
    run = BulkPlacementRun.objects.create(
        term=term,
        grade=grade,
        method=method,
        max_class_size=max_class_size,
        seed=seed,
        seed_commitment=seed_commitment(seed),
        created_by=by,
        witnesses=[{"name": n, "role": r} for n, r in witnesses],
    )
    students_by_school: dict[int, list[Student]] = {}
    for s in Student.objects.filter(grade=grade).order_by("school_id", "code"):
        students_by_school.setdefault(s.school_id, []).append(s)
    existing = {p.school_id: p for p in Placement.objects.filter(term=term, grade=grade)}
    schools = School.objects.filter(pk__in=students_by_school).order_by("code")
    new_placements: list[Placement] = []
    for school in schools:
        if school.pk not in existing:
            n = len(students_by_school[school.pk])
            new_placements.append(
                Placement(
                    school=school,
                    term=term,
                    grade=grade,
                    method=method,
                    n_classes=max(1, math.ceil(n / max_class_size)),
                    created_by=by,
                )
            )
    Placement.objects.bulk_create(new_placements, batch_size=500)
    created = {
        p.school_id: p
        for p in Placement.objects.filter(
            term=term, grade=grade, school_id__in=[p.school_id for p in new_placements]
        )
    }
    members: list[PlacementMember] = []
    for school_id, p in created.items():
        members += _members_from_students(p, students_by_school[school_id])
    PlacementMember.objects.bulk_create(members, batch_size=2000)
    lines: list[BulkPlacementSchool] = []
    witness_rows: list[Witness] = []
    total = 0
    for school in schools:
        p = existing.get(school.pk) or created[school.pk]
        line = BulkPlacementSchool(
            run=run, school=school, placement=p, students=len(students_by_school[school.pk])
        )
        if p.status != PlacementStatus.DRAFT:
            line.status = BulkPlacementSchool.Status.SKIPPED
            line.message = _("学校已自行公布种子承诺（%(s)s）。") % {"s": p.get_status_display()}
            lines.append(line)
            continue
        rows = _draft_rows(p)
        reqs = request_rows(p)
        line.students, line.classes = len(rows), p.n_classes
        try:
            teams = p.teams.count()
            if teams not in (0, p.n_classes):
                raise ActionError(_("教师团队数与班级数不符。"))
            _precheck(len(rows), p.n_classes, reqs, {r.code for r in rows})
        except ActionError as err:
            line.status = BulkPlacementSchool.Status.FAILED
            line.message = str(err)[:300]
            lines.append(line)
            continue
        data = adapters.engine_input(rows, reqs, balance_extras=p.balance_extras)
        _commit_fields(p, f"{seed}:{school.code}", data)
        p.bulk_run = run
        p.save(
            update_fields=[
                "seed",
                "seed_commitment",
                "input_sha256",
                "status",
                "committed_at",
                "bulk_run",
            ]
        )
        witness_rows += [Witness(placement=p, name=n, role=r, added_by=by) for n, r in witnesses]
        total += len(rows)
        lines.append(line)
    Witness.objects.bulk_create(witness_rows, batch_size=2000)
    BulkPlacementSchool.objects.bulk_create(lines, batch_size=1000)
    run.schools_total = sum(1 for ln in lines if ln.status == BulkPlacementSchool.Status.PENDING)
    run.students_total = total
    run.save(update_fields=["schools_total", "students_total"])
    audit(
        by, "placement.bulk_commit", run, commitment=run.seed_commitment, schools=run.schools_total
    )
    return run


def do_run_bulk(run: BulkPlacementRun, *, by: User, entropy: str) -> BulkPlacementRun:
    """Queue the committed run with the ceremony's public `entropy` (a background task; the
    demo's immediate backend runs it now). Each school's final seed is
    sha256(school seed : its inputs_sha256 : entropy)."""
    value = clean_entropy(entropy, error=ActionError)
    with transaction.atomic():
        fresh = BulkPlacementRun.objects.select_for_update().get(pk=run.pk)
        # A failed or cancelled run stored nothing; its seeds are fixed, so it may run again.
        if fresh.status not in (BulkStatus.COMMITTED, BulkStatus.FAILED):
            raise DrawLockedError(_("本次统一编班已运行，不能再次运行。"))
        if fresh.entropy and fresh.entropy != value:  # a re-run is no second roll of the dice
            raise ActionError(
                _("本次抽签已录入公开随机数“%(e)s”，重新运行须使用同一组数。")
                % {"e": fresh.entropy}
            )
        fresh.status, fresh.message = BulkStatus.QUEUED, ""
        fresh.entropy = value
        fresh.save(update_fields=["status", "message", "entropy"])
        audit(by, "placement.bulk_run", fresh, entropy=value)
    from junheng.jobs.actions import start_job

    start_job(
        "placement_bulk",
        "junheng.placement.tasks.bulk_job",
        by=by,
        target=run,
        title=_("统一编班：%(r)s") % {"r": run},
        on_fail="junheng.placement.tasks.bulk_failed",
        run_id=run.pk,
    )
    run.refresh_from_db()
    return run


def _progress_writer(run_id: int, total: int, job: Any = None) -> Callable[[int, int], None]:
    from junheng.jobs.actions import progress

    step = max(1, total // 50)

    def write(done: int, _total: int) -> None:
        if done % step == 0 or done == total:
            pct = min(90, 5 + int(80 * done / max(total, 1)))
            BulkPlacementRun.objects.filter(pk=run_id).update(schools_done=done, progress=pct)
            if job is not None:
                progress(job, _("编班中：%(d)d / %(t)d 所学校") % {"d": done, "t": total}, pct)

    return write


def _place_many(
    todo: list[Cohort], method: str, processes: int, progress: Callable[[int, int], None]
) -> list[PlacementResult]:
    if processes <= 1 or len(todo) < 8:
        return place_all(todo, method, processes=1, progress=progress)
    from junheng.jobs.actions import JobCancelled

    try:
        return place_all(todo, method, processes=processes, progress=progress)
    except (InputError, JobCancelled):
        raise
    except Exception:  # noqa: BLE001 - an InputError does not survive pickling: find it again
        return place_all(todo, method, processes=1, progress=progress)


def execute_bulk_run(run_id: int, job: Any = None) -> dict[str, Any]:
    """The task body: place every pending school with the engine's `place_all`, store each
    result as that school's draw (locked), and keep progress on the run row (and on `job`,
    whose cancel stops the run before anything is stored)."""
    from junheng.jobs.actions import progress

    if job is not None:
        progress(job, _("读取各校名单"), 2)
    run = BulkPlacementRun.objects.get(pk=run_id)
    run.status, run.started_at, run.progress = BulkStatus.RUNNING, timezone.now(), 5
    run.save(update_fields=["status", "started_at", "progress"])
    lines: dict[int, BulkPlacementSchool] = {
        ln.placement_id: ln
        for ln in run.schools.filter(status=BulkPlacementSchool.Status.PENDING).select_related(
            "placement", "school"
        )
        if ln.placement_id is not None
    }
    cohorts: list[Cohort] = []
    failed: dict[int, str] = {}
    method_of: dict[int, str] = {}
    for pid, ln in lines.items():
        p = ln.placement
        assert p is not None
        data = engine_input_of(p)
        if data.sha256 != p.input_sha256:  # the inputs are frozen at commit
            failed[pid] = _("编班名单与公布的输入哈希不一致，抽签中止。")
            continue
        seed = set_final_seed(p, run.entropy)
        cohorts.append(
            Cohort(key=str(pid), students=data.students, n_classes=p.n_classes, seed=seed)
        )
        method_of[pid] = p.method
    processes = int(getattr(settings, "JUNHENG_PLACEMENT_PROCESSES", 2))
    results: dict[int, PlacementResult] = {}
    # a school's own draft may use another method than the run's: one place_all per method
    for method in sorted(set(method_of.values())):
        todo = [c for c in cohorts if method_of[int(c.key)] == method]
        while todo:
            try:
                out = _place_many(todo, method, processes, _progress_writer(run.pk, len(todo), job))
            except InputError as err:
                key, _sep, reason = err.reason.partition(":")
                failed[int(key)] = reason.strip()
                todo = [c for c in todo if c.key != key]
                continue
            results.update({int(c.key): r for c, r in zip(todo, out, strict=True)})
            break
    BulkPlacementRun.objects.filter(pk=run.pk).update(progress=90, schools_done=len(results))
    if job is not None:
        progress(job, _("保存各校分班结果"), 90)
    worst_dev, worst_gender, violations = 0.0, 0, 0
    with transaction.atomic():
        for pid, ln in lines.items():
            if pid in failed:
                ln.status, ln.message = BulkPlacementSchool.Status.FAILED, failed[pid][:300]
                ln.save(update_fields=["status", "message"])
                continue
            p, result = ln.placement, results[pid]
            assert p is not None
            _apply_draw(p, result, by=run.created_by)
            ln.status, ln.summary = BulkPlacementSchool.Status.DONE, dict(result.summary)
            ln.save(update_fields=["status", "summary"])
            worst_dev = max(worst_dev, float(result.summary["score_max_dev"]))
            worst_gender = max(worst_gender, int(result.summary["gender_max_diff"]))
            violations += int(result.summary["violations"])
        run.status, run.progress, run.finished_at = BulkStatus.DONE, 100, timezone.now()
        run.schools_done = len(results)
        run.summary = {
            "schools": len(results),
            "failed": len(failed),
            "students": sum(len(c.students) for c in cohorts if int(c.key) in results),
            "score_max_dev": round(worst_dev, 6),
            "gender_max_diff": worst_gender,
            "violations": violations,
        }
        run.message = _("已完成 %(n)d 所学校的抽签。") % {"n": len(results)}
        if failed:
            run.message += " " + _("%(n)d 所学校失败。") % {"n": len(failed)}
        run.save(
            update_fields=[
                "status",
                "progress",
                "finished_at",
                "schools_done",
                "summary",
                "message",
            ]
        )
    return {"status": "done", "schools": len(results), "failed": len(failed)}


@transaction.atomic
def do_publish_bulk(run: BulkPlacementRun, *, by: User) -> int:
    """Publish every drawn placement of a finished run."""
    if run.status != BulkStatus.DONE:
        raise ActionError(_("统一编班尚未完成。"))
    n = 0
    for p in Placement.objects.filter(bulk_run=run, status=PlacementStatus.DRAWN):
        do_publish_placement(p, by=by)
        n += 1
    return n
