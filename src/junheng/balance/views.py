"""Balance monitor pages: thin — authorise through balance.access, read adapters, call actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng import exports
from junheng.accounts import scoping
from junheng.accounts.models import Role
from junheng.balance import actions, items
from junheng.balance.access import access_county, access_school_balance
from junheng.balance.adapters import (
    Evaluation,
    county_evaluation,
    region_evaluation,
    shortfall,
    what_if,
)
from junheng.balance.forms import (
    GovernmentItemForm,
    RecognitionForm,
    SchoolTableFilter,
    SnapshotForm,
    WhatIfForm,
)
from junheng.balance.models import BalanceSnapshot, GovernmentItem, ItemSource, SocialRecognition
from junheng.balance.texts import (
    INDICATOR_NAMES,
    LEVEL_NAMES,
    UR_NAMES,
    VERDICT_NAMES,
    indicator_labels,
    needs,
)
from junheng.engines.balance import CV_LIMITS, INDICATORS, THRESHOLDS
from junheng.engines.io import InputError
from junheng.web import AuthenticatedHttpRequest, paginate, submit


def _base(ev: Evaluation | None = None) -> dict[str, Any]:
    return {
        "indicators": indicator_labels(),
        "indicator_names": INDICATOR_NAMES,
        "level_names": LEVEL_NAMES,
        "ur_names": UR_NAMES,
        "verdict_names": VERDICT_NAMES,
        "cv_limits": CV_LIMITS,
        "ev": ev,
    }


def _items_for(year: int) -> list[dict[str, Any]]:
    """The 15 items of a year: stored rows, or computed live (not saved) where computable."""
    stored = {i.code: i for i in GovernmentItem.objects.filter(year=year)}
    en = (get_language() or "").startswith("en")
    out = []
    for spec in items.ITEMS:
        row = stored.get(spec.code)
        live = None
        if row is None and items.computable(spec.code):
            live = items.compute_item(spec.code, year)
        out.append(
            {
                "code": spec.code,
                "title": spec.title_en if en else spec.title_zh,
                "rule": spec.rule,
                "value": row.value if row else (live.value if live else None),
                "passes": row.passes if row else (live.passes if live else None),
                "source": row.source if row else (ItemSource.COMPUTED if live else ""),
                "note": row.note if row else (live.note if live else ""),
                "saved": row is not None,
                "computable": items.computable(spec.code),
                "unit": spec.unit,
            }
        )
    return out


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else actions.current_year()


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    access_county(request.user)
    ev = region_evaluation()
    year = actions.current_year()
    gov = _items_for(year)
    recognition = SocialRecognition.objects.filter(year=year).first()
    table = ev.table()
    table_filter = SchoolTableFilter(request.GET)
    names, charts = ev.chart_data()
    ctx = _base(ev) | {
        "year": year,
        "table": table,
        "filter": table_filter,
        "page": paginate(request, table_filter.rows(table)),
        "cv_rows": ev.cv_rows(),
        "passing": sum(s.passes for s in ev.schools),
        "passing_pct": round(100 * ev.passing_share(), 1),
        "chart_data": {
            "names": names,
            "charts": charts,
            "labels": {ind: str(INDICATOR_NAMES[ind]) for ind in INDICATORS},
            "groups": {k: str(v) for k, v in UR_NAMES.items()},
            "threshold": _("达标线"),
            "partial": _("85% 线"),
            "x": _("学生数"),
            "y": _("占标准 %"),
        },
        "gov_passing": sum(1 for g in gov if g["passes"]),
        "gov_failing": sum(1 for g in gov if g["passes"] is False),
        "gov_count": len(items.ITEMS),
        "recognition": recognition,
        "snapshot": BalanceSnapshot.objects.order_by("-taken_at").first(),
        "counted_at": ev.counted_at,
    }
    return render(request, "balance/dashboard.html", ctx)


def _school_parts(ev: Evaluation, code: str) -> list[dict[str, Any]]:
    means = ev.means()
    plans = {(g.school_id, g.level): g for g in ev.gaps()}
    parts = []
    for s in ev.by_school(code):
        assert ev.result is not None
        thr = THRESHOLDS[s.level]
        rows = []
        for j, ind in enumerate(INDICATORS):
            short = shortfall(s, ev.result, j)
            rows.append(
                {
                    "code": ind,
                    "name": INDICATOR_NAMES[ind],
                    "value": s.values[j],
                    "threshold": thr[j],
                    "mean": means[s.level][j],
                    "meets": s.meets[j],
                    "vs_mean": s.values[j] - means[s.level][j],
                    "needs": needs(ind, short) if short > 0 else "",
                }
            )
        plan = plans.get((s.school_id, s.level))
        parts.append(
            {
                "level": s.level,
                "students": s.students,
                "met": s.met,
                "passes": s.passes,
                "rows": rows,
                "plan": [needs(ind, a) for ind, a in plan.additions.items()] if plan else [],
                "partial": plan.partial if plan else None,
            }
        )
    return parts


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A school admin's own school page; the bureau's dashboard."""
    user = request.user
    if user.role == Role.SCHOOL and user.school_id:
        return redirect("balance:school", school_id=user.school_id)
    access_county(user)
    return redirect("balance:dashboard")


@login_required
def school(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    obj = access_school_balance(request.user, school_id)
    ev = region_evaluation()
    parts = _school_parts(ev, obj.code)
    excluded = ev.result is not None and obj.code in ev.result.excluded
    return render(
        request,
        "balance/school.html",
        _base(ev) | {"school": obj, "parts": parts, "excluded": excluded},
    )


def gap_rows(ev: Evaluation) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rows, totals = [], dict.fromkeys(INDICATORS, 0.0)
    for rank, g in enumerate(ev.gaps(), start=1):
        info = ev.info[g.school_id]
        for ind, a in g.additions.items():
            totals[ind] += a
        rows.append(
            {
                "rank": rank,
                "pk": info.pk,
                "name": info.name,
                "code": info.code,
                "level": g.level,
                "urban_rural": info.urban_rural,
                "met": g.met,
                "effort": round(100 * g.effort, 1),
                "additions": g.additions,
                "partial": g.partial,
            }
        )
    return rows, totals


@login_required
def gap_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    access_county(request.user)
    ev = region_evaluation()
    rows, totals = gap_rows(ev)
    summary = [needs(ind, a) for ind, a in totals.items() if a > 0]
    table_filter = SchoolTableFilter(request.GET, with_result=False)
    page = paginate(request, table_filter.rows(rows))
    for r in page.object_list:  # the texts of the rows shown only
        r["needs"] = [needs(ind, a) for ind, a in r["additions"].items()]
    return render(
        request,
        "balance/gaps.html",
        _base(ev) | {"rows": rows, "summary": summary, "filter": table_filter, "page": page},
    )


def _compare(before: Evaluation, after: Evaluation, changed: set[str]) -> dict[str, Any]:
    b_rows = {(r["code"], r["level"]): r for r in before.table()}
    a_rows = {(r["code"], r["level"]): r for r in after.table()}
    schools = []
    for key, a in a_rows.items():
        b = b_rows.get(key)
        if b is None:
            continue
        if key[0] in changed or a["passes"] != b["passes"]:
            schools.append(
                {
                    "name": a["name"],
                    "level": a["level"],
                    "before": b,
                    "after": a,
                    "cells": list(zip(b["cells"], a["cells"], strict=True)),
                }
            )
    cvs = []
    for level in after.levels():
        assert after.result is not None and before.result is not None
        cvs.append(
            {
                "level": level,
                "limit": CV_LIMITS[level],
                "cells": [
                    {
                        "indicator": ind,
                        "before": before.result.cv[level][ind],
                        "after": after.result.cv[level][ind],
                    }
                    for ind in INDICATORS
                ],
            }
        )
    return {"before": before, "after": after, "schools": schools, "cvs": cvs}


@login_required
def whatif(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Apply changes in memory and show before/after; never writes."""
    access_county(request.user)
    schools = scoping.schools_for(request.user).order_by("code")
    compare = None
    status = 200
    if request.method == "POST":
        form = WhatIfForm(request.POST, schools=schools)
        if form.is_valid():
            changes = form.cleaned_data["changes"]
            try:
                before, after = what_if(changes)
            except InputError as err:
                form.add_error(None, err.reason)
                status = 422
            else:
                changed_pk = {getattr(c, "school_id", None) for c in changes} | {
                    getattr(c, "to_school_id", None) for c in changes
                }
                changed_pk |= _teacher_schools(changes)
                codes = {i.code for i in before.info.values() if i.pk in changed_pk}
                compare = _compare(before, after, codes)
        else:
            status = 422
    else:
        form = WhatIfForm(schools=schools)
    ctx = _base() | {"form": form, "compare": compare}
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the form errors travel in a 200.
        return render(request, "balance/_whatif_result.html", ctx)
    return render(request, "balance/whatif.html", ctx, status=status)


def _teacher_schools(changes: list[Any]) -> set[int]:
    from junheng.region.models import Teacher

    ids = [c.teacher_id for c in changes if hasattr(c, "teacher_id")]
    return set(Teacher.objects.filter(pk__in=ids).values_list("school_id", flat=True))


@login_required
def trend(request: AuthenticatedHttpRequest) -> HttpResponse:
    access_county(request.user)
    snaps = list(BalanceSnapshot.objects.all())
    t = actions.trend(snaps)
    chart = {
        "years": t["years"],
        "series": t["series"],
        "limits": t["limits"],
        "labels": {ind: f"{ind} {INDICATOR_NAMES[ind]}" for ind in INDICATORS},
        "levels": {k: str(v) for k, v in LEVEL_NAMES.items()},
        "limit": _("限值"),
    }
    form = SnapshotForm(initial={"year": actions.current_year()})
    return render(
        request,
        "balance/trend.html",
        _base() | {"trend": t, "chart": chart, "form": form, "snapshots": snaps},
    )


@login_required
@require_POST
def take_snapshot(request: AuthenticatedHttpRequest) -> HttpResponse:
    access_county(request.user)
    form = SnapshotForm(request.POST)
    submit(
        request,
        form,
        lambda d: actions.do_take_snapshot(
            by=request.user, year=d["year"], label=d["label"], note=d["note"]
        ),
        lambda snap: _("已保存快照：%(label)s") % {"label": snap.label},
        invalid=_("快照年度无效"),
    )
    return redirect("balance:trend")


@login_required
def export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    access_county(request.user)
    return exports.serve(request, "junheng.balance.actions.do_export_county_xlsx")


@login_required
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    access_county(request.user)
    ev = county_evaluation()
    year = actions.current_year()
    return render(
        request,
        "balance/report.html",
        _base(ev)
        | {
            "year": year,
            "label": actions.default_label(year),
            "table": ev.table(),
            "cv_rows": ev.cv_rows(),
            "gov": _items_for(year),
            "recognition": SocialRecognition.objects.filter(year=year).first(),
        },
    )


@login_required
def guarantee(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The 15 government-guarantee items and social recognition, with the bureau's entry forms."""
    access_county(request.user)
    year = _year(request)
    entered = [s.code for s in items.ITEMS if not items.computable(s.code)]
    item_form = GovernmentItemForm(codes=entered)
    rec = SocialRecognition.objects.filter(year=year).first()
    rec_form = RecognitionForm(
        initial={
            "satisfied_share": rec.satisfied_share,
            "respondents": rec.respondents,
            "note": rec.note,
        }
        if rec
        else None
    )
    status = 200
    if request.method == "POST":
        user = request.user
        which = request.POST.get("form")
        if which == "refresh":
            actions.do_refresh_items(year=year, by=user)
            messages.success(request, _("已根据数据重新计算"))
            return redirect(f"{request.path}?year={year}")
        if which == "item":
            item_form = GovernmentItemForm(request.POST, codes=entered)
            if item_form.is_valid():
                d = item_form.cleaned_data
                actions.do_enter_item(
                    year=year,
                    code=d["code"],
                    value=d["value"],
                    passes=d["passes"],
                    note=d["note"],
                    by=user,
                )
                messages.success(request, _("已保存"))
                return redirect(f"{request.path}?year={year}")
            status = 422
        elif which == "recognition":
            rec_form = RecognitionForm(request.POST)
            if rec_form.is_valid():
                d = rec_form.cleaned_data
                actions.do_enter_recognition(
                    year=year,
                    satisfied_share=d["satisfied_share"],
                    respondents=d["respondents"],
                    note=d["note"],
                    by=user,
                )
                messages.success(request, _("已保存"))
                return redirect(f"{request.path}?year={year}")
            status = 422
    return render(
        request,
        "balance/guarantee.html",
        _base()
        | {
            "year": year,
            "gov": _items_for(year),
            "item_form": item_form,
            "rec_form": rec_form,
            "recognition": rec,
            "recognition_min": 85,
        },
        status=status,
    )
