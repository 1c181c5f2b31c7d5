"""The admin's change lists at city scale: the audit log (every export and every look at a
student's record) and the users (a city's parents) grow without end; a page of them costs the
same queries however many rows there are, and the audit log is searchable."""

from __future__ import annotations

import pytest

from junheng.accounts.admin_base import related_columns
from junheng.accounts.models import AuditLog, User
from junheng.enrolment.models import DrawAdjustment
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", "root@example.org", "x-Very-Long-pw-123")
    client.force_login(user)
    return user


def test_the_audit_log_lists_a_page_of_entries_in_constant_queries(
    root, users, region, client, django_assert_max_num_queries
):
    AuditLog.objects.create(actor=users["bureau"], action="export_students")

    def many() -> None:
        actors = [
            User.objects.create(username=f"staff{i}", role="school", school=region["school_a"])
            for i in range(30)
        ]
        AuditLog.objects.bulk_create(
            AuditLog(actor=actors[i % 30], action="view_students", object_id=str(i))
            for i in range(120)
        )

    response = assert_constant_queries(
        client, "/admin/accounts/auditlog/", many, django_assert_max_num_queries
    )
    html = response.content.decode()
    assert "staff29" in html and "121" in html  # the actors shown; the whole count
    found = client.get("/admin/accounts/auditlog/", {"q": "staff7"})
    assert found.status_code == 200
    assert {e.actor.username for e in found.context["cl"].result_list} == {"staff7"}


def test_the_users_list_shows_their_schools_in_constant_queries(
    root, users, region, client, django_assert_max_num_queries
):
    def many() -> None:
        for i in range(40):
            school = region["school_a"] if i % 2 else region["school_b"]
            User.objects.create(username=f"admin{i}", role="school", school=school)

    response = assert_constant_queries(
        client, "/admin/accounts/user/", many, django_assert_max_num_queries
    )
    assert region["school_b"].name in response.content.decode()


def test_read_only_change_lists_join_a_nullable_column_with_what_lies_beyond():
    # An adjustment's window (non-null) and its author (nullable): both joined, and the
    # window's school and term, which the window's name shows.
    names = related_columns(DrawAdjustment, ("window", "by", "kind"))
    assert isinstance(names, tuple)
    assert {"window", "by", "window__school", "window__term"} <= set(names)
    assert related_columns(DrawAdjustment, ("window", "kind")) is False  # the admin's own join


def test_every_change_list_answers(root, users, region, client):
    from django.contrib import admin

    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
