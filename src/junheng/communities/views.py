"""Education-community pages (教共体): thin — authorise through communities.access, call actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import may_act, require_bureau
from junheng.communities import actions, lessons, queries
from junheng.communities.access import (
    access_community,
    access_community_edit,
    access_county_school,
    access_pin,
    access_round,
    communities_for,
    public_communities,
)
from junheng.communities.forms import (
    ActivityForm,
    CommunityForm,
    GoalForm,
    MemberForm,
    NewCommunityForm,
    OpenRoundForm,
    PinForm,
    RoundRulesForm,
)
from junheng.communities.models import Community, Kind, PairingRound, RoundSchool, RunStatus
from junheng.region.models import County, School, Term
from junheng.web import AuthenticatedHttpRequest, attempt, flash_form_errors, paginate, submit


def _county() -> County | None:
    return County.objects.order_by("pk").first()


# --------------------------------------------------------------------------- lists


def public(request: HttpRequest) -> HttpResponse:
    """Every active community, for anyone (no login): kind, core, members, since when."""
    communities = list(public_communities().prefetch_related("memberships__school"))
    return render(
        request,
        "communities/public.html",
        {"communities": communities, "kinds": queries.kind_counts(communities)},
    )


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's overview; schools and teachers go to their own page, others to the list."""
    user = request.user
    if user.role in (Role.SCHOOL, Role.TEACHER):
        return redirect("communities:mine")
    if user.role != Role.BUREAU:
        return redirect("communities:public")
    communities = list(
        communities_for(user)
        .prefetch_related("memberships__school")
        .order_by("-active", "core__code")
    )
    return render(
        request,
        "communities/index.html",
        {
            "communities": communities,
            "kinds": queries.kind_counts([c for c in communities if c.active]),
            "rounds": list(PairingRound.objects.select_related("county")),
            "open_form": OpenRoundForm(initial={"year": actions.current_year()}),
            "unpaired": queries.unpaired_schools(_county()),
        },
    )


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in (Role.SCHOOL, Role.TEACHER):
        return redirect("communities:index")
    communities = list(communities_for(user).prefetch_related("memberships__school"))
    exchanges: list[Any] = []
    if user.role == Role.TEACHER and user.teacher_id is not None:
        from junheng.communities.models import TeacherExchange

        exchanges = list(
            TeacherExchange.objects.filter(teacher_id=user.teacher_id, community__active=True)
            .select_related("to_school", "community")
            .order_by("-year")
        )
    return render(
        request, "communities/mine.html", {"communities": communities, "exchanges": exchanges}
    )


# --------------------------------------------------------------------------- one community


@login_required
def community(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community(user, community_id)
    ctx: dict[str, Any] = {"c": c, **queries.community_page(c)}
    ctx["delivery"] = queries.community_delivery(c, timezone.localdate().year)
    ctx["may_request"] = may_act(user, Role.BUREAU, Role.SCHOOL, school_id=c.core_id)
    ctx["acts"] = queries.activities_page(c, timezone.localdate().year)
    ctx["may_log"] = c.active and lessons.may_log(user, c)
    # Any activity for the bureau; a school only those it logged (`may_delete_activity`).
    ctx["may_delete_any"] = may_act(user, Role.BUREAU)
    if ctx["may_log"]:
        from django.db.models import Q

        ctx["activity_form"] = ActivityForm(
            schools=School.objects.filter(
                Q(pk=c.core_id) | Q(community_memberships__community=c)
            ).distinct(),
            initial={"date": timezone.localdate()},
        )
    ctx.update(_sharing_context(user, c))
    if user.role == Role.BUREAU:
        county_schools = School.objects.filter(county_id=c.county_id).order_by("code")
        ctx["edit_form"] = CommunityForm(instance=c)
        ctx["member_form"] = MemberForm(
            schools=county_schools.exclude(pk=c.core_id).exclude(
                pk__in=c.memberships.values("school_id")
            ),
            initial={"year": actions.current_year()},
        )
        ctx["goal_form"] = GoalForm(initial={"year": actions.current_year()})
    return render(request, "communities/community.html", ctx)


def _sharing_context(user: User, c: Community) -> dict[str, Any]:
    """Teacher exchanges and shared courses of a community page, with the forms this user
    may use (`sharing` decides again on every post)."""
    from junheng.afterschool.actions import school_slot_ids
    from junheng.communities import sharing
    from junheng.communities.access import own_school_id
    from junheng.communities.forms import ExchangeForm, ShareCourseForm
    from junheng.region.models import Teacher, TimeSlot

    ids = sorted(sharing.community_school_ids(c))
    own = own_school_id(user) if user.role == Role.SCHOOL else None
    term = Term.current()
    ctx: dict[str, Any] = {
        "exchanges": sharing.exchange_rows(c),
        "shared": sharing.shared_course_rows(c, term),
        "shared_term": term,
    }
    may_all = user.role == Role.BUREAU or own == c.core_id
    if c.active and (may_all or own in ids):
        teachers = Teacher.objects.filter(school_id__in=ids if may_all else [own])
        ctx["exchange_form"] = ExchangeForm(
            teachers=teachers.select_related("school").order_by("school__code", "code"),
            schools=School.objects.filter(pk__in=ids).order_by("code"),
            initial={"year": actions.current_year()},
        )
        ctx["may_cancel_exchange"] = {
            r["e"].pk for r in ctx["exchanges"] if may_all or r["e"].teacher.school_id == own
        }
    if c.active and sharing.may_share(user, c):
        ctx["share_form"] = ShareCourseForm(courses=sharing.shareable_courses(c))
        ctx["may_unshare"] = True
    in_it = School.objects.filter(community_memberships__community=c).order_by("code")
    if user.role != Role.BUREAU:
        in_it = in_it.filter(pk=own) if own is not None else in_it.none()
    members = list(in_it)
    if c.active and term is not None and members:
        slot_ids = set().union(*(school_slot_ids(s) for s in members))
        ctx["offer_schools"] = members
        ctx["offer_slots"] = list(TimeSlot.objects.filter(pk__in=slot_ids))
    return ctx


@login_required
def new_community(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    county = _county()
    schools = School.objects.filter(county=county).order_by("code")
    form = NewCommunityForm(
        request.POST or None, schools=schools, initial={"start_year": actions.current_year()}
    )
    if request.method == "POST" and form.is_valid() and county is not None:
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_create_community(
                by=user,
                county=county,
                core=d["core"],
                kind=d["kind"],
                start_year=d["start_year"],
                name=d["name"] or "",
                members=list(d["members"]),
                partner_region=d["partner_region"] or "",
                partner_school=d["partner_school"] or "",
                note=d["note"] or "",
            ),
            lambda c: _("已建立：%(n)s") % {"n": c.name},
            form=form,
        )
        if done.ok:
            return redirect("communities:community", community_id=done.value.pk)
    return render(request, "communities/new.html", {"form": form, "cross": Kind.CROSS_REGION})


@login_required
@require_POST
def edit_community(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community_edit(user, community_id)
    form = CommunityForm(request.POST, instance=Community.objects.get(pk=c.pk))
    submit(
        request,
        form,
        lambda d: actions.do_update_community(c, by=user, **{k: d[k] for k in form.Meta.fields}),
        _("已保存。"),
    )
    return redirect("communities:community", community_id=c.pk)


@login_required
@require_POST
def add_member(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community_edit(user, community_id)
    form = MemberForm(request.POST, schools=School.objects.filter(county_id=c.county_id))
    submit(
        request,
        form,
        lambda d: actions.do_add_member(
            c, by=user, school=d["school"], mode=d["mode"], year=d["year"]
        ),
        lambda m: _("已加入：%(s)s") % {"s": m.school.name},
        invalid=_("请选择学校。"),
    )
    return redirect("communities:community", community_id=c.pk)


@login_required
@require_POST
def remove_member(
    request: AuthenticatedHttpRequest, community_id: int, school_id: int
) -> HttpResponse:
    user = request.user
    c = access_community_edit(user, community_id)
    m = c.memberships.filter(school_id=school_id).select_related("school").first()
    if m is None:
        raise Http404
    actions.do_remove_member(m, by=user)
    messages.success(request, _("已移出：%(s)s") % {"s": m.school.name})
    return redirect("communities:community", community_id=c.pk)


@login_required
@require_POST
def dissolve(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community_edit(user, community_id)
    actions.do_dissolve_community(c, by=user)
    messages.success(request, _("已撤销：%(n)s") % {"n": c.name})
    return redirect("communities:community", community_id=c.pk)


@login_required
@require_POST
def set_goal(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    user = request.user
    c = access_community_edit(user, community_id)
    form = GoalForm(request.POST)
    submit(
        request,
        form,
        lambda d: actions.do_set_goal(
            c,
            by=user,
            year=d["year"],
            lessons=d["lessons"],
            activities=d["activities"],
            text=d["text"] or "",
        ),
        lambda goal: _("已保存 %(y)s 年度目标。") % {"y": goal.year},
        invalid=_("目标填写有误。"),
    )
    return redirect("communities:community", community_id=c.pk)


# --------------------------------------------------------------------------- results


@login_required
def results(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau enters the year's results (e.g. quality monitoring, 0-100) per school."""
    user = request.user
    require_bureau(user)
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or actions.current_year())
    except ValueError:
        year = actions.current_year()
    # One page of schools at a time (a city's 603 score fields made a 130 KB form); the
    # form posts back to its page and saves that page's schools only.
    page = paginate(request, School.objects.filter(county=_county()).order_by("code"))
    schools = list(page.object_list)
    if request.method == "POST":
        scores: dict[int, float | None] = {}
        bad = []
        for s in schools:
            raw = (request.POST.get(f"score_{s.pk}") or "").strip()
            if not raw:
                scores[s.pk] = None
                continue
            try:
                scores[s.pk] = float(raw)
            except ValueError:
                bad.append(s.name)
        if bad:
            messages.error(request, _("得分须为数字：%(s)s") % {"s": "、".join(bad)})
        else:
            done = attempt(
                request,
                lambda: actions.do_set_results(by=user, year=year, scores=scores),
                lambda n: _("已保存 %(n)s 所学校的得分。") % {"n": n},
            )
            if done.ok:
                return redirect(f"{request.path}?year={year}&page={page.number}")
    rows = queries.results_rows(schools, year)
    return render(request, "communities/results.html", {"year": year, "rows": rows, "page": page})


# --------------------------------------------------------------------------- pairing rounds


@login_required
@require_POST
def open_round(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_bureau(user)
    form = OpenRoundForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("communities:index")
    d = dict(form.cleaned_data)
    year = d.pop("year")
    done = attempt(
        request,
        lambda: actions.do_open_round(by=user, year=year, county=_county(), **d),
        lambda rnd: _("已建立 %(y)s 年度结对方案。") % {"y": rnd.year},
    )
    if not done.ok:
        return redirect("communities:index")
    return redirect("communities:round", round_id=done.value.pk)


@login_required
def round_detail(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    ctx = queries.round_page(rnd)
    ctx["rules_form"] = RoundRulesForm(instance=rnd)
    return render(request, "communities/round.html", ctx)


@login_required
@require_POST
def round_rules(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    form = RoundRulesForm(request.POST, instance=PairingRound.objects.get(pk=rnd.pk))
    submit(
        request,
        form,
        lambda d: actions.do_update_round(rnd, by=user, **{k: d[k] for k in form.Meta.fields}),
        _("已保存规则。"),
    )
    return redirect("communities:round", round_id=rnd.pk)


@login_required
@require_POST
def round_roles(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    roles: dict[int, tuple[str, int | None]] = {}
    for rs in RoundSchool.objects.filter(round=rnd):
        role = request.POST.get(f"role_{rs.school_id}")
        if role is None:
            continue
        raw = (request.POST.get(f"cap_{rs.school_id}") or "").strip()
        try:
            cap = int(raw) if raw else None
        except ValueError:
            messages.error(request, _("结对上限须为整数。"))
            return redirect("communities:round", round_id=rnd.pk)
        roles[rs.school_id] = (role, cap)
    attempt(
        request,
        lambda: actions.do_set_roles(rnd, by=user, roles=roles),
        lambda n: _("已更新 %(n)s 所学校的角色。") % {"n": n},
    )
    return redirect("communities:round", round_id=rnd.pk)


@login_required
@require_POST
def run_pairing(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    done = attempt(request, lambda: actions.do_run_pairing(rnd, by=user))
    if done.ok and done.value.status == RunStatus.DONE:
        messages.success(request, _("结对方案已计算。"))
    elif done.ok and done.value.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        messages.info(request, _("结对方案正在计算。"))
    return redirect("communities:round", round_id=rnd.pk)


@login_required
@require_POST
def pin(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    form = PinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的请求。"))
        return redirect("communities:round", round_id=rnd.pk)
    d = form.cleaned_data
    member = access_county_school(user, rnd.county_id, d["member"])
    core = access_county_school(user, rnd.county_id, d["core"])
    attempt(
        request,
        lambda: actions.do_pin(rnd, by=user, member=member, core=core, kind=d["kind"]),
        _("已记录，重新计算后生效。"),
    )
    return redirect("communities:round", round_id=rnd.pk)


@login_required
@require_POST
def unpin(request: AuthenticatedHttpRequest, round_id: int, pin_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    p = access_pin(user, rnd, pin_id)
    attempt(request, lambda: actions.do_unpin(p, by=user))
    return redirect("communities:round", round_id=rnd.pk)


@login_required
@require_POST
def publish(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    rnd = access_round(user, round_id)
    attempt(
        request,
        lambda: actions.do_publish_round(rnd, by=user),
        lambda created: _("已发布：建立 %(n)s 个教共体。") % {"n": len(created)},
    )
    return redirect("communities:round", round_id=rnd.pk)
