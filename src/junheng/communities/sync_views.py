"""Synchronous-lesson pages (同步课堂): timetables import, the term's schedule, a school's week
and its lessons, delivery. Thin: authorise through communities.access, call `lessons`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng.accounts.models import Role
from junheng.accounts.scoping import require_bureau, require_role
from junheng.communities import lessons, queries, timetables
from junheng.communities.access import (
    access_community,
    access_lesson,
    access_request,
    own_school_id,
)
from junheng.communities.models import LessonStatus, SyncSchedule, TimetableEntry
from junheng.region.imports import FileError
from junheng.region.models import County, School, Term
from junheng.web import AuthenticatedHttpRequest, attempt, submit

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from junheng.communities.models import Community


def _reason(code: str) -> str:
    return str(
        {
            "no_common_period": _("授课教师与两个班级的空闲节次不足"),
            "load_limit": _("核心校教师已达每周课时上限"),
            "taken": _("共同空闲节次已被其他同步课堂占用"),
        }.get(code, code)
    )


@login_required
def timetables_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload class timetables (the bureau any school's, a school admin its own)."""
    user = request.user
    require_role(user, Role.BUREAU, Role.SCHOOL)
    errors: list[Any] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择文件。"))
        else:
            try:
                n = lessons.do_import_timetables(upload.read(), upload.name or "", by=user)
            except FileError as err:
                errors = err.errors
                messages.error(request, _("未导入：请按下列提示修改后重新上传。"))
            else:
                messages.success(request, _("已导入 %(n)s 节课。") % {"n": n})
                return redirect("communities:timetables")
    school = (
        School.objects.filter(pk=user.school_id or 0).first() if user.role == Role.SCHOOL else None
    )
    counts = None
    if school is not None:
        counts = TimetableEntry.objects.filter(school_class__school=school).count()
    return render(
        request,
        "communities/timetables.html",
        {"errors": errors, "school": school, "cells": counts, "columns": timetables.COLUMNS},
    )


@login_required
def timetable_template(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The import layout filled with a school's stored timetables (empty cells = free)."""
    from junheng.exports import csv_response

    user = request.user
    require_role(user, Role.BUREAU, Role.SCHOOL)
    code = request.GET.get("school") or ""
    qs = (
        School.objects.all()
        if user.role == Role.BUREAU
        else School.objects.filter(pk=user.school_id or 0)
    )
    school = qs.filter(code=code).first() if code else qs.order_by("code").first()
    if school is None:
        raise Http404
    entries = TimetableEntry.objects.filter(school_class__school=school).select_related(
        "school_class", "teacher"
    )
    header = [c.header for c in timetables.COLUMNS]
    return csv_response(
        f"timetable-{school.code}.csv", header, timetables.grid_rows(entries, school)
    )


@login_required
def sync_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's term schedule: requests, placing, what could not be placed, publishing."""
    from junheng.jobs.models import Job

    user = request.user
    require_bureau(user)
    county = County.objects.order_by("pk").first()
    term = Term.current()
    schedule = (
        SyncSchedule.objects.filter(county=county, term=term).first() if county and term else None
    )
    requests = lessons.county_requests(county.pk) if county else []
    by_pk = {r.pk: r for r in requests}
    unplaced = [
        {
            "request": by_pk.get(u["request"]),
            "missing": u["missing"],
            "reason": _reason(u["reason"]),
        }
        for u in (schedule.unplaced if schedule else [])
    ]
    return render(
        request,
        "communities/sync.html",
        {
            "term": term,
            "schedule": schedule,
            "requests": requests,
            "unplaced": unplaced,
            "job": Job.latest_for(schedule) if schedule else None,
        },
    )


@login_required
@require_POST
def schedule(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    county = County.objects.order_by("pk").first()
    term = Term.current()
    if county is None or term is None:
        messages.error(request, _("尚未设定学期。"))
        return redirect("communities:sync")
    try:
        max_load = int(request.POST.get("max_load") or 20)
    except ValueError:
        messages.error(request, _("课时上限须为整数。"))
        return redirect("communities:sync")
    done = attempt(
        request,
        lambda: lessons.do_schedule_term(by=user, county=county, term=term, max_load=max_load),
    )
    if done.ok and done.value.computed_at:
        summary = done.value.summary
        messages.success(
            request,
            _("已排课：%(p)s / %(n)s 节。")
            % {"p": summary.get("placed", 0), "n": summary.get("lessons", 0)},
        )
    return redirect("communities:sync")


@login_required
@require_POST
def publish_schedule(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    county = County.objects.order_by("pk").first()
    s = SyncSchedule.objects.filter(county=county, term=Term.current()).first()
    if s is None:
        raise Http404
    attempt(
        request,
        lambda: lessons.do_publish_schedule(s, by=user),
        lambda n: _("已发布：本学期 %(n)s 节同步课堂。") % {"n": n},
    )
    return redirect("communities:sync")


@login_required
def my_lessons(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A school's synchronous lessons: the weekly grid and the dated lessons around today."""
    user = request.user
    require_role(user, Role.SCHOOL, Role.TEACHER)
    sid = own_school_id(user)
    if sid is None:
        raise Http404
    county_id = School.objects.filter(pk=sid).values_list("county_id", flat=True).first()
    term = Term.current()
    published = SyncSchedule.objects.filter(
        county_id=county_id or 0, term=term, status="published"
    ).first()
    today = timezone.localdate()
    return render(
        request,
        "communities/my_lessons.html",
        {
            "term": term,
            "schedule": published,
            "week": queries.school_week(sid, published),
            "lessons": queries.school_lessons(sid, today) if published else [],
            "today": today,
            "may_record": user.role == Role.SCHOOL,
            "statuses": LessonStatus,
        },
    )


@login_required
@require_POST
def record_lesson(request: AuthenticatedHttpRequest, lesson_id: int) -> HttpResponse:
    user = request.user
    lesson = access_lesson(user, lesson_id)
    status, reason = request.POST.get("status", ""), request.POST.get("reason", "")
    attempt(
        request,
        lambda: lessons.do_record_lesson(lesson, by=user, status=status, reason=reason),
        _("已登记。"),
    )
    nxt = request.POST.get("next") or ""
    if nxt.startswith("/communities/"):
        return redirect(nxt)
    return redirect("communities:my_lessons")


@login_required
@require_POST
def default_requests(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    attempt(
        request,
        lambda: lessons.do_default_requests(c, by=user),
        lambda n: _("已添加 %(n)s 项同步课堂需求。") % {"n": n},
    )
    return redirect("communities:community", community_id=c.pk)


@login_required
@require_POST
def delete_request(
    request: AuthenticatedHttpRequest, community_id: int, request_id: int
) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    req = access_request(user, c, request_id)
    attempt(request, lambda: lessons.do_delete_request(req, by=user))
    return redirect("communities:community", community_id=c.pk)


# --------------------------------------------------------------------------- activities, county


def _community_schools(c: Community) -> QuerySet[School]:
    from django.db.models import Q

    return School.objects.filter(Q(pk=c.core_id) | Q(community_memberships__community=c)).distinct()


@login_required
@require_POST
def log_activity(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    from junheng.communities.forms import ActivityForm

    user = request.user
    c = access_community(user, community_id)
    form = ActivityForm(request.POST, schools=_community_schools(c))
    submit(
        request,
        form,
        lambda d: lessons.do_log_activity(
            c,
            by=user,
            kind=d["kind"],
            title=d["title"],
            date=d["date"],
            host=d["host"],
            participants=d["participants"],
            note=d["note"] or "",
        ),
        _("已登记活动。"),
    )
    return redirect("communities:community", community_id=c.pk)


@login_required
@require_POST
def delete_activity(
    request: AuthenticatedHttpRequest, community_id: int, activity_id: int
) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    a = c.activities.filter(pk=activity_id).first()
    if a is None:
        raise Http404
    attempt(request, lambda: lessons.do_delete_activity(a, by=user))
    return redirect("communities:community", community_id=c.pk)


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


@login_required
def county_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every member of an active community, weakest first, with its gap and delivery."""
    user = request.user
    require_bureau(user)
    year = _year(request)
    county = County.objects.order_by("pk").first()
    return render(
        request,
        "communities/county.html",
        {"rows": queries.county_view(county, year), "year": year, "county": county},
    )


@login_required
def report(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    from junheng import exports

    require_bureau(request.user)
    if not County.objects.exists():
        raise Http404
    return exports.serve(
        request, "junheng.communities.report.do_export_report", year=_year(request)
    )
