"""Teacher-rotation writes (交流轮岗): the only code that changes rotation rows.

Every `do_<verb>` takes the acting user (`by=`), checks role and state, writes in one
transaction and leaves an audit row. A published round is frozen: every change to it (rules,
needs, preferences, pins, runs) is refused (an `ActionError`). Plans are computed by
`junheng.engines.rotation.plan_rotation` in a task (`junheng.rotation.tasks`); rules that cannot
hold together end the run as `infeasible` with the engine's reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.engines.io import InputError
from junheng.engines.rotation import (
    TRADEOFF_SHARES,
    check_rotation,
    is_eligible,
    plan_rotation,
    plan_tradeoff,
)
from junheng.errors import ActionError
from junheng.exports import Cell, Export, Sheet, in_language
from junheng.jobs import rounds
from junheng.jobs.actions import progress
from junheng.jobs.models import ACTIVE_STATES, Job
from junheng.region.models import County, School, Teacher, UrbanRural
from junheng.rotation import adapters
from junheng.rotation.models import (
    MIN_RURAL_STINT_YEARS,
    Move,
    NeedsConfirmation,
    Pin,
    PinKind,
    PlanRun,
    Preference,
    RotationRound,
    RunStatus,
    Stint,
    SubjectNeed,
    Tradeoff,
)

logger = logging.getLogger(__name__)

RULE_FIELDS = (
    "min_years",
    "share",
    "max_share",
    "target_share",
    "backbone_share",
    "backbone_basis",
    "max_km",
    "max_age_male",
    "max_age_female",
    "stint_years",
    "preference_deadline",
)
BALANCE_INDICATORS = ("L1", "L2", "L3")  # the teacher indicators a rotation changes
DEFAULT_TIME_LIMIT_S = 60.0
DEFAULT_TRADEOFF_LIMIT_S = 100.0  # for the five shares together (20 s each)


def current_year() -> int:
    return timezone.localdate().year


def _frozen() -> str:
    return _("%(year)s 年度交流轮岗方案已发布，不能修改。")


def _lock_open(rnd: RotationRound) -> RotationRound:
    """Re-read the round under a row lock; refuse when it is published."""
    return rounds.lock_open(rnd, _frozen())


def _check_rules(values: Mapping[str, Any]) -> None:
    """The rules that hold together on their own (shares in [0, 1], floor ≤ target ≤ ceiling)."""
    for key in ("share", "backbone_share", "max_share", "target_share"):
        v = values.get(key)
        if v is not None and not Decimal(0) <= Decimal(v) <= Decimal(1):
            raise ActionError(_("比例必须在 0 到 1 之间。"))
    floor = Decimal(values.get("share") or 0)
    ceiling = values.get("max_share")
    target = values.get("target_share")
    if ceiling is not None and Decimal(ceiling) < floor:
        raise ActionError(_("交流比例上限不能低于下限。"))
    if target is not None and Decimal(target) < floor:
        raise ActionError(_("目标交流比例不能低于下限。"))
    if target is not None and ceiling is not None and Decimal(target) > Decimal(ceiling):
        raise ActionError(_("目标交流比例不能高于上限。"))
    if float(values.get("max_km") or 0) < 0:
        raise ActionError(_("最远交流距离不能为负。"))
    if values.get("backbone_basis") not in (None, "movers", "eligible"):
        raise ActionError(_("骨干比例计算基数无效。"))


# --------------------------------------------------------------------------- rounds


def do_open_round(
    *, by: User, year: int, county: County | None = None, **rules: Any
) -> RotationRound:
    """Open the year's round with its rules; every school's needs start at 85% of its staff."""
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        rnd = rounds.open_round(
            RotationRound,
            by=by,
            year=year,
            county=county,
            rules=rules,
            fields=RULE_FIELDS,
            check=_check_rules,
            exists=_("%(year)s 年度的交流轮岗已经开启。"),
        )
        schools = adapters.county_schools(rnd)
        SubjectNeed.objects.bulk_create(
            [
                SubjectNeed(round=rnd, school_id=s, subject=subj, required=req)
                for s, subj, req in adapters.default_needs(schools)
            ]
        )
        audit(by, "rotation.open_round", rnd, year=year)
    return rnd


def do_update_rules(rnd: RotationRound, *, by: User, **rules: Any) -> RotationRound:
    require_actor(by, Role.BUREAU)
    return rounds.update_rules(
        rnd,
        by=by,
        rules=rules,
        fields=RULE_FIELDS,
        check=_check_rules,
        frozen=_frozen(),
        action="rotation.update_rules",
    )


# --------------------------------------------------------------------------- needs


def do_set_needs(
    rnd: RotationRound, school: School, *, by: User, needs: Mapping[str, int]
) -> list[SubjectNeed]:
    """Replace a school's subject needs (subject -> required; 0 removes it); clears confirmation."""
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school.pk)
    for subject, req in needs.items():
        if req < 0:
            raise ActionError(_("%(s)s 的人数不能为负。") % {"s": subject})
    with transaction.atomic():
        rnd = _lock_open(rnd)
        SubjectNeed.objects.filter(round=rnd, school=school).delete()
        rows = SubjectNeed.objects.bulk_create(
            [
                SubjectNeed(round=rnd, school=school, subject=s, required=r)
                for s, r in sorted(needs.items())
                if r > 0
            ]
        )
        NeedsConfirmation.objects.filter(round=rnd, school=school).delete()
        audit(by, "rotation.set_needs", rnd, school=school.code, needs=dict(sorted(needs.items())))
    return rows


def do_confirm_needs(rnd: RotationRound, school: School, *, by: User) -> NeedsConfirmation:
    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school.pk)
    with transaction.atomic():
        rnd = _lock_open(rnd)
        conf, _created = NeedsConfirmation.objects.update_or_create(
            round=rnd, school=school, defaults={"confirmed_by": by}
        )
        audit(by, "rotation.confirm_needs", rnd, school=school.code)
    return conf


# --------------------------------------------------------------------------- preferences


def preferences_open(rnd: RotationRound, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    if rnd.is_published:
        return False
    return rnd.preference_deadline is None or today <= rnd.preference_deadline


def do_state_preferences(
    rnd: RotationRound,
    *,
    by: User,
    schools: Sequence[School | None],
    hardship: bool = False,
    hardship_reason: str = "",
) -> Preference:
    """An eligible teacher states up to three preferred schools and hardship reasons."""
    require_actor(by, Role.TEACHER)
    teacher = by.teacher
    if teacher is None:
        raise PermissionDenied
    teacher = Teacher.objects.select_related("school").get(pk=teacher.pk)
    picked = [s for s in schools if s is not None]
    if len(picked) > 3:
        raise ActionError(_("最多填报三个志愿学校。"))
    if len({s.pk for s in picked}) != len(picked):
        raise ActionError(_("志愿学校不能重复。"))
    if any(s.pk == teacher.school_id for s in picked):
        raise ActionError(_("不能填报本校。"))
    reachable = {s.pk for s, _km in adapters.reachable_schools(rnd, teacher)}
    if any(s.pk not in reachable for s in picked):
        raise ActionError(_("志愿学校须为同学段、在最远交流距离以内的学校。"))
    if hardship and not hardship_reason.strip():
        raise ActionError(_("请说明特殊困难。"))
    with transaction.atomic():
        rnd = _lock_open(rnd)
        if not preferences_open(rnd):
            raise ActionError(_("志愿填报已截止。"))
        if not adapters.teacher_is_eligible(rnd, teacher):
            raise ActionError(_("您本年度不在交流范围内，无需填报志愿。"))
        padded = [*picked, None, None, None][:3]
        pref, _created = Preference.objects.update_or_create(
            round=rnd,
            teacher=teacher,
            defaults={
                "pref1": padded[0],
                "pref2": padded[1],
                "pref3": padded[2],
                "hardship": hardship,
                "hardship_reason": hardship_reason.strip() if hardship else "",
            },
        )
        audit(
            by,
            "rotation.state_preferences",
            rnd,
            teacher=teacher.code,
            schools=[s.code for s in picked],
            hardship=hardship,
        )
    return pref


def do_load_preferences(
    rnd: RotationRound, *, by: User, rows: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """The bureau enters preferences collected on paper (teacher code -> school codes).

    Ineligible or unknown teachers are skipped; schools out of reach (other level, farther
    than the longest move, the own school, repeats) are dropped; at most three are kept.
    """
    require_actor(by, Role.BUREAU)
    levels = adapters.school_levels(rnd)
    by_code = {s.code: s for s, _level in levels.values()}
    teachers = {
        t.code: t
        for t in Teacher.objects.filter(
            school__county_id=rnd.county_id, code__in=list(rows)
        ).select_related("school")
    }
    rules = adapters.rules_of(rnd)
    reach_cache: dict[int, set[int]] = {}
    prefs: list[Preference] = []
    skipped = dropped = 0
    for code, wanted in sorted(rows.items()):
        t = teachers.get(code)
        if t is None or not adapters.eligible_under(rules, t):
            skipped += 1
            continue
        if t.school_id not in reach_cache:
            reach_cache[t.school_id] = {
                s.pk for s, _km in adapters.reachable_from(rnd, t.school_id, levels)
            }
        keep: list[School] = []
        for sc in wanted:
            s = by_code.get(sc)
            if s is None or s.pk not in reach_cache[t.school_id] or s in keep or len(keep) == 3:
                dropped += bool(sc)
                continue
            keep.append(s)
        padded = [*keep, None, None, None]
        prefs.append(
            Preference(round=rnd, teacher=t, pref1=padded[0], pref2=padded[1], pref3=padded[2])
        )
    with transaction.atomic():
        rnd = _lock_open(rnd)
        Preference.objects.filter(round=rnd, teacher__in=[p.teacher for p in prefs]).delete()
        Preference.objects.bulk_create(prefs, batch_size=2000)
        summary = {"loaded": len(prefs), "skipped_teachers": skipped, "dropped_schools": dropped}
        audit(by, "rotation.load_preferences", rnd, **summary)
    return summary


# --------------------------------------------------------------------------- pins


def do_pin(
    rnd: RotationRound, *, by: User, teacher: Teacher, school: School, kind: str, note: str = ""
) -> Pin:
    """Lock a teacher's outcome (to `school`; their own school = stays) or forbid a move."""
    require_actor(by, Role.BUREAU)
    if kind not in PinKind.values:
        raise ActionError(_("未知的类型。"))
    if kind == PinKind.FORBID and school.pk == teacher.school_id:
        raise ActionError(_("不能禁止教师留在本校；请改为锁定。"))
    with transaction.atomic():
        rnd = _lock_open(rnd)
        if kind == PinKind.LOCK:
            # one outcome per teacher: a new lock replaces an old one
            Pin.objects.filter(round=rnd, teacher=teacher, kind=PinKind.LOCK).delete()
        Pin.objects.filter(round=rnd, teacher=teacher, school=school).delete()
        pin = Pin.objects.create(
            round=rnd, teacher=teacher, school=school, kind=kind, note=note, created_by=by
        )
        audit(by, f"rotation.pin_{kind}", rnd, teacher=teacher.code, school=school.code)
    return pin


def do_unpin(pin: Pin, *, by: User) -> None:
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        rnd = _lock_open(pin.round)
        audit(by, "rotation.unpin", rnd, teacher=pin.teacher.code, school=pin.school.code)
        pin.delete()


# --------------------------------------------------------------------------- plan runs


def do_run_plan(
    rnd: RotationRound, *, by: User, time_limit_s: float = DEFAULT_TIME_LIMIT_S
) -> PlanRun:
    """Create a run with the round's rules and compute it through the task queue."""
    require_actor(by, Role.BUREAU)
    # A worker computes it; the round's page shows the job's progress (the test suite's
    # immediate backend computes it right here).
    return rounds.start_run(
        rnd,
        PlanRun,
        by=by,
        fields=RULE_FIELDS,
        frozen=_frozen(),
        job=(
            "rotation_plan",
            "junheng.rotation.tasks.plan_job",
            "junheng.rotation.tasks.plan_failed",
        ),
        title=_("交流轮岗方案计算：%(r)s") % {"r": rnd},
        action="rotation.run_plan",
        busy=_("方案正在计算中，请等待完成。"),
        time_limit_s=time_limit_s,
    )


def balance_before_after(moves: Sequence[Move], county_id: int) -> dict[str, Any]:
    """The balance monitor's what-if of the moves: CVs and passing schools, before and after."""
    from junheng.balance.adapters import TeacherMove, what_if

    changes = [TeacherMove(teacher_id=m.teacher_id, to_school_id=m.to_school_id) for m in moves]
    before, after = what_if(changes, School.objects.filter(county_id=county_id))
    out: dict[str, Any] = {"source": "balance.what_if", "levels": {}}
    if before.result is None or after.result is None:
        return out
    for level in before.levels():
        cvb, cva = before.result.cv[level], after.result.cv.get(level, {})
        out["levels"][level] = {
            ind: [round(cvb[ind], 4), round(cva.get(ind, cvb[ind]), 4)]
            for ind in BALANCE_INDICATORS
        }
    out["schools"] = len(before.result.schools)
    out["passing"] = [before.result.schools_passing, after.result.schools_passing]
    return out


def execute_plan_run(run_id: int, job: Job | None = None) -> dict[str, Any]:
    """The task body: engine inputs from live rows, plan, store moves and figures (with `job`,
    the stages show on its progress bar; a cancel stops it before anything is stored)."""

    def report(stage: Any, pct: int) -> None:
        if job is not None:
            progress(job, stage, pct)

    run = PlanRun.objects.select_related("round").get(pk=run_id)
    rnd = run.round
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    report(_("读取学校、教师与岗位需求"), 5)
    inputs = adapters.round_inputs(rnd)
    report(_("求解交流方案"), 20)
    try:
        plan = plan_rotation(
            inputs.schools,
            inputs.teachers,
            inputs.needs,
            rules=inputs.rules,
            locked=inputs.locked,
            forbidden=inputs.forbidden,
            time_limit_s=run.time_limit_s,
        )
    except InputError as err:
        run.status = RunStatus.INFEASIBLE
        run.message = str(err)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        return {"status": run.status, "message": run.message}
    report(_("保存方案并模拟均衡指标"), 80)
    rows = adapters.move_rows(inputs, plan.moves)
    with transaction.atomic():
        moves = Move.objects.bulk_create([Move(run=run, **r) for r in rows], batch_size=2000)
        run.summary = plan.summary
        run.per_school = plan.per_school
        run.solver = {k: v for k, v in plan.solver.items() if k != "problems"}
        if inputs.left_out:
            run.message = _("无学生数据、未参与交流的学校：%(s)s") % {
                "s": "、".join(s.name for s in inputs.left_out)
            }
        try:
            run.balance = balance_before_after(moves, rnd.county_id)
        except Exception:  # the plan stands without the monitor's view; say so on the page
            logger.exception("balance what-if failed for rotation run %s", run.pk)
            run.balance = {"source": "engine", "levels": {}}
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(
            update_fields=[
                "summary",
                "per_school",
                "solver",
                "balance",
                "status",
                "finished_at",
                "message",
            ]
        )
    return {"status": run.status, **plan.summary}


# --------------------------------------------------------------------------- trade-off

TRADEOFF_KEYS = (
    "share",
    "target",
    "moved",
    "backbone_moved",
    "backbone_share",
    "cv_backbone_before",
    "cv_backbone_after",
    "cv_qualified_before",
    "cv_qualified_after",
    "mean_km",
    "pref_met",
    "violations",
    "error",
)


def _active_job(kind: str, target_ids: Sequence[int]) -> bool:

    ids = [str(pk) for pk in target_ids]
    return Job.objects.filter(kind=kind, state__in=ACTIVE_STATES, target_id__in=ids).exists()


def do_run_tradeoff(
    rnd: RotationRound, *, by: User, time_limit_s: float = DEFAULT_TRADEOFF_LIMIT_S
) -> Tradeoff:
    """Plan the round at movers = 10%, 15%, 20%, 25%, 30% of eligible, as a job with progress."""
    require_actor(by, Role.BUREAU)
    return rounds.start_run(
        rnd,
        Tradeoff,
        by=by,
        fields=RULE_FIELDS,
        frozen=_frozen(),
        job=(
            "rotation_tradeoff",
            "junheng.rotation.tasks.tradeoff_job",
            "junheng.rotation.tasks.tradeoff_failed",
        ),
        title=_("交流人数与均衡效果：%(r)s") % {"r": rnd},
        action="rotation.run_tradeoff",
        arg="tradeoff_id",
        busy=_("交流人数与均衡效果正在计算中，请等待完成。"),
        time_limit_s=time_limit_s,
    )


def execute_tradeoff(tradeoff_id: int, job: Job | None = None) -> dict[str, Any]:
    """The task body: the engine's trade-off on live rows, one progress step per share."""

    tr = Tradeoff.objects.select_related("round").get(pk=tradeoff_id)
    tr.status = RunStatus.RUNNING
    tr.save(update_fields=["status"])
    if job is not None:
        progress(job, _("读取学校、教师与岗位需求"), 5)
    inputs = adapters.round_inputs(tr.round)
    shares = TRADEOFF_SHARES

    def on_row(i: int, _row: Mapping[str, Any]) -> None:
        if job is not None:
            progress(job, _("按各交流比例求解方案"), 10 + (85 * (i + 1)) // len(shares))

    try:
        rows = plan_tradeoff(
            inputs.schools,
            inputs.teachers,
            inputs.needs,
            rules=inputs.rules,
            shares=shares,
            locked=inputs.locked,
            forbidden=inputs.forbidden,
            time_limit_s=tr.time_limit_s,
            on_row=on_row,
        )
    except InputError as err:  # bad inputs, before any share is tried
        tr.status = RunStatus.INFEASIBLE
        tr.message = str(err)
        tr.finished_at = timezone.now()
        tr.save(update_fields=["status", "message", "finished_at"])
        return {"status": tr.status, "message": tr.message}
    eligible = sum(is_eligible(t, inputs.rules) for t in inputs.teachers)
    tr.rows = [{k: r[k] for k in TRADEOFF_KEYS if k in r} for r in rows]
    tr.eligible = eligible
    tr.status = RunStatus.DONE
    tr.finished_at = timezone.now()
    tr.save(update_fields=["rows", "eligible", "status", "finished_at"])
    return {"status": tr.status, "rows": len(tr.rows)}


def _share_key(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def tradeoff_table(rnd: RotationRound, tr: Tradeoff) -> dict[str, Any]:
    """The rows as the round page shows them: what each extra hundred movers buys, which share
    the bureau may choose (inside the floor and the ceiling), which one is chosen, and whether
    the rules changed since the table was computed."""
    floor = _share_key(rnd.share)
    ceiling = None if rnd.max_share is None else _share_key(rnd.max_share)
    chosen = None if rnd.target_share is None else _share_key(rnd.target_share)
    rows: list[dict[str, Any]] = []
    prev: dict[str, Any] | None = None
    for r in tr.rows:
        share = _share_key(r["share"])
        row = dict(r, share_pct=int(share * 100))
        ok = "error" not in r
        row["choosable"] = (
            ok and not rnd.is_published and share >= floor and (ceiling is None or share <= ceiling)
        )
        row["chosen"] = chosen == share
        for key in ("backbone", "qualified"):
            per100 = None
            if ok and prev is not None and r["moved"] > prev["moved"]:
                fall = prev[f"cv_{key}_after"] - r[f"cv_{key}_after"]
                per100 = round(100 * fall / (r["moved"] - prev["moved"]), 4)
            row[f"{key}_per100"] = per100
        if ok:
            prev = r
        rows.append(row)
    now = {k: str(getattr(rnd, k)) for k in RULE_FIELDS if k != "target_share"}
    then = {k: v for k, v in tr.rules.items() if k != "target_share"}
    good = [r for r in tr.rows if "error" not in r]
    chart = {
        "labels": [f"{r['share_pct']}% · {r.get('moved', '—')}" for r in rows],
        "backbone": [r.get("cv_backbone_after") for r in rows],
        "qualified": [r.get("cv_qualified_after") for r in rows],
        "backbone_before": good[0]["cv_backbone_before"] if good else None,
        "qualified_before": good[0]["cv_qualified_before"] if good else None,
        "backbone_label": _("骨干教师差异系数（交流后）"),
        "qualified_label": _("学历达标以上教师差异系数（交流后）"),
        "backbone_before_label": _("骨干教师差异系数（交流前）"),
        "qualified_before_label": _("学历达标以上教师差异系数（交流前）"),
        "x_label": _("交流比例 · 交流人数"),
        "y_label": _("差异系数"),
    }
    return {"rows": rows, "stale": now != then, "chart": chart if good else None}


def do_choose_share(rnd: RotationRound, *, by: User, share: Any) -> RotationRound:
    """The bureau takes one of the trade-off's shares: it becomes the round's target share."""
    require_actor(by, Role.BUREAU)
    try:
        value = _share_key(share)
    except ArithmeticError as exc:
        raise ActionError(_("无效的交流比例。")) from exc
    if value not in {_share_key(x) for x in TRADEOFF_SHARES}:
        raise ActionError(_("无效的交流比例。"))
    with transaction.atomic():
        rnd = _lock_open(rnd)
        _check_rules({**{k: getattr(rnd, k) for k in RULE_FIELDS}, "target_share": value})
        rnd.target_share = value
        rnd.save(update_fields=["target_share"])
        audit(by, "rotation.choose_share", rnd, target_share=str(value))
    return rnd


def recheck(run: PlanRun) -> list[str]:
    """Every hard rule broken by a stored plan, checked again on live rows (empty when valid)."""
    inputs = adapters.round_inputs(run.round)
    moves = adapters.stored_moves(run.moves.select_related("teacher", "from_school", "to_school"))
    return check_rotation(inputs.schools, inputs.teachers, inputs.needs, inputs.rules, moves)


# --------------------------------------------------------------------------- publish, stints


def stint_years_for(rnd: RotationRound, from_school: School, to_school: School) -> int:
    years = rnd.stint_years
    if from_school.urban_rural != UrbanRural.RURAL and to_school.urban_rural == UrbanRural.RURAL:
        years = max(years, MIN_RURAL_STINT_YEARS)
    return years


def do_publish(rnd: RotationRound, *, by: User) -> RotationRound:
    """Freeze the round with its latest completed plan and open a stint for every move."""
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        rnd = _lock_open(rnd)
        run = rnd.latest_run()
        if run is None or run.status != RunStatus.DONE:
            raise ActionError(_("请先计算出可行的交流方案再发布。"))
        moves = list(run.moves.select_related("from_school", "to_school"))
        Stint.objects.bulk_create(
            [
                Stint(
                    round=rnd,
                    teacher_id=m.teacher_id,
                    from_school=m.from_school,
                    to_school=m.to_school,
                    start_year=rnd.year,
                    planned_return_year=rnd.year + stint_years_for(rnd, m.from_school, m.to_school),
                )
                for m in moves
            ]
        )
        rounds.mark_published(rnd, run, by=by)
        audit(by, "rotation.publish", rnd, run=run.pk, moves=len(moves))
    return rnd


def do_mark_returned(stint: Stint, *, by: User, returned: bool = True) -> Stint:
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        stint = Stint.objects.select_for_update().get(pk=stint.pk)
        stint.returned = returned
        stint.returned_at = timezone.now() if returned else None
        stint.save(update_fields=["returned", "returned_at"])
        audit(by, "rotation.stint_returned", stint, returned=returned)
    return stint


# --------------------------------------------------------------------------- export


EXPORT_COLUMNS = (
    "序号",
    "姓名",
    "性别",
    "年龄",
    "学科",
    "骨干等级",
    "原学校",
    "交流学校",
    "距离(km)",
    "交流方式",
    "起止年限",
)


def exchange_mode(from_school: School, to_school: School) -> str:
    """交流方式, from the schools' urban-rural classes."""
    a, b = from_school.urban_rural, to_school.urban_rural
    if a != UrbanRural.RURAL and b == UrbanRural.RURAL:
        return _("城镇到乡村支教")
    if a == UrbanRural.RURAL and b != UrbanRural.RURAL:
        return _("乡村到城镇跟岗")
    return _("校际交流")


def plan_sheet(rnd: RotationRound, run: PlanRun) -> Sheet:
    """The plan in the layout a bureau files (in Chinese whatever the UI language): title
    row, one row per move, summary rows; the rows are read as the file is written."""
    with translation.override("zh-hans"):
        status = _("已发布") if rnd.is_published else _("草案")
        title = _("%(county)s %(year)s 年度义务教育学校教师交流轮岗名单（%(status)s）") % {
            "county": rnd.county.name,
            "year": rnd.year,
            "status": status,
        }
    moves = run.moves.select_related("teacher", "from_school", "to_school").order_by(
        "from_school__code", "teacher__code"
    )

    def rows() -> Iterator[list[Any]]:
        for i, m in enumerate(moves, start=1):
            t = m.teacher
            years = stint_years_for(rnd, m.from_school, m.to_school)
            yield [
                i,
                t.name,
                t.get_gender_display(),
                t.age,
                t.get_subject_display(),
                t.get_backbone_level_display(),
                m.from_school.name,
                m.to_school.name,
                round(m.km, 1),
                exchange_mode(m.from_school, m.to_school),
                f"{rnd.year}—{rnd.year + years}",
            ]
        s = run.summary
        yield []
        summary = [
            (_("符合交流条件教师（人）"), s.get("eligible")),
            (_("交流教师（人）"), s.get("moved")),
            (_("交流比例"), s.get("moved_share")),
            (_("骨干教师占交流教师比例"), s.get("backbone_share")),
            (_("骨干教师差异系数（交流前）"), s.get("cv_backbone_before")),
            (_("骨干教师差异系数（交流后）"), s.get("cv_backbone_after")),
            (_("学历达标以上教师差异系数（交流前）"), s.get("cv_qualified_before")),
            (_("学历达标以上教师差异系数（交流后）"), s.get("cv_qualified_after")),
            (_("平均交流距离（km）"), s.get("mean_km")),
            (_("满足志愿（人）"), s.get("pref_met")),
        ]
        for label, value in summary:
            # The label runs over the empty cells to its right, the figure in column I.
            yield [Cell(label, bold=True), None, None, None, None, None, None, None, value]

    with translation.override("zh-hans"):
        return Sheet(
            _("交流名单"),
            caption=title,
            header=list(EXPORT_COLUMNS),
            rows=in_language("zh-hans", rows()),
            widths=(6, 10, 6, 6, 10, 10, 22, 22, 10, 16, 14),
        )


def do_export_plan(*, by: User, round_id: int, run_id: int | None = None) -> Export:
    """The round's published plan (or latest plan, or the run given) in the filing layout,
    served or written by a job through `junheng.exports.serve`; audited."""
    from junheng.rotation.access import access_round

    require_actor(by, Role.BUREAU)
    rnd = access_round(by, round_id)
    run = rnd.runs.filter(pk=run_id).first() if run_id else rnd.published_run or rnd.latest_run()
    if run is None or run.status != RunStatus.DONE:
        raise ActionError(_("尚无可导出的交流方案。"))
    moves = run.moves.count()
    return Export(
        f"rotation-{rnd.year}.xlsx",
        [plan_sheet(rnd, run)],
        rows=moves + 11,
        audit="rotation.export_plan",
        target=rnd,
        details={"run": run.pk, "moves": moves},
    )
