"""A superuser made by `createsuperuser` is a bureau admin: the admin's actions work for it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.afterschool.models import Provider, ProviderStatus

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_a_bureau_admin_whose_admin_actions_work(
    make_provider, client, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "x-Very-Long-pw-123")
    call_command("createsuperuser", interactive=False, username="root", email="root@example.org")
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff and root.role == Role.BUREAU
    _staff, p = make_provider()
    Provider.objects.filter(pk=p.pk).update(
        whitelist_until=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(root)
    r = client.post(
        "/admin/afterschool/provider/",
        {"action": "expire_due", "_selected_action": [p.pk], "index": 0},
        follow=True,
    )
    assert r.status_code == 200
    assert "1 家机构的白名单已到期" in r.content.decode()
    assert Provider.objects.get(pk=p.pk).status == ProviderStatus.EXPIRED


def test_a_superuser_given_another_role_keeps_it():
    u = User.objects.create_superuser(
        "root2", "r2@example.org", "x-Very-Long-pw-123", role=Role.SCHOOL
    )
    assert u.role == Role.SCHOOL
