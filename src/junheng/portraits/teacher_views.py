"""The school's class teachers of this term (任课安排): who teaches which class, as a teacher's
access to the children's portraits follows it. Thin: scoped through accounts.scoping, written
through portraits.actions; the import is the portraits import page's (kind class_teachers)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng.accounts.models import Role
from junheng.accounts.scoping import get_in_scope, role_required, school_of, teachers_for
from junheng.portraits import actions
from junheng.portraits.models import ClassTeacher
from junheng.region.models import SchoolClass, Term
from junheng.web import AuthenticatedHttpRequest, flash_errors


@role_required(Role.SCHOOL)
def class_teachers(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = school_of(request.user)
    term = Term.current(or_latest=False)
    classes = list(SchoolClass.objects.filter(school=school).order_by("grade", "number"))
    by_class: dict[int, list[ClassTeacher]] = defaultdict(list)
    if term is not None:
        for ct in (
            ClassTeacher.objects.filter(term=term, school_class__school=school)
            .select_related("teacher")
            .order_by("-homeroom", "teacher__code")
        ):
            by_class[ct.school_class_id].append(ct)
    rows: list[dict[str, Any]] = [{"klass": k, "teachers": by_class.get(k.pk, [])} for k in classes]
    return render(
        request,
        "portraits/class_teachers.html",
        {
            "school": school,
            "term": term,
            "rows": rows,
            "classes": classes,
            "teachers": teachers_for(request.user).order_by("code"),
            "unassigned": sum(1 for r in rows if not r["teachers"]),
        },
    )


@require_POST
@role_required(Role.SCHOOL)
def assign(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    school = school_of(user)
    klass_id, teacher_id = request.POST.get("school_class", ""), request.POST.get("teacher", "")
    if not (klass_id.isdigit() and teacher_id.isdigit()):
        messages.error(request, _("请选择教师和班级。"))
        return redirect("portraits:class_teachers")
    klass = get_in_scope(SchoolClass.objects.filter(school=school), pk=int(klass_id))
    teacher = get_in_scope(teachers_for(user), pk=int(teacher_id))
    try:
        actions.do_assign_class_teacher(
            school_class=klass, teacher=teacher, homeroom=bool(request.POST.get("homeroom")),
            by=user,
        )  # fmt: skip
    except ValidationError as err:
        flash_errors(request, err)
    else:
        messages.success(
            request, _("已安排 %(t)s 任教 %(k)s。") % {"t": teacher.name, "k": str(klass)}
        )
    return redirect("portraits:class_teachers")


@require_POST
@role_required(Role.SCHOOL)
def remove(request: AuthenticatedHttpRequest, assignment_id: int) -> HttpResponse:
    school = school_of(request.user)
    ct = get_in_scope(
        ClassTeacher.objects.filter(school_class__school=school).select_related("teacher"),
        pk=assignment_id,
    )
    actions.do_remove_class_teacher(assignment=ct, by=request.user)
    messages.success(request, _("已取消 %(t)s 的任课安排。") % {"t": ct.teacher.name})
    return redirect("portraits:class_teachers")


@require_POST
@role_required(Role.SCHOOL)
def copy_previous(request: AuthenticatedHttpRequest) -> HttpResponse:
    school = school_of(request.user)
    try:
        n = actions.do_copy_class_teachers(school_id=school.pk, by=request.user)
    except ValidationError as err:
        flash_errors(request, err)
    else:
        messages.success(request, _("已从上一学期带入 %(n)d 条任课安排。") % {"n": n})
    return redirect("portraits:class_teachers")
