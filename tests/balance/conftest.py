from __future__ import annotations

import pytest

from tests.balance.factory import build_county


@pytest.fixture
def county(region):
    """The shared `region` (schools S01, S02) plus the hand-computed county of factory.py."""
    return build_county(region["county"])
