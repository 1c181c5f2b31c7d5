"""Balanced supply (均衡供给): the bureau's supply run as a job, and publishing it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.afterschool import adapters
from junheng.afterschool.actions.offerings import check_can_offer
from junheng.afterschool.actions.vetting import do_expire_providers
from junheng.afterschool.models import (
    Offering,
    OfferingSource,
    OfferingStatus,
    PlacementStatus,
    RunStatus,
    SchoolSlot,
    SupplyPlacement,
    SupplyRun,
)
from junheng.errors import ActionError
from junheng.jobs.actions import progress, start_job
from junheng.jobs.models import Job
from junheng.region.models import Term, TimeSlot


def do_start_supply_run(
    term: Term, *, by: User, target: float = 10.0, seed: int = 0, time_limit_s: float = 30.0
) -> SupplyRun:
    """Create a run for the term and compute it through the task queue."""
    require_actor(by, Role.BUREAU)
    do_expire_providers(by=None)  # the history shows lapsed entries before the plan leaves them out
    run = SupplyRun.objects.create(
        term=term, target=target, seed=seed, time_limit_s=time_limit_s, created_by=by
    )
    _enqueue(run, by)
    run.refresh_from_db()
    return run


def do_rerun_supply(run: SupplyRun, *, by: User) -> SupplyRun:
    """Re-plan with the run's locked and forbidden placements kept."""
    require_actor(by, Role.BUREAU)
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


def execute_supply_run(run_id: int, job: Job | None = None) -> dict[str, Any]:
    """The task body: build the engine inputs from live data, plan, store placements and figures.

    With `job` (junheng.jobs), the stages are reported on its progress bar too and a cancel
    request stops the run between stages (nothing is written before the last one).
    """
    from junheng.engines.io import InputError
    from junheng.engines.supply import plan_supply

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
    require_actor(by, Role.BUREAU)
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
    require_actor(by, Role.BUREAU)
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
                except ActionError as err:
                    checked[p.course_id] = str(err)
            refusal = checked[p.course_id]
            if refusal is None:
                ok.append(p)
            elif refusal not in skipped:
                skipped.append(refusal)
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
