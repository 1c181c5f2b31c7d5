"""A small real county for the security tests: the demo loaders on a ~4,000-student profile,
loaded once per module (every app's demo objects: windows, draws, placements, rounds, tables…)
and rolled back afterwards. Figures the tests measure go to `FIGURES`, printed at the end of
the run and copied into docs/security.md."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter

import pytest
from django.db import transaction

FIGURES: Counter[str] = Counter()

MINI_COUNTS = {
    ("urban", "primary"): 2,
    ("urban", "junior"): 1,
    ("town", "primary"): 2,
    ("town", "junior"): 1,
    ("town", "nine_year"): 1,
    ("rural", "primary"): 3,
    ("rural", "junior"): 1,
    ("rural", "point"): 1,
}


def mini_profile():
    from junheng.synth.profiles import COUNTY

    cluster = dataclasses.replace(COUNTY.clusters[0], towns=2, counts=MINI_COUNTS)
    return dataclasses.replace(COUNTY, clusters=(cluster,), students=4000, providers=15, courses=60)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from junheng.accounts.models import User
    from junheng.commands.demo import DEMO_SEED, load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        load_demo(mini_profile(), DEMO_SEED, "pw-security-1", io.StringIO())
        users = {u.username: u for u in User.objects.all()}
        yield users
        transaction.set_rollback(True)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("security figures")
        for key in sorted(FIGURES):
            terminalreporter.write_line(f"{key}: {FIGURES[key]}")
