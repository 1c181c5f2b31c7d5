"""A hand-computed quota region beside the shared `region` fixture.

Junior schools JA (6 grade-9 students), JB (6) and nine-year JC (2), plus the shared junior
school S02 (no grade-9 student) and primary S01 (not a junior). Two quality high schools:
H1 plan 14 and H2 plan 10; share 0.7 gives quotas ceil(9.8) = 10 and ceil(7) = 7.

By hand, H1's 10 places over 6/6/2 graduates (exact 4.286, 4.286, 1.429):
  Hamilton: floors 4, 4, 1; the one left to JC (.429 > .286)      -> JA 4, JB 4, JC 2
  Sainte-Laguë: JA 6, JB 6, JA 2, JB 2, JC 2, JA 1.2, JB 1.2, JA .857, JB .857, JA .667
                                                                   -> JA 5, JB 4, JC 1
  D'Hondt: JA 6, JB 6, JA 3, JB 3, JA 2, JB 2, JC 2, JA 1.5, JB 1.5, JA 1.2
                                                                   -> JA 5, JB 4, JC 1
H2's 7 places are exact (3, 3, 1) with every method.
Hamilton at 11 places for H1: exact 4.714, 4.714, 1.571 -> floors 4, 4, 1, the two left to JA
and JB: JC falls from 2 to 1 (the Alabama paradox).
"""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def quota_region(region):
    from junheng.quotas.models import HighSchool
    from junheng.region.models import School, Student

    county = region["county"]

    def school(code, name, level, grade9, grade8=0):
        s = School.objects.create(
            code=code, name=name, county=county, level=level, urban_rural="rural"
        )
        n = 0
        for grade, count in ((9, grade9), (8, grade8)):
            for _ in range(count):
                n += 1
                Student.objects.create(
                    code=f"{code}-{grade}-{n}", name="学生", gender="F", school=s, grade=grade
                )
        return s

    out = dict(region)
    out["JA"] = school("JA", "甲初中", "junior", 6, grade8=3)
    out["JB"] = school("JB", "乙初中", "junior", 6)
    out["JC"] = school("JC", "丙九年一贯制学校", "nine_year", 2)
    out["H1"] = HighSchool.objects.create(code="H1", name="第一高级中学", county=county)
    out["H2"] = HighSchool.objects.create(code="H2", name="第二高级中学", county=county)
    out["H9"] = HighSchool.objects.create(code="H9", name="普通高中", quality=False)
    return out


@pytest.fixture
def draft(quota_region, users):
    """The year-2025 draft table with plans H1 14, H2 10 and share 0.7."""
    from junheng.quotas import actions

    return actions.do_create_table(
        by=users["bureau"],
        year=2025,
        share=Decimal("0.7"),
        plans={quota_region["H1"].pk: 14, quota_region["H2"].pk: 10},
    )


@pytest.fixture
def published(draft, users):
    from junheng.quotas import actions

    return actions.do_publish(draft, by=users["bureau"], method="hamilton")
