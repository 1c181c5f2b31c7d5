from __future__ import annotations

import pytest

from tests.balance.factory import build_county


@pytest.fixture
def county(region):
    """The hand-computed county of factory.py beside the shared `region`.

    The region's schools S01 and S02 (one pupil each) are made teaching points so that they
    fall outside the indicators and every figure of the county stays the hand-computed one;
    their users (school admin, parent, teacher) still exist for the permission tests.
    """
    from junheng.region.models import School

    School.objects.filter(pk__in=[region["school_a"].pk, region["school_b"].pk]).update(
        teaching_point=True
    )
    return build_county(region["county"])
