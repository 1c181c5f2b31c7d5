"""Fixtures of the rotation tests: the six-school county, its users, an open round."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.rotation.factory import build_county


@pytest.fixture
def county6(db):
    return build_county()


def _make(username, role, **kw):
    from junheng.accounts.models import User

    u = User(username=username, role=role, **kw)
    u.set_password(PASSWORD)
    u.save()
    return u


@pytest.fixture
def rusers(county6):
    """bureau; school admins of R01 (urban) and R05 (rural); two eligible teachers and one
    ineligible; a parent and a provider."""
    eligible = [t for t in county6.teachers if t.years_at_school >= 6]
    ineligible = next(t for t in county6.teachers if t.years_at_school < 6)
    urban = next(t for t in eligible if t.school.code == "R01")
    rural = next(t for t in eligible if t.school.code == "R05")
    return {
        "bureau": _make("r_bureau", "bureau"),
        "school": _make("r_school1", "school", school=county6.schools["R01"]),
        "school_rural": _make("r_school5", "school", school=county6.schools["R05"]),
        "teacher": _make("r_teacher", "teacher", teacher=urban),
        "teacher_rural": _make("r_teacher5", "teacher", teacher=rural),
        "teacher_new": _make("r_teacher_new", "teacher", teacher=ineligible),
        "parent": _make("r_parent", "parent"),
        "provider": _make("r_provider", "provider"),
    }


@pytest.fixture
def rnd(county6, rusers):
    from junheng.rotation import actions

    return actions.do_open_round(by=rusers["bureau"], year=2026, county=county6.county)
