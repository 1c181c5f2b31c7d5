"""The rank page's course list is rendered once per window, grade and language in each process
and reused a few seconds (enrolment/menu.py): the page may show it that old, a submission is
always checked against the live offerings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import caches

from junheng.afterschool.models import Offering, OfferingStatus
from junheng.enrolment.models import Ranking

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.JUNHENG_RANK_MENU_S = 60


def _new_offering(market, title="书法"):
    from junheng.afterschool.models import Course

    course = Course.objects.get(pk=market["choir"].course_id)
    course.pk = None
    course.title = title
    course.save()
    return Offering.objects.create(
        term=market["term"], course=course, school=market["school"], slot=market["slots"][0],
        seats=10, fee=Decimal("150"), source="supply",
    )  # fmt: skip


def test_a_kept_list_is_reused_and_a_submission_checks_the_live_offerings(
    kept, window, market, users, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["parent"])
    url = f"/enrolment/choose/{window.pk}/{market['kids'][0].pk}/"
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert "围棋" in page and "合唱" in page
    new = _new_offering(market)
    with CaptureQueriesContext(connection) as again:
        page = client.get(url).content.decode()
    # the kept list: no offering, seat or photo query, and the new course not shown yet
    assert len(again) <= len(first) - 4
    assert "书法" not in page
    # ... but a form naming it is checked against the live offerings and stored
    response = client.post(url, {"token": "t-new", "choice_1": str(new.pk)})
    assert response.status_code == 302 and "/receipts/" in response["Location"]
    assert [c.offering_id for c in Ranking.objects.get(window=window).choices.all()] == [new.pk]
    # ... and one cancelled meanwhile is refused though the kept list still shows it
    Offering.objects.filter(pk=market["chess"].pk).update(status=OfferingStatus.CANCELLED)
    response = client.post(url, {"token": "t-closed", "choice_1": str(market["chess"].pk)})
    assert response.status_code == 200
    assert "所选课程不在本次选课范围内" in response.content.decode()
    caches["local"].clear()  # as when the kept seconds are over
    page = client.get(url).content.decode()
    assert "书法" in page and "围棋" not in page
    # the stored choice is selected in the list
    assert f'<option value="{new.pk}" selected>' in page


def test_the_kept_list_is_per_grade_and_language(kept, window, market, users, client):
    from junheng.accounts.models import Guardianship
    from junheng.region.models import Student

    older = Student.objects.create(
        code="K0099", name="吴九", gender="M", school=market["school"], grade=5
    )
    Guardianship.objects.create(user=users["parent"], student=older)
    client.force_login(users["parent"])
    young = client.get(f"/enrolment/choose/{window.pk}/{market['kids'][0].pk}/")
    old = client.get(f"/enrolment/choose/{window.pk}/{older.pk}/")
    # 机器人 is for grades 4-6: the grade-3 child's list must not be the grade-5 child's
    assert "机器人" not in young.content.decode() and "机器人" in old.content.decode()
    # two children at the school: "siblings together" is offered
    assert 'name="together"' in old.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(f"/enrolment/choose/{window.pk}/{older.pk}/").content.decode()
    assert "Free" in english or "free" in english, "the English page has English fee labels"
    assert "免费" not in english


def test_another_childs_page_is_refused_even_with_a_kept_list(kept, window, market, users, client):
    client.force_login(users["parent"])
    assert client.get(f"/enrolment/choose/{window.pk}/{market['kids'][0].pk}/").status_code == 200
    # the same window, another family's child: 404 however warm the list is
    other = market["kids"][1]
    assert client.get(f"/enrolment/choose/{window.pk}/{other.pk}/").status_code == 404
    client.force_login(users["school"])
    assert client.get(f"/enrolment/choose/{window.pk}/{other.pk}/").status_code == 403
