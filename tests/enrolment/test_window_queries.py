"""The window page (the staff's view of one choice window) makes as many queries for many
offerings and rankings as for a few."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from junheng.afterschool.models import Offering
from tests.enrolment.conftest import rank_all
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_window_page_does_not_grow_with_offerings_and_rankings(
    window, market, users, client, django_assert_max_num_queries
):
    rank_all(window, market, {0: ["chess"]})
    client.force_login(users["bureau"])

    def more_offerings_and_rankings() -> None:
        for i in range(6):
            Offering.objects.create(
                term=market["term"],
                course=market["choir"].course,
                school=market["school"],
                slot=market["slots"][i % 3],
                seats=10,
                fee=Decimal("200"),
                source="supply",
                code=f"W{i:02d}",
            )
        rank_all(window, market, {1: ["choir"], 2: ["chess", "choir"], 3: ["choir"], 4: ["chess"]})

    response = assert_constant_queries(
        client,
        f"/enrolment/windows/{window.pk}/",
        more_offerings_and_rankings,
        django_assert_max_num_queries,
    )
    assert response.context["n_rankings"] == 5
    assert len(response.context["rows"]) == 9


def _more_windows(window, school, n, start_round=2, state="closed"):
    from junheng.enrolment.models import ChoiceWindow

    ChoiceWindow.objects.bulk_create(
        ChoiceWindow(
            school=school,
            term=window.term,
            opens_at=window.opens_at - dt.timedelta(days=r),
            closes_at=window.closes_at - dt.timedelta(days=r),
            max_ranked=3,
            max_courses=1,
            method="da",
            state=state,
            round=r,
        )
        for r in range(start_round, start_round + n)
    )


def test_staff_window_list_is_paged_filtered_and_constant_queries(
    window, market, region, users, client, django_assert_max_num_queries
):
    """A city's bureau keeps thousands of windows: the list shows one page of them, with
    each window's number of rankings, searchable by school and filtered by state."""
    rank_all(window, market, {0: ["chess"], 1: ["choir"]})
    client.force_login(users["bureau"])

    def many_windows() -> None:
        _more_windows(window, market["school"], 60)
        _more_windows(window, region["school_b"], 5, state="published")

    response = assert_constant_queries(
        client, "/enrolment/", many_windows, django_assert_max_num_queries
    )
    page = response.context["page"]
    assert page.paginator.count == 66 and len(page.object_list) == 50
    first = page.object_list[0]
    assert first == window and first.n_rankings == 2  # the newest first, its rankings counted
    assert response.content.decode().count('data-testid="window-row"') == 50
    assert 'data-testid="pager"' in response.content.decode()

    last = client.get("/enrolment/", {"page": 2})
    assert len(last.context["page"].object_list) == 16

    found = client.get("/enrolment/", {"q": region["school_b"].name}).context["page"]
    assert found.paginator.count == 5
    assert {w.school_id for w in found.object_list} == {region["school_b"].pk}
    published = client.get("/enrolment/", {"state": "published", "page": "9"}).context["page"]
    assert published.paginator.count == 5 and published.number == 1


def test_a_school_sees_only_its_windows_with_no_school_search(
    window, market, region, users, client
):
    _more_windows(window, region["school_b"], 3)
    client.force_login(users["school"])
    response = client.get("/enrolment/")
    page = response.context["page"]
    assert [w.pk for w in page.object_list] == [window.pk]
    form = response.context["filter"].form
    assert "q" not in form.fields and "county" not in form.fields and "state" in form.fields
    # a hand-typed school name from another school changes nothing it may see
    other = client.get("/enrolment/", {"q": region["school_b"].name}).context["page"]
    assert [w.pk for w in other.object_list] == [window.pk]


def test_notifications_are_paged_the_unread_filtered_in_constant_queries(
    users, client, django_assert_max_num_queries
):
    """A school's staff are told of every draw, offer and complaint: years of notifications."""
    from django.utils import timezone

    from junheng.enrolment.models import Notification

    user = users["school"]
    Notification.objects.create(user=user, text="第一条")
    client.force_login(user)

    def many() -> None:
        now = timezone.now()
        Notification.objects.bulk_create(
            Notification(user=user, text=f"已读{i}", read_at=now) for i in range(60)
        )
        Notification.objects.bulk_create(Notification(user=user, text="未读") for _ in range(4))
        Notification.objects.bulk_create(
            Notification(user=users["bureau"], text="别人的") for _ in range(3)
        )

    response = assert_constant_queries(
        client, "/enrolment/notifications/", many, django_assert_max_num_queries
    )
    page = response.context["page"]
    assert page.paginator.count == 65 and len(page.object_list) == 50
    assert response.content.decode().count('data-testid="notification"') == 50
    unread = client.get("/enrolment/notifications/", {"unread": "true"}).context["page"]
    assert unread.paginator.count == 5
    assert {n.text for n in unread.object_list} == {"第一条", "未读"}
    client.post("/enrolment/notifications/")  # all marked read
    assert (
        client.get("/enrolment/notifications/", {"unread": "true"}).context["page"].paginator.count
        == 0
    )


def test_the_rank_page_and_a_submission_make_as_many_queries_with_more_courses(
    window, market, users, client, django_assert_max_num_queries, settings
):
    """The busiest requests at window opening (a parent's rank page and the ranking it posts)
    make a fixed number of queries, however many courses the window offers (the course list
    rendered on every view here: enrolment/menu.py keeps it a few seconds otherwise)."""
    from junheng.afterschool.models import Course

    settings.JUNHENG_RANK_MENU_S = 0
    client.force_login(users["parent"])
    url = f"/enrolment/choose/{window.pk}/{market['kids'][0].pk}/"

    def post(choices: list[int]) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        data = {"token": f"t{len(choices)}-{choices[0]}"}
        data.update({f"choice_{i}": str(c) for i, c in enumerate(choices, start=1)})
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, data)
        assert response.status_code == 302, [str(m) for m in response.context["messages"]]
        assert "/receipts/" in response["Location"]
        return len(ctx.captured_queries)

    first_post = post([market["chess"].pk])
    second_post = post([market["choir"].pk, market["chess"].pk])

    def more_courses() -> None:
        for i in range(8):
            course = Course.objects.get(pk=market["choir"].course_id)
            course.pk = None
            course.title = f"合唱{i}"
            course.save()
            Offering.objects.create(
                term=market["term"], course=course, school=market["school"],
                slot=market["slots"][i % 3], seats=10, fee=Decimal("200"), source="supply",
                code=f"R{i:02d}",
            )  # fmt: skip

    page = assert_constant_queries(client, url, more_courses, django_assert_max_num_queries)
    assert "合唱7" in page.content.decode()
    new = Offering.objects.get(code="R07").pk
    with django_assert_max_num_queries(second_post):
        post([market["choir"].pk, new, market["chess"].pk])
    assert first_post >= second_post - 2  # a first ranking creates, a second one replaces
