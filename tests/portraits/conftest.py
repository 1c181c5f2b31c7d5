"""The portraits fixture: two schools' classes, two terms of records, scored."""

from __future__ import annotations

import datetime as dt

import pytest

from junheng.engines.portraits import DEFAULT_LIBRARY_CSV
from junheng.portraits import actions
from junheng.portraits.models import ClassTeacher, PortraitRecord
from junheng.region.models import SchoolClass, Student, Term


@pytest.fixture
def portraits(region, users):
    """School A: class 3(1) of 12 children (student A among them) taught by teacher A this
    term; school B: 5 children. Two terms of records, scored."""
    spring = Term.objects.create(
        name="2025-2026学年第二学期", start=dt.date(2026, 2, 16), end=dt.date(2026, 7, 3)
    )
    autumn = Term.objects.create(
        name="2026-2027学年第一学期",
        start=dt.date(2026, 9, 1),
        end=dt.date(2027, 1, 22),
        is_current=True,
    )
    ka = SchoolClass.objects.create(school=region["school_a"], grade=3, number=1)
    kb = SchoolClass.objects.create(school=region["school_b"], grade=7, number=1)
    a = region["student_a"]
    a.school_class = ka
    a.save(update_fields=["school_class"])
    region["student_b"].school_class = kb
    region["student_b"].save(update_fields=["school_class"])
    for i in range(11):
        Student.objects.create(
            code=f"PA{i:02d}", name=f"甲{i}", gender="F", school=region["school_a"], grade=3,
            school_class=ka,
        )  # fmt: skip
    for i in range(4):
        Student.objects.create(
            code=f"PB{i:02d}", name=f"乙{i}", gender="M", school=region["school_b"], grade=7,
            school_class=kb,
        )  # fmt: skip
    ClassTeacher.objects.create(teacher=region["teacher_a"], school_class=ka, term=autumn)
    actions.do_save_library(
        version="2026", year=2025, table=DEFAULT_LIBRARY_CSV, by=users["bureau"]
    )
    for k, s in enumerate(Student.objects.order_by("code")):
        for term, extra in ((spring, 0), (autumn, 1)):
            for ind, v in (
                ("moral.observation", 3 + extra),
                ("academic.maths", 60 + k + 10 * extra),
                ("health.run_50m", 10 - extra),
                ("labour.hours", 10 + 5 * extra),
            ):
                PortraitRecord.objects.create(
                    student=s, term=term, indicator=ind, kind="grade", value=v
                )  # fmt: skip
    actions.do_score(by=users["bureau"])
    return {"spring": spring, "autumn": autumn, "class_a": ka, "class_b": kb}
