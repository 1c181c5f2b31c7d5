"""Each role's home page lists what to do next, each a count and a link, in a fixed number of
queries however many rows there are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.querycount import assert_constant_queries


def keys(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {t.key: t for t in response.context["todos"]}


@pytest.mark.django_db
def test_bureau_sees_providers_courses_and_windows_to_attend_to(
    login, users, market, window, make_provider, make_course
):
    make_provider("甲机构", status="submitted")
    staff, provider = make_provider("乙机构")
    make_course(provider, staff, approve=False)
    todos = keys(login(users["bureau"]))
    assert todos["providers"].count == 1
    assert todos["providers"].url == reverse("afterschool:vetting")
    assert todos["courses"].count == 1
    assert todos["windows_closing"].count == 1  # the window closes tomorrow
    page = login(users["bureau"]).get(reverse("home")).content.decode()
    assert "1 家机构等待审核" in page
    assert 'data-testid="todo-providers"' in page


@pytest.mark.django_db
def test_parent_is_asked_to_rank_until_the_child_has_ranked(login, users, market, window):
    from junheng.enrolment import actions

    client = login(users["parent"])
    assert keys(client)["choose"].count == 1
    actions.do_submit_ranking(window, market["kids"][0], [market["chess"].pk], by=users["parent"])
    assert "choose" not in keys(client)


@pytest.mark.django_db
def test_school_is_asked_to_publish_its_menu(login, users, market):
    from junheng.afterschool import actions

    client = login(users["school"])
    assert keys(client)["menu"].count == 3
    actions.do_publish_menu(market["school"], market["term"], by=users["school"])
    assert "menu" not in keys(client)


@pytest.mark.django_db
def test_school_is_asked_to_take_attendance_of_the_last_session(login, users, market, window):
    from tests.enrolment.conftest import close_and_draw, rank_all

    rank_all(window, market, {0: ["chess"], 1: ["chess"]})
    close_and_draw(window, users)
    # The market's term ended in January 2026; its last Monday lies before today.
    client = login(users["school"])
    assert keys(client)["attendance"].count == 1


@pytest.mark.django_db
def test_provider_sees_rejected_course_and_expiring_certificate(
    login, make_provider, make_course, users
):
    from junheng.afterschool import actions

    staff, provider = make_provider("丙机构")
    course = make_course(provider, staff, approve=False)
    actions.do_reject_course(course, by=users["bureau"], reason="内容与学科类培训重叠")
    inst = provider.instructors.get()
    inst.background_check_expires = timezone.localdate() + dt.timedelta(days=10)
    inst.save(update_fields=["background_check_expires"])
    todos = keys(login(staff))
    assert todos["rejected_courses"].count == 1
    assert todos["documents"].count == 1


@pytest.mark.django_db
def test_teacher_with_nothing_to_do_is_told_so(login, users):
    response = login(users["teacher"]).get(reverse("home"))
    assert response.context["todos"] == []
    assert 'data-testid="todos-none"' in response.content.decode()


@pytest.mark.django_db
def test_bureau_home_makes_the_same_queries_for_many_rows(
    login, users, market, window, make_provider, django_assert_max_num_queries
):
    from junheng.afterschool.models import Provider

    client = login(users["bureau"])
    make_provider("丁机构", status="submitted")

    def grow():
        base = Provider.objects.get(name="丁机构")
        for i in range(30):
            base.pk = None
            base.name = f"机构{i}"
            base.record_id = f"R-{i}"
            base.save()

    assert_constant_queries(client, reverse("home"), grow, django_assert_max_num_queries)
    assert keys(client)["providers"].count == 31


@pytest.mark.django_db
def test_parent_home_makes_the_same_queries_for_many_children(
    login, users, market, window, django_assert_max_num_queries
):
    from junheng.accounts.models import Guardianship

    client = login(users["parent"])

    def grow():
        for kid in market["kids"][1:]:
            Guardianship.objects.create(user=users["parent"], student=kid)

    assert_constant_queries(client, reverse("home"), grow, django_assert_max_num_queries)
    assert keys(client)["choose"].count == len(market["kids"])
