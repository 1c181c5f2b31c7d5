"""Teacher exchange inside a community (feeds the rotation round as a wish) and shared courses
(a core school's own after-school course on a member school's menu, through the supermarket)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from junheng.accounts.models import AuditLog
from junheng.communities import sharing
from junheng.errors import ActionError
from junheng.region.models import Teacher

pytestmark = pytest.mark.django_db


def _teacher(county9, code):
    return Teacher.objects.get(code=code)


# --------------------------------------------------------------------------- teacher exchange


def test_the_core_plans_an_exchange_inside_the_community_and_it_is_audited(
    community, county9, cusers
):
    s = county9.schools
    t = _teacher(county9, "C01T00")
    ex = sharing.do_plan_exchange(
        community, by=cusers["core"], teacher=t, to_school=s["M01"], year=2027, note="支教数学"
    )
    assert (ex.teacher, ex.to_school, ex.year) == (t, s["M01"], 2027)
    assert AuditLog.objects.filter(action="communities.plan_exchange").count() == 1


def test_exchanges_stay_inside_the_community_and_one_per_teacher_and_year(
    community, county9, cusers
):
    s = county9.schools
    bureau = cusers["bureau"]
    t = _teacher(county9, "C01T00")
    with pytest.raises(ActionError, match="本教共体的学校"):
        sharing.do_plan_exchange(community, by=bureau, teacher=t, to_school=s["M03"], year=2027)
    with pytest.raises(ActionError, match="教师须是本教共体"):
        sharing.do_plan_exchange(
            community, by=bureau, teacher=_teacher(county9, "J01T00"), to_school=s["M01"], year=2027
        )
    with pytest.raises(ActionError, match="所在的学校"):
        sharing.do_plan_exchange(community, by=bureau, teacher=t, to_school=s["C01"], year=2027)
    sharing.do_plan_exchange(community, by=bureau, teacher=t, to_school=s["M01"], year=2027)
    with pytest.raises(ActionError, match="已有 2027"):
        sharing.do_plan_exchange(community, by=bureau, teacher=t, to_school=s["M02"], year=2027)
    assert community.exchanges.count() == 1


def test_a_member_plans_only_for_its_own_teachers_and_others_not_at_all(community, county9, cusers):
    s = county9.schools
    own = _teacher(county9, "M01T00")
    sharing.do_plan_exchange(
        community, by=cusers["member"], teacher=own, to_school=s["C01"], year=2027
    )
    for who, teacher in (
        ("member", "C01T01"),  # a member school may not send the core's teachers
        ("other", "C01T01"),
        ("teacher", "M01T01"),
        ("parent", "M01T01"),
        ("provider", "M01T01"),
    ):
        with pytest.raises(PermissionDenied):
            sharing.do_plan_exchange(
                community,
                by=cusers[who],
                teacher=_teacher(county9, teacher),
                to_school=s["M02"],
                year=2027,
            )
    assert community.exchanges.count() == 1


def test_the_rotation_round_reads_the_exchange_as_the_teachers_wish_after_their_own(
    community, county9, cusers
):
    from junheng.rotation import actions as rotation_actions
    from junheng.rotation.adapters import round_inputs
    from junheng.rotation.models import Preference

    s = county9.schools
    bureau = cusers["bureau"]
    a, b = _teacher(county9, "C01T00"), _teacher(county9, "C01T01")
    sharing.do_plan_exchange(community, by=bureau, teacher=a, to_school=s["M01"], year=2027)
    sharing.do_plan_exchange(community, by=bureau, teacher=b, to_school=s["M02"], year=2027)
    # another year's plan does not reach this round
    sharing.do_plan_exchange(
        community, by=bureau, teacher=_teacher(county9, "C01T02"), to_school=s["M02"], year=2028
    )
    rnd = rotation_actions.do_open_round(by=bureau, year=2027, county=county9.county)
    Preference.objects.create(round=rnd, teacher=b, pref1=s["C02"], pref2=s["M02"])
    prefs = {t.teacher_id: t.prefs for t in round_inputs(rnd).teachers}
    assert prefs["C01T00"] == ("M01",)
    assert prefs["C01T01"] == ("C02", "M02")  # own wishes first, no repeat
    assert prefs["C01T02"] == ()
    # a dissolved community's plans no longer count
    from junheng.communities import actions

    actions.do_dissolve_community(community, by=bureau)
    prefs = {t.teacher_id: t.prefs for t in round_inputs(rnd).teachers}
    assert prefs["C01T00"] == ()


def test_merge_keeps_three_wishes_at_most():
    assert sharing.merge_preferences(("A", "B", "C"), ("D",)) == ("A", "B", "C")
    assert sharing.merge_preferences(("A",), ("A", "D")) == ("A", "D")
    assert sharing.merge_preferences((), ()) == ()


def test_the_community_page_shows_what_the_published_rotation_plan_did(
    community, county9, cusers, client
):
    from junheng.rotation import actions as rotation_actions
    from junheng.rotation.models import Move, PlanRun

    s = county9.schools
    bureau = cusers["bureau"]
    a, b, c = (_teacher(county9, f"C01T0{i}") for i in range(3))
    for t, to in ((a, "M01"), (b, "M02"), (c, "M01")):
        sharing.do_plan_exchange(community, by=bureau, teacher=t, to_school=s[to], year=2027)
    client.force_login(cusers["member"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert page.count('data-outcome="pending"') == 3
    rnd = rotation_actions.do_open_round(by=bureau, year=2027, county=county9.county)
    run = PlanRun.objects.create(round=rnd, status="done")
    for t, to in ((a, "M01"), (b, "M01")):
        Move.objects.create(
            run=run,
            teacher=t,
            from_school=s["C01"],
            to_school=s[to],
            km=1,
            backbone=False,
            qualified=True,
        )
    rnd.published_run = run
    rnd.save(update_fields=["published_run"])
    outcome = {r["e"].teacher.code: r["outcome"] for r in sharing.exchange_rows(community)}
    assert outcome == {"C01T00": "done", "C01T01": "elsewhere", "C01T02": "stays"}


def test_exchange_pages_plan_and_cancel_and_refuse_outsiders(community, county9, cusers, client):
    s = county9.schools
    t = _teacher(county9, "C01T00")
    client.force_login(cusers["core"])
    url = f"/communities/{community.pk}/exchanges/"
    r = client.post(url, {"teacher": t.pk, "to_school": s["M01"].pk, "year": 2027})
    assert r.status_code == 302
    ex = community.exchanges.get()
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert 'data-testid="exchange-form"' in page and f'data-exchange="{ex.pk}"' in page
    # a teacher of the community reads it but has no form; outsiders get 404 / 403
    client.force_login(cusers["teacher"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert f'data-exchange="{ex.pk}"' in page and 'data-testid="exchange-form"' not in page
    assert client.post(f"{url}{ex.pk}/cancel/").status_code == 403
    client.force_login(cusers["other"])
    assert (
        client.post(url, {"teacher": t.pk, "to_school": s["M02"].pk, "year": 2028}).status_code
        == 404
    )
    assert client.post(f"{url}{ex.pk}/cancel/").status_code == 404
    for who in ("parent", "provider"):
        client.force_login(cusers[who])
        assert client.post(f"{url}{ex.pk}/cancel/").status_code == 403
    assert community.exchanges.count() == 1
    client.force_login(cusers["core"])
    assert client.post(f"{url}{ex.pk}/cancel/").status_code == 302
    assert not community.exchanges.exists()


# --------------------------------------------------------------------------- shared courses


@pytest.fixture
def term(db):
    from django.utils import timezone

    from junheng.region.models import Term, TimeSlot

    today = timezone.localdate()
    TimeSlot.objects.create(weekday=1, period=1, start=dt.time(15, 40), end=dt.time(16, 30))
    TimeSlot.objects.create(weekday=3, period=1, start=dt.time(15, 40), end=dt.time(16, 30))
    return Term.objects.create(
        name="本学期",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        is_current=True,
    )


@pytest.fixture
def course(county9, cusers):
    from junheng.afterschool.actions import do_create_school_course

    return do_create_school_course(
        county9.schools["C01"],
        by=cusers["core"],
        fields={
            "title": "少儿编程",
            "category": "science_tech",
            "content": "图形化编程入门",
            "grade_min": 3,
            "grade_max": 6,
            "seats": 20,
            "teacher": _teacher(county9, "C01T02"),
        },
    )


def test_a_member_school_puts_the_cores_shared_course_on_its_menu(
    community, county9, cusers, course, term
):
    from junheng.afterschool.models import Offering
    from junheng.region.models import TimeSlot

    s = county9.schools
    shared = sharing.do_share_course(community, by=cusers["core"], course=course)
    slot = TimeSlot.objects.get(weekday=3)
    o = sharing.do_offer_shared_course(
        shared, by=cusers["member"], school=s["M01"], term=term, slot=slot, seats=15
    )
    assert (o.school, o.course, o.seats, o.term) == (s["M01"], course, 15, term)
    assert o.source == "school" and o.status == "open"
    # it is on the member's menu as any course (parents see it once the menu is published)
    assert o in Offering.objects.filter(school=s["M01"], term=term)
    rows = sharing.shared_course_rows(community, term)
    assert [len(r["offerings"]) for r in rows] == [1]
    assert AuditLog.objects.filter(action="communities.offer_shared_course").exists()
    with pytest.raises(ActionError, match="已开设"):
        sharing.do_offer_shared_course(
            shared, by=cusers["member"], school=s["M01"], term=term, slot=slot, seats=15
        )


def test_a_school_course_still_cannot_be_offered_elsewhere_without_sharing(
    county9, cusers, course, term
):
    from junheng.afterschool.actions import do_create_offering
    from junheng.region.models import TimeSlot

    with pytest.raises(ActionError, match="校内自主课程只能在本校开设"):
        do_create_offering(
            by=cusers["bureau"],
            term=term,
            course=course,
            school=county9.schools["M01"],
            slot=TimeSlot.objects.first(),
            seats=10,
            source="school",
        )


def test_only_the_cores_own_approved_courses_are_shared_by_the_core_or_the_bureau(
    community, county9, cusers, course
):
    from junheng.afterschool.actions import do_create_school_course

    for who in ("member", "other", "teacher", "parent", "provider"):
        with pytest.raises(PermissionDenied):
            sharing.do_share_course(community, by=cusers[who], course=course)
    theirs = do_create_school_course(
        county9.schools["M01"],
        by=cusers["member"],
        fields={"title": "田径", "category": "sports", "content": "跑跳投"},
    )
    with pytest.raises(ActionError, match="核心校"):
        sharing.do_share_course(community, by=cusers["bureau"], course=theirs)
    sharing.do_share_course(community, by=cusers["bureau"], course=course)
    with pytest.raises(ActionError, match="已经共享"):
        sharing.do_share_course(community, by=cusers["core"], course=course)


def test_only_members_offer_a_shared_course_each_for_itself(
    community, county9, cusers, course, term
):
    from junheng.region.models import TimeSlot

    s = county9.schools
    shared = sharing.do_share_course(community, by=cusers["core"], course=course)
    slot = TimeSlot.objects.first()
    with pytest.raises(PermissionDenied):  # M01's admin acts for M01 only
        sharing.do_offer_shared_course(
            shared, by=cusers["member"], school=s["M02"], term=term, slot=slot, seats=5
        )
    for who in ("other", "teacher", "parent", "provider"):
        with pytest.raises(PermissionDenied):
            sharing.do_offer_shared_course(
                shared, by=cusers[who], school=s["M01"], term=term, slot=slot, seats=5
            )
    with pytest.raises(ActionError, match="成员校"):  # the bureau, for a school outside
        sharing.do_offer_shared_course(
            shared, by=cusers["bureau"], school=s["M03"], term=term, slot=slot, seats=5
        )
    sharing.do_offer_shared_course(
        shared, by=cusers["bureau"], school=s["M02"], term=term, slot=slot, seats=5
    )


def test_shared_course_pages(community, county9, cusers, course, term, client):
    from junheng.afterschool.models import Offering
    from junheng.region.models import TimeSlot

    base = f"/communities/{community.pk}/shared/"
    client.force_login(cusers["member"])
    assert client.post(base, {"course": course.pk}).status_code == 403
    client.force_login(cusers["core"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert 'data-testid="share-form"' in page and "少儿编程" in page
    assert client.post(base, {"course": course.pk}).status_code == 302
    shared = community.shared_courses.get()
    client.force_login(cusers["member"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert f'data-testid="offer-{shared.pk}"' in page and 'data-testid="share-form"' not in page
    slot = TimeSlot.objects.get(weekday=1)
    r = client.post(
        f"{base}{shared.pk}/offer/",
        {"school": county9.schools["M01"].pk, "slot": slot.pk, "seats": 12},
    )
    assert r.status_code == 302
    assert Offering.objects.filter(school=county9.schools["M01"], course=course).count() == 1
    page = client.get(f"/communities/{community.pk}/").content.decode()
    offered = page.split('data-testid="shared-offerings"')[1].split("</td>")[0]
    assert "百步乡小学" in offered and "12" in offered
    assert "少儿编程" in client.get("/afterschool/menu/").content.decode()  # the school's menu
    # a bad form changes nothing and says why
    r = client.post(
        f"{base}{shared.pk}/offer/",
        {"school": county9.schools["M01"].pk, "slot": slot.pk, "seats": 0},
        follow=True,
    )
    assert Offering.objects.filter(course=course).count() == 1
    assert list(r.context["messages"])
    client.force_login(cusers["other"])
    assert client.post(f"{base}{shared.pk}/offer/", {}).status_code == 404
    client.force_login(cusers["member"])
    assert client.post(f"{base}{shared.pk}/unshare/").status_code == 403
    client.force_login(cusers["core"])
    assert client.post(f"{base}{shared.pk}/unshare/").status_code == 302
    assert not community.shared_courses.exists()
    assert Offering.objects.filter(course=course, status="open").count() == 1  # stays this term


def test_the_annual_report_counts_exchanges_and_shared_courses(
    community, county9, cusers, course, client
):
    import io

    from openpyxl import load_workbook

    s = county9.schools
    sharing.do_plan_exchange(
        community,
        by=cusers["core"],
        teacher=_teacher(county9, "C01T00"),
        to_school=s["M01"],
        year=2027,
    )
    sharing.do_share_course(community, by=cusers["core"], course=course)
    client.force_login(cusers["bureau"])
    r = client.get("/communities/report.xlsx?year=2027")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    row = next(
        [c.value for c in row]
        for row in wb["教共体"].iter_rows(min_row=3)
        if row[0].value == community.name
    )
    assert row[-2:] == [1, 1]


def test_a_teacher_sees_the_exchange_planned_for_them_on_their_page(
    community, county9, cusers, client
):
    teacher = cusers["teacher"].teacher
    sharing.do_plan_exchange(
        community,
        by=cusers["member"],
        teacher=teacher,
        to_school=county9.schools["C01"],
        year=2027,
        note="跟岗学习",
    )
    client.force_login(cusers["teacher"])
    page = client.get("/communities/mine/").content.decode()
    mine = page.split('data-testid="my-exchanges"')[1].split("</section>")[0]
    assert "2027" in mine and "城南实验小学" in mine and "跟岗学习" in mine
    client.force_login(cusers["member"])  # a school admin's page has no such list
    assert 'data-testid="my-exchanges"' not in client.get("/communities/mine/").content.decode()
