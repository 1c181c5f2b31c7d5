"""The portraits' import, library and class-teacher pages read in Chinese (no English word or
raw identifier left in the text a person reads: the Chinese crawl's rule)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from junheng.portraits.models import IndicatorLibrary
from tests.security.test_chinese_ui import problems

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("school", lambda: reverse("portraits:import")),
        ("teacher", lambda: reverse("portraits:import")),
        ("bureau", lambda: reverse("portraits:library")),
        ("bureau", lambda: reverse("portraits:library_new")),
        ("bureau", lambda: reverse("portraits:library_detail", args=[IndicatorLibrary.objects.get().pk])),
        ("school", lambda: reverse("portraits:class_teachers")),
        ("parent", None),
    ],
)  # fmt: skip
def test_the_pages_read_in_chinese(client, users, region, portraits, role, url):
    client.force_login(users[role])
    target = url() if url else reverse("portraits:student", args=[region["student_a"].pk])
    response = client.get(target)
    assert response.status_code == 200
    assert problems(response.content.decode()) == []
