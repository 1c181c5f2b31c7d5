"""Pages of the course supermarket: thin — scope through afterschool.access, call an action, render."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from junheng.accounts import scoping, throttle
from junheng.accounts.models import Role
from junheng.afterschool import access, actions, filters, forms, maps
from junheng.afterschool.cards import offering_cards
from junheng.afterschool.models import (
    Course,
    CourseStatus,
    Instructor,
    Menu,
    MenuStatus,
    OfferingSource,
    OfferingStatus,
    ProviderStatus,
    RequestStatus,
    RunStatus,
    SupplyPlacement,
    SupplyRun,
)
from junheng.afterschool.tutoring import tutoring_matches
from junheng.errors import ActionError
from junheng.jobs.models import Job
from junheng.region import countymap
from junheng.region.models import Term, TimeSlot, UrbanRural
from junheng.web import (
    AuthenticatedHttpRequest,
    attempt,
    filtered,
    paginate,
    submit,
    with_counts,
)

BUREAU = (Role.BUREAU,)


# --------------------------------------------------------------------------- public


def public_providers(request: HttpRequest) -> HttpResponse:
    """The white list with service items, fee standards and approved courses (public by rule):
    searchable by name or service, area, course category and kind; 20 providers a page."""
    f = filters.WhitelistFilter(request.GET, queryset=access.whitelisted_providers())
    page = paginate(request, filtered(f).order_by("name", "pk"), per_page=20)
    providers = list(page.object_list)
    prefetch_related_objects(
        providers,
        Prefetch(
            "courses",
            queryset=Course.objects.filter(status=CourseStatus.APPROVED).order_by("title", "pk"),
            to_attr="public_courses",
        ),
    )
    return render(
        request,
        "afterschool/public_providers.html",
        {"providers": providers, "page": page, "filter": f},
    )


_HOUR = dt.timedelta(hours=1)


def _registration_allowed(address: str) -> bool:
    """At most REGISTRATION_LIMIT_PER_HOUR applications per client address per hour, and at most
    ten times as many attempts (a form with mistakes may be sent again)."""
    limit = settings.REGISTRATION_LIMIT_PER_HOUR
    if not throttle.hit("register.post", address, limit=10 * limit, window=_HOUR):
        return False
    return throttle.count("register.ok", address, window=_HOUR) < limit


def register(request: HttpRequest) -> HttpResponse:
    """Provider self-registration: an account and a draft application with the licence."""
    if request.user.is_authenticated and request.user.role == Role.PROVIDER:
        return redirect("afterschool:my_application")
    form = forms.ProviderRegistrationForm(request.POST or None, request.FILES or None)
    address = throttle.client_address(request)
    if request.method == "POST" and not _registration_allowed(address):
        form = forms.ProviderRegistrationForm()
        messages.error(request, _("来自同一网络的入驻申请过于频繁，请一小时后再试，或联系教育局。"))
        return render(request, "afterschool/register.html", _register_ctx(form), status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in forms.ProviderRegistrationForm.Meta.fields}
        done = attempt(
            request,
            lambda: actions.do_register_provider(
                username=data["username"],
                password=data["password1"],
                fields=fields,
                licence=data["licence"],
            ),
            _("登记成功。请补充授课人员后提交审核。"),
            form=form,
        )
        if done.ok:
            throttle.record("register.ok", address, window=_HOUR)
            user, _provider = done.value
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("afterschool:my_application")
    return render(request, "afterschool/register.html", _register_ctx(form))


def _register_ctx(form: forms.ProviderRegistrationForm) -> dict[str, Any]:
    """The form and the county map whose clicks fill its x/y (km) inputs."""
    return {"form": form, "county_map": countymap.county_map(countymap.registration_schools())}


# --------------------------------------------------------------------------- files


def document_file(request: HttpRequest, document_id: int) -> FileResponse:
    doc = access.access_document(request.user, document_id)
    return _file(doc.file, doc.original_name)


def photo_file(request: HttpRequest, photo_id: int) -> FileResponse:
    photo = access.access_photo(request.user, photo_id)
    return _file(photo.file, photo.original_name, inline=True)


def instructor_certificate(request: HttpRequest, instructor_id: int) -> FileResponse:
    inst = access.access_instructor(request.user, instructor_id)
    return _file(inst.background_check, f"{inst.name}-background-check")


def _file(field: Any, name: str, inline: bool = False) -> FileResponse:
    try:
        fh = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    resp = FileResponse(fh, as_attachment=not inline, filename=name)
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


# --------------------------------------------------------------------------- provider


@scoping.role_required(Role.PROVIDER)
def my_application(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = access.own_provider(request.user)
    return render(
        request,
        "afterschool/my_application.html",
        {
            "provider": provider,
            "documents": provider.documents.all(),
            "instructors": provider.instructors.all(),
            "courses": provider.courses.all(),
            "events": provider.events.select_related("by"),
            "doc_form": forms.DocumentForm(),
            "instructor_form": forms.InstructorForm(),
            "can_submit": provider.status in (ProviderStatus.DRAFT,),
            "can_resubmit": provider.status
            in (ProviderStatus.INFO_REQUESTED, ProviderStatus.EXPIRED, ProviderStatus.REJECTED),
        },
    )


@require_POST
@scoping.role_required(Role.PROVIDER)
def my_submit(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = access.own_provider(request.user)
    note = request.POST.get("note", "")

    def send() -> object:
        if provider.status == ProviderStatus.DRAFT:
            return actions.do_submit_provider(provider, by=request.user)
        return actions.do_resubmit_provider(provider, by=request.user, note=note)

    attempt(request, send, _("已提交，等待教育局审核。"))
    return redirect("afterschool:my_application")


@require_POST
@scoping.role_required(Role.PROVIDER)
def my_document_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = access.own_provider(request.user)
    form = forms.DocumentForm(request.POST, request.FILES)
    submit(
        request,
        form,
        lambda d: actions.do_add_provider_document(
            provider, by=request.user, kind=d["kind"], upload=d["file"]
        ),
        _("材料已上传。"),
    )
    return redirect("afterschool:my_application")


@require_POST
@scoping.role_required(Role.PROVIDER)
def my_instructor_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = access.own_provider(request.user)
    form = forms.InstructorForm(request.POST, request.FILES)
    submit(
        request,
        form,
        lambda d: actions.do_add_instructor(provider, by=request.user, **d),
        _("授课人员已添加。"),
    )
    return redirect("afterschool:my_application")


@scoping.role_required(Role.PROVIDER)
def course_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = access.own_provider(request.user)
    form = forms.CourseForm(request.POST or None, request.FILES or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "photo"}
        photos = [form.cleaned_data["photo"]] if form.cleaned_data.get("photo") else []
        done = attempt(
            request,
            lambda: actions.do_propose_course(
                provider, by=request.user, fields=fields, photos=photos
            ),
            _("课程已提交审核。"),
            form=form,
        )
        if done.ok:
            return redirect("afterschool:my_application")
    return render(request, "afterschool/course_form.html", {"form": form, "provider": provider})


@require_POST
@scoping.role_required(Role.PROVIDER)
def my_course_act(request: AuthenticatedHttpRequest, course_id: int) -> HttpResponse:
    """The provider withdraws a course under review or approved, or submits a draft, rejected
    or withdrawn one (again) for review."""
    provider = access.own_provider(request.user)
    course = scoping.get_in_scope(provider.courses.all(), pk=course_id)
    act = request.POST.get("action")

    def answer() -> None:
        if act == "withdraw":
            actions.do_withdraw_course(course, by=request.user)
            messages.success(request, _("课程“%(t)s”已撤回。") % {"t": course.title})
        elif act == "submit":
            actions.do_submit_course(course, by=request.user)
            messages.success(request, _("课程“%(t)s”已提交审核。") % {"t": course.title})
        else:
            messages.error(request, _("未知操作。"))

    attempt(request, answer)
    return redirect("afterschool:my_application")


@scoping.role_required(Role.PROVIDER)
def provider_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = access.own_provider(request.user)
    reqs = access.course_requests_for(request.user)
    return render(
        request,
        "afterschool/provider_requests.html",
        {
            "provider": provider,
            "requests": reqs,
            "confirm_form": forms.ConfirmRequestForm(provider=provider),
        },
    )


@require_POST
@scoping.role_required(Role.PROVIDER)
def provider_request_act(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    provider = access.own_provider(request.user)
    req = access.access_course_request(request.user, request_id)

    def answer() -> None:
        if request.POST.get("action") == "decline":
            actions.do_decline_course_request(
                req, by=request.user, reason=request.POST.get("reason", "")
            )
        else:
            form = forms.ConfirmRequestForm(request.POST, provider=provider)
            if not form.is_valid():
                raise ActionError("; ".join(str(e) for errs in form.errors.values() for e in errs))
            actions.do_confirm_course_request(req, by=request.user, **form.cleaned_data)
        messages.success(request, _("已答复点单。"))

    attempt(request, answer)
    return redirect("afterschool:provider_requests")


# --------------------------------------------------------------------------- bureau: vetting


WAITING, ALL = "waiting", "all"
WAITING_STATUSES = (ProviderStatus.SUBMITTED, ProviderStatus.RESUBMITTED)


@scoping.role_required(*BUREAU)
def vetting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The queue opens on the applications waiting for a decision (submitted or resubmitted);
    # "all" and each status are tabs.
    status = request.GET.get("status", WAITING)
    qs = access.providers_for(request.user)
    if status == WAITING:
        qs = qs.filter(status__in=WAITING_STATUSES)
    elif status in ProviderStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ALL
    f = filters.VettingFilter(request.GET, queryset=qs)
    page = with_counts(
        paginate(request, filtered(f).order_by("name", "pk")),
        n_courses=(Course.objects.all(), "provider"),
        n_instructors=(Instructor.objects.all(), "provider"),
    )
    counts = dict(
        access.providers_for(request.user).values_list("status").annotate(n=Count("pk")).order_by()
    )
    tabs: list[tuple[str, StrOrPromise, int]] = [
        (WAITING, _("待审核"), sum(counts.get(v, 0) for v in WAITING_STATUSES))
    ]
    tabs += [(v, label, counts.get(v, 0)) for v, label in ProviderStatus.choices]
    tabs.append((ALL, _("全部"), sum(counts.values())))
    return render(
        request,
        "afterschool/vetting_list.html",
        {
            "providers": page.object_list,
            "page": page,
            "filter": f,
            "status": status,
            "tabs": tabs,
            "keep": [("status", status)],
        },
    )


@scoping.role_required(*BUREAU)
def vetting_detail(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    provider = access.access_provider(request.user, provider_id)
    return render(
        request,
        "afterschool/vetting_detail.html",
        {
            "provider": provider,
            "documents": provider.documents.all(),
            "instructors": provider.instructors.all(),
            "courses": provider.courses.all(),
            "events": provider.events.select_related("by"),
            "approve_form": forms.ApproveProviderForm(),
            "reason_form": forms.ReasonForm(),
            "S": ProviderStatus,
        },
    )


VETTING_ACTIONS = {
    "reject": actions.do_reject_provider,
    "info": actions.do_request_provider_info,
    "suspend": actions.do_suspend_provider,
    "exit": actions.do_exit_provider,
}


@require_POST
@scoping.role_required(*BUREAU)
def vetting_act(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    provider = access.access_provider(request.user, provider_id)
    act = request.POST.get("action", "")

    def answer() -> None:
        if act == "approve":
            form = forms.ApproveProviderForm(request.POST)
            if not form.is_valid():
                raise ActionError(_("请填写白名单有效期。"))
            actions.do_approve_provider(
                provider,
                by=request.user,
                until=form.cleaned_data["until"],
                note=form.cleaned_data["note"],
            )
        elif act == "reinstate":
            actions.do_reinstate_provider(
                provider, by=request.user, note=request.POST.get("reason", "")
            )
        elif act in VETTING_ACTIONS:
            VETTING_ACTIONS[act](provider, by=request.user, reason=request.POST.get("reason", ""))
        else:
            raise ActionError(_("未知的操作。"))
        messages.success(request, _("已更新：%(s)s。") % {"s": provider.get_status_display()})

    attempt(request, answer)
    return redirect("afterschool:vetting_detail", provider_id=provider.pk)


@scoping.role_required(*BUREAU)
def course_review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", CourseStatus.SUBMITTED)
    qs = access.courses_for(request.user).filter(provider__isnull=False)
    if status in CourseStatus.values:
        qs = qs.filter(status=status)
    f = filters.CourseReviewFilter(request.GET, queryset=qs)
    page = paginate(
        request, filtered(f).order_by("title", "pk").prefetch_related("photos"), per_page=20
    )
    courses = list(page.object_list)
    for c in courses:
        c.flagged = tutoring_matches(c.title, c.content)
    return render(
        request,
        "afterschool/course_review.html",
        {
            "courses": courses,
            "page": page,
            "filter": f,
            "keep": [("status", status)],
            "status": status,
            "statuses": CourseStatus.choices,
            "reason_form": forms.ReasonForm(),
        },
    )


@require_POST
@scoping.role_required(*BUREAU)
def course_review_act(request: AuthenticatedHttpRequest, course_id: int) -> HttpResponse:
    course = access.access_course_for_review(request.user, course_id)

    def answer() -> None:
        if request.POST.get("action") == "approve":
            actions.do_approve_course(course, by=request.user)
        else:
            actions.do_reject_course(course, by=request.user, reason=request.POST.get("reason", ""))
        messages.success(
            request,
            _("课程“%(c)s”：%(s)s。") % {"c": course.title, "s": course.get_status_display()},
        )

    attempt(request, answer)
    return redirect("afterschool:course_review")


# --------------------------------------------------------------------------- bureau: supply


@scoping.role_required(*BUREAU)
def supply_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = forms.SupplyRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        run = actions.do_start_supply_run(
            d["term"],
            by=request.user,
            target=d["target"],
            seed=d["seed"],
            time_limit_s=d["time_limit_s"],
        )
        return redirect("afterschool:supply_detail", run_id=run.pk)
    runs = SupplyRun.objects.select_related("term", "created_by")[:50]
    return render(request, "afterschool/supply_list.html", {"form": form, "runs": runs})


def _figures_table(run: SupplyRun) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    before = {r["school_id"]: r for r in (run.before or {}).get("schools", [])}
    rows = []
    for a in (run.after or {}).get("schools", []):
        b = before.get(a["school_id"], {})
        rows.append(
            {
                **a,
                "ur_label": UrbanRural(a["urban_rural"]).label,
                "before_per100": b.get("seats_per100", 0.0),
                "before_categories": b.get("categories", []),
            }
        )
    rows.sort(key=lambda r: (r["seats_per100"], r["school_id"]))
    classes = []
    for k, label in (("urban", _("城区")), ("town", _("镇区")), ("rural", _("乡村"))):
        b = (run.before or {}).get("classes", {}).get(k, {})
        a = (run.after or {}).get("classes", {}).get(k, {})
        classes.append(
            {
                "key": k,
                "label": label,
                "schools": a.get("schools", 0),
                "before": b.get("seats_per100", 0.0),
                "after": a.get("seats_per100", 0.0),
            }
        )
    return rows, classes


@scoping.role_required(*BUREAU)
def supply_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_supply_run(request.user, run_id)
    rows, classes = _figures_table(run)
    placements = (
        SupplyPlacement.objects.filter(run=run)
        .select_related("course__provider", "school")
        .order_by("school__code", "course__title")
    )
    school_filter = request.GET.get("school", "")
    if school_filter:
        placements = placements.filter(school__code=school_filter)
    return render(
        request,
        "afterschool/supply_detail.html",
        {
            "run": run,
            "job": Job.latest_for(run, "supply_run"),
            "rows": rows,
            "classes": classes,
            "placements": placements[:500],
            "n_placements": placements.count(),
            "supply_map": maps.supply_map(
                scoping.schools_for(request.user).order_by("code"), placements[:500]
            ),
            "school_filter": school_filter,
            "before": run.before or {},
            "after": run.after or {},
            "RunStatus": RunStatus,
        },
    )


@scoping.role_required(*BUREAU)
def supply_progress(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_supply_run(request.user, run_id)
    job = Job.latest_for(run, "supply_run")
    return render(request, "afterschool/_supply_progress.html", {"run": run, "job": job})


@require_POST
@scoping.role_required(*BUREAU)
def placement_act(request: AuthenticatedHttpRequest, placement_id: int) -> HttpResponse:
    p = access.access_placement(request.user, placement_id)
    status = request.POST.get("status", "")
    attempt(request, lambda: actions.do_set_placement_status(p, by=request.user, status=status))
    return redirect(f"{_url_supply(p.run_id)}?school={p.school.code}")


def _url_supply(run_id: int) -> str:
    return reverse("afterschool:supply_detail", kwargs={"run_id": run_id})


@require_POST
@scoping.role_required(*BUREAU)
def supply_rerun(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_supply_run(request.user, run_id)
    attempt(
        request,
        lambda: actions.do_rerun_supply(run, by=request.user),
        _("已按锁定与禁止的配课重新计算。"),
    )
    return redirect("afterschool:supply_detail", run_id=run.pk)


@require_POST
@scoping.role_required(*BUREAU)
def supply_publish(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = access.access_supply_run(request.user, run_id)
    done = attempt(
        request,
        lambda: actions.do_publish_supply_run(run, by=request.user),
        lambda published: _("已发布 %(n)d 个开课班。") % {"n": published[0]},
    )
    for s in done.value[1] if done.ok else []:
        messages.warning(request, s)
    return redirect("afterschool:supply_detail", run_id=run.pk)


# --------------------------------------------------------------------------- school menus


def _school_ctx(request: AuthenticatedHttpRequest) -> tuple[Any, Term]:
    school = scoping.school_of(request.user)
    term = Term.current()
    if term is None:
        raise Http404(_("尚未设置学期。"))
    return school, term


@scoping.role_required(Role.SCHOOL)
def school_menu(request: AuthenticatedHttpRequest) -> HttpResponse:
    school, term = _school_ctx(request)
    offerings = (
        access.offerings_for(request.user)
        .filter(term=term)
        .order_by("status", "slot__weekday", "slot__period", "course__title")
    )
    menu = Menu.objects.filter(term=term, school=school).first()
    slot_ids = actions.school_slot_ids(school)
    return render(
        request,
        "afterschool/school_menu.html",
        {
            "school": school,
            "term": term,
            "menu": menu,
            "offerings": offerings,
            "slots": TimeSlot.objects.filter(pk__in=slot_ids),
            "requests": access.course_requests_for(request.user).filter(term=term),
            "OfferingStatus": OfferingStatus,
            "MenuStatus": MenuStatus,
            "RequestStatus": RequestStatus,
            "n_open": offerings.filter(status=OfferingStatus.OPEN).count(),
        },
    )


@require_POST
@scoping.role_required(Role.SCHOOL)
def school_offering_act(request: AuthenticatedHttpRequest, offering_id: int) -> HttpResponse:
    offering = access.access_offering_for_edit(request.user, offering_id)
    if request.POST.get("action") == "cancel":
        # Irreversible, and it touches children: say what will happen first.
        return redirect("afterschool:school_offering_cancel", offering_id=offering.pk)

    def answer() -> None:
        if request.POST.get("action") == "seats":
            actions.do_set_offering_seats(
                offering,
                _int(request.POST.get("seats")),
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
        else:
            slot = TimeSlot.objects.filter(pk=request.POST.get("slot") or 0).first()
            if slot is None:
                raise ActionError(_("请选择时段。"))
            actions.do_move_offering(offering, by=request.user, slot=slot)
        messages.success(request, _("已更新。"))

    attempt(request, answer)
    return redirect("afterschool:school_menu")


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError as err:
        raise ActionError(_("名额须为正整数。")) from err


@scoping.role_required(Role.SCHOOL)
def school_offering_cancel(request: AuthenticatedHttpRequest, offering_id: int) -> HttpResponse:
    """GET: what cancelling the offering does to its children; the page's form cancels it."""
    from junheng.enrolment import confirm

    offering = access.access_offering_for_edit(request.user, offering_id)
    reason = request.POST.get("reason", "")
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        done = attempt(
            request,
            lambda: actions.do_cancel_offering(offering, by=request.user, reason=reason),
            _("课程已停开，相关家庭已收到通知。"),
        )
        if done.ok:
            return redirect("afterschool:school_menu")
    return render(
        request,
        "enrolment/confirm.html",
        {
            "c": confirm.for_cancel_offering(offering),
            "action": request.path,
            "back": reverse("afterschool:school_menu"),
            "reason": reason,
        },
    )


@require_POST
@scoping.role_required(Role.SCHOOL)
def school_publish_menu(request: AuthenticatedHttpRequest) -> HttpResponse:
    school, term = _school_ctx(request)

    def answer() -> None:
        if request.POST.get("action") == "unpublish":
            actions.do_unpublish_menu(school, term, by=request.user)
            messages.success(request, _("菜单已撤回编辑。"))
        else:
            actions.do_publish_menu(
                school, term, by=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("菜单已发布，家长现在可以看到。"))

    attempt(request, answer)
    return redirect("afterschool:school_menu")


@scoping.role_required(Role.SCHOOL)
def school_slots(request: AuthenticatedHttpRequest) -> HttpResponse:
    school, _term = _school_ctx(request)
    form = forms.SlotsForm(request.POST or None, initial={"slots": actions.school_slot_ids(school)})
    if request.method == "POST" and form.is_valid():
        slots = list(form.cleaned_data["slots"])
        done = attempt(
            request,
            lambda: actions.do_set_school_slots(school, by=request.user, slots=slots),
            _("课后服务时段已保存。"),
            form=form,
        )
        if done.ok:
            return redirect("afterschool:school_menu")
    return render(request, "afterschool/school_slots.html", {"form": form, "school": school})


@scoping.role_required(Role.SCHOOL)
def school_request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    school, term = _school_ctx(request)
    courses = access.public_courses().select_related("provider").order_by("provider__name", "title")
    form = forms.CourseRequestForm(
        request.POST or None, courses=courses, slot_ids=actions.school_slot_ids(school)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_send_course_request(by=request.user, term=term, school=school, **d),
            _("点单已发送给机构。"),
            form=form,
        )
        if done.ok:
            return redirect("afterschool:school_menu")
    return render(request, "afterschool/school_request_form.html", {"form": form, "school": school})


@require_POST
@scoping.role_required(Role.SCHOOL)
def school_request_act(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = access.access_course_request(request.user, request_id)

    def answer() -> None:
        if request.POST.get("action") == "approve":
            actions.do_approve_course_request(req, by=request.user)
            messages.success(request, _("已批准，课程已加入菜单。"))
        else:
            actions.do_cancel_course_request(req, by=request.user)
            messages.success(request, _("点单已取消。"))

    attempt(request, answer)
    return redirect("afterschool:school_menu")


@scoping.role_required(Role.SCHOOL)
def school_course_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    school, term = _school_ctx(request)
    slot_ids = actions.school_slot_ids(school)
    form = forms.SchoolCourseForm(request.POST or None, school=school, slot_ids=slot_ids)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        slot = data.pop("slot")

        def create() -> object:
            course = actions.do_create_school_course(school, by=request.user, fields=data)
            return actions.do_create_offering(
                by=request.user,
                term=term,
                course=course,
                school=school,
                slot=slot,
                seats=course.seats,
                source=OfferingSource.SCHOOL,
            )

        if attempt(request, create, _("校内课程已加入菜单。"), form=form).ok:
            return redirect("afterschool:school_menu")
    return render(request, "afterschool/school_course_form.html", {"form": form, "school": school})


# --------------------------------------------------------------------------- parents


@scoping.role_required(Role.PARENT)
def parent_menus(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each child's school menu (published only), courses open to the child's grade first."""
    term = Term.current()
    children = list(scoping.students_for(request.user).select_related("school"))
    offerings = access.offerings_for(request.user)
    if term is not None:
        offerings = offerings.filter(term=term)
    by_school: dict[int, list[Any]] = defaultdict(list)
    ordered = offerings.order_by("slot__weekday", "slot__period", "course__title")
    for card in offering_cards(ordered):
        by_school[card.o.school_id].append(card)
    cards = []
    for child in children:
        items = [
            {"o": c.o, "card": c, "open": c.o.course.open_to_grade(child.grade)}
            for c in by_school[child.school_id]
        ]
        items.sort(key=lambda it: not it["open"])
        cards.append(
            {"child": child, "items": items, "n_open": sum(1 for it in items if it["open"])}
        )
    return render(request, "afterschool/parent_menus.html", {"cards": cards, "term": term})
