"""Balance actions re-check the acting user: only the bureau takes snapshots and enters items
(`by=None` is the system's own scheduled snapshot)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from junheng.balance import actions
from junheng.balance.models import BalanceSnapshot, GovernmentItem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ("school", "provider", "parent", "teacher"))
def test_only_the_bureau_snapshots_and_enters_items(county, users, who):
    with pytest.raises(PermissionDenied):
        actions.do_take_snapshot(by=users[who], year=2025, label="x")
    with pytest.raises(PermissionDenied):
        actions.do_refresh_items(year=2025, by=users[who])
    with pytest.raises(PermissionDenied):
        actions.do_export_county_xlsx(by=users[who])
    assert not BalanceSnapshot.objects.exists() and not GovernmentItem.objects.exists()
