"""Fixtures of the community tests: the nine-school county and one user of every role."""

from __future__ import annotations

import pytest

from tests.communities.factory import build_county
from tests.conftest import PASSWORD


@pytest.fixture
def county9(db):
    return build_county()


def _make(username, role, **kw):
    from junheng.accounts.models import User

    u = User(username=username, role=role, **kw)
    u.set_password(PASSWORD)
    u.save()
    return u


@pytest.fixture
def cusers(county9):
    """bureau; admins of the core C01, of the member M01 and of the unrelated J01; a teacher
    of M01; a parent; a provider."""
    from junheng.region.models import Teacher

    s = county9.schools
    return {
        "bureau": _make("c_bureau", "bureau"),
        "core": _make("c_core", "school", school=s["C01"]),
        "member": _make("c_member", "school", school=s["M01"]),
        "other": _make("c_other", "school", school=s["J01"]),
        "teacher": _make(
            "c_teacher", "teacher", teacher=Teacher.objects.filter(school=s["M01"]).first()
        ),
        "parent": _make("c_parent", "parent"),
        "provider": _make("c_provider", "provider"),
    }


@pytest.fixture
def community(county9, cusers):
    """C01 leads a co-construction community with M01 and M02."""
    from junheng.communities import actions

    s = county9.schools
    return actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=s["C01"],
        kind="co_construction",
        start_year=2026,
        members=[s["M01"], s["M02"]],
    )


@pytest.fixture
def rnd(county9, cusers):
    from junheng.communities import actions

    return actions.do_open_round(by=cusers["bureau"], year=2026, county=county9.county)
