"""Actions re-check the acting user (`scoping.require_actor`), whoever calls them: every role
tries what it must not, and nothing is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from junheng.afterschool import actions
from junheng.afterschool.models import (
    CourseRequest,
    Menu,
    ProviderDocument,
    RequestStatus,
    SupplyRun,
)
from tests.afterschool.conftest import pdf

pytestmark = pytest.mark.django_db

NOT_BUREAU = ("school", "school_b", "provider", "parent", "teacher")


@pytest.fixture
def two(make_provider, make_course):
    s1, p1 = make_provider("甲机构", username="alpha")
    s2, p2 = make_provider("乙机构", username="beta")
    return {"s1": s1, "p1": p1, "s2": s2, "p2": p2, "c1": make_course(p1, s1)}


@pytest.mark.parametrize("role", NOT_BUREAU)
def test_only_the_bureau_starts_a_supply_run(users, term, role):
    with pytest.raises(PermissionDenied):
        actions.do_start_supply_run(term, by=users[role], target=10, time_limit_s=10)
    assert not SupplyRun.objects.exists()


@pytest.mark.parametrize("who", ["school_b", "provider", "parent", "teacher", "bureau"])
def test_only_the_schools_own_admin_sends_its_course_request(two, users, region, term, slots, who):
    with pytest.raises(PermissionDenied):
        actions.do_send_course_request(
            by=users[who],
            term=term,
            school=region["school_a"],
            course=two["c1"],
            slot=slots[0],
            seats_wanted=5,
        )
    assert not CourseRequest.objects.exists()


@pytest.fixture
def sent(two, users, region, term, slots):
    return actions.do_send_course_request(
        by=users["school"],
        term=term,
        school=region["school_a"],
        course=two["c1"],
        slot=slots[0],
        seats_wanted=5,
    )


@pytest.mark.parametrize("who", ["s2", "school", "parent", "bureau"])
def test_only_the_courses_provider_confirms_or_declines(two, users, sent, who):
    by = two[who] if who == "s2" else users[who]
    instructor = two["p1"].instructors.get()
    with pytest.raises(PermissionDenied):
        actions.do_confirm_course_request(
            sent, by=by, instructor=instructor, seats=5, price=Decimal("30")
        )
    with pytest.raises(PermissionDenied):
        actions.do_decline_course_request(sent, by=by, reason="满了")
    sent.refresh_from_db()
    assert sent.status == RequestStatus.SENT


@pytest.mark.parametrize("who", ["school_b", "provider", "parent", "teacher"])
def test_only_the_schools_own_admin_cancels_or_approves(two, users, sent, who):
    with pytest.raises(PermissionDenied):
        actions.do_cancel_course_request(sent, by=users[who])
    with pytest.raises(PermissionDenied):
        actions.do_approve_course_request(sent, by=users[who])
    sent.refresh_from_db()
    assert sent.status == RequestStatus.SENT


@pytest.mark.parametrize("who", ["school_b", "provider", "parent", "teacher"])
def test_menus_are_published_by_their_own_school_or_the_bureau(users, region, term, who):
    with pytest.raises(PermissionDenied):
        actions.do_publish_menu(region["school_a"], term, by=users[who])
    assert not Menu.objects.exists()


@pytest.mark.parametrize("who", ["s2", "school", "parent", "bureau"])
def test_only_the_providers_own_staff_add_its_documents(two, users, who):
    by = two[who] if who == "s2" else users[who]
    before = ProviderDocument.objects.filter(provider=two["p1"]).count()
    with pytest.raises(PermissionDenied):
        actions.do_add_provider_document(two["p1"], by=by, kind="licence", upload=pdf())
    assert ProviderDocument.objects.filter(provider=two["p1"]).count() == before
