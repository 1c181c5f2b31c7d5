"""Pages of class placement: thin — scope through placement.access, call an action, render."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Q
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from junheng.accounts import scoping
from junheng.accounts.models import Role, audit
from junheng.downloads import csv_attachment
from junheng.engines.lottery import file_sha256
from junheng.jobs.models import Job
from junheng.placement import access, actions, forms
from junheng.placement.filters import BulkLineFilter, PlacementFilter
from junheng.placement.models import (
    BulkPlacementRun,
    BulkStatus,
    Placement,
    PlacementMember,
    PlacementStatus,
)
from junheng.public_draw import verify_command
from junheng.web import (
    AuthenticatedHttpRequest,
    attempt,
    filtered,
    paginate,
    with_counts,
)

T = TypeVar("T")
SCHOOL = (Role.SCHOOL,)
BUREAU = (Role.BUREAU,)


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sorts labels as people count: 第2组 before 第10组 (numbers compared as numbers)."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)]


def _classes(placement: Placement, *, masked: bool) -> list[dict[str, Any]]:
    """Class lists (class number, teams, students) for display."""
    teams = {t.class_no: t for t in placement.teams.select_related("homeroom")}
    rows: dict[int, list[PlacementMember]] = defaultdict(list)
    for m in placement.members.exclude(class_no=None).order_by("class_no", "code"):
        if m.class_no is not None:  # excluded above
            rows[m.class_no].append(m)
    out = []
    for k in range(1, placement.n_classes + 1):
        out.append(
            {
                "no": k,
                "team": teams.get(k),
                "students": [
                    {
                        "code": m.code,
                        "name": m.masked_name if masked else m.name,
                        "gender": m.get_gender_display(),
                        "late": m.late,
                        "pk": m.pk,
                    }
                    for m in rows.get(k, [])
                ],
            }
        )
    return out


def _table(placement: Placement) -> list[dict[str, Any]]:
    """The public balance table, with late arrivals counted per class."""
    late = dict(placement.members.filter(late=True).values_list("class_no").annotate(n=Count("pk")))
    return [{**row, "late": late.get(row["class_no"], 0)} for row in placement.table]


def _cohort_stats(placement: Placement) -> dict[str, Any]:
    return placement.members.filter(late=False).aggregate(
        n=Count("pk"),
        female=Count("pk", filter=Q(gender="F")),
        male=Count("pk", filter=Q(gender="M")),
        needs=Count("pk", filter=Q(needs=True)),
        migrant=Count("pk", filter=Q(migrant=True)),
        left_behind=Count("pk", filter=Q(left_behind=True)),
        scored=Count("score"),
        mean=Avg("score"),
    )


# --------------------------------------------------------------------------- lists


@scoping.role_required(Role.SCHOOL, Role.BUREAU, Role.PARENT)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.PARENT:
        return redirect("placement:my")
    f = PlacementFilter(request.GET, queryset=access.placements_for(user))
    page = with_counts(
        paginate(request, filtered(f).order_by("-term__start", "school__code", "grade", "pk")),
        n=(PlacementMember.objects.all(), "placement"),
    )
    form = None
    if user.role == Role.SCHOOL:
        form = forms.PlacementForm()
    return render(
        request,
        "placement/index.html",
        {"placements": page.object_list, "page": page, "filter": f, "form": form},
    )


@scoping.role_required(*SCHOOL)
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = scoping.school_of(request.user)
    form = forms.PlacementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_create_placement(
                school=school,
                term=d["term"],
                grade=d["grade"],
                n_classes=d["n_classes"],
                method=d["method"],
                balance_extras=d["balance_extras"],
                by=request.user,
                imported=d["file"],
            ),
            _("已创建编班草稿。"),
            form=form,
        )
        if done.ok:
            return redirect("placement:detail", placement_id=done.value.pk)
    placements = access.placements_for(request.user).annotate(n=Count("members"))
    return render(
        request,
        "placement/index.html",
        {"placements": placements, "form": form},
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


# --------------------------------------------------------------------------- one placement


def _detail(
    request: AuthenticatedHttpRequest, placement: Placement, status: int = 200, **bound: Any
) -> HttpResponse:
    editable = request.user.role == Role.SCHOOL
    ctx: dict[str, Any] = {
        "p": placement,
        "editable": editable,
        "stats": _cohort_stats(placement),
        "members": placement.members.order_by("code"),
        "requests": placement.requests.prefetch_related("students"),
        "teams": sorted(
            placement.teams.select_related("homeroom").prefetch_related("teachers"),
            key=lambda t: natural_key(t.label),
        ),
        "witnesses": placement.witnesses.all(),
        "audits": placement.audits.select_related("operator"),
        "late_arrivals": placement.late_arrivals.select_related("member", "by"),
        "Status": PlacementStatus,
    }
    if placement.is_locked:
        ctx["classes"] = _classes(placement, masked=False)
        ctx["table"] = _table(placement)
    if editable and placement.status == PlacementStatus.DRAFT:
        ctx["settings_form"] = bound.get("settings_form") or forms.SettingsForm(instance=placement)
        ctx["request_form"] = bound.get("request_form") or forms.RequestForm(placement=placement)
        ctx["team_form"] = bound.get("team_form") or forms.TeamForm(school=placement.school)
    if editable and placement.status in (PlacementStatus.DRAFT, PlacementStatus.COMMITTED):
        ctx["witness_form"] = bound.get("witness_form") or forms.WitnessForm()
    if editable and placement.status == PlacementStatus.PUBLISHED:
        ctx["late_form"] = bound.get("late_form") or forms.LateArrivalForm(placement=placement)
    # the cohort's names are students' records: every look is audited
    audit(request.user, "placement.view_cohort", placement)
    return render(request, "placement/detail.html", ctx, status=status)


@scoping.role_required(Role.SCHOOL, Role.BUREAU)
def detail(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = access.access_placement(request.user, placement_id)
    return _detail(request, p)


def _edit(request: AuthenticatedHttpRequest, placement_id: int) -> Placement:
    return access.access_placement_for_edit(request.user, placement_id)


def _post_on_detail(
    request: AuthenticatedHttpRequest,
    p: Placement,
    form: BaseForm,
    name: str,
    action: Callable[[dict[str, Any]], T],
    success: StrOrPromise | Callable[[T], StrOrPromise] | None = None,
    then: str = "placement:detail",
) -> HttpResponse:
    """One of the placement page's forms posted: valid and accepted, back to `then`; else the
    page again (400) with the form, as `name`, showing its errors or the action's refusal."""
    if form.is_valid():
        d = form.cleaned_data
        if attempt(request, lambda: action(d), success, form=form).ok:
            return redirect(then, placement_id=p.pk)
    p.refresh_from_db()
    return _detail(request, p, status=400, **{name: form})


@require_POST
@scoping.role_required(*SCHOOL)
def update_settings(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    form = forms.SettingsForm(request.POST, instance=Placement.objects.get(pk=p.pk))
    return _post_on_detail(
        request,
        p,
        form,
        "settings_form",
        lambda d: actions.do_update_settings(
            p,
            n_classes=d["n_classes"],
            method=d["method"],
            balance_extras=d["balance_extras"],
            by=request.user,
        ),
        _("已保存。"),
    )


@require_POST
@scoping.role_required(*SCHOOL)
def add_request(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    form = forms.RequestForm(request.POST, placement=p)
    return _post_on_detail(
        request,
        p,
        form,
        "request_form",
        lambda d: actions.do_add_request(
            p,
            kind=d["kind"],
            students=d["codes"],
            reason=d["reason"],
            requested_by_name=d["requested_by_name"],
            requested_by_role=d["requested_by_role"],
            by=request.user,
        ),
        _("已登记申请。"),
    )


@require_POST
@scoping.role_required(*SCHOOL)
def delete_request(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = access.access_request(request.user, request_id)
    attempt(request, lambda: actions.do_delete_request(req, by=request.user))
    return redirect("placement:detail", placement_id=req.placement_id)


@require_POST
@scoping.role_required(*SCHOOL)
def add_team(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    form = forms.TeamForm(request.POST, school=p.school)
    return _post_on_detail(
        request,
        p,
        form,
        "team_form",
        lambda d: actions.do_add_team(
            p,
            label=d["label"],
            homeroom=d["homeroom"],
            teachers=list(d["teachers"]),
            by=request.user,
        ),
    )


@require_POST
@scoping.role_required(*SCHOOL)
def delete_team(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = access.access_team(request.user, team_id)
    attempt(request, lambda: actions.do_delete_team(team, by=request.user))
    return redirect("placement:detail", placement_id=team.placement_id)


@require_POST
@scoping.role_required(*SCHOOL)
def add_witness(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    form = forms.WitnessForm(request.POST)
    return _post_on_detail(
        request,
        p,
        form,
        "witness_form",
        lambda d: actions.do_add_witness(p, name=d["name"], role=d["role"], by=request.user),
        then="placement:draw" if request.POST.get("next") == "draw" else "placement:detail",
    )


@require_POST
@scoping.role_required(*SCHOOL)
def commit(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    attempt(request, lambda: actions.do_commit_placement(p, by=request.user), _("已公布种子承诺。"))
    return redirect("placement:detail", placement_id=p.pk)


@scoping.role_required(*SCHOOL)
def draw(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    """The full-screen draw page for a projector: commitment, witnesses, the button, classes."""
    p = _edit(request, placement_id)
    if p.status == PlacementStatus.DRAFT:
        messages.error(request, _("请先公布种子承诺，再进行抽签。"))
        return redirect("placement:detail", placement_id=p.pk)
    ctx: dict[str, Any] = {
        "p": p,
        "job": Job.latest_for(p, "placement_draw"),
        "witnesses": p.witnesses.all(),
        "stats": _cohort_stats(p),
        "Status": PlacementStatus,
    }
    if p.is_locked:
        ctx["classes"] = _classes(p, masked=True)
        ctx["table"] = _table(p)
    else:
        ctx["witness_form"] = forms.WitnessForm()
    return render(request, "placement/draw.html", ctx)


@require_POST
@scoping.role_required(*SCHOOL)
def run_draw(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    entropy = request.POST.get("entropy", "")
    attempt(request, lambda: actions.do_run_draw(p, by=request.user, entropy=entropy))
    return redirect("placement:draw", placement_id=p.pk)


@require_POST
@scoping.role_required(*SCHOOL)
def publish(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    attempt(
        request,
        lambda: actions.do_publish_placement(p, by=request.user),
        _("已公布编班结果，学生班级已更新。"),
    )
    return redirect("placement:detail", placement_id=p.pk)


@require_POST
@scoping.role_required(*SCHOOL)
def late_arrival(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = _edit(request, placement_id)
    form = forms.LateArrivalForm(request.POST, placement=p)
    return _post_on_detail(
        request,
        p,
        form,
        "late_form",
        lambda d: actions.do_add_late_arrival(
            p,
            student=d["student"],
            reason=d["reason"],
            apart_from=d["apart_codes"],
            by=request.user,
        ),
        lambda late: _("已插入 %(k)d 班。") % {"k": late.class_no},
    )


@scoping.role_required(Role.SCHOOL, Role.BUREAU)
def export_input(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    """The engine input file (`junheng place --students`): its SHA-256 is the published hash."""
    p = access.access_placement(request.user, placement_id)
    data = actions.engine_input_of(p)
    audit(request.user, "placement.export_input", p, sha256=data.sha256)
    return csv_attachment(data.csv, f"placement-{p.pk}-students.csv")


@scoping.role_required(Role.SCHOOL, Role.BUREAU)
def export_result(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    """The draw's output file (`student_id, class`): its SHA-256 is the published result hash."""
    p = access.access_placement(request.user, placement_id)
    if not p.is_locked:
        raise PermissionDenied
    data = actions.result_file(p)
    audit(request.user, "placement.export_result", p)
    return csv_attachment(data, f"placement-{p.pk}-classes.csv")


# --------------------------------------------------------------------------- public and parents


PUBLIC_FILES = ("students", "classes")


def _public_files(p: Placement) -> dict[str, bytes]:
    """The draw's public files (pseudonyms only), once the result is published."""
    if p.status != PlacementStatus.PUBLISHED:
        return {}
    return {"students": actions.engine_input_of(p).csv, "classes": actions.result_file(p)}


def public(request: HttpRequest, placement_id: int) -> HttpResponse:
    """The public page: commitment and input hash before the draw; the entropy once drawn; the
    seeds, the files (pseudonyms only), the verify command, result hash, balance table and
    teacher teams after publication; masked class lists for the cohort's parents."""
    p = access.public_placement(placement_id)
    user = request.user
    ctx: dict[str, Any] = {"p": p, "witnesses": p.witnesses.all(), "Status": PlacementStatus}
    files = _public_files(p)
    if files:
        ctx["files"] = [
            {"name": name, "sha256": file_sha256(data), "size": len(data)}
            for name, data in files.items()
        ]
        ctx["command"] = verify_command(
            [
                ("--engine", "place"),
                ("--students", "students.csv"),
                ("--classes", p.n_classes),
                ("--method", p.method),
                ("--committed-seed", p.seed),
                ("--inputs-sha256", p.inputs_sha256),
                ("--entropy", p.entropy),
                ("--expect-sha256", p.result_sha256),
                ("--commitment", p.seed_commitment),
            ]
        )
    if user.is_authenticated and user.role == Role.PARENT:
        ctx["own_aliases"] = list(
            p.members.filter(student__guardianships__user=user, late=False)
            .exclude(pseudonym="")
            .values_list("pseudonym", flat=True)
        )
    if p.status == PlacementStatus.PUBLISHED:
        ctx["table"] = _table(p)
        ctx["teams"] = p.teams.select_related("homeroom").order_by("class_no")
        if access.may_see_lists(user, p):
            ctx["classes"] = _classes(p, masked=True)
            if user.is_authenticated and user.role == Role.PARENT:
                ctx["own_classes"] = set(
                    p.members.filter(student__guardianships__user=user).values_list(
                        "class_no", flat=True
                    )
                )
    return render(request, "placement/public.html", ctx)


def public_file(request: HttpRequest, placement_id: int, name: str) -> HttpResponse:
    """students.csv (the engine input) or classes.csv (its result) of a published draw."""
    p = access.public_placement(placement_id)
    files = _public_files(p)
    if name not in files:
        raise Http404
    return csv_attachment(files[name], f"{name}.csv")


@scoping.role_required(Role.PARENT)
def my(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A parent's children: the class each was placed in, and the public pages."""
    children = scoping.students_for(request.user).order_by("code")
    rows = []
    for child in children:
        memberships = (
            PlacementMember.objects.filter(student=child)
            .exclude(placement__status=PlacementStatus.DRAFT)
            .select_related("placement__school", "placement__term")
            .order_by("-placement__created_at")
        )
        for m in memberships:
            p = m.placement
            team = None
            if p.status == PlacementStatus.PUBLISHED and m.class_no:
                team = p.teams.select_related("homeroom").filter(class_no=m.class_no).first()
            rows.append(
                {
                    "child": child,
                    "member": m,
                    "p": p,
                    "team": team,
                    "published": p.status == PlacementStatus.PUBLISHED,
                }
            )
    return render(request, "placement/my.html", {"rows": rows, "children": children})


# --------------------------------------------------------------------------- the bureau


@scoping.role_required(*BUREAU)
def bulk_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = forms.BulkRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_start_bulk_run(
                term=d["term"],
                grade=d["grade"],
                method=d["method"],
                max_class_size=d["max_class_size"],
                witnesses=d["witnesses"],
                by=request.user,
            ),
            _("已公布种子承诺，确认后开始抽签。"),
            form=form,
        )
        if done.ok:
            return redirect("placement:bulk_detail", run_id=done.value.pk)
    page = paginate(request, BulkPlacementRun.objects.select_related("term", "created_by"))
    return render(
        request,
        "placement/bulk_list.html",
        {"form": form, "runs": page.object_list, "page": page},
    )


@scoping.role_required(*BUREAU)
def bulk_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_bulk_run(request.user, run_id)
    f = BulkLineFilter(request.GET, queryset=run.schools.select_related("school", "placement"))
    page = paginate(request, filtered(f).order_by("school__code"))
    return render(
        request,
        "placement/bulk_detail.html",
        {
            "run": run,
            "job": Job.latest_for(run, "placement_bulk"),
            "lines": page.object_list,
            "page": page,
            "filter": f,
            "BulkStatus": BulkStatus,
            "drawn": run.placements.filter(status=PlacementStatus.DRAWN).count(),
        },
    )


@scoping.role_required(*BUREAU)
def bulk_progress(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_bulk_run(request.user, run_id)
    job = Job.latest_for(run, "placement_bulk")
    return render(request, "placement/_bulk_progress.html", {"run": run, "job": job})


@require_POST
@scoping.role_required(*BUREAU)
def bulk_run(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_bulk_run(request.user, run_id)
    entropy = request.POST.get("entropy", "")
    attempt(request, lambda: actions.do_run_bulk(run, by=request.user, entropy=entropy))
    return redirect("placement:bulk_detail", run_id=run.pk)


@require_POST
@scoping.role_required(*BUREAU)
def bulk_publish(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_bulk_run(request.user, run_id)
    attempt(
        request,
        lambda: actions.do_publish_bulk(run, by=request.user),
        lambda n: _("已公布 %(n)d 所学校的编班结果。") % {"n": n},
    )
    return redirect("placement:bulk_detail", run_id=run.pk)
