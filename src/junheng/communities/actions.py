"""Education-community writes (教共体): the only code that changes community rows.

Every `do_<verb>` takes the acting user (`by=`), checks role and state, writes in one
transaction and leaves an audit row. Refusals are `ActionError` (a ValidationError: the
pages show its message). Rules kept here:
- a school is in at most one active integration or co-construction community (also a
  database constraint on `Membership.exclusive`, which these actions keep in step);
- a core is not a member of its own community; a cross-region pair names its partner;
- a published pairing round is frozen; publishing creates one community per core.
Pairing plans are computed by `junheng.engines.pairing` in a task (`communities.tasks`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.communities import adapters
from junheng.communities.models import (
    EXCLUSIVE_KINDS,
    Community,
    Goal,
    Kind,
    Membership,
    Mode,
    PairingRound,
    PairingRun,
    PairPin,
    PinKind,
    ProposedPair,
    RoundSchool,
    RunStatus,
    SchoolResult,
)
from junheng.communities.models import Role as SchoolRole
from junheng.engines.io import InputError
from junheng.engines.pairing import nearest_core_pairing, pair_schools
from junheng.errors import ActionError
from junheng.jobs import rounds
from junheng.jobs.actions import progress as report
from junheng.jobs.models import Job
from junheng.region.models import County, School

logger = logging.getLogger(__name__)

RULE_FIELDS = ("kind", "capacity", "max_km", "remote", "results_weight")
COMMUNITY_FIELDS = ("name", "kind", "start_year", "partner_region", "partner_school", "note")


def current_year() -> int:
    return timezone.localdate().year


# --------------------------------------------------------------------------- communities


def _check_community(kind: str, partner_region: str, partner_school: str) -> None:
    if kind not in Kind.values:
        raise ActionError(_("未知的教共体类型。"))
    if kind == Kind.CROSS_REGION and not (partner_region.strip() and partner_school.strip()):
        raise ActionError(_("跨区域结对须填写结对地区和结对学校。"))


def _exclusive_conflicts(
    schools: Iterable[School], *, except_community: Community | None = None
) -> list[School]:
    ids = [s.pk for s in schools]
    qs = Membership.objects.filter(school_id__in=ids, exclusive=True)
    if except_community is not None:
        qs = qs.exclude(community=except_community)
    taken = set(qs.values_list("school_id", flat=True))
    return [s for s in schools if s.pk in taken]


def _refuse_conflicts(conflicts: Sequence[School]) -> None:
    if conflicts:
        raise ActionError(
            _("以下学校已是另一个融合型或共建型教共体的成员：%(s)s")
            % {"s": "、".join(s.name for s in conflicts)}
        )


def _sync_exclusive(community: Community) -> None:
    exclusive = community.active and community.kind in EXCLUSIVE_KINDS
    try:
        with transaction.atomic():
            Membership.objects.filter(community=community).update(exclusive=exclusive)
    except IntegrityError as exc:  # another community holds one of them
        raise ActionError(_("有成员校已是另一个融合型或共建型教共体的成员。")) from exc


def do_create_community(
    *,
    by: User,
    county: County,
    core: School,
    kind: str,
    start_year: int,
    name: str = "",
    members: Sequence[School] = (),
    modes: Mapping[int, str] | None = None,
    partner_region: str = "",
    partner_school: str = "",
    note: str = "",
    pairing_round: PairingRound | None = None,
) -> Community:
    """A community with its core and members (mode per member pk, default local)."""
    require_actor(by, Role.BUREAU)
    _check_community(kind, partner_region, partner_school)
    if core.county_id != county.pk or any(m.county_id != county.pk for m in members):
        raise ActionError(_("学校不属于该县（市、区）。"))
    if any(m.pk == core.pk for m in members):
        raise ActionError(_("核心校不能同时是本教共体的成员校。"))
    if len({m.pk for m in members}) != len(members):
        raise ActionError(_("成员校重复。"))
    with transaction.atomic():
        if kind in EXCLUSIVE_KINDS:
            _refuse_conflicts(_exclusive_conflicts(members))
        community = Community.objects.create(
            county=county,
            core=core,
            kind=kind,
            start_year=start_year,
            name=name.strip() or _default_name(core, kind),
            partner_region=partner_region.strip(),
            partner_school=partner_school.strip(),
            note=note,
            pairing_round=pairing_round,
            created_by=by,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    community=community,
                    school=m,
                    mode=(modes or {}).get(m.pk, Mode.LOCAL),
                    joined_year=start_year,
                    exclusive=kind in EXCLUSIVE_KINDS,
                )
                for m in members
            ]
        )
        audit(by, "communities.create", community, kind=kind, members=[m.code for m in members])
    return community


def _default_name(core: School, kind: str) -> str:
    if kind in (Kind.INTERNET, Kind.CROSS_REGION):
        return _("%(core)s结对共同体") % {"core": core.name}
    return _("%(core)s教育共同体") % {"core": core.name}


def do_update_community(community: Community, *, by: User, **fields: Any) -> Community:
    require_actor(by, Role.BUREAU)
    unknown = set(fields) - set(COMMUNITY_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        for k, v in fields.items():
            setattr(community, k, v.strip() if isinstance(v, str) and k != "note" else v)
        _check_community(community.kind, community.partner_region, community.partner_school)
        if community.active and community.kind in EXCLUSIVE_KINDS:
            members = [m.school for m in community.memberships.select_related("school")]
            _refuse_conflicts(_exclusive_conflicts(members, except_community=community))
        community.save(update_fields=list(fields))
        _sync_exclusive(community)
        audit(by, "communities.update", community, **{k: str(v) for k, v in fields.items()})
    return community


def do_add_member(
    community: Community, *, by: User, school: School, mode: str = Mode.LOCAL, year: int
) -> Membership:
    require_actor(by, Role.BUREAU)
    if school.county_id != community.county_id:
        raise ActionError(_("学校不属于该县（市、区）。"))
    if school.pk == community.core_id:
        raise ActionError(_("核心校不能同时是本教共体的成员校。"))
    if mode not in Mode.values:
        raise ActionError(_("未知的结对方式。"))
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        if not community.active:
            raise ActionError(_("该教共体已撤销。"))
        if community.memberships.filter(school=school).exists():
            raise ActionError(_("%(s)s 已是本教共体的成员校。") % {"s": school.name})
        exclusive = community.kind in EXCLUSIVE_KINDS
        if exclusive:
            _refuse_conflicts(_exclusive_conflicts([school]))
        try:
            with transaction.atomic():
                m = Membership.objects.create(
                    community=community,
                    school=school,
                    mode=mode,
                    joined_year=year,
                    exclusive=exclusive,
                )
        except IntegrityError as exc:
            raise ActionError(
                _("以下学校已是另一个融合型或共建型教共体的成员：%(s)s") % {"s": school.name}
            ) from exc
        audit(by, "communities.add_member", community, school=school.code, mode=mode)
    return m


def do_remove_member(membership: Membership, *, by: User) -> None:
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        audit(by, "communities.remove_member", membership.community, school=membership.school.code)
        membership.delete()


def do_dissolve_community(community: Community, *, by: User) -> Community:
    """Stop a community (its history stays); its members are free to join another."""
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        community.active = False
        community.save(update_fields=["active"])
        _sync_exclusive(community)
        audit(by, "communities.dissolve", community)
    return community


def do_set_goal(
    community: Community, *, by: User, year: int, lessons: int, activities: int, text: str = ""
) -> Goal:
    require_actor(by, Role.BUREAU)
    if lessons < 0 or activities < 0:
        raise ActionError(_("目标不能为负。"))
    with transaction.atomic():
        goal, _created = Goal.objects.update_or_create(
            community=community,
            year=year,
            defaults={"lessons": lessons, "activities": activities, "text": text},
        )
        audit(
            by, "communities.set_goal", community, year=year, lessons=lessons, activities=activities
        )
    return goal


# --------------------------------------------------------------------------- results


def do_set_results(
    *, by: User, year: int, scores: Mapping[int, float | None], note: str = ""
) -> int:
    """Enter (or clear, with None) schools' results of a year: school pk -> score 0-100."""
    require_actor(by, Role.BUREAU)
    for pk, score in scores.items():
        if score is not None and not 0 <= float(score) <= 100:
            school = School.objects.filter(pk=pk).values_list("name", flat=True).first()
            raise ActionError(
                _("%(school)s的得分须在 0 到 100 之间（填写的是 %(score)s）。")
                % {"school": school or pk, "score": f"{float(score):g}"}
            )
    changed = 0
    with transaction.atomic():
        for pk, score in sorted(scores.items()):
            if score is None:
                changed += SchoolResult.objects.filter(school_id=pk, year=year).delete()[0]
                continue
            SchoolResult.objects.update_or_create(
                school_id=pk,
                year=year,
                defaults={"score": float(score), "note": note, "updated_by": by},
            )
            changed += 1
        audit(by, "communities.set_results", None, year=year, schools=changed)
    return changed


# --------------------------------------------------------------------------- pairing rounds


def _lock_open(rnd: PairingRound) -> PairingRound:
    return rounds.lock_open(rnd, _("%(year)s 年度结对方案已发布，不能修改。"))


def _check_rules(rules: Mapping[str, Any]) -> None:
    if "kind" in rules and rules["kind"] not in Kind.values:
        raise ActionError(_("未知的教共体类型。"))
    if rules.get("kind") == Kind.CROSS_REGION:
        raise ActionError(_("跨区域结对须逐个建立（对方学校在本县以外）。"))
    for key in ("capacity", "remote"):
        if key in rules and not 0 <= int(rules[key]) <= 50:
            raise ActionError(_("结对上限须在 0 到 50 之间。"))
    if "max_km" in rules and not float(rules["max_km"]) >= 0:
        raise ActionError(_("最远距离不能为负。"))
    if "results_weight" in rules and not 0 <= float(rules["results_weight"]) <= 1:
        raise ActionError(_("权重须在 0 到 1 之间。"))


def do_open_round(
    *, by: User, year: int, county: County | None = None, **rules: Any
) -> PairingRound:
    """Open a year's pairing with its rules; roles start as the engine suggests (the
    strongest third of each level are cores), schools without students left out."""
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        rnd = rounds.open_round(
            PairingRound,
            by=by,
            year=year,
            county=county,
            rules=rules,
            fields=RULE_FIELDS,
            check=_check_rules,
            exists=_("%(year)s 年度的结对方案已经建立。"),
        )
        suggested = adapters.suggested_roles(rnd.county, year, rnd.results_weight)
        RoundSchool.objects.bulk_create(
            [
                RoundSchool(round=rnd, school=s, role=suggested.get(s.pk, SchoolRole.NONE))
                for s in School.objects.filter(county=rnd.county).order_by("code")
            ]
        )
        audit(by, "communities.open_round", rnd, year=year)
    return rnd


def do_update_round(rnd: PairingRound, *, by: User, **rules: Any) -> PairingRound:
    require_actor(by, Role.BUREAU)
    return rounds.update_rules(
        rnd,
        by=by,
        rules=rules,
        fields=RULE_FIELDS,
        check=_check_rules,
        frozen=_("%(year)s 年度结对方案已发布，不能修改。"),
        action="communities.update_round",
    )


def do_set_roles(
    rnd: PairingRound, *, by: User, roles: Mapping[int, tuple[str, int | None]]
) -> int:
    """Set schools' roles: school pk -> (core | member | none, capacity or None)."""
    require_actor(by, Role.BUREAU)
    for role, cap in roles.values():
        if role not in SchoolRole.values:
            raise ActionError(_("未知的角色。"))
        if cap is not None and not 0 <= cap <= 50:
            raise ActionError(_("结对上限须在 0 到 50 之间。"))
    with transaction.atomic():
        rnd = _lock_open(rnd)
        rows = {r.school_id: r for r in RoundSchool.objects.filter(round=rnd)}
        unknown = set(roles) - set(rows)
        if unknown:
            raise ActionError(_("学校不属于该结对方案。"))
        changed = []
        for pk, (role, cap) in roles.items():
            r = rows[pk]
            cap = cap if role == SchoolRole.CORE else None
            if (r.role, r.capacity) != (role, cap):
                r.role, r.capacity = role, cap
                changed.append(r)
        RoundSchool.objects.bulk_update(changed, ["role", "capacity"])
        audit(by, "communities.set_roles", rnd, changed=len(changed))
    return len(changed)


def do_pin(rnd: PairingRound, *, by: User, member: School, core: School, kind: str) -> PairPin:
    """Lock a pair (the member goes to this core; replaces its earlier lock) or forbid it."""
    require_actor(by, Role.BUREAU)
    if kind not in PinKind.values:
        raise ActionError(_("未知的类型。"))
    with transaction.atomic():
        rnd = _lock_open(rnd)
        roles = dict(
            RoundSchool.objects.filter(round=rnd, school__in=[member, core]).values_list(
                "school_id", "role"
            )
        )
        if roles.get(member.pk) != SchoolRole.MEMBER or roles.get(core.pk) != SchoolRole.CORE:
            raise ActionError(_("只能锁定或禁止成员校与核心校的结对。"))
        if kind == PinKind.LOCK:
            PairPin.objects.filter(round=rnd, member=member, kind=PinKind.LOCK).delete()
        PairPin.objects.filter(round=rnd, member=member, core=core).delete()
        pin = PairPin.objects.create(round=rnd, member=member, core=core, kind=kind, created_by=by)
        audit(by, f"communities.pin_{kind}", rnd, member=member.code, core=core.code)
    return pin


def do_unpin(pin: PairPin, *, by: User) -> None:
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        rnd = _lock_open(pin.round)
        audit(by, "communities.unpin", rnd, member=pin.member.code, core=pin.core.code)
        pin.delete()


def do_run_pairing(rnd: PairingRound, *, by: User) -> PairingRun:
    """Create a run with the round's rules and compute it through the task queue."""
    require_actor(by, Role.BUREAU)
    # the page returns at once; a worker computes the run (the tests' immediate backend here)
    return rounds.start_run(
        rnd,
        PairingRun,
        by=by,
        fields=RULE_FIELDS,
        frozen=_("%(year)s 年度结对方案已发布，不能修改。"),
        job=(
            "pairing_run",
            "junheng.communities.tasks.pairing_job",
            "junheng.communities.tasks.pairing_failed",
        ),
        title=_("%(year)s 年度教共体结对计算") % {"year": rnd.year},
        action="communities.run_pairing",
    )


def _baseline(inputs: adapters.RoundInputs) -> dict[str, Any]:
    near = nearest_core_pairing(inputs.schools, inputs.rules)
    lifts = [p.lift for p in near]
    return {
        "paired": len(near),
        "min_lift": round(min(lifts), 4) if lifts else None,
        "mean_lift": round(sum(lifts) / len(lifts), 4) if lifts else None,
    }


def execute_pairing_run(run_id: int, job: Job | None = None) -> dict[str, Any]:
    """The job body: engine inputs from live rows, pair, store the pairs and figures. With
    `job` (junheng.jobs) the engine's stages show on its progress bar (and a cancel stops it
    between stages: nothing is written before the end)."""

    run = PairingRun.objects.select_related("round").get(pk=run_id)
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    if job is not None:
        report(job, _("读取学校实力与结对规则"), 5)
    inputs = adapters.round_inputs(run.round)

    def progress(_stage: str, share: float) -> None:
        if job is not None:
            report(job, _("求解结对方案"), 10 + int(80 * share))

    try:
        plan = pair_schools(
            inputs.schools,
            inputs.rules,
            locked=inputs.locked,
            forbidden=inputs.forbidden,
            progress=progress,
        )
    except InputError as err:
        run.status = RunStatus.INFEASIBLE
        run.message = err.reason
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        return {"status": run.status, "message": run.message}
    if job is not None:
        report(job, _("保存方案"), 92)
    rows = adapters.pair_rows(inputs, plan)
    with transaction.atomic():
        ProposedPair.objects.bulk_create([ProposedPair(run=run, **r) for r in rows])
        run.summary = plan.summary
        run.stages = [{"stage": s["stage"], "cost": s["cost"]} for s in plan.stages]
        run.strengths = inputs.strengths
        run.baseline = _baseline(inputs)
        if inputs.left_out:
            run.message = _("无学生数据、未参加结对的学校：%(s)s") % {
                "s": "、".join(s.name for s in inputs.left_out)
            }
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(
            update_fields=[
                "summary",
                "stages",
                "strengths",
                "baseline",
                "message",
                "status",
                "finished_at",
            ]
        )
    return {"status": run.status, **plan.summary}


def do_publish_round(rnd: PairingRound, *, by: User) -> list[Community]:
    """Freeze the round with its latest plan: one community per core that has members, each
    pair with the default synchronous-lesson requests (`lessons.do_default_requests`)."""
    require_actor(by, Role.BUREAU)
    with transaction.atomic():
        rnd = _lock_open(rnd)
        run = rnd.latest_run()
        if run is None or run.status != RunStatus.DONE:
            raise ActionError(_("请先计算出结对方案再发布。"))
        pairs = list(
            run.pairs.select_related("member", "core").order_by("core__code", "member__code")
        )
        if not pairs:
            raise ActionError(_("方案中没有结对，不能发布。"))
        by_core: dict[int, list[ProposedPair]] = {}
        for p in pairs:
            by_core.setdefault(p.core_id, []).append(p)
        if rnd.kind in EXCLUSIVE_KINDS:
            _refuse_conflicts(_exclusive_conflicts([p.member for p in pairs]))
        created = []
        for group in by_core.values():
            core = group[0].core
            kind = rnd.kind
            if kind in EXCLUSIVE_KINDS and all(p.mode == Mode.REMOTE for p in group):
                kind = Kind.INTERNET  # a core with only remote members pairs over the internet
            created.append(
                do_create_community(
                    by=by,
                    county=rnd.county,
                    core=core,
                    kind=kind,
                    start_year=rnd.year,
                    members=[p.member for p in group],
                    modes={p.member_id: p.mode for p in group},
                    pairing_round=rnd,
                )
            )
        rounds.mark_published(rnd, run, by=by)
        # each new pair asks for the usual synchronous lessons where timetables allow naming
        # the classes and teachers (the bureau or the core school edits them afterwards)
        from junheng.communities.lessons import do_default_requests

        requests = sum(do_default_requests(c, by=by) for c in created)
        audit(
            by,
            "communities.publish_round",
            rnd,
            run=run.pk,
            communities=len(created),
            requests=requests,
        )
    return created
