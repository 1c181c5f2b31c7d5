"""Education communities end to end on the demo county: the bureau pairs the county and
publishes, schedules the term's synchronous lessons and publishes them; a member school sees
its community and its timetable of synchronous lessons, records one as held, and the community
page shows it. Then the bureau offers the cooperation community's shared course to a member
from the community page, where the exchange planned for this year's rotation is listed."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from junheng.commands.demo import APPS, DEMO_PASSWORD, DEMO_SEED, load_demo
from tests.browser.conftest import login_as

# the portraits' records are not needed here and take most of the demo's load time
WITHOUT_PORTRAITS = tuple(a for a in APPS if a != "portraits")


@pytest.mark.django_db(transaction=True)
def test_bureau_pairs_and_schedules_a_member_school_records_a_lesson_held(page, phone_page):
    from junheng.accounts.models import User
    from junheng.communities.models import Community, PairingRound, SyncLesson
    from junheng.region.models import Term

    load_demo("county", DEMO_SEED, DEMO_PASSWORD, io.StringIO(), WITHOUT_PORTRAITS)
    today = timezone.localdate()
    # the lessons around today must exist whatever day the suite runs on
    Term.objects.filter(is_current=True).update(
        start=today - dt.timedelta(days=56), end=today + dt.timedelta(days=56)
    )
    rnd = PairingRound.objects.get()

    # the bureau computes the pairing, sees both maps and publishes
    login_as(page, "bureau", DEMO_PASSWORD)
    page.goto(page.base + "/communities/")
    page.click(f"[data-testid=round-{rnd.year}]")
    page.click("[data-testid=run-pairing]")
    page.wait_for_selector("[data-testid=pairs]")
    assert page.locator("[data-testid=run-status]").inner_text() == "已完成"
    assert page.locator("[data-testid=violations]").inner_text() == "0"
    proposed = int(page.locator("[data-testid=proposed-map]").get_attribute("data-lines"))
    assert proposed == int(page.locator("[data-testid=paired]").inner_text()) > 20
    assert int(page.locator("[data-testid=current-map]").get_attribute("data-lines")) == 2
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=frozen]")
    assert page.locator("[data-testid=round-status]").inner_text() == "已发布"

    # ... then schedules the term's synchronous lessons and publishes them
    page.goto(page.base + "/communities/sync/")
    page.click("[data-testid=schedule]")
    placed = page.locator("[data-testid=placed]").inner_text()
    done, asked = (int(v) for v in re.findall(r"\d+", placed))
    assert done == asked > 50
    page.click("[data-testid=publish-schedule]")
    page.wait_for_selector("[data-testid=schedule-status]")
    assert page.locator("[data-testid=schedule-status]").inner_text() == "已发布"

    # the rural member school sees its community and its synchronous lessons (on a phone)
    rural = User.objects.get(username="school_rural").school
    community = Community.objects.get(memberships__school=rural, pairing_round=rnd)
    login_as(phone_page, "school_rural", DEMO_PASSWORD)
    phone_page.goto(phone_page.base + "/communities/mine/")
    mine = phone_page.locator(f"[data-testid=my-community][data-community='{community.pk}']")
    assert community.core.name in mine.inner_text()
    phone_page.goto(phone_page.base + "/communities/sync/mine/")
    week = phone_page.locator("[data-testid=week]")
    assert week.locator("td.sync").count() >= 3
    lesson = (
        SyncLesson.objects.filter(request__membership__school=rural, date__lte=today)
        .order_by("-date", "period")
        .first()
    )
    assert lesson is not None
    row = phone_page.locator(f"tr[data-lesson='{lesson.pk}']")
    assert row.locator("[data-testid=lesson-status]").inner_text() == "待上"
    phone_page.click(f"[data-testid=held-{lesson.pk}]")
    phone_page.wait_for_selector(".messages li")
    row = phone_page.locator(f"tr[data-lesson='{lesson.pk}']")
    assert row.locator("[data-testid=lesson-status]").inner_text() == "已上"
    lesson.refresh_from_db()
    assert lesson.status == "held"

    # the community page shows it
    phone_page.goto(phone_page.base + f"/communities/{community.pk}/")
    held = phone_page.locator(
        f"[data-testid=delivery] tr[data-school='{rural.code}'] [data-testid=held-count]"
    )
    assert held.inner_text() == "1"
    assert "已上 1 节" in phone_page.locator("[data-testid=delivery-total]").inner_text()


@pytest.mark.django_db(transaction=True)
def test_the_bureau_offers_a_shared_course_to_a_member_and_sees_the_planned_exchange(page):
    """The demo's cooperation community shares the core's own course (already on the first
    member's menu) and plans a teacher exchange for this year's rotation: the bureau puts the
    course on the second member's menu from the community page."""
    from junheng.afterschool.actions import school_slot_ids
    from junheng.afterschool.models import Offering
    from junheng.communities.models import Community

    load_demo("county", DEMO_SEED, DEMO_PASSWORD, io.StringIO(), WITHOUT_PORTRAITS)
    coop = Community.objects.get(kind="cooperation")
    shared = coop.shared_courses.select_related("course").get()
    first, second = [m.school for m in coop.memberships.select_related("school")]

    login_as(page, "bureau", DEMO_PASSWORD)
    page.goto(page.base + f"/communities/{coop.pk}/")
    outcome = page.locator("[data-testid=exchanges] [data-testid=exchange-outcome]")
    assert outcome.count() == 1 and outcome.get_attribute("data-outcome") == "pending"
    offered = page.locator(f"tr[data-shared='{shared.pk}'] [data-testid=shared-offerings]")
    assert first.name in offered.inner_text() and second.name not in offered.inner_text()

    form = page.locator(f"[data-testid=offer-{shared.pk}]")
    form.locator("select[name=school]").select_option(str(second.pk))
    form.locator("select[name=slot]").select_option(str(school_slot_ids(second)[0]))
    form.locator("input[name=seats]").fill("18")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages li")
    offered = page.locator(f"tr[data-shared='{shared.pk}'] [data-testid=shared-offerings]")
    assert second.name in offered.inner_text()
    assert Offering.objects.get(school=second, course=shared.course).seats == 18
