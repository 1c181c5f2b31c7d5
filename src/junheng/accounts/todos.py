"""What each role should do next (待办): the to-dos on the home page, each a count and a link.

Every to-do is one aggregate query (or two), never one query per row, so the home page costs
the same for a county of 40 schools and a city of 600 (tests/accounts/test_todos.py holds the
budget). A to-do with a count of zero is not shown; the page then says there is nothing to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from junheng.accounts.models import Role, User

# A window closing within this many days, a document expiring within this many, is a to-do.
CLOSING_DAYS = 7
EXPIRY_DAYS = 30


@dataclass(frozen=True)
class Todo:
    """One thing to do: `key` names it for tests, `text` says it with the count in it."""

    key: str
    count: int
    text: str
    url: str


def _todo(key: str, count: int, text: str, url: str) -> Todo | None:
    return Todo(key, count, text, url) if count else None


# --------------------------------------------------------------------------- shared pieces


def _unmarked_sessions(offerings: Any, today: dt.date) -> int:
    """How many of these offerings (open, this term, children enrolled) met on their latest
    meeting day up to today without the attendance being taken. Two queries."""
    from junheng.afterschool.models import OfferingStatus
    from junheng.enrolment.models import EnrolmentStatus, Session

    rows = (
        offerings.filter(status=OfferingStatus.OPEN, term__start__lte=today)
        .filter(enrolments__status=EnrolmentStatus.ACTIVE)
        .values("pk", "slot__weekday", "term__start", "term__end")
        .distinct()
    )
    last_day: dict[int, dt.date] = {}
    for r in rows:
        end = min(r["term__end"], today)
        day = end - dt.timedelta(days=(end.isoweekday() - r["slot__weekday"]) % 7)
        if day >= r["term__start"]:
            last_day[r["pk"]] = day
    if not last_day:
        return 0
    marked = {
        (o, d)
        for o, d in Session.objects.filter(
            offering_id__in=last_day, date__in=set(last_day.values()), marked_at__isnull=False
        ).values_list("offering_id", "date")
    }
    return sum(1 for o, d in last_day.items() if (o, d) not in marked)


def _attendance(user: User, today: dt.date) -> Todo | None:
    from junheng.enrolment.access import markable_offerings

    n = _unmarked_sessions(markable_offerings(user), today)
    return _todo(
        "attendance",
        n,
        ngettext("%(n)d 门课程的最近一次课还没有考勤", "%(n)d 门课程的最近一次课还没有考勤", n)
        % {"n": n},
        reverse("enrolment:attendance"),
    )


# --------------------------------------------------------------------------- bureau


def _bureau(user: User, today: dt.date) -> list[Todo | None]:
    from junheng.afterschool.models import Course, CourseStatus, Provider, ProviderStatus
    from junheng.enrolment.models import ChoiceWindow, WindowState

    waiting = Provider.objects.filter(
        status__in=[ProviderStatus.SUBMITTED, ProviderStatus.RESUBMITTED]
    ).count()
    courses = Course.objects.filter(status=CourseStatus.SUBMITTED).count()
    now = timezone.now()
    windows = ChoiceWindow.objects.aggregate(
        closing=Count(
            "pk",
            filter=Q(
                state=WindowState.OPEN,
                closes_at__gte=now,
                closes_at__lt=now + dt.timedelta(days=CLOSING_DAYS),
            ),
        ),
        drawn=Count("pk", filter=Q(state=WindowState.DRAWN)),
    )
    vetting = reverse("afterschool:vetting")  # opens on the applications waiting
    return [
        _todo(
            "providers",
            waiting,
            ngettext("%(n)d 家机构等待审核", "%(n)d 家机构等待审核", waiting) % {"n": waiting},
            vetting,
        ),
        _todo(
            "courses",
            courses,
            ngettext("%(n)d 门课程等待审核", "%(n)d 门课程等待审核", courses) % {"n": courses},
            reverse("afterschool:course_review"),
        ),
        _rotation_needs_unconfirmed(),
        _todo(
            "windows_closing",
            windows["closing"],
            ngettext("%(n)d 个选课窗口本周截止", "%(n)d 个选课窗口本周截止", windows["closing"])
            % {"n": windows["closing"]},
            reverse("enrolment:index"),
        ),
        _todo(
            "draws_to_publish",
            windows["drawn"],
            ngettext(
                "%(n)d 次摇号已完成、结果待公布",
                "%(n)d 次摇号已完成、结果待公布",
                windows["drawn"],
            )
            % {"n": windows["drawn"]},
            reverse("enrolment:index"),
        ),
        _failing_indicators(),
    ]


def _rotation_needs_unconfirmed() -> Todo | None:
    from junheng.region.models import School
    from junheng.rotation.models import NeedsConfirmation, RotationRound, RoundStatus

    rnd = RotationRound.objects.filter(status=RoundStatus.OPEN).order_by("-year", "-pk").first()
    if rnd is None:
        return None
    confirmed = NeedsConfirmation.objects.filter(round=rnd, school=OuterRef("pk"))
    n = School.objects.filter(county_id=rnd.county_id).exclude(Exists(confirmed)).count()
    return _todo(
        "rotation_needs",
        n,
        ngettext(
            "%(n)d 所学校尚未确认交流轮岗学科需求",
            "%(n)d 所学校尚未确认交流轮岗学科需求",
            n,
        )
        % {"n": n},
        reverse("rotation:round", args=[rnd.pk]),
    )


def _failing_indicators() -> Todo | None:
    """Indicators whose coefficient of variation is over the limit (per school level)."""
    from junheng.balance.adapters import region_evaluation

    ev = region_evaluation()
    if ev.result is None:
        return None
    n = sum(1 for row in ev.cv_rows() for cell in row["cells"] if not cell["ok"])
    return _todo(
        "balance",
        n,
        ngettext(
            "%(n)d 项均衡指标的差异系数未达标",
            "%(n)d 项均衡指标的差异系数未达标",
            n,
        )
        % {"n": n},
        reverse("balance:dashboard"),
    )


# --------------------------------------------------------------------------- school


def _school(user: User, today: dt.date) -> list[Todo | None]:
    from junheng.afterschool.models import Menu, MenuStatus, Offering, OfferingStatus
    from junheng.placement.models import Placement, PlacementStatus

    school_id = user.school_id
    if school_id is None:
        return []
    out: list[Todo | None] = []
    from junheng.region.models import Term

    term = Term.current()
    if term is not None:
        published = Menu.objects.filter(
            term=term, school_id=school_id, status=MenuStatus.PUBLISHED
        ).exists()
        n = Offering.objects.filter(
            term=term, school_id=school_id, status=OfferingStatus.OPEN
        ).count()
        if not published and n:
            out.append(
                _todo(
                    "menu",
                    n,
                    ngettext(
                        "本学期课后服务菜单（%(n)d 门课程）尚未向家长发布",
                        "本学期课后服务菜单（%(n)d 门课程）尚未向家长发布",
                        n,
                    )
                    % {"n": n},
                    reverse("afterschool:school_menu"),
                )
            )
    out.append(_attendance(user, today))
    n = (
        Placement.objects.filter(school_id=school_id)
        .exclude(status=PlacementStatus.PUBLISHED)
        .count()
    )
    out.append(
        _todo(
            "placement",
            n,
            ngettext("%(n)d 次均衡编班尚未完成公布", "%(n)d 次均衡编班尚未完成公布", n) % {"n": n},
            reverse("placement:index"),
        )
    )
    out.append(_school_rotation(school_id))
    return out


def _school_rotation(school_id: int) -> Todo | None:
    from junheng.rotation.models import NeedsConfirmation, RotationRound, RoundStatus

    rnd = (
        RotationRound.objects.filter(status=RoundStatus.OPEN, county__schools=school_id)
        .order_by("-year", "-pk")
        .first()
    )
    if rnd is None or NeedsConfirmation.objects.filter(round=rnd, school_id=school_id).exists():
        return None
    return _todo(
        "rotation_needs",
        1,
        _("请确认本校%(y)d年交流轮岗的学科需求") % {"y": rnd.year},
        reverse("rotation:school"),
    )


# --------------------------------------------------------------------------- provider


def _provider(user: User, today: dt.date) -> list[Todo | None]:
    from junheng.accounts.scoping import provider_of
    from junheng.afterschool.models import (
        Course,
        CourseRequest,
        CourseStatus,
        Instructor,
        ProviderStatus,
        RequestStatus,
    )

    provider = provider_of(user)
    if provider is None:
        return []
    mine = reverse("afterschool:my_application")
    out: list[Todo | None] = []
    if provider.status in (ProviderStatus.REJECTED, ProviderStatus.INFO_REQUESTED):
        out.append(
            _todo(
                "application",
                1,
                _("申请被退回（%(s)s）：请按理由修改后重新提交")
                % {"s": provider.get_status_display()},
                mine,
            )
        )
    requests = CourseRequest.objects.filter(
        course__provider=provider, status=RequestStatus.SENT
    ).count()
    out.append(
        _todo(
            "requests",
            requests,
            ngettext("%(n)d 个学校点单等待答复", "%(n)d 个学校点单等待答复", requests)
            % {"n": requests},
            reverse("afterschool:provider_requests"),
        )
    )
    soon = today + dt.timedelta(days=EXPIRY_DAYS)
    expiring = Instructor.objects.filter(
        provider=provider, active=True, background_check_expires__lte=soon
    ).count()
    if (
        provider.status == ProviderStatus.APPROVED
        and provider.whitelist_until
        and provider.whitelist_until <= soon
    ):
        expiring += 1
    out.append(
        _todo(
            "documents",
            expiring,
            ngettext(
                "%(n)d 份证明或白名单资格 30 天内到期",
                "%(n)d 份证明或白名单资格 30 天内到期",
                expiring,
            )
            % {"n": expiring},
            mine,
        )
    )
    rejected = Course.objects.filter(provider=provider, status=CourseStatus.REJECTED).count()
    out.append(
        _todo(
            "rejected_courses",
            rejected,
            ngettext(
                "%(n)d 门课程未通过审核，可修改后重新提交",
                "%(n)d 门课程未通过审核，可修改后重新提交",
                rejected,
            )
            % {"n": rejected},
            mine,
        )
    )
    out.append(_attendance(user, today))
    return out


# --------------------------------------------------------------------------- parent


def _parent(user: User, today: dt.date) -> list[Todo | None]:
    from junheng.accounts.scoping import students_for
    from junheng.enrolment.actions.services import MIN_SESSIONS_TO_RATE
    from junheng.enrolment.models import (
        Attendance,
        ChoiceWindow,
        Enrolment,
        EnrolmentStatus,
        OfferStatus,
        Presence,
        Ranking,
        Rating,
        WaitlistOffer,
        WindowState,
    )

    now = timezone.now()
    children = students_for(user)  # a parent's own children (the one guardianship rule)
    open_windows = ChoiceWindow.objects.filter(
        school=OuterRef("school_id"), state=WindowState.OPEN, opens_at__lte=now, closes_at__gt=now
    )
    ranked = Ranking.objects.filter(
        student=OuterRef("pk"),
        window__state=WindowState.OPEN,
        window__opens_at__lte=now,
        window__closes_at__gt=now,
    )
    to_rank = children.filter(Exists(open_windows)).exclude(Exists(ranked)).count()
    offers = WaitlistOffer.objects.filter(
        student__in=children, status=OfferStatus.OPEN, expires_at__gt=now
    ).count()
    present = (
        Attendance.objects.filter(
            student=OuterRef("student_id"),
            session__offering=OuterRef("offering_id"),
            status=Presence.PRESENT,
        )
        .order_by()
        .values("student")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rated = Rating.objects.filter(student=OuterRef("student_id"), offering=OuterRef("offering_id"))
    to_rate = (
        Enrolment.objects.filter(student__in=children, status=EnrolmentStatus.ACTIVE)
        .annotate(present=Coalesce(Subquery(present, output_field=IntegerField()), 0))
        .filter(present__gte=MIN_SESSIONS_TO_RATE)
        .exclude(Exists(rated))
        .count()
    )
    results = reverse("enrolment:results")
    return [
        _todo(
            "choose",
            to_rank,
            ngettext(
                "%(n)d 个孩子的选课正在进行，还没有填报志愿",
                "%(n)d 个孩子的选课正在进行，还没有填报志愿",
                to_rank,
            )
            % {"n": to_rank},
            reverse("enrolment:choose"),
        ),
        _todo(
            "offers",
            offers,
            ngettext("%(n)d 个候补录取等待您确认", "%(n)d 个候补录取等待您确认", offers)
            % {"n": offers},
            results,
        ),
        _todo(
            "ratings",
            to_rate,
            ngettext("%(n)d 门课程可以评价了", "%(n)d 门课程可以评价了", to_rate) % {"n": to_rate},
            results,
        ),
    ]


# --------------------------------------------------------------------------- teacher


def _teacher(user: User, today: dt.date) -> list[Todo | None]:
    from junheng.rotation.home import home_card

    out: list[Todo | None] = []
    card = home_card(user)
    if card and card.get("eligible") and card.get("preferences_open") and not card.get("stated"):
        out.append(
            _todo(
                "rotation_preferences",
                1,
                _("您符合%(y)d年交流轮岗条件，请填报志愿") % {"y": card["round"].year},
                reverse("rotation:mine"),
            )
        )
    out.append(_attendance(user, today))
    return out


ROLES: dict[str, Callable[[User, dt.date], list[Todo | None]]] = {
    Role.BUREAU: _bureau,
    Role.SCHOOL: _school,
    Role.PROVIDER: _provider,
    Role.PARENT: _parent,
    Role.TEACHER: _teacher,
}


def todos_for(user: User, today: dt.date | None = None) -> list[Todo]:
    """The user's to-dos in the order they are shown; those with nothing to do left out."""
    if not user.is_authenticated or user.role not in ROLES:
        return []
    found = ROLES[user.role](user, today or timezone.localdate())
    return [t for t in found if t is not None]
