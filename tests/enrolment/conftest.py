"""A small after-school market at school A: one provider, three offerings, seven children.

Set up through the real models (offerings as the afterschool app stores them) and the
enrolment actions; every parent has a password-less account made here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import ENTROPY, PASSWORD


def make_user(username, role, **kw):
    from junheng.accounts.models import User

    u = User(username=username, role=role, **kw)
    u.set_password(PASSWORD)
    u.save()
    return u


@pytest.fixture
def market(region, users):
    from junheng.accounts.models import Guardianship
    from junheng.afterschool.models import Course, Offering, Provider, ProviderStaff
    from junheng.region.models import Student, Term, TimeSlot

    school = region["school_a"]
    term = Term.objects.create(
        name="2025秋", start=dt.date(2025, 9, 1), end=dt.date(2026, 1, 20), is_current=True
    )
    slots = [
        TimeSlot.objects.create(weekday=d, period=1, start=dt.time(15, 30), end=dt.time(16, 30))
        for d in (1, 2, 3)
    ]
    provider = Provider.objects.create(
        name="海盐棋院",
        org_type="training",
        credit_code="",
        record_id="R1",
        contact_name="周",
        contact_phone="13800000000",
        service_items="围棋",
        fee_standards="300元/学期",
        status="approved",
        whitelist_until=dt.date(2030, 1, 1),
        county=region["county"],
    )
    ProviderStaff.objects.create(user=users["provider"], provider=provider)

    def course(title, gmin, gmax, fee):
        return Course.objects.create(
            provider=provider,
            title=title,
            category="arts",
            grade_min=gmin,
            grade_max=gmax,
            content="…",
            fee_per_term=Decimal(fee),
            status="approved",
        )

    chess = Offering.objects.create(
        term=term,
        course=course("围棋", 1, 6, "300"),
        school=school,
        slot=slots[0],
        seats=2,
        fee=Decimal("300"),
        source="supply",
    )
    choir = Offering.objects.create(
        term=term,
        course=course("合唱", 1, 6, "200"),
        school=school,
        slot=slots[1],
        seats=2,
        fee=Decimal("200"),
        source="supply",
    )
    robot = Offering.objects.create(
        term=term,
        course=course("机器人", 4, 6, "0"),
        school=school,
        slot=slots[2],
        seats=2,
        fee=Decimal("0"),
        source="supply",
    )
    kids = [region["student_a"]]
    parents = [users["parent"]]
    names = ["李一", "王二", "赵三", "钱四", "孙五", "周六"]
    for i, name in enumerate(names, start=2):
        kid = Student.objects.create(
            code=f"K{i:04d}", name=name, gender="F", school=school, grade=3
        )
        parent = make_user(f"parent{i}", "parent")
        Guardianship.objects.create(user=parent, student=kid)
        kids.append(kid)
        parents.append(parent)
    return {
        "school": school,
        "term": term,
        "provider": provider,
        "slots": slots,
        "chess": chess,
        "choir": choir,
        "robot": robot,
        "kids": kids,
        "parents": parents,
    }


@pytest.fixture
def window(market, users):
    """An open window (K = 1, da) at school A: opened an hour ago, closing tomorrow."""
    from junheng.enrolment import actions

    now = timezone.now()
    w = actions.do_create_window(
        by=users["bureau"],
        school=market["school"],
        term=market["term"],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
        max_ranked=3,
        max_courses=1,
        method="da",
        min_size=0,
        offer_hours=24,
    )
    actions.do_open_window(w, by=users["bureau"])
    w.refresh_from_db()
    return w


def rank_all(window, market, wants, together=()):
    """wants: {kid index: [offering keys]} — every ranking submitted by the child's parent."""
    from junheng.enrolment import actions

    out = {}
    for i, keys in wants.items():
        out[i] = actions.do_submit_ranking(
            window,
            market["kids"][i],
            [market[k].pk for k in keys],
            by=market["parents"][i],
            together=i in together,
        )
    return out


def close_and_draw(window, users, publish=True):
    from junheng.enrolment import actions

    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    draw = actions.do_run_draw(window, by=users["bureau"], entropy=ENTROPY)
    if publish:
        actions.do_publish_results(window, by=users["bureau"])
    window.refresh_from_db()
    return draw
