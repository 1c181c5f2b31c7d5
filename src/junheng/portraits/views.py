"""Growth-portrait pages (综合素质评价): thin — authorise through portraits.access, query
through portraits.report, write through portraits.actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng import exports
from junheng.accounts import scoping
from junheng.accounts.models import Role, audit
from junheng.accounts.scoping import is_guardian, require_role
from junheng.portraits import actions, report
from junheng.portraits.access import (
    access_class,
    access_portrait,
    classes_taught,
    portrait_students_for,
)
from junheng.portraits.adapters import libraries_for, parse_library
from junheng.portraits.filters import SupportFilter
from junheng.region.filters import SchoolFilter
from junheng.region.models import Student, Term, UrbanRural
from junheng.web import AuthenticatedHttpRequest, filtered, flash_errors, paginate


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.BUREAU:
        return redirect("portraits:county")
    if user.role == Role.SCHOOL:
        return redirect("portraits:school")
    if user.role == Role.TEACHER:
        return render(request, "portraits/classes.html", {"classes": classes_taught(user)})
    if user.role == Role.PARENT:
        children = portrait_students_for(user).order_by("grade", "code")
        return render(request, "portraits/children.html", {"children": children})
    raise PermissionDenied


@login_required
def student(request: AuthenticatedHttpRequest, student_id: int) -> HttpResponse:
    user = request.user
    child = access_portrait(user, student_id)
    guardian = is_guardian(user, child.pk)
    if not guardian:
        audit(user, "portraits.view", child, role=user.role)
    return render(
        request,
        "portraits/student.html",
        {"child": child, "p": report.portrait(child), "guardian": guardian},
    )


@login_required
def export(request: AuthenticatedHttpRequest, student_id: int) -> HttpResponseBase:
    """The child's whole file, for its guardian (on request, audited)."""
    user = request.user
    child = access_portrait(user, student_id)
    if not is_guardian(user, child.pk):
        raise PermissionDenied
    return exports.serve(
        request, "junheng.portraits.actions.do_export_child_file", student_id=child.pk
    )


@login_required
def school_class(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    user = request.user
    klass = access_class(user, class_id)
    term = report.latest_term()
    children = Student.objects.filter(school_class=klass).order_by("code")
    figures = report.school_figures(klass.school_id, term)["classes"].get(klass.pk, [])
    audit(user, "portraits.view_class", klass, role=user.role)
    indicators = []
    now = Term.current(or_latest=False)
    if now is not None:
        lib = libraries_for([now]).get(now.pk)
        if lib is not None:
            indicators = [i.indicator for i in parse_library(lib.table)]
    return render(
        request,
        "portraits/class.html",
        {
            "klass": klass,
            "term": term,
            "children": children,
            "figures": figures,
            "dims": report.DIMS,
            "can_record": user.role == Role.TEACHER and now is not None,
            "indicators": indicators,
        },
    )


@require_POST
@login_required
def add_record(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """A teacher records for the children of a class it teaches, in the current term."""
    user = request.user
    require_role(user, Role.TEACHER)
    klass = access_class(user, class_id)
    term = Term.current(or_latest=False)
    if term is None:
        raise PermissionDenied
    try:
        child = Student.objects.get(school_class=klass, pk=int(request.POST.get("student", "0")))
        value = float(request.POST.get("value", ""))
    except (Student.DoesNotExist, ValueError):
        messages.error(request, _("请选择本班学生并填写数值。"))
        return redirect("portraits:class", class_id=klass.pk)
    try:
        actions.do_add_record(
            student=child, term=term, indicator=request.POST.get("indicator", ""),
            value=value, note=request.POST.get("note", ""), by=user,
            evidence=request.FILES.get("evidence"),
        )  # fmt: skip
    except ValidationError as err:
        flash_errors(request, err)
    else:
        messages.success(request, _("已记录。"))
    return redirect("portraits:class", class_id=klass.pk)


@login_required
def school(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_role(user, Role.SCHOOL)
    term = report.latest_term()
    from junheng.region.models import SchoolClass

    # A school admin's own school (an admin not linked to one sees an empty page).
    school_id = user.school_id
    classes = (
        SchoolClass.objects.filter(school_id=school_id)
        if school_id is not None
        else SchoolClass.objects.none()
    )
    figures = report.school_figures(school_id, term)

    return render(
        request,
        "portraits/school.html",
        {
            "term": term,
            "dims": report.DIMS,
            "whole": figures["whole"],
            "by_grade": figures["by_grade"],
            "classes": classes,
        },
    )


# Children on a page of the support list (a large school flags a thousand or more).
SUPPORT_PER_PAGE = 50


@login_required
def support(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Students needing support: the school's own list, never shown to anyone else; one page
    of it at a time, filtered by grade, class and dimension."""
    user = request.user
    require_role(user, Role.SCHOOL)
    term = report.latest_term()
    f = SupportFilter(request.GET, school_id=user.school_id)
    flagged = f.flagged(term)
    page = paginate(request, flagged, per_page=SUPPORT_PER_PAGE)
    rows = report.support_rows(list(page.object_list))
    audit(
        user, "portraits.view_support", user.school,
        students=len(flagged), shown=len(rows), page=page.number, **f.params(),
    )  # fmt: skip
    export_url = reverse("portraits:support_export") + "?" + f.query()
    return render(
        request,
        "portraits/support.html",
        {"term": term, "rows": rows, "page": page, "filter": f, "export_url": export_url},
    )


@login_required
def support_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The whole support list (as filtered) as .xlsx, for the school's own admin (audited)."""
    require_role(request.user, Role.SCHOOL)
    f = SupportFilter(request.GET, school_id=request.user.school_id)
    return exports.serve(
        request,
        "junheng.portraits.actions.export_support",
        back=reverse("portraits:support"),
        **f.params(),
    )


# Schools on a page of the county's by-school table (a city has 600).
COUNTY_SCHOOLS_PER_PAGE = 50


@login_required
def county(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's outcome side of balance: dimensions by urban/town/rural and by school, the
    schools 50 a page, searched and filtered like the school list. The figures (and what they
    hide) are worked out over every school whatever page is shown, so a filter or a page
    changes no figure."""
    user = request.user
    require_role(user, Role.BUREAU)
    term = report.latest_term()
    figures = report.county_figures(term)
    f = SchoolFilter(request.GET, queryset=scoping.schools_for(user).order_by("code"))
    by_school = {row["key"]: row for row in figures["by_school"]}
    rows = []
    for pk, name in filtered(f).values_list("pk", "name"):
        row = by_school.get(pk)
        if row is not None:
            rows.append({**row, "label": name})
    page = paginate(request, rows, per_page=COUNTY_SCHOOLS_PER_PAGE)
    labels = dict(UrbanRural.choices)
    for row in figures["by_ur"]:
        row["label"] = labels.get(row["key"], row["key"])
    return render(
        request,
        "portraits/county.html",
        {
            "term": term,
            "dims": report.DIMS,
            "whole": figures["whole"],
            "by_school": page.object_list,
            "page": page,
            "filter": f,
            "by_ur": figures["by_ur"],
        },
    )


@require_POST
@login_required
def score(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_role(user, Role.BUREAU)
    try:
        actions.start_scoring(by=user)
    except ValidationError as err:
        flash_errors(request, err)
    else:
        messages.success(request, _("评分任务已开始。"))
    return redirect("portraits:county")
