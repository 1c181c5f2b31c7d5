"""A grade-1 cohort of 40 at school A (hand-made scores), four teachers, a term, and the
parent fixture user as guardian of one of the new pupils."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import ENTROPY

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["小明", "小红", "子涵", "浩然", "欣怡", "梓轩", "雨桐", "宇航"]


@pytest.fixture
def term(db):
    from junheng.region.models import Term

    return Term.objects.create(
        name="2026-2027学年第一学期",
        start=dt.date(2026, 9, 1),
        end=dt.date(2027, 1, 22),
        is_current=True,
    )


@pytest.fixture
def cohort(region, users):
    """40 grade-1 students at school A: 20 girls and 20 boys, scores 60..99, 4 with needs."""
    from junheng.accounts.models import Guardianship
    from junheng.region.models import Student, Teacher

    school = region["school_a"]
    students = []
    for i in range(40):
        students.append(
            Student(
                code=f"G1{i:03d}",
                name=SURNAMES[i % 20] + GIVEN[i % 8],
                gender="F" if i % 2 == 0 else "M",
                school=school,
                grade=1,
                score=float(60 + (i * 17) % 40),
                support_needs=i in (3, 10, 17, 24),
                migrant=i % 5 == 0,
                left_behind=i % 7 == 0,
            )
        )
    Student.objects.bulk_create(students)
    for k in range(4):
        Teacher.objects.create(
            code=f"TA{k}",
            name=f"{SURNAMES[k]}老师",
            school=school,
            subject="chinese",
            qualification="bachelor",
            years_at_school=k + 1,
            age=30 + k,
            gender="F",
        )
    child = Student.objects.get(code="G1005")
    Guardianship.objects.create(user=users["parent"], student=child)
    return list(Student.objects.filter(school=school, grade=1).order_by("code"))


@pytest.fixture
def draft(cohort, term, users, region):
    from junheng.placement import actions

    return actions.do_create_placement(
        school=region["school_a"],
        term=term,
        grade=1,
        n_classes=4,
        method="balanced",
        balance_extras=True,
        by=users["school"],
    )


def add_witness(placement, user):
    from junheng.placement import actions

    return actions.do_add_witness(placement, name="赵公证", role="notary", by=user)


@pytest.fixture
def drawn(draft, users):
    from junheng.placement import actions

    actions.do_commit_placement(draft, by=users["school"])
    add_witness(draft, users["school"])
    actions.do_run_draw(draft, by=users["school"], entropy=ENTROPY)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def published(drawn, users):
    from junheng.placement import actions

    actions.do_publish_placement(drawn, by=users["school"])
    drawn.refresh_from_db()
    return drawn
