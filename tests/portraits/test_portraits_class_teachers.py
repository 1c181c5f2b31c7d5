"""A school assigns its teachers to its classes for the term (page and import); a teacher's
access to portraits follows. Every other role is refused; the list's queries do not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.portraits.models import ClassTeacher
from junheng.region.models import SchoolClass, Teacher, Term
from tests.accounts.matrix import Case, expect, run_case
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _assignment(r):
    """School A's assignment (made again once a role allowed to removed it)."""
    ct, _ = ClassTeacher.objects.get_or_create(
        teacher=r["teacher_a"], school_class=r["student_a"].school_class,
        term=Term.objects.get(is_current=True),
    )  # fmt: skip
    return ct.pk


CASES = [
    Case("class teachers", lambda r: reverse("portraits:class_teachers"),
         expect(403, anonymous=302, school=200, school_b=200)),
    Case("assign", lambda r: reverse("portraits:assign_class_teacher"),
         expect(403, anonymous=302, school=302, school_b=404), method="post",
         data={"school_class": "0", "teacher": "0"}),
    Case("remove school A's assignment",
         lambda r: reverse("portraits:remove_class_teacher", args=[_assignment(r)]),
         expect(403, anonymous=302, school_b=404, school=302), method="post"),
    Case("copy last term's", lambda r: reverse("portraits:copy_class_teachers"),
         expect(403, anonymous=302, school=302, school_b=302), method="post"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, region, portraits, case):
    if case.name == "assign":  # real ids of school A's class and teacher
        case = Case(case.name, case.url, case.expected, case.method,
                    {"school_class": portraits["class_a"].pk, "teacher": region["teacher_a"].pk})  # fmt: skip
    run_case(client, users, region, case)


def test_the_school_assigns_and_the_teachers_access_follows(client, users, region, portraits):
    teacher = users["teacher"]
    child = region["student_a"]
    school = client
    ClassTeacher.objects.all().delete()
    client.force_login(teacher)
    assert client.get(reverse("portraits:student", args=[child.pk])).status_code == 404
    school.force_login(users["school"])
    page = school.get(reverse("portraits:class_teachers"))
    assert 'data-testid="unassigned"' in page.content.decode()
    response = school.post(
        reverse("portraits:assign_class_teacher"),
        {"school_class": portraits["class_a"].pk, "teacher": region["teacher_a"].pk,
         "homeroom": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    ct = ClassTeacher.objects.get()
    assert ct.term == portraits["autumn"] and ct.homeroom
    assert AuditLog.objects.filter(action="portraits.assign_class_teacher").exists()
    client.force_login(teacher)
    assert client.get(reverse("portraits:student", args=[child.pk])).status_code == 200
    client.force_login(users["school"])
    client.post(reverse("portraits:remove_class_teacher", args=[ct.pk]))
    assert not ClassTeacher.objects.exists()
    client.force_login(teacher)
    assert client.get(reverse("portraits:student", args=[child.pk])).status_code == 404


def test_another_schools_teacher_or_class_is_not_found(client, users, region, portraits):
    client.force_login(users["school"])
    response = client.post(
        reverse("portraits:assign_class_teacher"),
        {"school_class": portraits["class_a"].pk, "teacher": region["teacher_b"].pk},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("portraits:assign_class_teacher"),
        {"school_class": portraits["class_b"].pk, "teacher": region["teacher_a"].pk},
    )
    assert response.status_code == 404
    assert ClassTeacher.objects.count() == 1


def test_one_homeroom_teacher_per_class(client, users, region, portraits):
    ClassTeacher.objects.update(homeroom=True)
    t3 = Teacher.objects.create(
        code="T03", name="赵老师", school=region["school_a"], subject="chinese",
        qualification="bachelor", years_at_school=2, age=28, gender="F",
    )  # fmt: skip
    client.force_login(users["school"])
    response = client.post(
        reverse("portraits:assign_class_teacher"),
        {"school_class": portraits["class_a"].pk, "teacher": t3.pk, "homeroom": "on"},
        follow=True,
    )
    assert "该班已有班主任" in response.content.decode()
    assert not ClassTeacher.objects.filter(teacher=t3).exists()


def test_last_terms_assignments_are_carried_up_a_grade(client, users, region, portraits):
    autumn = portraits["autumn"]
    ClassTeacher.objects.all().delete()
    k2 = SchoolClass.objects.create(school=region["school_a"], grade=2, number=1)
    ClassTeacher.objects.create(
        teacher=region["teacher_a"], school_class=k2, term=portraits["spring"], homeroom=True
    )
    client.force_login(users["school"])
    client.post(reverse("portraits:copy_class_teachers"))
    ct = ClassTeacher.objects.get(term=autumn)
    assert ct.school_class == portraits["class_a"] and ct.homeroom  # 2(1) → 3(1)
    client.post(reverse("portraits:copy_class_teachers"))  # again: nothing twice
    assert ClassTeacher.objects.filter(term=autumn).count() == 1
    # within one school year (autumn → spring) a class keeps its grade
    Term.objects.update(is_current=False)
    Term.objects.create(name="2026-2027学年第二学期", start=dt.date(2027, 2, 20),
                        end=dt.date(2027, 7, 1), is_current=True)  # fmt: skip
    client.post(reverse("portraits:copy_class_teachers"))
    assert (
        ClassTeacher.objects.filter(term__start=dt.date(2027, 2, 20)).get().school_class
        == (portraits["class_a"])
    )


def test_the_list_makes_the_same_queries_for_many_classes(
    client, users, region, portraits, django_assert_max_num_queries
):
    client.force_login(users["school"])

    def grow():
        for n in range(2, 30):
            k = SchoolClass.objects.create(school=region["school_a"], grade=4, number=n)
            t = Teacher.objects.create(
                code=f"TX{n}", name=f"师{n}", school=region["school_a"], subject="math",
                qualification="bachelor", years_at_school=1, age=30, gender="M",
            )  # fmt: skip
            ClassTeacher.objects.create(teacher=t, school_class=k, term=portraits["autumn"])

    response = assert_constant_queries(
        client, reverse("portraits:class_teachers"), grow, django_assert_max_num_queries
    )
    assert response.content.decode().count("师2") >= 1
