"""Quota-table pages (指标到校): thin — authorise through quotas.access, call actions/adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng import exports
from junheng.accounts.models import Role
from junheng.accounts.scoping import require_bureau
from junheng.quotas import actions, adapters
from junheng.quotas import tasks as quota_tasks
from junheng.quotas.access import (
    access_high_school,
    access_published_table,
    access_table,
    own_school,
    tables_for,
)
from junheng.quotas.filters import HighSchoolFilter, JuniorRowFilter
from junheng.quotas.forms import (
    GraduatesImportForm,
    HighSchoolForm,
    NewTableForm,
    PlanFormSet,
    PublishForm,
    SettingsForm,
    UnfilledFormSet,
)
from junheng.quotas.models import HighSchool, QuotaSeat, QuotaTable
from junheng.quotas.queries import published_tables
from junheng.web import AuthenticatedHttpRequest, attempt, filtered, paginate
from junheng.web import flash_errors as _errors

if TYPE_CHECKING:
    from django.forms import BaseFormSet
    from django.http import QueryDict

    from junheng.quotas.forms import PlanForm


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's list of tables; a school admin goes to its own row."""
    user = request.user
    if user.role == Role.SCHOOL:
        return redirect("quotas:mine")
    require_bureau(user)
    year = actions.current_year()
    form = NewTableForm(
        request.POST or None,
        initial={
            "year": year,
            "share": actions.default_share(year),
            "method": "hamilton",
            "min_seats": 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_create_table(
                by=user,
                year=d["year"],
                share=d["share"],
                method=d["method"],
                min_seats=d["min_seats"],
            ),
            _("已创建分配表草稿"),
            form=form,
        )
        if done.ok:
            return redirect("quotas:table", table_id=done.value.pk)
    tables = list(tables_for(user).select_related("supersedes"))
    in_force = {t.pk for t in published_tables()}
    return render(
        request,
        "quotas/index.html",
        {
            "tables": tables,
            "in_force": in_force,
            "form": form,
            "high_schools": HighSchool.objects.filter(quality=True).count(),
        },
    )


def _plan_formset(table: QuotaTable, data: QueryDict | None = None) -> BaseFormSet[PlanForm]:
    plans = {p.high_school_id: p.plan for p in table.plans.all()}
    schools = list(HighSchool.objects.filter(Q(quality=True) | Q(pk__in=plans)).order_by("code"))
    formset = PlanFormSet(
        data,
        prefix="plan",
        initial=[{"high_school": hs.pk, "plan": plans.get(hs.pk, 0)} for hs in schools],
    )
    for form, hs in zip(formset.forms, schools, strict=False):
        form.high_school_obj = hs
    return formset


def _junior_rows(request: HttpRequest, table: QuotaTable) -> tuple[Any, Any, dict[str, Any]]:
    """One page of the table's junior schools (searched, filtered), the filter, and the totals
    of all of them (counted in the database, whatever the page)."""
    all_rows = table.graduates.all()
    f = JuniorRowFilter(request.GET, queryset=all_rows.select_related("school"))
    page = paginate(request, filtered(f).order_by("school__code"))
    totals = all_rows.aggregate(n=Count("pk"), total=Sum("graduates"))
    return page, f, {"graduates_count": totals["n"], "graduates_total": totals["total"] or 0}


def _draft_context(request: HttpRequest, table: QuotaTable, **extra: Any) -> dict[str, Any]:
    page, f, totals = _junior_rows(request, table)
    ctx = {
        "table": table,
        "settings_form": SettingsForm(
            initial={
                "share": table.share_text,
                "method": table.method,
                "min_seats": table.min_seats,
            }
        ),
        "plan_formset": _plan_formset(table),
        "import_form": GraduatesImportForm(),
        "graduates": page.object_list,
        "page": page,
        "filter": f,
        "rows_open": bool(request.GET),
        "below_floor": table.share < actions.NATIONAL_FLOOR,
        "publish_job": _shown_publish_job(table),
    } | totals
    return ctx | extra


def _shown_publish_job(table: QuotaTable) -> Any:
    """The draft's publish job while it runs, or when it failed or was cancelled (its reason)."""
    job = quota_tasks.publish_job_of(table)
    return job if job is not None and job.state != "done" else None


def _published_context(request: HttpRequest, table: QuotaTable) -> dict[str, Any]:
    plans = list(table.plans.select_related("high_school").order_by("high_school__code"))
    page, f, totals = _junior_rows(request, table)
    grads = list(page.object_list)
    seats = {
        (h, s): n
        for h, s, n in QuotaSeat.objects.filter(
            table=table, school_id__in=[g.school_id for g in grads]
        ).values_list("high_school_id", "school_id", "seats")
    }
    rows = []
    for g in grads:
        line = [seats.get((p.high_school_id, g.school_id), 0) for p in plans]
        rows.append(
            {"school": g.school, "graduates": g.graduates, "seats": line, "total": sum(line)}
        )
    unfilled = UnfilledFormSet(
        prefix="unfilled",
        initial=[{"high_school": p.high_school_id, "unfilled": p.unfilled} for p in plans],
    )
    for form, p in zip(unfilled.forms, plans, strict=True):
        form.plan_obj = p
    recorded = [p.unfilled for p in plans if p.unfilled is not None]
    return {
        "table": table,
        "plans": plans,
        "rows": rows,
        "page": page,
        "filter": f,
        "quota_total": sum(p.quota or 0 for p in plans),
        "plan_total": sum(p.plan for p in plans),
        "unfilled_formset": unfilled,
        "unfilled_recorded": sum(recorded) if recorded else None,
        "following": QuotaTable.objects.filter(supersedes=table).first(),
        "share_pct": 100 * sum(p.quota or 0 for p in plans) / max(1, sum(p.plan for p in plans)),
    } | totals


@login_required
def table(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    if obj.is_published:
        return render(request, "quotas/published.html", _published_context(request, obj))
    return render(request, "quotas/draft.html", _draft_context(request, obj))


def _draft_again(request: AuthenticatedHttpRequest, obj: Any, **bound: Any) -> HttpResponse:
    """The draft page again (400) with what the POST could not take: an invalid form or
    formset showing its errors, or an import's report."""
    return render(request, "quotas/draft.html", _draft_context(request, obj, **bound), status=400)


@login_required
@require_POST
def update_settings(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    form = SettingsForm(request.POST)
    if not form.is_valid():
        return _draft_again(request, obj, settings_form=form)
    attempt(
        request,
        lambda: actions.do_update_settings(obj, by=request.user, **form.cleaned_data),
        _("已保存分配参数"),
    )
    return redirect("quotas:table", table_id=obj.pk)


@login_required
@require_POST
def save_plans(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    formset = _plan_formset(obj, request.POST)
    if not formset.is_valid():
        return _draft_again(request, obj, plan_formset=formset)
    plans = {f.cleaned_data["high_school"]: f.cleaned_data["plan"] for f in formset.forms}
    attempt(
        request,
        lambda: actions.do_set_plans(obj, plans, by=request.user),
        _("已保存各高中招生计划"),
    )
    return redirect("quotas:table", table_id=obj.pk)


@login_required
@require_POST
def region_graduates(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    attempt(
        request,
        lambda: actions.do_take_region_graduates(obj, by=request.user),
        lambda n: _("已按学籍数据取 %(n)s 所初中的九年级人数") % {"n": n},
    )
    return redirect("quotas:table", table_id=obj.pk)


@login_required
@require_POST
def import_graduates(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    form = GraduatesImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _draft_again(request, obj, import_form=form)
    upload = form.cleaned_data["file"]
    done = attempt(
        request,
        lambda: actions.do_import_graduates(obj, upload.read(), upload.name, by=request.user),
    )
    if not done.ok:
        return redirect("quotas:table", table_id=obj.pk)
    report = done.value
    if not report.ok:
        return _draft_again(request, obj, import_report=report)
    messages.success(
        request,
        _("已导入 %(n)s 所初中的毕业生数（文件未列出的 %(u)s 所保持不变）")
        % {"n": report.updated, "u": report.unlisted},
    )
    return redirect("quotas:table", table_id=obj.pk)


@login_required
def preview(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    """The methods side by side. A city-size table is previewed by a job (started with a POST
    to `preview_start`): the page shows its progress, then the stored preview while the
    table's inputs are unchanged."""
    obj = access_table(request.user, table_id)
    scope = request.GET.get("hs", "")
    job = None
    pending = False
    if adapters.preview_pairs(obj) <= quota_tasks.inline_pairs():
        pv = adapters.preview(obj, scope)
    else:
        inputs = adapters.table_inputs(obj)
        scope = scope if scope in inputs.plans else ""
        job = quota_tasks.current_job(obj, scope)
        stored = quota_tasks.stored_preview(job, adapters.inputs_fingerprint(obj, inputs))
        if stored is not None:
            pv = stored
        else:
            pending = True  # nothing computed for these inputs yet: the page offers the job
            pv = adapters.Preview(
                scope=scope, plans=inputs.plans, high_school_names=inputs.high_school_names
            )
            if job is not None and job.state == "done":
                job = None  # computed from inputs that have changed since
    form = PublishForm(initial={"method": obj.method, "notes": obj.notes})
    return render(
        request,
        "quotas/preview.html",
        {
            "table": obj,
            "pv": pv,
            "pending": pending,
            "job": job,
            "publish_form": form,
            "below_floor": obj.share < actions.NATIONAL_FLOOR,
        },
    )


@login_required
@require_POST
def preview_start(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    """Start the preview job of a city-size table (a GET never starts one)."""
    obj = access_table(request.user, table_id)
    scope = request.POST.get("hs", "")
    if scope not in set(obj.plans.values_list("high_school__code", flat=True)):
        scope = ""
    quota_tasks.start_preview(obj, scope, by=request.user)
    url = reverse("quotas:preview", args=[obj.pk])
    return redirect(f"{url}?hs={scope}" if scope else url)


@login_required
@require_POST
def publish(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        _errors(request, ValidationError(list(form.errors.values())))
        return redirect("quotas:preview", table_id=obj.pk)
    method, notes = form.cleaned_data["method"], form.cleaned_data["notes"]
    if adapters.preview_pairs(obj) > quota_tasks.inline_pairs():
        # A city-size table: a job computes and stores it; the draft page shows its progress.
        quota_tasks.start_publish(obj, by=request.user, method=method, notes=notes)
        return redirect("quotas:table", table_id=obj.pk)
    done = attempt(
        request,
        lambda: actions.do_publish(obj, by=request.user, method=method, notes=notes),
        _("分配表已发布"),
    )
    return redirect("quotas:table" if done.ok else "quotas:preview", table_id=obj.pk)


@login_required
@require_POST
def new_version(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    done = attempt(
        request,
        lambda: actions.do_new_version(obj, by=request.user),
        lambda new: _("已新建第 %(v)s 版草稿") % {"v": new.version},
    )
    return redirect("quotas:table", table_id=done.value.pk if done.ok else obj.pk)


@login_required
@require_POST
def delete_draft(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    if attempt(request, lambda: actions.do_delete_draft(obj, by=request.user), _("已删除草稿")).ok:
        return redirect("quotas:index")
    return redirect("quotas:table", table_id=obj.pk)


@login_required
@require_POST
def record_unfilled(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponse:
    obj = access_table(request.user, table_id)
    formset = UnfilledFormSet(request.POST, prefix="unfilled")
    if not formset.is_valid():
        _errors(request, ValidationError(_("请填写 0 或正整数")))
        return redirect("quotas:table", table_id=obj.pk)
    values = {f.cleaned_data["high_school"]: f.cleaned_data.get("unfilled") for f in formset.forms}
    attempt(
        request,
        lambda: actions.do_record_unfilled(obj, values, by=request.user),
        _("已登记录取后未完成的名额（退回统一招生）"),
    )
    return redirect("quotas:table", table_id=obj.pk)


@login_required
def export_table(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponseBase:
    obj = access_table(request.user, table_id)
    return exports.serve(
        request,
        "junheng.quotas.actions.do_export_table_xlsx",
        back=reverse("quotas:table", args=[obj.pk]),
        table_id=obj.pk,
    )


@login_required
def high_schools(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_bureau(request.user)
    form = HighSchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        actions.do_save_high_school(
            by=request.user,
            code=d["code"],
            name=d["name"],
            quality=d["quality"],
            county=d["county"],
        )
        messages.success(request, _("已添加高中"))
        return redirect("quotas:high_schools")
    f = HighSchoolFilter(request.GET, queryset=HighSchool.objects.select_related("county"))
    page = paginate(request, filtered(f).order_by("code"))
    return render(
        request,
        "quotas/high_schools.html",
        {"form": form, "schools": page.object_list, "page": page, "filter": f},
    )


@login_required
def high_school(request: AuthenticatedHttpRequest, high_school_id: int) -> HttpResponse:
    obj = access_high_school(request.user, high_school_id)
    form = HighSchoolForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        actions.do_save_high_school(
            by=request.user,
            code=d["code"],
            name=d["name"],
            quality=d["quality"],
            county=d["county"],
            high_school=obj,
        )
        messages.success(request, _("已保存"))
        return redirect("quotas:high_schools")
    return render(request, "quotas/high_school.html", {"form": form, "school": obj})


def _school_row(table: QuotaTable, school_id: int) -> dict[str, Any]:
    seats = list(
        QuotaSeat.objects.filter(table=table, school_id=school_id)
        .select_related("high_school")
        .order_by("high_school__code")
    )
    grads = table.graduates.filter(school_id=school_id).first()
    return {
        "table": table,
        "seats": seats,
        "total": sum(s.seats for s in seats),
        "graduates": grads.graduates if grads else None,
        "listed": grads is not None,
    }


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A school admin's own row of each year's table in force: seats per high school."""
    school = own_school(request.user)
    if school is None:
        if request.user.role == Role.BUREAU:
            return redirect("quotas:index")
        return render(request, "quotas/mine.html", {"school": None, "tables": []})
    tables = published_tables()
    chosen = request.GET.get("table", "")
    current: QuotaTable | None
    if chosen.isdigit():
        current = access_published_table(request.user, int(chosen))
    else:
        current = tables[0] if tables else None
    row = _school_row(current, school.pk) if current else None
    total = current.plans.aggregate(n=Sum("quota"))["n"] if current is not None else None
    return render(
        request,
        "quotas/mine.html",
        {"school": school, "tables": tables, "current": current, "row": row, "quota_total": total},
    )


@login_required
def mine_export(request: AuthenticatedHttpRequest, table_id: int) -> HttpResponseBase:
    school = own_school(request.user)
    obj = access_published_table(request.user, table_id)
    if school is None:
        return redirect("quotas:export", table_id=obj.pk)
    return exports.serve(
        request,
        "junheng.quotas.actions.do_export_school_xlsx",
        table_id=obj.pk,
        school_id=school.pk,
    )
