"""The demo loader: providers and courses from the synthetic county, accounts that work."""

from __future__ import annotations

import io

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_loads_the_county_market(settings, tmp_path):
    from junheng.accounts.models import User
    from junheng.afterschool import access, demo
    from junheng.afterschool.models import Menu, Offering, Provider, ProviderStatus
    from junheng.region.demo import DemoContext, create_accounts, load_region
    from junheng.synth import generate

    region = generate("county", "junheng-demo")
    county = load_region(region, out=io.StringIO())
    create_accounts(region, county, "pw")
    ctx = DemoContext(region=region, county=county, out=io.StringIO(), password="pw")
    accounts = demo.load(ctx)
    assert [a[1] for a in accounts] == ["provider", "provider_new"]
    assert Provider.objects.count() == len(region.providers)
    assert Provider.objects.filter(status=ProviderStatus.SUBMITTED).count() == demo.N_SUBMITTED
    main = User.objects.get(username="provider").provider_staff.provider
    new = User.objects.get(username="provider_new").provider_staff.provider
    assert main.is_whitelisted() and new.status == ProviderStatus.SUBMITTED
    for p in Provider.objects.exclude(credit_code=""):
        p.full_clean()  # every generated credit code passes the GB 32100 check
    assert Offering.objects.count() > 0 and Menu.objects.filter(status="published").exists()
    parent = User.objects.get(username="parent")
    assert access.offerings_for(parent).exists()
