"""Home page per role; the login page with its throttling messages (django-axes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from junheng.accounts import scoping, throttle
from junheng.accounts.models import Role
from junheng.accounts.todos import todos_for
from junheng.region import queries
from junheng.rotation.home import home_card as rotation_home_card
from junheng.web import AuthenticatedHttpRequest, paginate


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    ctx: dict[str, object] = {"todos": todos_for(user)}
    if user.role == Role.BUREAU:
        ctx["glance"] = queries.region_glance()  # a bureau sees every school, kept
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


def public_index(request: HttpRequest) -> HttpResponse:
    """No login: the public records anyone may check — choice-window draws (摇号公示) and class
    placements (分班公示), newest first, each a link to its public page — and the way in."""
    from junheng.enrolment.models import Draw
    from junheng.placement.models import Placement, PlacementStatus

    draws = (
        Draw.objects.without_files()
        .select_related("window__school", "window__term")
        .order_by("-committed_at", "-pk")
    )
    placements = (
        Placement.objects.select_related("school", "term")
        .exclude(status=PlacementStatus.DRAFT)
        .order_by("-pk")
    )
    return render(
        request,
        "accounts/public_index.html",
        {
            "draws": paginate(request, draws, per_page=20),
            "placements": placements[:50],
        },
    )


def _cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return _(
        "登录失败次数过多，该账号已被暂时锁定 %(minutes)d 分钟。请稍后再试，"
        "或请教育局管理员解锁；忘记密码请联系学校或教育局重置。"
    ) % {"minutes": _cooloff_minutes()}


def address_blocked_message() -> str:
    return _(
        "来自您所在网络的登录失败次数过多，已暂停登录 %(minutes)d 分钟。请稍后再试，或联系教育局。"
    ) % {"minutes": _cooloff_minutes()}


class LoginForm(AuthenticationForm):
    """Django's login form; after a wrong password it says how many tries are left before the
    account is locked (the same words for an unknown username, so nothing is revealed)."""

    def get_invalid_login_error(self) -> Any:
        error = super().get_invalid_login_error()
        if getattr(self.request, throttle.ADDRESS_BLOCKED, False):
            return ValidationError(address_blocked_message(), code="throttled")
        from axes.handlers.proxy import AxesProxyHandler

        username = self.cleaned_data.get("username")
        if self.request is None or not username:
            return error
        failures = AxesProxyHandler.get_failures(self.request, {"username": username})
        left = settings.AXES_FAILURE_LIMIT - failures
        if left > 0:
            warning = ngettext(
                "再输错 %(n)d 次，该账号将被锁定 %(minutes)d 分钟。",
                "再输错 %(n)d 次，该账号将被锁定 %(minutes)d 分钟。",
                left,
            ) % {"n": left, "minutes": _cooloff_minutes()}
            return ValidationError([error, ValidationError(warning, code="tries_left")])
        return error


class LoginView(auth_views.LoginView):
    form_class = LoginForm


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers a locked-out login with: the login page, saying so (429)."""
    username = (credentials or {}).get("username", "") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )
