"""Home page per role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from junheng.accounts import scoping
from junheng.accounts.models import Role
from junheng.region import queries
from junheng.rotation.home import home_card as rotation_home_card


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    ctx: dict[str, object] = {}
    if user.role == Role.BUREAU:
        ctx["glance"] = queries.county_glance(scoping.schools_for(user))
        template = "accounts/home_bureau.html"
    elif user.role == Role.SCHOOL:
        school = scoping.schools_for(user).first()
        ctx["school"] = school
        ctx["grades"] = queries.school_grades(school) if school else []
        ctx["teacher_count"] = scoping.teachers_for(user).count()
        ctx["rotation"] = rotation_home_card(user)
        template = "accounts/home_school.html"
    elif user.role == Role.PARENT:
        ctx["children"] = scoping.students_for(user)
        template = "accounts/home_parent.html"
    elif user.role == Role.TEACHER:
        ctx["teacher"] = scoping.teachers_for(user).first()
        ctx["rotation"] = rotation_home_card(user)
        template = "accounts/home_teacher.html"
    else:
        ctx["provider"] = scoping.provider_of(user)
        template = "accounts/home_provider.html"
    return render(request, template, ctx)
