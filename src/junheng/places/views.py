"""School-places pages (学位预测与预警): thin — authorise through places.access, call actions
or the report queries, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng import exports
from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_bureau
from junheng.places import actions, adapters, report
from junheng.places.access import (
    access_run,
    access_run_school,
    access_scenario,
    access_school_capacity,
    latest_run,
    own_school,
    runs_for,
    variants_for,
)
from junheng.places.forms import (
    CapacityForm,
    HousingForm,
    ImportForm,
    MergerForm,
    OpeningForm,
    RunForm,
    ScenarioForm,
    SnapshotForm,
)
from junheng.places.models import (
    Capacity,
    EnrolmentCount,
    Housing,
    Merger,
    Opening,
    RunStatus,
    Variant,
    ZoneBirths,
)
from junheng.region.models import School, UrbanRural
from junheng.web import AuthenticatedHttpRequest, attempt, paginate


def _variant(request: HttpRequest, user: User, run: Any) -> str:
    wanted = request.GET.get("variant", Variant.BASELINE)
    return wanted if wanted in variants_for(user, run) else Variant.BASELINE


# ---------------------------------------------------------------- forecast runs


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's forecast page: run a forecast, the runs so far, the latest one's warnings."""
    user = request.user
    if user.role == Role.SCHOOL and request.method == "GET":
        return redirect("places:mine")
    require_bureau(user)
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_run_forecast(
                by=user, scenario=d["scenario"], years=d["years"], history=d["history"]
            ),
            form=form,
        )
        if done.ok:
            run = done.value
            if run.status == RunStatus.DONE:
                messages.success(request, _("预测已完成"))
            elif run.status == RunStatus.FAILED:
                messages.error(request, _("预测失败：%(m)s") % {"m": run.message})
            else:
                messages.info(request, _("预测已提交，正在后台计算"))
            return redirect("places:run", run_id=run.pk)
    runs = list(runs_for(user).order_by("-pk")[:20])
    latest = latest_run(user)
    years = adapters.history_years()
    return render(
        request,
        "places/index.html",
        {
            "form": form,
            "runs": runs,
            "latest": latest,
            "warnings": report.warnings(latest, limit=10) if latest else [],
            "overflow": report.overflow(latest)[:10] if latest else [],
            "history_years": years,
            "births": ZoneBirths.objects.count(),
            "capacities": Capacity.objects.count(),
            "schools": School.objects.count(),
        },
    )


@login_required
def run(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    user = request.user
    fr = access_run(user, run_id)
    variant = _variant(request, user, fr)
    variants = variants_for(user, fr)
    from junheng.jobs.models import Job

    ctx: dict[str, Any] = {
        "run": fr,
        "variant": variant,
        "variants": variants,
        "job": None if fr.is_done else Job.latest_for(fr),
    }
    if fr.is_done:
        ctx |= {
            "warnings": report.warnings(fr, variant),
            "overflow": report.overflow(fr, variants),
            "sizes": report.size_items(fr, variant),
            "zones": UrbanRural.choices,
            "now_items": report.current_items(fr.base_year or 0),
            "summaries": [
                (Variant(v).label, fr.summary if v == Variant.BASELINE else fr.scenario_summary)
                for v in variants
            ],
            "scenario": fr.scenario_inputs,
        }
    return render(request, "places/run.html", ctx)


@login_required
def run_school(request: AuthenticatedHttpRequest, run_id: int, code: str) -> HttpResponse:
    """One school's projected students against its capacity by year (chart and table)."""
    user = request.user
    fr, code = access_run_school(user, run_id, code)
    variants = variants_for(user, fr)
    rows = {v: list(fr.rows.filter(variant=v, school_code=code).order_by("year")) for v in variants}
    first = next(r for v in variants for r in rows[v])
    school = School.objects.filter(code=code).first()
    history = (
        list(EnrolmentCount.objects.filter(school=school).order_by("year", "grade"))
        if school is not None
        else []
    )
    by_year: dict[int, dict[int, int]] = {}
    for h in history:
        by_year.setdefault(h.year, {})[h.grade] = h.students
    grades = sorted(
        {int(g) for v in variants for r in rows[v] for g in r.grades} | {h.grade for h in history}
    )
    return render(
        request,
        "places/school.html",
        {
            "run": fr,
            "code": code,
            "name": first.school_name,
            "school": school,
            "variants": variants,
            "rows": [
                (
                    Variant(v).label,
                    v,
                    [(r, [r.grades.get(str(g)) for g in grades]) for r in rows[v]],
                )
                for v in variants
            ],
            "grades": grades,
            "history": [(y, [by_year[y].get(g) for g in grades]) for y in sorted(by_year)],
            "chart": report.school_series(fr, code, variants),
            "method": fr.method.get(code, []),
            "is_bureau": user.role == Role.BUREAU,
        },
    )


@login_required
def run_zone(request: AuthenticatedHttpRequest, run_id: int, zone: str) -> HttpResponse:
    """All schools of one urban–rural class (城区 / 镇区 / 乡村) against their capacity."""
    user = request.user
    fr = access_run(user, run_id)
    if zone not in UrbanRural.values or not fr.is_done:
        raise Http404
    variant = _variant(request, user, fr)
    years = list(range(fr.first_year or 0, (fr.base_year or 0) + fr.years + 1))
    return render(
        request,
        "places/zone.html",
        {
            "run": fr,
            "zone": zone,
            "zone_name": UrbanRural(zone).label,
            "variant": variant,
            "variants": variants_for(user, fr),
            "chart": report.zone_series(fr, zone, variants_for(user, fr)),
            "table": report.zone_table(fr, zone, variant, years),
            "years": years,
        },
    )


@login_required
def export(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponseBase:
    fr = access_run(request.user, run_id)
    return exports.serve(
        request,
        "junheng.places.actions.runs.do_export_report",
        back=reverse("places:run", args=[fr.pk]),
        run_id=fr.pk,
    )


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A school admin's own school in the latest finished forecast."""
    user = request.user
    school = own_school(user)
    fr = latest_run(user)
    if (
        fr is not None
        and fr.rows.filter(school_code=school.code, variant=Variant.BASELINE).exists()
    ):
        return redirect("places:school", run_id=fr.pk, code=school.code)
    return render(request, "places/mine_empty.html", {"school": school})


# ---------------------------------------------------------------- data


@login_required
def data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """History by year, births and capacity, the snapshot and the imports."""
    user = request.user
    require_bureau(user)
    totals = dict(
        EnrolmentCount.objects.values_list("year").annotate(n=Sum("students")).order_by("year")
    )
    schools_by_year = dict(
        EnrolmentCount.objects.values_list("year")
        .annotate(n=Count("school", distinct=True))
        .order_by("year")
    )
    sources = dict(EnrolmentCount.objects.values_list("year", "source").distinct().order_by("year"))
    births = dict(ZoneBirths.objects.values_list("year").annotate(n=Sum("births")).order_by("year"))
    # The capacity table is paged (a city's 603 schools made the page 135 KB).
    page = paginate(request, School.objects.order_by("code"))
    schools = list(page.object_list)
    caps = {c.school_id: c for c in Capacity.objects.filter(school__in=schools)}
    return render(
        request,
        "places/data.html",
        {
            "years": [
                (y, totals[y], schools_by_year[y], sources.get(y, "")) for y in sorted(totals)
            ],
            "births": sorted(births.items()),
            "capacity": [(s, caps.get(s.pk)) for s in schools],
            "page": page,
            "import_form": ImportForm(),
            "snapshot_form": SnapshotForm(initial={"year": actions.current_school_year()}),
            "report": request.session.pop("places_import", None),
        },
    )


@login_required
@require_POST
def snapshot(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("学年无效"))
        return redirect("places:data")
    year = form.cleaned_data["year"]
    attempt(
        request,
        lambda: actions.do_snapshot_enrolment(by=user, year=year),
        lambda n: _("已生成 %(year)s 学年快照：%(n)s 行（学校 × 年级）") % {"year": year, "n": n},
    )
    return redirect("places:data")


@login_required
@require_POST
def import_file(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return redirect("places:data")
    f = form.cleaned_data["file"]
    do = {
        "enrolment": actions.do_import_enrolment,
        "births": actions.do_import_births,
        "capacity": actions.do_import_capacity,
    }[form.cleaned_data["kind"]]
    rep = do(f.read(), f.name, by=user)
    if rep.ok:
        messages.success(
            request,
            _("已导入 %(file)s：%(rows)s 行，新增 %(c)s，更新 %(u)s")
            % {"file": rep.filename, "rows": rep.rows, "c": rep.created, "u": rep.updated},
        )
    else:
        request.session["places_import"] = {
            "file": rep.filename,
            "errors": [str(e) for e in rep.errors[:200]],
            "more": max(0, len(rep.errors) - 200),
        }
        messages.error(request, _("文件有错误，未导入任何数据"))
    return redirect("places:data")


@login_required
def capacity(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    user = request.user
    school = access_school_capacity(user, school_id)
    cap = Capacity.objects.filter(school=school).first()
    if cap is not None:
        initial = {"classrooms": cap.classrooms, "max_class": cap.max_class}
    else:
        rooms, limit = adapters.default_capacity(school)
        initial = {"classrooms": rooms, "max_class": limit}
    form = CapacityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            request,
            lambda: actions.do_set_capacity(school, by=user, **form.cleaned_data),
            _("已保存 %(s)s 的学位容量") % {"s": school.name},
            form=form,
        )
        if done.ok:
            return redirect("places:data")
    return render(request, "places/capacity.html", {"school": school, "form": form, "stored": cap})


# ---------------------------------------------------------------- scenarios


@login_required
def scenarios(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    form = ScenarioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            request, lambda: actions.do_create_scenario(by=user, **form.cleaned_data), form=form
        )
        if done.ok:
            return redirect("places:scenario", scenario_id=done.value.pk)
    from junheng.places.models import Scenario

    items = Scenario.objects.annotate(
        n_housing=Count("housing", distinct=True),
        n_mergers=Count("mergers", distinct=True),
        n_openings=Count("openings", distinct=True),
    ).order_by("name")
    return render(request, "places/scenarios.html", {"form": form, "scenarios": items})


ITEM_FORMS = {"housing": HousingForm, "merger": MergerForm, "opening": OpeningForm}
ITEM_MODELS: dict[str, type[Housing] | type[Merger] | type[Opening]] = {
    "housing": Housing,
    "merger": Merger,
    "opening": Opening,
}


@login_required
def scenario(request: AuthenticatedHttpRequest, scenario_id: int) -> HttpResponse:
    user = request.user
    sc = access_scenario(user, scenario_id)
    form = ScenarioForm(
        request.POST or None, initial={"name": sc.name, "description": sc.description}
    )
    if request.method == "POST" and form.is_valid():
        done = attempt(
            request,
            lambda: actions.do_update_scenario(sc, by=user, **form.cleaned_data),
            _("已保存"),
            form=form,
        )
        if done.ok:
            return redirect("places:scenario", scenario_id=sc.pk)
    year = actions.current_school_year() + 1
    return render(
        request,
        "places/scenario.html",
        {
            "scenario": sc,
            "form": form,
            "housing": sc.housing.select_related("school"),
            "mergers": sc.mergers.select_related("school", "into"),
            "openings": sc.openings.select_related("from_school"),
            "housing_form": HousingForm(prefix="housing", initial={"year": year}),
            "merger_form": MergerForm(prefix="merger", initial={"year": year}),
            "opening_form": OpeningForm(prefix="opening", initial={"year": year}),
        },
    )


@login_required
@require_POST
def scenario_add(request: AuthenticatedHttpRequest, scenario_id: int, kind: str) -> HttpResponse:
    user = request.user
    sc = access_scenario(user, scenario_id)
    if kind not in ITEM_FORMS:
        raise Http404
    form = ITEM_FORMS[kind](request.POST, prefix=kind)
    if not form.is_valid():
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for e in errs:
                messages.error(request, f"{label}：{e}" if label else str(e))
        return redirect("places:scenario", scenario_id=sc.pk)
    d = form.cleaned_data

    def add() -> object:
        if kind == "housing":
            return actions.do_add_housing(sc, by=user, **d)
        if kind == "merger":
            return actions.do_add_merger(sc, by=user, **d)
        return actions.do_add_opening(sc, by=user, **d)

    attempt(request, add, _("已添加"))
    return redirect("places:scenario", scenario_id=sc.pk)


@login_required
@require_POST
def scenario_remove(
    request: AuthenticatedHttpRequest, scenario_id: int, kind: str, item_id: int
) -> HttpResponse:
    user = request.user
    sc = access_scenario(user, scenario_id)
    model = ITEM_MODELS.get(kind)
    if model is None:
        raise Http404
    item = model.objects.filter(scenario=sc, pk=item_id).first()
    if item is None:
        raise Http404
    actions.do_remove_item(item, by=user)
    messages.success(request, _("已删除"))
    return redirect("places:scenario", scenario_id=sc.pk)


@login_required
@require_POST
def scenario_delete(request: AuthenticatedHttpRequest, scenario_id: int) -> HttpResponse:
    user = request.user
    sc = access_scenario(user, scenario_id)
    actions.do_delete_scenario(sc, by=user)
    messages.success(request, _("情景已删除"))
    return redirect("places:scenarios")
