"""Rotation-planner pages (交流轮岗): thin — authorise through rotation.access, call actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from junheng import exports
from junheng.accounts.models import Role
from junheng.accounts.scoping import require_bureau, require_role
from junheng.jobs.models import Job
from junheng.region.models import SUBJECTS, Teacher
from junheng.rotation import actions, adapters
from junheng.rotation.access import (
    access_needs_school,
    access_pin,
    access_round,
    access_round_school,
    access_round_teacher,
    access_stint,
    moves_for,
    own_teacher,
    rounds_for,
)
from junheng.rotation.forms import NeedsForm, OpenRoundForm, PinForm, PreferenceForm, RulesForm
from junheng.rotation.models import (
    NeedsConfirmation,
    PinKind,
    PlanRun,
    Preference,
    RotationRound,
    RunStatus,
    Stint,
    SubjectNeed,
    Tradeoff,
)
from junheng.web import AuthenticatedHttpRequest, attempt, paginate

SUBJECT_LABELS = dict(SUBJECTS)


def _rules_initial(rnd: RotationRound | None = None) -> dict[str, Any]:
    if rnd is None:
        return {"year": actions.current_year()}
    return {k: getattr(rnd, k) for k in actions.RULE_FIELDS}


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's rounds and the form to open one; others go to their own page."""
    user = request.user
    if user.role == Role.SCHOOL:
        return redirect("rotation:school")
    if user.role == Role.TEACHER:
        return redirect("rotation:mine")
    require_bureau(user)
    form = OpenRoundForm(request.POST or None, initial=_rules_initial())
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        year = d.pop("year")
        done = attempt(
            request,
            lambda: actions.do_open_round(by=user, year=year, **d),
            lambda rnd: _("已开启 %(y)s 年度交流轮岗") % {"y": rnd.year},
            form=form,
        )
        if done.ok:
            return redirect("rotation:round", round_id=done.value.pk)
    rounds = list(rounds_for(user))
    return render(request, "rotation/index.html", {"rounds": rounds, "form": form})


def _round_context(rnd: RotationRound, user: Any, **extra: Any) -> dict[str, Any]:
    schools = adapters.county_schools(rnd)
    confirmed = set(NeedsConfirmation.objects.filter(round=rnd).values_list("school_id", flat=True))
    need_counts = Counter(SubjectNeed.objects.filter(round=rnd).values_list("school_id", flat=True))
    prefs = list(
        Preference.objects.filter(round=rnd)
        .select_related("teacher", "teacher__school", "pref1", "pref2", "pref3")
        .order_by("teacher__code")
    )
    pins = list(rnd.pins.select_related("teacher", "teacher__school", "school"))
    run = rnd.published_run or rnd.latest_run()
    moves = list(moves_for(user, rnd)) if run and run.status == RunStatus.DONE else []
    staying = {p.teacher_id for p in pins if p.kind == PinKind.LOCK and p.stays}
    eligible, eligible_backbone = adapters.eligible_counts(rnd)
    balance_rows = []
    if run and run.balance:
        for level, inds in run.balance.get("levels", {}).items():
            for ind, (before, after) in inds.items():
                balance_rows.append(
                    {"level": level, "indicator": ind, "before": before, "after": after}
                )
    chart = None
    if run and run.is_done and run.per_school:
        rows = sorted(run.per_school, key=lambda p: (p["urban_rural"], p["school_id"]))
        chart = {
            "title": _("每百名学生县级及以上骨干教师数"),
            "labels": [p["school_id"] for p in rows],
            "before": [p["backbone_per100_before"] for p in rows],
            "after": [p["backbone_per100_after"] for p in rows],
            "before_label": _("交流前"),
            "after_label": _("交流后"),
        }
    tradeoff = rnd.tradeoffs.order_by("-pk").first()
    table = actions.tradeoff_table(rnd, tradeoff) if tradeoff and tradeoff.is_done else None
    ctx = {
        "tradeoff": tradeoff,
        "tradeoff_job": Job.latest_for(tradeoff, "rotation_tradeoff") if tradeoff else None,
        "tradeoff_table": table,
        "chart": chart,
        "round": rnd,
        "rules_form": RulesForm(instance=rnd, initial=_rules_initial(rnd)),
        "schools": [
            {
                "school": s,
                "confirmed": s.pk in confirmed,
                "needs": need_counts.get(s.pk, 0),
            }
            for s in schools
        ],
        "confirmed_count": len(confirmed),
        "eligible_count": eligible,
        "eligible_backbone": eligible_backbone,
        "prefs": prefs,
        "hardships": [p for p in prefs if p.hardship],
        "staying": staying,
        "pins": pins,
        "run": run,
        "job": Job.latest_for(run, "rotation_plan") if run is not None else None,
        "runs": list(rnd.runs.order_by("-pk")[:5]),
        "moves": moves,
        "balance_rows": balance_rows,
        "pin_kinds": PinKind,
        "preferences_open": actions.preferences_open(rnd),
    }
    return ctx | extra


@login_required
def round_detail(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    return render(request, "rotation/round.html", _round_context(rnd, request.user))


@login_required
@require_POST
def update_rules(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    form = RulesForm(request.POST, instance=RotationRound.objects.get(pk=rnd.pk))
    if not form.is_valid():
        ctx = _round_context(rnd, request.user, rules_form=form)
        return render(request, "rotation/round.html", ctx, status=400)
    attempt(
        request,
        lambda: actions.do_update_rules(rnd, by=request.user, **form.cleaned_data),
        _("已保存交流规则"),
    )
    return redirect("rotation:round", round_id=rnd.pk)


def _run(
    request: AuthenticatedHttpRequest,
    start: Callable[[], PlanRun | Tradeoff],
    then: str,
    *,
    done: StrOrPromise,
    running: StrOrPromise,
    infeasible: StrOrPromise | None = None,
) -> HttpResponse:
    """Start a plan or trade-off run and go back to the round (`then`), saying how it went:
    done, or still running in the worker (a success either way); rules that cannot all hold,
    or a failure, as an error; a refusal as `attempt` shows it."""
    started = attempt(request, start)
    if started.ok:
        _say_run(request, started.value.status, done, running, infeasible)
    return redirect(then)


def _say_run(
    request: AuthenticatedHttpRequest,
    status: str,
    done: StrOrPromise,
    running: StrOrPromise,
    infeasible: StrOrPromise | None,
) -> None:
    if status == RunStatus.DONE:
        messages.success(request, done)
    elif status == RunStatus.INFEASIBLE and infeasible is not None:
        messages.error(request, infeasible)
    elif status in (RunStatus.INFEASIBLE, RunStatus.FAILED):
        messages.error(request, _("计算出错"))
    else:
        messages.success(request, running)


@login_required
@require_POST
def run_plan(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    return _run(
        request,
        lambda: actions.do_run_plan(rnd, by=request.user),
        reverse("rotation:round", kwargs={"round_id": rnd.pk}),
        done=_("交流方案已计算完成"),
        running=_("交流方案正在计算"),
        infeasible=_("规则无法同时满足，见下方原因"),
    )


@login_required
@require_POST
def run_tradeoff(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    return _run(
        request,
        lambda: actions.do_run_tradeoff(rnd, by=request.user),
        reverse("rotation:round", kwargs={"round_id": rnd.pk}) + "#tradeoff",
        done=_("交流人数与均衡效果已计算完成"),
        running=_("交流人数与均衡效果正在计算"),
    )


@login_required
@require_POST
def choose_share(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    attempt(
        request,
        lambda: actions.do_choose_share(rnd, by=request.user, share=request.POST.get("share", "")),
        lambda chosen: (
            _("已选择交流比例 %(p)s%%，重新计算方案后生效")
            % {"p": int((chosen.target_share or 0) * 100)}
        ),
    )
    return redirect(reverse("rotation:round", kwargs={"round_id": rnd.pk}) + "#tradeoff")


@login_required
@require_POST
def pin(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    form = PinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的请求"))
        return redirect("rotation:round", round_id=rnd.pk)
    d = form.cleaned_data
    teacher = access_round_teacher(request.user, rnd, d["teacher"])
    school = access_round_school(request.user, rnd, d["school"])
    attempt(
        request,
        lambda: actions.do_pin(
            rnd, by=request.user, teacher=teacher, school=school, kind=d["kind"], note=d["note"]
        ),
        _("已保存；重新计算后生效"),
    )
    return redirect("rotation:round", round_id=rnd.pk)


@login_required
@require_POST
def unpin(request: AuthenticatedHttpRequest, round_id: int, pin_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    obj = access_pin(request.user, rnd, pin_id)
    attempt(request, lambda: actions.do_unpin(obj, by=request.user), _("已取消；重新计算后生效"))
    return redirect("rotation:round", round_id=rnd.pk)


@login_required
@require_POST
def publish(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    rnd = access_round(request.user, round_id)
    attempt(request, lambda: actions.do_publish(rnd, by=request.user), _("交流方案已发布"))
    return redirect("rotation:round", round_id=rnd.pk)


@login_required
def export(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponseBase:
    rnd = access_round(request.user, round_id)
    return exports.serve(
        request,
        "junheng.rotation.actions.do_export_plan",
        back=reverse("rotation:round", args=[rnd.pk]),
        round_id=rnd.pk,
    )


@login_required
def needs(request: AuthenticatedHttpRequest, round_id: int, school_id: int) -> HttpResponse:
    """A school's subject needs: its own admin (or the bureau) edits and confirms them."""
    user = request.user
    require_role(user, Role.BUREAU, Role.SCHOOL)
    rnd = _get_round_for(user, round_id)
    school = access_needs_school(user, rnd, school_id)
    staff = Counter(Teacher.objects.filter(school=school).values_list("subject", flat=True))
    current = dict(
        SubjectNeed.objects.filter(round=rnd, school=school).values_list("subject", "required")
    )
    form = NeedsForm(request.POST or None, staff=dict(staff), needs=current)
    if request.method == "POST" and form.is_valid():
        confirm = bool(request.POST.get("confirm"))

        def save_and_confirm() -> None:
            actions.do_set_needs(rnd, school, by=user, needs=form.needs())
            if confirm:
                actions.do_confirm_needs(rnd, school, by=user)

        said = _("已保存并确认学科需求") if confirm else _("已保存学科需求")
        if attempt(request, save_and_confirm, said).ok:
            return redirect("rotation:needs", round_id=rnd.pk, school_id=school.pk)
    confirmation = NeedsConfirmation.objects.filter(round=rnd, school=school).first()
    return render(
        request,
        "rotation/needs.html",
        {"round": rnd, "school": school, "form": form, "confirmation": confirmation},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def confirm_needs(request: AuthenticatedHttpRequest, round_id: int, school_id: int) -> HttpResponse:
    user = request.user
    require_role(user, Role.BUREAU, Role.SCHOOL)
    rnd = _get_round_for(user, round_id)
    school = access_needs_school(user, rnd, school_id)
    attempt(request, lambda: actions.do_confirm_needs(rnd, school, by=user), _("已确认学科需求"))
    return redirect("rotation:needs", round_id=rnd.pk, school_id=school.pk)


def _get_round_for(user: Any, round_id: int) -> RotationRound:
    from junheng.rotation.access import access_round_read

    return access_round_read(user, round_id)


@login_required
def school_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A school admin's rotation page: its needs per round; who leaves and who arrives."""
    user = request.user
    require_role(user, Role.SCHOOL)
    school = user.school
    rows = []
    for rnd in rounds_for(user):
        moves = list(moves_for(user, rnd))
        rows.append(
            {
                "round": rnd,
                "confirmed": NeedsConfirmation.objects.filter(round=rnd, school=school).exists(),
                "leaving": [m for m in moves if m.from_school_id == user.school_id],
                "arriving": [m for m in moves if m.to_school_id == user.school_id],
            }
        )
    return render(request, "rotation/school.html", {"school": school, "rows": rows})


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A teacher's rotation page: eligibility, preferences, and (once published) the outcome."""
    user = request.user
    teacher = own_teacher(user)
    rnd = rounds_for(user).first() if teacher else None
    ctx: dict[str, Any] = {"teacher": teacher, "round": rnd}
    if teacher is None or rnd is None:
        return render(request, "rotation/mine.html", ctx)
    eligible = adapters.teacher_is_eligible(rnd, teacher)
    pref = Preference.objects.filter(round=rnd, teacher=teacher).first()
    # The choices offered: from the kept head counts (the action checks the choice live).
    choices = adapters.reachable_schools(rnd, teacher, cached=True) if eligible else []
    initial = {}
    if pref is not None:
        initial = {
            "pref1": pref.pref1_id,
            "pref2": pref.pref2_id,
            "pref3": pref.pref3_id,
            "hardship": pref.hardship,
            "hardship_reason": pref.hardship_reason,
        }
    form = PreferenceForm(request.POST or None, choices=choices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            done = attempt(
                request,
                lambda: actions.do_state_preferences(
                    rnd,
                    by=user,
                    schools=[d["pref1"], d["pref2"], d["pref3"]],
                    hardship=d["hardship"],
                    hardship_reason=d["hardship_reason"],
                ),
                _("已保存交流志愿"),
                form=form,
            )
            if done.ok:
                return redirect("rotation:mine")
            status = 400
        else:
            status = 400
    outcome = None
    if rnd.is_published:
        move = moves_for(user, rnd).first()
        stint = Stint.objects.filter(round=rnd, teacher=teacher).first()
        outcome = {"move": move, "stint": stint}
    ctx |= {
        "eligible": eligible,
        "pref": pref,
        "form": form,
        "preferences_open": actions.preferences_open(rnd),
        "outcome": outcome,
    }
    return render(request, "rotation/mine.html", ctx, status=status)


@login_required
def stints(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's list of stints: those due to return this year first."""
    require_bureau(request.user)
    year = int(request.GET.get("year") or actions.current_year())
    qs = Stint.objects.select_related("teacher", "from_school", "to_school", "round")
    due = list(qs.filter(planned_return_year__lte=year, returned=False))
    serving = paginate(
        request,
        qs.filter(planned_return_year__gt=year, returned=False).order_by(
            "planned_return_year", "teacher__code", "pk"
        ),
    )
    returned = list(qs.filter(returned=True).order_by("-returned_at")[:50])
    return render(
        request,
        "rotation/stints.html",
        {"year": year, "due": due, "serving": serving, "page": serving, "returned": returned},
    )


@login_required
@require_POST
def stint_returned(request: AuthenticatedHttpRequest, stint_id: int) -> HttpResponse:
    obj = access_stint(request.user, stint_id)
    actions.do_mark_returned(obj, by=request.user, returned=request.POST.get("undo") != "1")
    messages.success(request, _("已登记"))
    return redirect("rotation:stints")
