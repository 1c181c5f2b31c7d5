"""After enrolment: attendance (考勤), ratings and provider quality, bills and settlement.

Provider quality score (0–5, shown when the bureau renews the white list):

    R~ = (n · mean + m · county_mean) / (n + m)       ratings shrunk to the county mean, m = 5
    A  = present / (present + absent)                  attendance rate (excused not counted)
    base = 0.6 · R~ + 0.4 · (1 + 4 · A)                (A mapped onto the 1–5 scale)
    penalty = min(2, 10 · complaints / enrolments)     complaints not dismissed; one complaint
                                                       per ten children costs a full point
    quality = clamp(base − penalty, 0, 5)

A part with no data is left out and the weights renormalised; no ratings anywhere in the
county and no attendance: None. Fees: a child's subsidy is the largest that any active rule
gives (rules do not stack): percent × the child's fees for the term, capped at monthly cap ×
the months the term touches; it is spread over the child's lines in order. Providers are
settled per class-hour actually delivered: a session counts once attendance was taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from junheng.accounts.models import Guardianship, Role, User
from junheng.accounts.scoping import may_act, require_actor
from junheng.afterschool.models import Offering, Provider
from junheng.enrolment.actions.common import notify, school_admins
from junheng.enrolment.models import (
    Attendance,
    Bill,
    BillLine,
    Complaint,
    ComplaintStatus,
    Enrolment,
    EnrolmentStatus,
    HourRate,
    Presence,
    Rating,
    Session,
    SubsidyRule,
    SubsidyTarget,
)
from junheng.errors import ActionError
from junheng.exports import Export, Sheet
from junheng.region.models import School, Student, Term

ABSENCE_ALERT = 3
MIN_SESSIONS_TO_RATE = 3
PRIOR_RATINGS = 5
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- attendance


def may_mark(user: User | None, offering: Offering) -> bool:
    """Provider staff of the course's provider, the school's admins and teachers, the bureau."""
    provider_id = offering.course.provider_id
    # A school's own course has no provider: no provider's staff marks it.
    roles = (Role.BUREAU, Role.SCHOOL, Role.TEACHER) + ((Role.PROVIDER,) if provider_id else ())
    return may_act(user, *roles, school_id=offering.school_id, provider_id=provider_id)
    return False


def roster(offering: Offering) -> list[Student]:
    return list(
        Student.objects.filter(
            enrolments__offering=offering, enrolments__status=EnrolmentStatus.ACTIVE
        ).order_by("code")
    )


def absence_streak(offering_id: int, student_id: int) -> tuple[int, dt.date | None]:
    """Consecutive absences up to the latest marked session (excused ones are skipped)."""
    marks = (
        Attendance.objects.filter(session__offering_id=offering_id, student_id=student_id)
        .exclude(status=Presence.EXCUSED)
        .order_by("-session__date")
        .values_list("status", "session__date")
    )
    n, start = 0, None
    for status, day in marks:
        if status != Presence.ABSENT:
            break
        n, start = n + 1, day
    return n, start


WEEKDAYS = [
    _lazy("周一"),
    _lazy("周二"),
    _lazy("周三"),
    _lazy("周四"),
    _lazy("周五"),
    _lazy("周六"),
    _lazy("周日"),
]


def session_dates(offering: Offering, until: dt.date | None = None) -> list[dt.date]:
    """The days the offering meets: its slot's weekday, inside its term, up to `until`
    (default today), latest first."""
    term = offering.term
    last = min(term.end, until or timezone.localdate())
    weekday = offering.slot.weekday  # 1 = Monday, as date.isoweekday()
    day = term.start + dt.timedelta(days=(weekday - term.start.isoweekday()) % 7)
    out = []
    while day <= last:
        out.append(day)
        day += dt.timedelta(days=7)
    return out[::-1]


def check_session_date(offering: Offering, day: dt.date, today: dt.date | None = None) -> None:
    """Attendance is taken only on a day the offering meets, never ahead of time."""
    term, slot = offering.term, offering.slot
    if not term.start <= day <= term.end:
        raise ActionError(
            _("%(d)s 不在学期“%(t)s”（%(a)s 至 %(b)s）内，不能考勤。")
            % {"d": day.isoformat(), "t": term.name, "a": term.start, "b": term.end}
        )
    if day.isoweekday() != slot.weekday:
        raise ActionError(
            _("“%(c)s”每周在 %(s)s 上课：%(d)s 是%(w)s，不能考勤。")
            % {
                "c": offering.course.title,
                "s": slot,
                "d": day.isoformat(),
                "w": WEEKDAYS[day.isoweekday() - 1],
            }
        )
    if day > (today or timezone.localdate()):
        raise ActionError(_("不能为将来的日期（%(d)s）考勤。") % {"d": day.isoformat()})


def do_mark_attendance(
    offering: Offering, day: dt.date, marks: Mapping[int, str], *, by: User
) -> Session:
    """Record a session's attendance on a day the offering meets (its weekly slot's weekday,
    inside its term, not in the future); 3 absences in a row alert the school's admins once."""
    if not may_mark(by, offering):
        raise PermissionDenied
    check_session_date(offering, day)
    enrolled = {s.pk: s for s in roster(offering)}
    for sid, status in marks.items():
        if sid not in enrolled:
            raise ActionError(_("名单中没有该学生。"))
        if status not in Presence.values:
            raise ActionError(_("考勤状态不正确。"))
    with transaction.atomic():
        session, _created = Session.objects.get_or_create(offering=offering, date=day)
        session.marked_by = by
        session.marked_at = timezone.now()
        session.save(update_fields=["marked_by", "marked_at"])
        for sid, status in marks.items():
            Attendance.objects.update_or_create(
                session=session, student_id=sid, defaults={"status": status}
            )
        for sid, status in marks.items():
            if status != Presence.ABSENT:
                continue
            n, start = absence_streak(offering.pk, sid)
            if n >= ABSENCE_ALERT:
                s = enrolled[sid]
                for admin in school_admins(offering.school_id):
                    notify(
                        admin,
                        _("%(name)s（%(code)s）在“%(course)s”已连续缺勤 %(n)d 次。")
                        % {"name": s.name, "code": s.code, "course": offering.course.title, "n": n},
                        link=f"/enrolment/attendance/{offering.pk}/",
                        key=f"absence:{offering.pk}:{sid}:{start}",
                    )
    if offering.course.provider is not None:
        refresh_quality(offering.course.provider)
    return session


# --------------------------------------------------------------------------- ratings


def sessions_attended(student: Student, offering: Offering) -> int:
    return Attendance.objects.filter(
        session__offering=offering, student=student, status=Presence.PRESENT
    ).count()


def may_rate(sessions_present: int) -> bool:
    """The rating rule: a child rates a course after attending MIN_SESSIONS_TO_RATE sessions."""
    return sessions_present >= MIN_SESSIONS_TO_RATE


def can_rate(student: Student, offering: Offering) -> bool:
    return may_rate(sessions_attended(student, offering))


def do_rate_course(
    student: Student, offering: Offering, stars: int, comment: str = "", *, by: User
) -> Rating:
    require_actor(by, Role.PARENT, student_id=student.pk)
    if not Enrolment.objects.filter(student=student, offering=offering).exists():
        raise ActionError(_("孩子没有参加这门课程。"))
    if not can_rate(student, offering):
        raise ActionError(_("孩子出勤满 %(n)d 次后才能评价。") % {"n": MIN_SESSIONS_TO_RATE})
    if not 1 <= int(stars) <= 5:
        raise ActionError(_("评分应为 1–5 星。"))
    rating, _created = Rating.objects.update_or_create(
        student=student,
        offering=offering,
        defaults={
            "stars": int(stars),
            "comment": comment.strip(),
            "by": by,
            "updated_at": timezone.now(),
        },
    )
    if offering.course.provider is not None:
        refresh_quality(offering.course.provider)
    return rating


def do_file_complaint(
    offering: Offering, text: str, *, by: User, student: Student | None = None
) -> Complaint:
    # A parent, for its own child (without a child there is no guardianship: refused).
    require_actor(by, Role.PARENT, student_id=student.pk if student is not None else 0)
    if not text.strip():
        raise ActionError(_("请填写投诉内容。"))
    c = Complaint.objects.create(offering=offering, text=text.strip(), by=by, student=student)
    for admin in school_admins(offering.school_id):
        notify(admin, _("收到关于“%(c)s”的投诉。") % {"c": offering.course.title})
    if offering.course.provider is not None:
        refresh_quality(offering.course.provider)
    return c


def quality_score(
    n: int,
    mean: float | None,
    county_mean: float | None,
    present: int,
    absent: int,
    complaints: int,
    enrolments: int,
    prior: int = PRIOR_RATINGS,
) -> float | None:
    """The formula of the module docstring on plain numbers."""
    parts: list[tuple[float, float]] = []
    if county_mean is not None:
        shrunk = ((mean or 0.0) * n + county_mean * prior) / (n + prior)
        parts.append((0.6, shrunk))
    if present + absent:
        parts.append((0.4, 1 + 4 * present / (present + absent)))
    if not parts or (n == 0 and present + absent == 0):
        return None
    base = sum(w * v for w, v in parts) / sum(w for w, _v in parts)
    penalty = min(2.0, 10 * complaints / max(enrolments, 1))
    return round(min(5.0, max(0.0, base - penalty)), 2)


def provider_quality(provider: Provider) -> float | None:
    """The provider's quality score (0–5) or None without data; see the module docstring."""
    mine = Rating.objects.filter(offering__course__provider=provider).aggregate(
        n=Count("pk"), mean=Avg("stars")
    )
    county = Rating.objects.all()
    if provider.county_id:
        county = county.filter(offering__school__county_id=provider.county_id)
    county_mean = county.aggregate(mean=Avg("stars"))["mean"]
    att = Attendance.objects.filter(session__offering__course__provider=provider).aggregate(
        present=Count("pk", filter=Q(status=Presence.PRESENT)),
        absent=Count("pk", filter=Q(status=Presence.ABSENT)),
    )
    complaints = (
        Complaint.objects.filter(offering__course__provider=provider)
        .exclude(status=ComplaintStatus.DISMISSED)
        .count()
    )
    enrolments = (
        Enrolment.objects.filter(offering__course__provider=provider)
        .exclude(status__in=[EnrolmentStatus.RELEASED, EnrolmentStatus.CANCELLED])
        .count()
    )
    return quality_score(
        int(mine["n"]),
        mine["mean"],
        county_mean,
        int(att["present"]),
        int(att["absent"]),
        complaints,
        enrolments,
    )


def refresh_quality(provider: Provider) -> float | None:
    """Store the score on the provider row (the vetting pages show `quality_score`)."""
    score = provider_quality(provider)
    Provider.objects.filter(pk=provider.pk).update(quality_score=score)
    return score


# --------------------------------------------------------------------------- fees


def term_months(term: Term) -> int:
    """Calendar months the term touches (Sep 1 – Jan 20: 5)."""
    return (term.end.year - term.start.year) * 12 + term.end.month - term.start.month + 1


def applies(rule: SubsidyRule, student: Student) -> bool:
    if rule.target == SubsidyTarget.ALL:
        return True
    if rule.target == SubsidyTarget.LOW_INCOME:
        return student.low_income
    return rule.target == SubsidyTarget.LEFT_BEHIND and student.left_behind


def subsidy_for(
    student: Student, fees: Decimal, term: Term, rules: Iterable[SubsidyRule]
) -> tuple[Decimal, str]:
    """(subsidy, rule name): the largest that an applicable rule gives (no stacking)."""
    best, name = Decimal("0.00"), ""
    months = term_months(term)
    for rule in rules:
        if not rule.active or (rule.term_id is not None and rule.term_id != term.pk):
            continue
        if not applies(rule, student):
            continue
        amount = (fees * rule.percent / Decimal(100)).quantize(CENT, ROUND_HALF_UP)
        if rule.monthly_cap is not None:
            amount = min(amount, (rule.monthly_cap * months).quantize(CENT))
        if amount > best:
            best, name = amount, rule.name
    return best, name


def children_of(guardian: User) -> list[Student]:
    return list(Student.objects.filter(guardianships__user=guardian).order_by("code"))


@dataclass
class Statement:
    """A family's bill for a term as computed now (a read: nothing is written). Shaped like a
    saved `Bill` (total_fee, subsidy, due, lines) so pages and exports take either."""

    guardian: User
    term: Term
    lines: list[BillLine] = field(default_factory=list)  # unsaved rows
    total_fee: Decimal = Decimal("0.00")
    subsidy: Decimal = Decimal("0.00")
    due: Decimal = Decimal("0.00")


def bill_statements(
    guardians: Sequence[User], term: Term, *, school: School | None = None
) -> list[Statement]:
    """Each guardian's statement for the term, in a constant number of queries: active
    enrolments of the children, fees and the largest applicable subsidy (rules do not stack).
    With `school`, only that school's children are on it (a school's page never shows a
    sibling at another school)."""
    rules = list(SubsidyRule.objects.filter(active=True))
    by_guardian: dict[int, list[Student]] = {g.pk: [] for g in guardians}
    links = Guardianship.objects.filter(user__in=[g.pk for g in guardians])
    if school is not None:
        links = links.filter(student__school=school)
    links = links.select_related("student").order_by("student__code")
    for link in links:
        by_guardian[link.user_id].append(link.student)
    enrolled: dict[int, list[Enrolment]] = {}
    for e in (
        Enrolment.objects.filter(
            student__in={c.pk for kids in by_guardian.values() for c in kids},
            offering__term=term,
            status=EnrolmentStatus.ACTIVE,
        )
        .select_related("offering__course", "offering__school")
        .order_by("offering_id")
    ):
        enrolled.setdefault(e.student_id, []).append(e)
    out = []
    for guardian in guardians:
        st = Statement(guardian=guardian, term=term)
        for child in by_guardian[guardian.pk]:
            mine = enrolled.get(child.pk, [])
            if not mine:
                continue
            fees = sum((e.offering.fee for e in mine), Decimal("0.00"))
            subsidy, rule = subsidy_for(child, fees, term, rules)
            left = subsidy
            for e in mine:
                part = min(left, e.offering.fee)
                left -= part
                st.lines.append(
                    BillLine(
                        student=child,
                        offering=e.offering,
                        fee=e.offering.fee,
                        subsidy=part,
                        due=e.offering.fee - part,
                        rule=rule if part else "",
                    )
                )
            st.total_fee += fees
            st.subsidy += subsidy
        st.due = st.total_fee - st.subsidy
        out.append(st)
    return out


def bill_statement(guardian: User, term: Term) -> Statement:
    return bill_statements([guardian], term)[0]


def do_issue_bill(guardian: User, term: Term, *, by: User | None = None) -> Bill:
    """Store the family's statement as its issued bill for the term (re-issuing replaces)."""
    require_actor(by, Role.BUREAU)
    st = bill_statement(guardian, term)
    with transaction.atomic():
        bill, _created = Bill.objects.select_for_update().get_or_create(
            guardian=guardian, term=term
        )
        bill.lines.all().delete()
        for line in st.lines:
            line.bill = bill
        BillLine.objects.bulk_create(st.lines)
        bill.total_fee, bill.subsidy, bill.due = st.total_fee, st.subsidy, st.due
        bill.issued_at = timezone.now()
        bill.save()
    return bill


BILL_HEADER = [
    "家长账号",
    "学生编码",
    "学生",
    "课程",
    "学校",
    "收费（元）",
    "减免（元）",
    "应缴（元）",
    "减免规则",
]


def _bill_rows(statements: Iterable[Statement]) -> Iterator[list[Any]]:
    for bill in statements:
        for line in bill.lines:
            yield [
                bill.guardian.username,
                line.student.code,
                line.student.name,
                line.offering.course.title,
                line.offering.school.name,
                line.fee,
                line.subsidy,
                line.due,
                line.rule,
            ]


def do_export_own_bill(*, by: User, term_id: int) -> Export:
    """A parent's own bill for the term (as computed now), as .xlsx; audited: minors' data
    leaves the platform."""
    require_actor(by, Role.PARENT)
    term = Term.objects.get(pk=term_id)
    bill = bill_statement(by, term)
    return Export(
        f"bill-{term.pk}.xlsx",
        [Sheet(_("缴费单"), header=BILL_HEADER, rows=_bill_rows([bill]))],
        rows=len(bill.lines),
        audit="enrolment.export.bills",
        details={"guardians": [by.pk], "term": term.pk},
    )


def do_export_school_bills(*, by: User, school_id: int, term_id: int) -> Export:
    """The bills (as computed now) of the families of one school's children, for its admin or
    the bureau, as .xlsx; the statements are computed as the file is written (a large school
    through a job); audited."""
    from junheng.accounts.scoping import access_school

    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school_id)
    school = access_school(by, school_id)
    term = Term.objects.get(pk=term_id)
    guardians = User.objects.filter(
        role=Role.PARENT, guardianships__student__school=school
    ).distinct()
    lines = Enrolment.objects.filter(
        student__school=school, offering__term=term, status=EnrolmentStatus.ACTIVE
    ).count()

    def rows() -> Iterator[list[Any]]:
        # Only this school's children: a sibling at another school is not this school's to export.
        statements = bill_statements(list(guardians.order_by("username")), term, school=school)
        yield from _bill_rows(statements)

    return Export(
        f"bills-{school.code}-{term.pk}.xlsx",
        [Sheet(_("缴费单"), header=BILL_HEADER, rows=rows())],
        rows=lines,
        audit="enrolment.export.bills",
        target=school,
        details={"school": school.code, "term": term.pk},
    )


def hour_rates(term: Term) -> dict[int | None, Decimal]:
    """The term's class-hour rates by provider (None: the default rate), in one query."""
    return {r.provider_id: r.yuan_per_hour for r in HourRate.objects.filter(term=term)}


def hour_rate(
    term: Term, provider: Provider | None, rates: Mapping[int | None, Decimal] | None = None
) -> Decimal | None:
    """The provider's own rate for the term, else the default; `rates` the term's rates read
    once (`hour_rates`) when many providers are asked."""
    rates = hour_rates(term) if rates is None else rates
    if provider is not None and provider.pk in rates:
        return rates[provider.pk]
    return rates.get(None)


def settlement_rows(school: School, term: Term) -> list[dict[str, Any]]:
    """Per provider offering: class-hours delivered (sessions with attendance) × the rate."""
    out = []
    offerings = (
        Offering.objects.filter(school=school, term=term, course__provider__isnull=False)
        .select_related("course__provider", "slot")
        .annotate(
            delivered=Count("sessions", filter=Q(sessions__attendance__isnull=False), distinct=True)
        )
        .order_by("course__provider__name", "course__title", "pk")
    )
    rates = hour_rates(term)
    for o in offerings:
        rate = hour_rate(term, o.course.provider, rates)
        out.append(
            {
                "offering": o,
                "provider": o.course.provider,
                "hours": int(o.delivered),
                "rate": rate,
                "amount": (rate * o.delivered).quantize(CENT) if rate is not None else None,
            }
        )
    return out


SETTLEMENT_HEADER = [
    "机构",
    "课程",
    "开课编号",
    "时段",
    "实际课时",
    "课时费（元）",
    "结算金额（元）",
]


def do_export_settlement(*, by: User, school_id: int, term_id: int) -> Export:
    """A school's class-hour settlement with its providers for the term, as .xlsx; audited."""
    from junheng.accounts.scoping import access_school

    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school_id)
    school = access_school(by, school_id)
    term = Term.objects.get(pk=term_id)
    rows = [
        [
            r["provider"].name,
            r["offering"].course.title,
            r["offering"].pk,
            r["offering"].slot.code,
            r["hours"],
            r["rate"],
            r["amount"],
        ]
        for r in settlement_rows(school, term)
    ]
    return Export(
        f"settlement-{school.code}-{term.pk}.xlsx",
        [Sheet(_("课时结算"), header=SETTLEMENT_HEADER, rows=rows)],
        rows=len(rows),
        audit="enrolment.export.settlement",
        target=school,
        details={"term": term.pk},
    )
