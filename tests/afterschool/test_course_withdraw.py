"""A provider withdraws its own course and sends it for review again, from its page."""

from __future__ import annotations

import pytest
from django.test import Client

from junheng.afterschool.models import Course, CourseEvent

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_withdraw_then_submit_again(make_provider, make_course):
    staff, provider = make_provider()
    course = make_course(provider, staff)
    c = _client(staff)
    page = c.get("/afterschool/my/").content.decode()
    assert f'action="/afterschool/my/courses/{course.pk}/"' in page and "撤回" in page

    r = c.post(f"/afterschool/my/courses/{course.pk}/", {"action": "withdraw"}, follow=True)
    assert r.status_code == 200 and "已撤回" in r.content.decode()
    course.refresh_from_db()
    assert course.status == "withdrawn"
    assert CourseEvent.objects.filter(course=course, to_status="withdrawn", by=staff).exists()

    r = c.post(f"/afterschool/my/courses/{course.pk}/", {"action": "submit"}, follow=True)
    assert "已提交审核" in r.content.decode()
    assert Course.objects.get(pk=course.pk).status == "submitted"

    # Withdrawn twice: the second is refused with the state's reason, nothing changes.
    c.post(f"/afterschool/my/courses/{course.pk}/", {"action": "withdraw"})
    r = c.post(f"/afterschool/my/courses/{course.pk}/", {"action": "withdraw"}, follow=True)
    assert "只有待审核或已通过的课程可以撤回" in r.content.decode()
    assert Course.objects.get(pk=course.pk).status == "withdrawn"


def test_another_providers_course_is_not_found(make_provider, make_course, users):
    staff, provider = make_provider()
    course = make_course(provider, staff)
    other, _ = make_provider("另一家机构")
    r = _client(other).post(f"/afterschool/my/courses/{course.pk}/", {"action": "withdraw"})
    assert r.status_code == 404
    assert Course.objects.get(pk=course.pk).status == "approved"
    # Other roles may not use the provider's page at all.
    for role in ("bureau", "school", "parent"):
        r = _client(users[role]).post(
            f"/afterschool/my/courses/{course.pk}/", {"action": "withdraw"}
        )
        assert r.status_code == 403, role
    assert Course.objects.get(pk=course.pk).status == "approved"
