"""Region pages: thin — scope through accounts.scoping, call an action or a query, render."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from junheng import exports
from junheng.accounts import scoping
from junheng.accounts.models import Role, audit
from junheng.downloads import attachment
from junheng.region import actions, filters, tasks
from junheng.region.forms import KIND_LABELS, OutlineForm
from junheng.region.import_page import ImportPage
from junheng.region.import_page import import_page as shared_import_page
from junheng.region.models import County, Student, Teacher
from junheng.web import AuthenticatedHttpRequest, filtered, paginate, with_counts

STAFF = (Role.BUREAU, Role.SCHOOL)


@scoping.role_required(*STAFF)
def school_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    f = filters.SchoolFilter(request.GET, queryset=scoping.schools_for(request.user))
    page = with_counts(
        paginate(request, filtered(f).order_by("code")),
        n_students=(Student.objects.all(), "school"),
        n_teachers=(Teacher.objects.all(), "school"),
    )
    schools = page.object_list
    return render(
        request,
        "region/school_list.html",
        {"schools": schools, "page": page, "filter": f},
    )


@scoping.role_required(*STAFF)
def school_detail(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = scoping.access_school(request.user, school_id)
    teachers = scoping.teachers_for(request.user).filter(school=school)
    students = scoping.students_for(request.user).filter(school=school)
    by_grade = students.values("grade").annotate(n=Count("id")).order_by("grade")
    return render(
        request,
        "region/school_detail.html",
        {
            "school": school,
            "n_teachers": teachers.count(),
            "by_grade": by_grade,
            "n_students": students.count(),
        },
    )


@scoping.role_required(*STAFF)
def student_list(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = scoping.access_school(request.user, school_id)
    qs = scoping.students_for(request.user).filter(school=school)
    f = filters.StudentFilter(request.GET, queryset=qs)
    page = paginate(request, filtered(f).order_by("grade", "code"))
    # Minors' records seen by staff: who looked at which page of which school's list.
    audit(
        request.user,
        "view_students",
        school,
        page=page.number,
        q=request.GET.get("q", ""),
        grade=request.GET.get("grade", ""),
        shown=len(page.object_list),
    )
    return render(
        request, "region/student_list.html", {"school": school, "page": page, "filter": f}
    )


@scoping.role_required(*STAFF)
def teacher_list(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    school = scoping.access_school(request.user, school_id)
    qs = scoping.teachers_for(request.user).filter(school=school)
    f = filters.TeacherFilter(request.GET, queryset=qs)
    page = paginate(request, filtered(f).order_by("code"))
    return render(
        request, "region/teacher_list.html", {"school": school, "page": page, "filter": f}
    )


IMPORT_PAGE = ImportPage(
    url="region:import",
    template_url="region:template",
    job_kind="region_import",
    page_template="region/import.html",
    kinds=actions.import_kinds,
    labels=KIND_LABELS,
    import_rows=actions.import_rows,
    start_import=tasks.start_import,
    context=lambda user, kinds: {
        "export_kinds": [(k, KIND_LABELS[k]) for k in actions.export_kinds(user)]
    },
)


@scoping.role_required(*STAFF)
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload → a job checks (and, when every row is good, writes) the file (`import_page`)."""
    return shared_import_page(request, IMPORT_PAGE)


def _kind(kind: str) -> str:
    if kind not in actions.KINDS:
        raise Http404
    return kind


def _download(file: actions.ExportFile) -> HttpResponse:
    return attachment(file.content, file.filename, file.content_type)


@scoping.role_required(*STAFF)
def template_download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    return _download(actions.template_file(_kind(kind), by=request.user))


def _export_school(request: AuthenticatedHttpRequest) -> int | None:
    school = request.GET.get("school", "") or request.POST.get("school", "")
    if school and not school.isdigit():
        raise Http404
    return int(school) if school else None


@scoping.role_required(*STAFF)
def export_download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    """The user's schools, teachers or students as .xlsx (a large export through a job)."""
    return exports.serve(
        request,
        "junheng.region.actions.export_file",
        back=reverse("region:import"),
        kind=_kind(kind),
        fmt="xlsx",
        school_id=_export_school(request),
    )


@scoping.role_required(*STAFF)
def export_csv(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    """The same rows as the .xlsx export, as a streamed CSV (a large one through a job)."""
    return exports.serve(
        request,
        "junheng.region.actions.export_file",
        back=reverse("region:import"),
        kind=_kind(kind),
        fmt="csv",
        school_id=_export_school(request),
    )


@scoping.role_required(Role.BUREAU)
def outline(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The county's outline: upload a GeoJSON file (checked whole first: a bad file is refused
    with the reason and nothing changes), or go back to the schools' convex hull; the map below
    shows what every county map draws."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from junheng.errors import ActionError
    from junheng.region import countymap

    county = County.objects.order_by("pk").first()
    if county is None:
        raise Http404
    form = OutlineForm()
    status = 200
    if request.method == "POST" and request.POST.get("clear"):
        actions.do_clear_outline(county, by=request.user)
        messages.success(request, _("已删除导入的县界，地图改用各校位置的凸包。"))
        return redirect("region:outline")
    if request.method == "POST":
        form = OutlineForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            origin = None
            if form.cleaned_data["mode"] == "lonlat":
                origin = (form.cleaned_data["origin_lon"], form.cleaned_data["origin_lat"])
            try:
                n = actions.do_import_outline(
                    county,
                    upload.read(),
                    upload.name,
                    mode=form.cleaned_data["mode"],
                    origin=origin,
                    by=request.user,
                )
            except ActionError as err:
                form.add_error("file", str(err))
            else:
                messages.success(request, _("已导入县界：%(n)d 个多边形。") % {"n": n})
                return redirect("region:outline")
        status = 422
    schools = list(county.schools.order_by("code"))
    return render(
        request,
        "region/outline.html",
        {"county": county, "form": form, "map": countymap.county_map(schools)},
        status=status,
    )
