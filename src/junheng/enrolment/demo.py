"""Demo data of choice windows and draws (`junheng demo`), from the synthetic region's choices.

- an OPEN window at the demo parent's school ("parent", two children in a rural school) with
  the rankings of the school's simulated children (the parent's own children left unranked,
  so the parent can try ranking on a phone);
- a window already DRAWN and PUBLISHED at "parent2"'s school, with its public draw page, the
  report and the waitlists (parent2 sees results);
- default subsidy rules (low-income free up to 60 yuan a month, left-behind 50%) and a term
  class-hour rate of 80 yuan, so bills and the settlement page have figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.afterschool.models import Offering, OfferingStatus
from junheng.enrolment import actions
from junheng.enrolment.models import ChoiceWindow, HourRate, Ranking, RankingChoice, SubsidyRule
from junheng.public_draw import unique_pseudonyms
from junheng.region.models import School, Student, Term


def _rankings(window: ChoiceWindow, region: Any, skip: set[int], by: User | None) -> int:
    """Bulk rankings of the school's simulated children from the synthetic choices."""
    offerings = dict(
        Offering.objects.filter(
            term=window.term, school=window.school, status=OfferingStatus.OPEN
        ).values_list("code", "pk")
    )
    ch = region.choices
    ch = ch[ch.offering_id.isin(list(offerings))]
    students = dict(
        Student.objects.filter(school=window.school, code__in=ch.student_id.unique().tolist())
        .exclude(pk__in=skip)
        .values_list("code", "pk")
    )
    ch = ch[ch.student_id.isin(list(students)) & (ch["rank"] <= window.max_ranked)]
    now = timezone.now()
    aliases = unique_pseudonyms(len(students))
    rows = [
        Ranking(
            window=window,
            student_id=students[code],
            submitted_by=by,
            submitted_at=now - dt.timedelta(minutes=i % 600),
            receipt_code=f"DEMO{i:08d}",
            pseudonym=aliases[i],
        )
        for i, code in enumerate(sorted(students))
    ]
    Ranking.objects.bulk_create(rows, batch_size=1000)
    by_code = {r.student_id: r.pk for r in Ranking.objects.filter(window=window)}
    RankingChoice.objects.bulk_create(
        [
            RankingChoice(ranking_id=by_code[students[s]], rank=int(r), offering_id=offerings[o])
            for s, r, o in zip(ch.student_id, ch["rank"], ch.offering_id, strict=True)
        ],
        batch_size=2000,
    )
    return len(rows)


def _window(school: School, term: Term, bureau: User, opens: dt.datetime) -> ChoiceWindow | None:
    if not Offering.objects.filter(term=term, school=school, status=OfferingStatus.OPEN).exists():
        return None
    w = actions.do_create_window(
        by=bureau,
        school=school,
        term=term,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=8),
        max_ranked=5,
        max_courses=1,
        method="da",
        min_size=0,
        offer_hours=48,
    )
    actions.do_open_window(w, by=bureau)
    w.refresh_from_db()
    return w


def load(ctx: Any) -> list[tuple[str, str, str]]:
    term = Term.objects.filter(is_current=True).first()
    bureau = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
    if term is None or bureau is None:
        return []
    out = ctx.out
    with transaction.atomic():
        SubsidyRule.objects.create(
            name="低收入家庭免费", target="low_income", percent=100, monthly_cap=Decimal("60")
        )
        SubsidyRule.objects.create(name="留守儿童减半", target="left_behind", percent=50)
        HourRate.objects.create(term=term, provider=None, yuan_per_hour=Decimal("80"))
    now = timezone.now()
    notes: list[tuple[str, str, str]] = []
    parent = User.objects.filter(username="parent").first()
    if parent is not None:
        kids = list(Student.objects.filter(guardianships__user=parent))
        if kids:
            w = _window(kids[0].school, term, bureau, now - dt.timedelta(days=1))
            if w is not None:
                n = _rankings(w, ctx.region, {k.pk for k in kids}, None)
                out.write(f"  open choice window at {w.school.name}: {n} rankings\n")
    parent2 = User.objects.filter(username="parent2").first()
    if parent2 is not None:
        kid = Student.objects.filter(guardianships__user=parent2).first()
        if kid is not None:
            w = _window(kid.school, term, bureau, now - dt.timedelta(days=10))
            if w is not None:
                n = _rankings(w, ctx.region, set(), None)
                actions.do_close_window(w, by=bureau)
                draw = actions.do_run_draw(
                    w, by=bureau, entropy="17 42 08 93", entropy_source="演示：家长代表各报两位数"
                )
                actions.do_publish_results(w, by=bureau)
                out.write(
                    f"  drawn window at {w.school.name}: {n} rankings, "
                    f"result {draw.result_sha256[:12]}…, public page /enrolment/draws/{draw.pk}/\n"
                )
    return notes
