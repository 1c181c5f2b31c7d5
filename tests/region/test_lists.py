"""Region list pages at scale: paged, searchable, filterable, a constant number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from junheng.region.models import School, SchoolClass, Student, Teacher
from tests.querycount import assert_constant_queries, queries


def add_schools(county, n, start=100):
    schools = School.objects.bulk_create(
        School(
            code=f"X{i:04d}",
            name=f"新区第{i}小学",
            county=county,
            level="primary" if i % 2 else "junior",
            urban_rural="rural" if i % 3 else "urban",
        )
        for i in range(start, start + n)
    )
    Student.objects.bulk_create(
        Student(
            code=f"XS{s.code}{k}", name="学生", gender="F", school=s, grade=8 if i % 2 == 0 else 2
        )
        for i, s in enumerate(schools, start)
        for k in range(3)
    )
    Teacher.objects.bulk_create(
        Teacher(
            code=f"XT{s.code}",
            name="老师",
            school=s,
            subject="math",
            qualification="bachelor",
            age=30,
            gender="F",
        )
        for s in schools
    )
    return schools


def test_school_list_is_paged_with_counts_and_constant_queries(
    users, login, region, django_assert_max_num_queries
):
    client = login(users["bureau"])
    url = reverse("region:schools")
    response = assert_constant_queries(
        client, url, lambda: add_schools(region["county"], 120), django_assert_max_num_queries
    )
    page = response.context["page"]
    assert page.paginator.count == 122 and len(page.object_list) == 50
    s01 = next(s for s in response.context["schools"] if s.code == "S01")
    assert (s01.n_students, s01.n_teachers) == (1, 1)
    x = next(s for s in response.context["schools"] if s.code == "X0100")
    assert (x.n_students, x.n_teachers) == (3, 1)


def test_a_later_page_counts_its_own_rows_in_a_constant_number_of_queries(
    users, login, region, django_assert_max_num_queries
):
    """The counts are made for the page's rows after it is cut (not for every row an OFFSET
    skips): page 3 makes no more queries than page 1, and its counts are its schools'."""
    add_schools(region["county"], 120)
    client = login(users["bureau"])
    url = reverse("region:schools")

    first = queries(client, url)
    with django_assert_max_num_queries(first):
        response = client.get(url, {"page": 3})
    schools = response.context["schools"]
    assert [s.code for s in schools] == [f"X{i:04d}" for i in range(198, 220)]
    assert all((s.n_students, s.n_teachers) == (3, 1) for s in schools)
    School.objects.filter(code="X0219").update(name="改名")  # the page still reads the rows
    Student.objects.filter(school__code="X0219").first().delete()
    again = client.get(url, {"page": 3}).context["schools"]
    assert next(s.n_students for s in again if s.code == "X0219") == 2


def test_school_list_search_and_filters_keep_each_other_across_pages(users, login, region):
    add_schools(region["county"], 120)
    client = login(users["bureau"])
    url = reverse("region:schools")
    r = client.get(url, {"q": "城关"})
    assert [s.code for s in r.context["schools"]] == ["S01"]
    r = client.get(url, {"level": "junior", "urban_rural": "urban"})
    codes = [s.code for s in r.context["page"].paginator.object_list]
    assert codes and all(
        School.objects.get(code=c).level == "junior"
        and School.objects.get(code=c).urban_rural == "urban"
        for c in codes
    )
    r = client.get(url, {"level": "junior", "page": 2})
    html = r.content.decode()
    assert "level=junior&amp;page=1" in html or "level=junior&amp;page=3" in html
    assert client.get(url, {"level": "no-such-level"}).status_code == 200  # shows all, says why


def test_school_admin_sees_only_its_school_in_the_list(users, login, region):
    add_schools(region["county"], 5)
    r = login(users["school"]).get(reverse("region:schools"))
    assert [s.code for s in r.context["schools"]] == ["S01"]


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"q": "Q0001"}, ["Q0001"]),
        ({"grade": 4}, ["Q0002"]),
        ({"gender": "M", "grade": 3}, ["P0001", "Q0001"]),
        ({"migrant": "true"}, ["Q0002", "Q0004"]),
        ({"migrant": "false", "grade": 2}, ["Q0000"]),
    ],
)
def test_student_list_filters(users, login, region, params, codes):
    school = region["school_a"]
    Student.objects.bulk_create(
        Student(
            code=f"Q{i:04d}",
            name=f"学生{i}",
            gender="M" if i % 2 else "F",
            school=school,
            grade=2 + i,
            migrant=i in (2, 4),
        )
        for i in range(5)
    )
    r = login(users["school"]).get(reverse("region:students", args=[school.pk]), params)
    assert sorted(s.code for s in r.context["page"].object_list) == codes


def test_student_list_queries_do_not_grow_with_classes_and_rows(
    users, login, region, django_assert_max_num_queries
):
    school = region["school_a"]

    def grow():
        classes = SchoolClass.objects.bulk_create(
            SchoolClass(school=school, grade=g, number=1) for g in range(1, 7)
        )
        Student.objects.bulk_create(
            Student(
                code=f"Q{i:05d}",
                name="学生",
                gender="F",
                school=school,
                grade=classes[i % 6].grade,
                school_class=classes[i % 6],
            )
            for i in range(300)
        )

    client = login(users["bureau"])
    response = assert_constant_queries(
        client,
        reverse("region:students", args=[school.pk]),
        grow,
        django_assert_max_num_queries,
    )
    page = response.context["page"]
    assert page.paginator.count == Student.objects.filter(school=school).count() > 300
    rows = list(page.object_list)
    assert len(rows) == 50 and rows[-1].code in response.content.decode()


def test_teacher_list_filters_by_subject_and_queries_stay_constant(
    users, login, region, django_assert_max_num_queries
):
    school = region["school_a"]

    def grow():
        Teacher.objects.bulk_create(
            Teacher(
                code=f"TT{i:04d}",
                name=f"老师{i}",
                school=school,
                subject="pe" if i % 2 else "math",
                qualification="bachelor",
                age=30,
                gender="F",
            )
            for i in range(120)
        )

    client = login(users["school"])
    url = reverse("region:teachers", args=[school.pk])
    assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    r = client.get(url, {"subject": "pe"})
    assert r.context["page"].paginator.count == 60
