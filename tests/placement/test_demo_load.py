"""The demo prepares a draft placement of grade 1 at the urban demo school."""

from __future__ import annotations

import io

import pytest
from django.db import transaction


@pytest.mark.django_db
def test_demo_prepares_a_draft_with_requests_teams_and_a_witness(django_db_blocker):
    from junheng.commands.demo import DEMO_PASSWORD, DEMO_SEED
    from junheng.placement import actions, demo
    from junheng.placement.models import Placement, PlacementStatus
    from junheng.region.demo import DemoContext, create_accounts, load_region
    from junheng.synth import generate

    region = generate("county", DEMO_SEED)
    with transaction.atomic():
        county = load_region(region, out=io.StringIO())
        create_accounts(region, county, DEMO_PASSWORD)
        out = io.StringIO()
        ctx = DemoContext(region=region, county=county, out=out, password=DEMO_PASSWORD)
        assert demo.load(ctx) == []
        p = Placement.objects.get()
        assert p.status == PlacementStatus.DRAFT and p.grade == 1
        assert p.school.admins.filter(username="school_urban").exists()
        assert p.members.count() > 100
        assert sorted(p.requests.values_list("kind", flat=True)) == ["apart", "together"]
        assert p.teams.count() == p.n_classes and p.witnesses.count() == 1
        # and the demo draft can be committed as it is
        actions.do_commit_placement(p, by=p.created_by)
        transaction.set_rollback(True)
