"""A parent sees a course before ranking it: description, photo, instructor, schedule, fee
(免费 when zero) and the seats left from the seat ledger."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.querycount import assert_constant_queries

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_rank_page_shows_each_course_before_the_parent_ranks_it(
    client, users, market, window, django_assert_max_num_queries
):
    from junheng.afterschool.models import CoursePhoto

    chess = market["chess"]
    chess.course.content = "学习围棋基本规则与死活。"
    chess.course.save(update_fields=["content"])
    CoursePhoto.objects.create(
        course=chess.course, file=SimpleUploadedFile("p.png", PNG), original_name="p.png"
    )
    # One of the two chess seats is held by another child's enrolment (the ledger counts it).
    from junheng.enrolment.models import Enrolment

    Enrolment.objects.create(window=window, student=market["kids"][1], offering=chess, rank=1)
    market["choir"].fee = 0
    market["choir"].save(update_fields=["fee"])
    client.force_login(users["parent"])
    url = reverse("enrolment:rank", args=[window.pk, market["kids"][0].pk])
    html = client.get(url).content.decode()
    assert "学习围棋基本规则与死活。" in html
    assert "海盐棋院" in html
    assert reverse("afterschool:photo_file", args=[chess.course.photos.get().pk]) in html
    details = html.split('id="offering-')
    chess_card = next(d for d in details if d.startswith(f'{chess.pk}"'))
    assert "1 / 2" in chess_card  # seats left / seats
    assert chess.slot.label in chess_card and chess.slot.code not in html  # 周一第1节, not mon-1
    choir_card = next(d for d in details if d.startswith(f'{market["choir"].pk}"'))
    assert "免费" in choir_card


@pytest.mark.django_db
def test_parent_menu_shows_details_in_constant_queries(
    client, users, market, django_assert_max_num_queries
):
    from junheng.afterschool import actions
    from junheng.afterschool.models import Offering

    actions.do_publish_menu(market["school"], market["term"], by=users["school"])
    client.force_login(users["parent"])
    url = reverse("afterschool:parent_menus")

    def grow():
        base = market["chess"]
        for slot in market["slots"][1:]:
            Offering.objects.create(
                term=base.term,
                course=base.course,
                school=base.school,
                slot=slot,
                seats=5,
                fee=base.fee,
                source="supply",
            )

    response = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    assert response.content.decode().count('data-testid="offering-details"') == 5


@pytest.mark.django_db
def test_rank_page_in_english_says_at_most_one_course(client, users, market, window):
    client.force_login(users["parent"])
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("enrolment:rank", args=[window.pk, market["kids"][0].pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "at most 1 course." in html
    assert "1 courses" not in html


def test_slots_are_named_as_people_say_them(db):
    import datetime as dt

    from junheng.region.models import TimeSlot

    slot = TimeSlot(weekday=1, period=1, start=dt.time(15, 30), end=dt.time(16, 30))
    assert slot.label == "周一第1节"
    assert str(slot) == "周一第1节 15:30-16:30"  # pages, choice lists and notices
    assert slot.code == "mon-1"  # files keep the code
