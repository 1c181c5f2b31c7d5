"""Placement actions re-check the acting user (`scoping.require_actor`): only the school's own
admin (or the bureau, which runs the county's bulk placement) changes a placement; only the
bureau starts a bulk run. Every other role is refused and nothing is saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from junheng.placement import actions
from junheng.placement.models import BulkPlacementRun, Placement, PlacementStatus

pytestmark = pytest.mark.django_db

OTHERS = ("school_b", "provider", "parent", "teacher")


@pytest.mark.parametrize("who", OTHERS)
def test_only_the_schools_admin_creates_its_placement(cohort, term, users, region, who):
    with pytest.raises(PermissionDenied):
        actions.do_create_placement(
            school=region["school_a"],
            term=term,
            grade=1,
            n_classes=4,
            method="balanced",
            balance_extras=True,
            by=users[who],
        )
    assert not Placement.objects.exists()


@pytest.mark.parametrize("who", OTHERS)
def test_others_cannot_prepare_commit_or_witness_a_draft(draft, users, who):
    by = users[who]
    with pytest.raises(PermissionDenied):
        actions.do_add_witness(draft, name="赵公证", role="notary", by=by)
    with pytest.raises(PermissionDenied):
        actions.do_update_settings(
            draft, n_classes=2, method="balanced", balance_extras=False, by=by
        )
    with pytest.raises(PermissionDenied):
        actions.do_commit_placement(draft, by=by)
    draft.refresh_from_db()
    assert draft.status == PlacementStatus.DRAFT and draft.n_classes == 4
    assert not draft.witnesses.exists()


@pytest.mark.parametrize("who", OTHERS)
def test_others_cannot_run_or_publish_a_committed_draw(drawn, users, who):
    with pytest.raises(PermissionDenied):
        actions.do_publish_placement(drawn, by=users[who])
    drawn.refresh_from_db()
    assert drawn.status != PlacementStatus.PUBLISHED


@pytest.mark.parametrize("who", ("school", *OTHERS))
def test_only_the_bureau_starts_a_bulk_run(cohort, term, users, who):
    with pytest.raises(PermissionDenied):
        actions.do_start_bulk_run(
            term=term,
            grade=1,
            method="balanced",
            max_class_size=12,
            witnesses=[("孙监督", "inspector")],
            by=users[who],
        )
    assert not BulkPlacementRun.objects.exists()
