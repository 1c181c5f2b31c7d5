"""The bureau's run: placing every school of a grade at once, as a job."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.engines.io import InputError
from junheng.engines.lottery import seed_commitment
from junheng.engines.placement import Cohort, PlacementResult, place_all
from junheng.errors import ActionError
from junheng.jobs.actions import JobCancelled, progress, start_job
from junheng.jobs.models import Job
from junheng.placement import adapters
from junheng.placement.actions.common import (
    _members_from_students,
    _precheck,
    engine_input_of,
    request_rows,
)
from junheng.placement.actions.drafts import _draft_rows
from junheng.placement.actions.draw import (
    _apply_draw,
    _commit_fields,
    do_publish_placement,
    set_final_seed,
)
from junheng.placement.models import (
    BulkPlacementRun,
    BulkPlacementSchool,
    BulkStatus,
    Placement,
    PlacementMember,
    PlacementStatus,
    Witness,
)
from junheng.public_draw import clean_entropy
from junheng.region.models import School, Student, Term


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
    require_actor(by, Role.BUREAU)
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
    require_actor(by, Role.BUREAU)
    value = clean_entropy(entropy, error=ActionError)
    with transaction.atomic():
        fresh = BulkPlacementRun.objects.select_for_update().get(pk=run.pk)
        # A failed or cancelled run stored nothing; its seeds are fixed, so it may run again.
        if fresh.status not in (BulkStatus.COMMITTED, BulkStatus.FAILED):
            raise ActionError(_("本次统一编班已运行，不能再次运行。"))
        if fresh.entropy and fresh.entropy != value:  # a re-run is no second roll of the dice
            raise ActionError(
                _("本次抽签已录入公开随机数“%(e)s”，重新运行须使用同一组数。")
                % {"e": fresh.entropy}
            )
        fresh.status, fresh.message = BulkStatus.QUEUED, ""
        fresh.entropy = value
        fresh.save(update_fields=["status", "message", "entropy"])
        audit(by, "placement.bulk_run", fresh, entropy=value)

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


def _progress_writer(run_id: int, total: int, job: Job | None = None) -> Callable[[int, int], None]:

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

    try:
        return place_all(todo, method, processes=processes, progress=progress)
    except (InputError, JobCancelled):
        raise
    except Exception:  # noqa: BLE001 - an InputError does not survive pickling: find it again
        return place_all(todo, method, processes=1, progress=progress)


def execute_bulk_run(run_id: int, job: Job | None = None) -> dict[str, Any]:
    """The task body: place every pending school with the engine's `place_all`, store each
    result as that school's draw (locked), and keep progress on the run row (and on `job`,
    whose cancel stops the run before anything is stored)."""

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
    require_actor(by, Role.BUREAU)
    if run.status != BulkStatus.DONE:
        raise ActionError(_("统一编班尚未完成。"))
    n = 0
    for p in Placement.objects.filter(bulk_run=run, status=PlacementStatus.DRAWN):
        do_publish_placement(p, by=by)
        n += 1
    return n
