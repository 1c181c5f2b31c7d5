"""Teacher exchange and shared-course forms of a community page (教师交流、共享课程).
Thin: authorise through communities.access, parse with the forms, call `sharing`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng.afterschool.actions import school_slot_ids
from junheng.communities import sharing
from junheng.communities.access import access_community
from junheng.communities.forms import ExchangeForm, OfferSharedForm, ShareCourseForm
from junheng.communities.models import Community
from junheng.region.models import School, Teacher, Term, TimeSlot
from junheng.web import AuthenticatedHttpRequest, attempt, flash_form_errors, submit


def _back(c: Community, anchor: str) -> HttpResponse:
    from django.urls import reverse

    return redirect(reverse("communities:community", args=[c.pk]) + f"#{anchor}")


def _schools(c: Community) -> list[int]:
    return sorted(sharing.community_school_ids(c))


@login_required
@require_POST
def plan_exchange(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    ids = _schools(c)
    form = ExchangeForm(
        request.POST,
        teachers=Teacher.objects.filter(school_id__in=ids).select_related("school"),
        schools=School.objects.filter(pk__in=ids),
    )
    if form.is_valid():
        d = form.cleaned_data
        attempt(
            request,
            lambda: sharing.do_plan_exchange(
                c,
                by=user,
                teacher=d["teacher"],
                to_school=d["to_school"],
                year=d["year"],
                note=d["note"] or "",
            ),
            _("已登记：%(t)s %(y)s 年交流到 %(s)s，将作为交流轮岗志愿。")
            % {"t": d["teacher"].name, "y": d["year"], "s": d["to_school"].name},
        )
    else:
        flash_form_errors(request, form)
    return _back(c, "exchanges")


@login_required
@require_POST
def cancel_exchange(
    request: AuthenticatedHttpRequest, community_id: int, exchange_id: int
) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    ex = c.exchanges.select_related("teacher", "community").filter(pk=exchange_id).first()
    if ex is None:
        raise Http404
    sharing.do_cancel_exchange(ex, by=user)
    messages.success(request, _("已取消交流计划。"))
    return _back(c, "exchanges")


@login_required
@require_POST
def share_course(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    form = ShareCourseForm(request.POST, courses=sharing.shareable_courses(c))
    submit(
        request,
        form,
        lambda d: sharing.do_share_course(c, by=user, course=d["course"]),
        _("已共享给成员校。"),
    )
    return _back(c, "shared-courses")


@login_required
@require_POST
def unshare_course(
    request: AuthenticatedHttpRequest, community_id: int, shared_id: int
) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    shared = c.shared_courses.select_related("community").filter(pk=shared_id).first()
    if shared is None:
        raise Http404
    sharing.do_unshare_course(shared, by=user)
    messages.success(request, _("已停止共享；已开设的课程本学期照常。"))
    return _back(c, "shared-courses")


@login_required
@require_POST
def offer_shared(
    request: AuthenticatedHttpRequest, community_id: int, shared_id: int
) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    shared = c.shared_courses.select_related("community", "course").filter(pk=shared_id).first()
    if shared is None:
        raise Http404
    term = Term.current()
    if term is None:
        messages.error(request, _("尚未设定学期。"))
        return _back(c, "shared-courses")
    members = School.objects.filter(community_memberships__community=c)
    raw = request.POST.get("school") or ""
    school = members.filter(pk=int(raw)).first() if raw.isdigit() else None
    slots = (
        TimeSlot.objects.filter(pk__in=school_slot_ids(school))
        if school
        else TimeSlot.objects.none()
    )
    form = OfferSharedForm(request.POST, schools=members, slots=slots)
    if form.is_valid():
        d = form.cleaned_data
        attempt(
            request,
            lambda: sharing.do_offer_shared_course(
                shared, by=user, school=d["school"], term=term, slot=d["slot"], seats=d["seats"]
            ),
            _("“%(c)s”已加入%(s)s的课后服务菜单。")
            % {"c": shared.course.title, "s": d["school"].name},
        )
    else:
        flash_form_errors(request, form)
    return _back(c, "shared-courses")
