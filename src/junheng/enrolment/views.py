"""Pages of choice windows, the public draw, results, attendance, ratings, bills and settlement.

Thin: scope through `enrolment.access`, call an action, render. Parents' and instructors'
pages are phone-sized.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from junheng import exports
from junheng.accounts import scoping
from junheng.accounts.models import Role, User, audit
from junheng.afterschool.models import Offering, OfferingStatus
from junheng.downloads import csv_attachment
from junheng.engines.lottery import file_sha256
from junheng.enrolment import access, actions, adapters, confirm, filters, forms
from junheng.enrolment.adjustments import describe
from junheng.enrolment.menu import rank_menu
from junheng.enrolment.models import (
    Attendance,
    ChoiceWindow,
    Draw,
    DrawAdjustment,
    DrawState,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    Notification,
    OfferStatus,
    Presence,
    Ranking,
    RankingChoice,
    Rating,
    Session,
    WaitlistEntry,
    WaitlistOffer,
    WindowState,
)
from junheng.enrolment.report import combine
from junheng.errors import ActionError
from junheng.jobs.models import Job
from junheng.public_draw import summary_rows, verify_command
from junheng.region.models import School, Student, Term, UrbanRural
from junheng.web import (
    AuthenticatedHttpRequest,
    attempt,
    filtered,
    flash_errors,
    paginate,
    with_counts,
)

STAFF = (Role.BUREAU, Role.SCHOOL)


@dataclass(frozen=True)
class EnrolledCourse:
    """A child's course on the parent's results page, with its attendance so far."""

    enrolment: Enrolment
    present: int
    absent: int
    can_rate: bool


# --------------------------------------------------------------------------- staff: windows


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.PARENT:
        return redirect("enrolment:choose")
    if user.role in (Role.PROVIDER, Role.TEACHER):
        return redirect("enrolment:attendance")
    scoping.require_role(user, *STAFF)
    f = filters.window_filter(user, request.GET, access.windows_for(user))
    page = with_counts(
        paginate(request, filtered(f).order_by("-opens_at", "pk")),
        n_rankings=(Ranking.objects.all(), "window"),
    )
    return render(
        request,
        "enrolment/window_list.html",
        {"windows": page.object_list, "page": page, "filter": f},
    )


@login_required
def window_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    scoping.require_role(user, *STAFF)
    schools = scoping.schools_for(user)
    initial: dict[str, Any] = {"term": Term.current()}
    if user.role == Role.SCHOOL:
        initial["school"] = user.school_id
    form = forms.WindowForm(request.POST or None, schools=schools, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_create_window(
                by=user,
                school=d["school"],
                term=d["term"],
                opens_at=d["opens_at"],
                closes_at=d["closes_at"],
                max_ranked=d["max_ranked"],
                max_courses=d["max_courses"],
                method=d["method"],
                min_size=d["min_size"],
                offer_hours=d["offer_hours"],
                priority_left_behind=d["priority_left_behind"],
                priority_low_income=d["priority_low_income"],
            ),
        )
        if done.ok:
            return redirect("enrolment:window", window_id=done.value.pk)
    return render(request, "enrolment/window_form.html", {"form": form})


def _offering_table(window: ChoiceWindow) -> list[dict[str, Any]]:
    offerings = adapters.window_offerings(window)
    first = dict(
        RankingChoice.objects.filter(ranking__window=window, rank=1)
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    anyrank = dict(
        RankingChoice.objects.filter(ranking__window=window)
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    enrolled = dict(
        Enrolment.objects.filter(window=window, status=EnrolmentStatus.ACTIVE)
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    waiting = dict(
        WaitlistEntry.objects.filter(window=window, status=EntryStatus.WAITING)
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    offered = dict(
        WaitlistOffer.objects.filter(entry__window=window, status=OfferStatus.OPEN)
        .values_list("offering_id")
        .annotate(n=Count("pk"))
    )
    free = actions.round_capacity(window)
    return [
        {
            "o": o,
            "first": first.get(o.pk, 0),
            "any": anyrank.get(o.pk, 0),
            "enrolled": enrolled.get(o.pk, 0),
            "waiting": waiting.get(o.pk, 0),
            "offered": offered.get(o.pk, 0),
            "free": free.get(o.pk, 0),
            "small": window.min_size and enrolled.get(o.pk, 0) < window.min_size,
        }
        for o in offerings
    ]


@login_required
def window_detail(request: AuthenticatedHttpRequest, window_id: int) -> HttpResponse:
    user = request.user
    window = access.access_window(user, window_id)
    draw = Draw.objects.without_files().filter(window=window).first()
    adjustments = [  # (adjustment, its sentence)
        (a, describe(a))
        for a in DrawAdjustment.objects.filter(window=window).order_by("-at", "-pk")[:50]
    ]
    rounds = ChoiceWindow.objects.filter(school_id=window.school_id, term_id=window.term_id)
    return render(
        request,
        "enrolment/window_detail.html",
        {
            "window": window,
            "draw": draw,
            "job": Job.latest_for(draw, "draw") if draw is not None else None,
            "rows": _offering_table(window),
            "n_rankings": Ranking.objects.filter(window=window).count(),
            "adjustments": adjustments,
            "report": draw.report if draw is not None and draw.report else None,
            "is_bureau": user.role == Role.BUREAU,
            "inputs_now": actions.inputs_sha256_now(window) if user.role == Role.BUREAU else None,
            "rounds": rounds.order_by("round"),
            "may_add_round": user.role == Role.BUREAU and confirm.is_published_round(window),
            "manual_form": forms.ManualEnrolForm(offerings=adapters.window_offerings(window))
            if window.state == WindowState.PUBLISHED
            else None,
        },
    )


class _WindowStep(Protocol):
    def __call__(self, window: ChoiceWindow, *, by: User) -> object: ...


WINDOW_ACTIONS: dict[str, tuple[_WindowStep, StrOrPromise]] = {
    "open": (actions.do_open_window, _("已开放选课，种子承诺已公布。")),
    "close": (actions.do_close_window, _("选课已截止。")),
    "publish": (actions.do_publish_results, _("结果已公布，家长可以查看。")),
    "cancel_small": (actions.do_cancel_small_offerings, _("人数不足的课程已停开并重新安排。")),
}


def _confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


@login_required
def window_action(request: AuthenticatedHttpRequest, window_id: int, verb: str) -> HttpResponse:
    """GET (or a POST without `confirm=yes`): what the step will do; the page's form does it."""
    window = access.access_window_for_bureau(request.user, window_id)
    if verb not in WINDOW_ACTIONS:
        raise Http404
    fn, ok = WINDOW_ACTIONS[verb]
    reason = request.POST.get("reason", "")
    if _confirmed(request):

        def step() -> object:
            if verb == "close":
                return actions.do_close_window(window, by=request.user, reason=reason)
            return fn(window, by=request.user)

        if attempt(request, step, str(ok)).ok:
            return redirect("enrolment:window", window_id=window.pk)
    return render(
        request,
        "enrolment/confirm.html",
        {
            "c": confirm.for_window(window, verb),
            "action": request.path,
            "back": reverse("enrolment:window", args=[window.pk]),
            "reason": reason,
        },
    )


@login_required
def run_draw(request: AuthenticatedHttpRequest, window_id: int) -> HttpResponse:
    """The bureau runs the draw with the public entropy of the ceremony. The window page's
    form (or a GET) lands here first: what the draw will do, the numbers as typed; this page's
    form (`confirm=yes`) runs it."""
    window = access.access_window_for_bureau(request.user, window_id)
    form = forms.EntropyForm(
        request.POST or None, initial={"inputs_sha256": actions.inputs_sha256_now(window)}
    )
    if _confirmed(request) and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_run_draw(
                window,
                by=request.user,
                entropy=d["entropy"],
                entropy_source=d["entropy_source"],
                inputs_sha256=d["inputs_sha256"] or None,
            ),
        )
        if done.ok:
            if done.value.state != DrawState.DONE:  # a worker runs it
                messages.info(request, _("摇号已在后台开始，完成后会通知您。"))
            else:
                messages.success(request, _("摇号完成，种子已公布。"))
            return redirect("enrolment:window", window_id=window.pk)
    return render(
        request,
        "enrolment/confirm.html",
        {
            "c": confirm.for_window(window, "run"),
            "form": form,
            "action": request.path,
            "back": reverse("enrolment:window", args=[window.pk]),
        },
    )


@login_required
def window_round(request: AuthenticatedHttpRequest, window_id: int) -> HttpResponse:
    """The bureau opens a further round over the seats still free (after the waitlists)."""
    user = request.user
    window = access.access_window_for_bureau(user, window_id)
    now = timezone.localtime()
    form = forms.RoundForm(
        request.POST or None,
        initial={"opens_at": now, "closes_at": now + dt.timedelta(days=3)},
    )
    if _confirmed(request) and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_create_second_round(
                window, by=user, opens_at=d["opens_at"], closes_at=d["closes_at"]
            ),
            lambda w: _("已开设第 %(n)d 轮选课（草稿），请开放选课。") % {"n": w.round},
        )
        if done.ok:
            return redirect("enrolment:window", window_id=done.value.pk)
    return render(
        request,
        "enrolment/confirm.html",
        {
            "c": confirm.for_second_round(window),
            "form": form,
            "action": request.path,
            "back": reverse("enrolment:window", args=[window.pk]),
        },
    )


@login_required
@require_POST
def window_manual(request: AuthenticatedHttpRequest, window_id: int) -> HttpResponse:
    """A school admin or the bureau places a child on a free seat by hand (reason required)."""
    user = request.user
    window = access.access_window(user, window_id)
    form = forms.ManualEnrolForm(request.POST, offerings=adapters.window_offerings(window))
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
        return redirect("enrolment:window", window_id=window.pk)
    student = Student.objects.filter(
        school_id=window.school_id, code=form.cleaned_data["student_code"].strip()
    ).first()
    if student is None:
        flash_errors(request, ActionError(_("本校没有这个学籍号的学生。")))
        return redirect("enrolment:window", window_id=window.pk)
    d = form.cleaned_data
    attempt(
        request,
        lambda: actions.do_enrol_manually(
            window, student, d["offering"], by=user, reason=d["reason"]
        ),
        _("已人工录取，并通知了家长。"),
    )
    return redirect("enrolment:window", window_id=window.pk)


@login_required
def county_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Fairness of the term's draws by urban / town / rural school."""
    scoping.require_role(request.user, Role.BUREAU)
    term = Term.current()
    draws = (
        Draw.objects.without_files()
        .filter(window__term=term, result_sha256__gt="")
        .select_related("window__school")
    )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in draws:
        groups[d.window.school.urban_rural].append(d.report)
    rows = [
        {"label": label, "r": combine(groups.get(value, []))} for value, label in UrbanRural.choices
    ]
    rows.append({"label": _("全县"), "r": combine([r for g in groups.values() for r in g])})
    return render(request, "enrolment/county_report.html", {"rows": rows, "term": term})


# --------------------------------------------------------------------------- public draw


def draw_public(request: HttpRequest, draw_id: int) -> HttpResponse:
    """No login: the commitment, the seed rule's parts once revealed (seed, inputs hash,
    entropy, final seed), the parameters, summary, files (pseudonyms only) and hash, and the
    exact `junheng verify` command that re-runs the draw from them."""
    draw = access.public_draw(draw_id)
    w = draw.window
    files = []
    if draw.result_sha256:
        files = [{"name": n, "sha256": file_sha256(draw.file_bytes(n))} for n in Draw.FILES]
    command = ""
    if draw.result_sha256 and draw.revealed:
        seed: list[tuple[str, str | int | None]]
        if draw.final_seed:
            seed = [
                ("--committed-seed", draw.seed),
                ("--inputs-sha256", draw.inputs_sha256),
                ("--entropy", draw.entropy),
            ]
        else:  # a draw run before the seed rule: the seed alone
            seed = [("--seed", draw.seed)]
        command = verify_command(
            [
                ("--offerings", "offerings.csv"),
                ("--choices", "choices.csv"),
                ("--students", "students.csv"),
                *seed,
                ("--max-courses", draw.max_courses),
                ("--method", draw.method),
                ("--expect-sha256", draw.result_sha256),
                ("--commitment", draw.seed_commitment),
            ]
        )
    return render(
        request,
        "enrolment/draw_public.html",
        {
            "draw": draw,
            "window": w,
            "files": files,
            "command": command,
            "summary": summary_rows(draw.summary or {}),
        },
    )


def draw_file(request: HttpRequest, draw_id: int, name: str) -> HttpResponse:
    draw = access.public_draw(draw_id)
    if not draw.result_sha256 or name not in Draw.FILES:
        raise Http404
    return csv_attachment(draw.file_bytes(name), f"{name}.csv")


# --------------------------------------------------------------------------- parents


@login_required
def choose(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each child's choice windows (phone page): rank, change, receipt."""
    user = request.user
    scoping.require_role(user, Role.PARENT)
    now = timezone.now()
    cards = []
    for child in scoping.students_for(user).select_related("school"):
        windows = access.windows_for(user).filter(
            school_id=child.school_id, state__in=[WindowState.OPEN, WindowState.CLOSED]
        )
        items = []
        for w in windows:
            ranking = Ranking.objects.filter(window=w, student=child).first()
            items.append(
                {
                    "w": w,
                    "accepting": w.accepting(now),
                    "ranking": ranking,
                    "choices": list(ranking.choices.select_related("offering__course"))
                    if ranking
                    else [],
                }
            )
        cards.append({"child": child, "items": items})
    return render(request, "enrolment/choose.html", {"cards": cards})


@login_required
def rank(request: AuthenticatedHttpRequest, window_id: int, student_id: int) -> HttpResponse:
    user = request.user
    window, child, at_school = access.access_ranking_window(user, window_id, student_id)
    picked: list[int] | None = None
    if request.method == "POST":
        # The POST is handled before the page's own queries: an accepted ranking redirects
        # at once (the busiest request at window opening makes only the queries it needs).
        picked = []
        for i in range(1, window.max_ranked + 1):
            v = request.POST.get(f"choice_{i}", "")
            if v:
                try:
                    picked.append(int(v))
                except ValueError:
                    raise Http404 from None
        token, together = request.POST.get("token", "")[:64], bool(request.POST.get("together"))
        done = attempt(
            request,
            lambda: actions.do_submit_ranking(
                window, child, picked, by=user, token=token, together=together
            ),
        )
        if done.ok:
            return redirect("enrolment:receipt", ranking_id=done.value.pk)
    current = picked
    if current is None:  # the stored ranking's choices, in one query (none: an empty list)
        current = list(
            RankingChoice.objects.filter(ranking__window=window, ranking__student=child)
            .order_by("rank")
            .values_list("offering_id", flat=True)
        )
    has_siblings = at_school > 1
    together = (
        has_siblings
        and Ranking.objects.filter(window=window, student=child, together=True).exists()
    )
    slots = [
        {"i": i, "value": current[i - 1] if i <= len(current) else None}
        for i in range(1, window.max_ranked + 1)
    ]
    return render(
        request,
        "enrolment/rank.html",
        {
            "window": window,
            "child": child,
            "menu": rank_menu(window, child),
            "slots": slots,
            "together": together,
            "token": secrets.token_urlsafe(16),
            "has_siblings": has_siblings,
            "accepting": window.accepting(),
        },
    )


@login_required
def receipt(request: AuthenticatedHttpRequest, ranking_id: int) -> HttpResponse:
    ranking = access.access_ranking(request.user, ranking_id)
    return render(
        request,
        "enrolment/receipt.html",
        {
            "ranking": ranking,
            "choices": ranking.choices.select_related("offering__course", "offering__slot"),
        },
    )


@login_required
def results(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One card per child and term: the seats held in every published round, open offers and
    waitlist places (a second round never shows a second, contradicting card).

    A fixed number of queries however many children: each kind of row is read once for all of
    them and grouped here."""
    user = request.user
    scoping.require_role(user, Role.PARENT)
    children = list(scoping.students_for(user).select_related("school"))
    windows = list(
        access.windows_for(user)
        .filter(school_id__in={c.school_id for c in children}, state=WindowState.PUBLISHED)
        .order_by("term__start", "round")
    )
    rankings = list(
        Ranking.objects.filter(window__in=windows, student__in=children).values_list(
            "window_id", "student_id", "pseudonym"
        )
    )
    enrolments = list(
        Enrolment.objects.filter(window__in=windows, student__in=children).select_related(
            "offering__course", "offering__slot", "window"
        )
    )
    marks: dict[tuple[int, int, str], int] = {
        (row["student_id"], row["session__offering_id"], row["status"]): row["n"]
        for row in Attendance.objects.filter(
            student__in=children, session__offering_id__in={e.offering_id for e in enrolments}
        )
        .values("student_id", "session__offering_id", "status")
        .annotate(n=Count("pk"))
    }
    draws = {d.window_id: d for d in Draw.objects.without_files().filter(window__in=windows)}
    waiting = list(
        WaitlistEntry.objects.filter(
            window__in=windows, student__in=children, status=EntryStatus.WAITING
        ).select_related("offering__course", "window")
    )
    offers = list(
        WaitlistOffer.objects.filter(
            entry__window__in=windows, student__in=children, status=OfferStatus.OPEN
        ).select_related("offering__course", "offering__slot", "entry")
    )
    cards = []
    for child in children:
        mine = {w for w, s, _alias in rankings if s == child.pk}
        mine |= {e.window_id for e in enrolments if e.student_id == child.pk}
        terms: dict[int, list[ChoiceWindow]] = defaultdict(list)
        for w in windows:
            if w.school_id == child.school_id and w.pk in mine:
                terms[w.term_id].append(w)
        for ws in terms.values():
            ids = {w.pk for w in ws}
            held = [e for e in enrolments if e.student_id == child.pk and e.window_id in ids]
            enrolled = []
            for e in held:
                if e.status != EnrolmentStatus.ACTIVE:
                    continue
                present = marks.get((child.pk, e.offering_id, Presence.PRESENT), 0)
                enrolled.append(
                    EnrolledCourse(
                        enrolment=e,
                        present=present,
                        absent=marks.get((child.pk, e.offering_id, Presence.ABSENT), 0),
                        can_rate=actions.may_rate(present),
                    )
                )
            cards.append(
                {
                    "child": child,
                    "w": ws[0],
                    "term": ws[0].term,
                    "rounds": len(ws),
                    "pseudonyms": [
                        (w, alias, draws.get(w.pk))
                        for w in ws
                        for rw, s, alias in rankings
                        if rw == w.pk and s == child.pk and alias
                    ],
                    "enrolled": enrolled,
                    "waiting": [
                        x for x in waiting if x.student_id == child.pk and x.window_id in ids
                    ],
                    "offers": [
                        o for o in offers if o.student_id == child.pk and o.entry.window_id in ids
                    ],
                    "ended": [e for e in held if e.status != EnrolmentStatus.ACTIVE],
                }
            )
    pending = list(
        scoping.students_for(user)
        .filter(
            rankings__window__state__in=[WindowState.OPEN, WindowState.CLOSED, WindowState.DRAWN]
        )
        .distinct()
    )
    return render(request, "enrolment/results.html", {"cards": cards, "pending": pending})


@login_required
@require_POST
def offer_accept(request: AuthenticatedHttpRequest, offer_id: int) -> HttpResponse:
    offer = access.access_own_offer(request.user, offer_id)
    attempt(request, lambda: actions.do_accept_offer(offer, by=request.user), _("已确认候补录取。"))
    return redirect("enrolment:results")


@login_required
@require_POST
def offer_decline(request: AuthenticatedHttpRequest, offer_id: int) -> HttpResponse:
    offer = access.access_own_offer(request.user, offer_id)
    attempt(request, lambda: actions.do_decline_offer(offer, by=request.user))
    return redirect("enrolment:results")


@login_required
def enrolment_drop(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    """GET: what dropping does (the seat goes to the waitlist); the page's form drops."""
    e = access.access_own_enrolment(request.user, enrolment_id)
    if _confirmed(request):
        attempt(
            request,
            lambda: actions.do_drop_enrolment(e, by=request.user),
            _("已退课，名额将顺延给候补的同学。"),
        )
        return redirect("enrolment:results")
    return render(
        request,
        "enrolment/confirm.html",
        {
            "c": confirm.for_drop(e),
            "action": request.path,
            "back": reverse("enrolment:results"),
            "phone": True,
        },
    )


@login_required
def rate(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    user = request.user
    e = access.access_own_enrolment(user, enrolment_id)
    existing = Rating.objects.filter(student=e.student, offering=e.offering).first()
    initial = {"stars": existing.stars, "comment": existing.comment} if existing else None
    form = forms.RatingForm(request.POST or None, initial=initial)
    complaint = forms.ComplaintForm(prefix="c")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: actions.do_rate_course(
                e.student, e.offering, d["stars"], d["comment"], by=user
            ),
            _("谢谢您的评价。"),
        )
        if done.ok:
            return redirect("enrolment:results")
    return render(
        request,
        "enrolment/rate.html",
        {
            "e": e,
            "form": form,
            "complaint": complaint,
            "existing": existing,
            "allowed": actions.can_rate(e.student, e.offering),
        },
    )


@login_required
@require_POST
def complain(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    user = request.user
    e = access.access_own_enrolment(user, enrolment_id)
    form = forms.ComplaintForm(request.POST, prefix="c")
    if form.is_valid():
        text = form.cleaned_data["text"]
        attempt(
            request,
            lambda: actions.do_file_complaint(e.offering, text, by=user, student=e.student),
            _("投诉已提交，学校会尽快处理。"),
        )
    return redirect("enrolment:results")


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    qs = Notification.objects.filter(user=user)
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("enrolment:notifications")
    f = filters.NotificationFilter(request.GET, queryset=qs)
    page = paginate(request, filtered(f).order_by("-created_at", "-pk"))
    return render(
        request,
        "enrolment/notifications.html",
        {"items": page.object_list, "page": page, "filter": f},
    )


# --------------------------------------------------------------------------- attendance


@login_required
def attendance(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.PARENT:
        raise Http404
    term = Term.current()
    offerings = access.markable_offerings(user).filter(status=OfferingStatus.OPEN)
    if term is not None:
        offerings = offerings.filter(term=term)
    # Both counts distinct: joining enrolments and sessions would otherwise multiply them.
    offerings = offerings.annotate(
        n=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE), distinct=True),
        sessions_n=Count("sessions", distinct=True),
    ).filter(n__gt=0)
    return render(request, "enrolment/attendance_list.html", {"offerings": offerings})


@login_required
def attendance_mark(request: AuthenticatedHttpRequest, offering_id: int) -> HttpResponse:
    """Phone page: present / absent / excused per enrolled child (masked for providers)."""
    user = request.user
    offering: Offering = access.access_offering_roster(user, offering_id)
    dates = actions.session_dates(offering)
    asked = request.GET.get("date") or request.POST.get("date") or ""
    try:
        day = dt.date.fromisoformat(asked)
    except ValueError:
        day = dates[0] if dates else timezone.localdate()
    else:
        if request.method == "GET" and day not in dates:
            try:
                actions.check_session_date(offering, day)
            except ActionError as err:
                flash_errors(request, err)
            day = dates[0] if dates else day
    students = _roster(offering)
    if request.method == "POST":
        marks = {
            s.pk: request.POST.get(f"s{s.pk}", "") for s in students if request.POST.get(f"s{s.pk}")
        }
        done = attempt(
            request,
            lambda: actions.do_mark_attendance(offering, day, marks, by=user),
            _("考勤已保存。"),
        )
        if done.ok:
            return redirect(f"{request.path}?date={day.isoformat()}")
    masked = access.sees_masked_names(user)
    if not masked:
        audit(user, "enrolment.roster.view", offering, students=len(students))
    session = Session.objects.filter(offering=offering, date=day).first()
    have = (
        dict(Attendance.objects.filter(session=session).values_list("student_id", "status"))
        if session
        else {}
    )
    rows = [
        {"s": s, "name": s.masked_name if masked else s.name, "status": have.get(s.pk, "")}
        for s in students
    ]
    _tell_apart(rows)
    return render(
        request,
        "enrolment/attendance_mark.html",
        {
            "offering": offering,
            "day": day,
            "rows": rows,
            "choices": Presence.choices,
            "dates": dates,
            "markable": day in dates,
            "sessions": Session.objects.filter(offering=offering).order_by("-date")[:20],
        },
    )


def _tell_apart(rows: list[dict[str, Any]]) -> None:
    """Children shown under the same (masked) name get their class and the last three characters
    of their code after it — 张*明（3年级2班·017）— so the instructor marks the right one."""
    seen = Counter(r["name"] for r in rows)
    for r in rows:
        if seen[r["name"]] > 1:
            s = r["s"]
            c = s.school_class
            klass = _("%(g)d年级%(n)d班") % {"g": c.grade, "n": c.number} if c else ""
            r["name"] = f"{r['name']}（{'·'.join(x for x in (klass, s.code[-3:]) if x)}）"


def _roster(offering: Offering) -> list[Any]:
    from junheng.enrolment.actions.services import roster

    return roster(offering)


# --------------------------------------------------------------------------- fees


@login_required
def bills(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    user = request.user
    scoping.require_role(user, Role.PARENT)
    term = Term.current()
    if term is None:
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.serve(
            request, "junheng.enrolment.actions.services.do_export_own_bill", term_id=term.pk
        )
    bill = actions.bill_statement(user, term)  # a read: a GET never writes
    return render(request, "enrolment/bill.html", {"bill": bill, "term": term, "lines": bill.lines})


@login_required
def school_bills(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """A school's (or, for the bureau, a chosen school's) family bills as .xlsx."""
    user = request.user
    scoping.require_role(user, *STAFF)
    school = _school_param(request)
    term = Term.current()
    if term is None:
        raise Http404
    return exports.serve(
        request,
        "junheng.enrolment.actions.services.do_export_school_bills",
        school_id=school.pk,
        term_id=term.pk,
    )


def _school_param(request: AuthenticatedHttpRequest) -> School:
    user = request.user
    if user.role == Role.SCHOOL:
        return scoping.access_school(user, user.school_id or 0)
    sid = request.GET.get("school") or ""
    if not sid.isdigit():
        first = scoping.schools_for(user).first()
        if first is None:
            raise Http404
        return first
    return scoping.access_school(user, int(sid))


@login_required
def settlement(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    user = request.user
    scoping.require_role(user, *STAFF)
    school = _school_param(request)
    term = Term.current()
    if term is None:
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.serve(
            request,
            "junheng.enrolment.actions.services.do_export_settlement",
            school_id=school.pk,
            term_id=term.pk,
        )
    rows = actions.settlement_rows(school, term)
    return render(
        request,
        "enrolment/settlement.html",
        {
            "school": school,
            "term": term,
            "rows": rows,
            "schools": scoping.schools_for(user) if user.role == Role.BUREAU else None,
            "total": sum((r["amount"] for r in rows if r["amount"] is not None), 0),
        },
    )
