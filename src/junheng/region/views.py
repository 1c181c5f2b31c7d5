"""Region pages: thin — scope through accounts.scoping, query, render."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from junheng.accounts import scoping
from junheng.accounts.models import Role

STAFF = (Role.BUREAU, Role.SCHOOL)


@scoping.role_required(*STAFF)
def school_list(request: HttpRequest) -> HttpResponse:
    schools = scoping.schools_for(request.user).annotate(
        n_students=Count("students", distinct=True), n_teachers=Count("teachers", distinct=True)
    )
    return render(request, "region/school_list.html", {"schools": schools})


@scoping.role_required(*STAFF)
def school_detail(request: HttpRequest, school_id: int) -> HttpResponse:
    school = scoping.access_school(request.user, school_id)
    teachers = scoping.teachers_for(request.user).filter(school=school)
    students = scoping.students_for(request.user).filter(school=school)
    by_grade = students.values("grade").annotate(n=Count("id")).order_by("grade")
    return render(
        request,
        "region/school_detail.html",
        {"school": school, "teachers": teachers, "by_grade": by_grade,
         "n_students": students.count()},
    )


@scoping.role_required(*STAFF)
def import_page(request: HttpRequest) -> HttpResponse:
    return render(request, "region/import.html", {})
