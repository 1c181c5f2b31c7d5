"""The support list (需要关爱的学生): the lowest fifth of each grade in each dimension, paged and
filtered by grade, class and dimension, exported whole; the school's own, for its admin only."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.portraits import report, views
from junheng.portraits.models import Dimension, DimensionScore
from junheng.region.models import SchoolClass, Student
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _grade(school, term, grade, classes=2, per_class=20, prefix="S"):
    """A grade of `classes` × `per_class` children, scored this term: each dimension orders
    them differently, with ties (the code decides a tie)."""
    scores, k = [], 0
    for number in range(1, classes + 1):
        klass = SchoolClass.objects.create(school=school, grade=grade, number=number)
        for _i in range(per_class):
            child = Student.objects.create(
                code=f"{prefix}{grade}{k:03d}", name=f"{prefix}{grade}-{k:03d}", gender="F",
                school=school, grade=grade, school_class=klass,
            )  # fmt: skip
            for j, d in enumerate(Dimension.values):
                value = (k * (2 * j + 3) + 5 * j) % 37  # 37 values over 40 children: ties
                scores.append(
                    DimensionScore(student=child, term=term, dimension=d, score=Decimal(value),
                                   coverage=Decimal(1), version="2026")
                )  # fmt: skip
            k += 1
    DimensionScore.objects.bulk_create(scores)
    report.store_cohorts([term.pk])


def _lowest_fifth(school_id, term):
    """The rule as written: per grade and dimension, the first floor(n/5) in (score, code)."""
    rows = DimensionScore.objects.filter(student__school_id=school_id, term=term).values_list(
        "student_id", "student__grade", "student__code", "dimension", "score"
    )
    cohorts = defaultdict(list)
    for sid, grade, code, dim, score in rows:
        cohorts[(grade, dim)].append((score, code, sid))
    out = defaultdict(set)
    for (_g, dim), children in cohorts.items():
        for _s, _c, sid in sorted(children)[: len(children) // 5]:
            out[sid].add(dim)
    return dict(out)


@pytest.fixture
def two_grades(region, portraits):
    """School A gains grades 4 and 5, 40 children each in two classes (on top of grade 3's 12)."""
    term = portraits["autumn"]
    _grade(region["school_a"], term, 4)
    _grade(region["school_a"], term, 5)
    return term


def test_flags_are_the_lowest_fifth_of_each_grade_in_each_dimension(region, two_grades):
    school_id = region["school_a"].pk
    flagged = report.support_flags(school_id, two_grades)
    expected = _lowest_fifth(school_id, two_grades)
    assert {f.student_id: set(f.dimensions) for f in flagged} == expected
    # in grade and code order, the dimensions in their national order
    codes = list(
        Student.objects.filter(pk__in=expected)
        .order_by("grade", "code")
        .values_list("pk", flat=True)
    )
    assert [f.student_id for f in flagged] == codes
    for f in flagged:
        assert list(f.dimensions) == [d for d in Dimension.values if d in f.dimensions]


def test_narrowing_by_grade_or_dimension_changes_no_flag(region, two_grades):
    school_id = region["school_a"].pk
    whole = {f.student_id: f for f in report.support_flags(school_id, two_grades)}
    grade4 = report.support_flags(school_id, two_grades, grade=4)
    assert grade4 and all(f.grade == 4 for f in grade4)
    assert {f.student_id: f for f in grade4} == {k: f for k, f in whole.items() if f.grade == 4}
    moral = report.support_flags(school_id, two_grades, dimension="moral")
    assert {f.student_id for f in moral} == {k for k, f in whole.items() if "moral" in f.dimensions}
    assert all(f.dimensions == ("moral",) for f in moral)


def test_the_list_is_paged(client, users, region, two_grades, monkeypatch):
    monkeypatch.setattr(views, "SUPPORT_PER_PAGE", 10)
    client.force_login(users["school"])
    url = reverse("portraits:support")
    total = len(report.support_flags(region["school_a"].pk, two_grades))
    assert total > 20
    url += "?grade="  # every grade
    first = client.get(url)
    assert first.context["page"].paginator.count == total
    assert len(first.context["rows"]) == 10
    html = first.content.decode()
    assert 'data-testid="pager"' in html and f"共 {total} 条" in html
    last = client.get(url + f"&page={first.context['page'].paginator.num_pages}")
    assert len(last.context["rows"]) == total - 10 * (last.context["page"].number - 1)
    seen = set()
    for n in range(1, first.context["page"].paginator.num_pages + 1):
        rows = client.get(url + f"&page={n}").context["rows"]
        seen |= {r["student"]["pk"] for r in rows}
    assert len(seen) == total  # every child once, none twice


def test_the_first_grade_is_shown_until_another_or_every_grade_is_chosen(
    client, users, region, two_grades
):
    client.force_login(users["school"])
    url = reverse("portraits:support")
    whole = report.support_flags(region["school_a"].pk, two_grades)
    page = client.get(url)
    assert page.context["filter"].grade == 3  # school A's first grade
    assert page.context["page"].paginator.count == sum(1 for f in whole if f.grade == 3) > 0
    assert '<option value="3" selected>' in page.content.decode()
    assert client.get(url, {"grade": ""}).context["page"].paginator.count == len(whole)


def test_the_list_is_filtered_by_grade_class_and_dimension(client, users, region, two_grades):
    client.force_login(users["school"])
    url = reverse("portraits:support")
    school_id = region["school_a"].pk
    whole = report.support_flags(school_id, two_grades)

    page = client.get(url, {"grade": 4})
    assert {r["student"]["grade"] for r in page.context["rows"]} == {4}
    assert page.context["page"].paginator.count == sum(1 for f in whole if f.grade == 4)

    klass = SchoolClass.objects.get(school_id=school_id, grade=5, number=2)
    page = client.get(url, {"school_class": klass.pk})
    in_class = [f for f in whole if f.school_class_id == klass.pk]
    assert in_class and page.context["page"].paginator.count == len(in_class)
    assert {r["student"]["school_class"] for r in page.context["rows"]} == {"5(2)"}
    # a class of another grade than the one chosen: nobody, not an error
    assert client.get(url, {"grade": 4, "school_class": klass.pk}).context["rows"] == []

    page = client.get(url, {"grade": "", "dimension": "arts"})
    assert page.context["page"].paginator.count == sum(1 for f in whole if "arts" in f.dimensions)
    assert {tuple(r["dimensions"]) for r in page.context["rows"]} == {(str(Dimension.ARTS.label),)}


def test_another_schools_class_narrows_nothing_and_shows_the_error(
    client, users, region, portraits, two_grades
):
    client.force_login(users["school"])
    page = client.get(reverse("portraits:support"), {"school_class": portraits["class_b"].pk})
    assert page.status_code == 200
    assert page.context["filter"].form.errors
    assert "乙" not in page.content.decode()  # school B's children never appear
    assert page.context["page"].paginator.count == len(
        report.support_flags(region["school_a"].pk, two_grades)
    )


def test_each_view_is_audited_with_its_filters(client, users, region, two_grades):
    client.force_login(users["school"])
    client.get(reverse("portraits:support"), {"grade": 4, "dimension": "moral"})
    log = AuditLog.objects.filter(action="portraits.view_support").latest("pk")
    assert log.detail["grade"] == 4 and log.detail["dimension"] == "moral"
    assert log.detail["students"] == len(
        report.support_flags(region["school_a"].pk, two_grades, grade=4, dimension="moral")
    )


def test_the_export_is_the_whole_filtered_list_and_audited(client, users, region, two_grades):
    client.force_login(users["school"])
    school_id = region["school_a"].pk
    r = client.get(reverse("portraits:support_export"), {"grade": 5})
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.getvalue()))
    sheet = book.worksheets[0]
    data = list(sheet.iter_rows(min_row=3, values_only=True))  # caption, header, rows
    flagged = report.support_flags(school_id, two_grades, grade=5)
    codes = dict(Student.objects.filter(school_id=school_id).values_list("pk", "code"))
    assert [row[0] for row in data] == [codes[f.student_id] for f in flagged]
    assert {row[2] for row in data} == {5}
    log = AuditLog.objects.get(action="portraits.export_support")
    assert log.detail["rows"] == len(flagged) and log.detail["grade"] == 5


def _export_link(html):
    return html.split('data-testid="support-export"')[0].rsplit('href="', 1)[1].split('"')[0]


def test_the_export_link_asks_for_what_the_page_shows(client, users, two_grades):
    client.force_login(users["school"])
    export = reverse("portraits:support_export")
    page = client.get(reverse("portraits:support"), {"grade": 4, "page": 2}).content.decode()
    assert _export_link(page) == export + "?grade=4"
    page = client.get(reverse("portraits:support")).content.decode()
    assert _export_link(page) == export + "?grade=3"  # the first grade, shown by default
    page = client.get(reverse("portraits:support"), {"grade": "", "dimension": "arts"})
    assert _export_link(page.content.decode()) == export + "?grade=&amp;dimension=arts"


@pytest.mark.parametrize("role", ["bureau", "teacher", "parent", "provider"])
def test_no_other_role_sees_the_list_or_its_export(client, users, two_grades, role):
    client.force_login(users[role])
    assert client.get(reverse("portraits:support")).status_code == 403
    assert client.get(reverse("portraits:support_export")).status_code == 403


def test_a_page_and_a_filtered_page_make_as_many_queries_for_a_larger_school(
    client, users, region, portraits, django_assert_max_num_queries
):
    client.force_login(users["school"])
    url = reverse("portraits:support") + "?grade=&dimension=moral&page=2"

    def grow() -> None:
        _grade(region["school_a"], portraits["autumn"], 4, classes=3, per_class=40)

    page = assert_constant_queries(client, url, grow, django_assert_max_num_queries)
    assert page.context["rows"]


def test_a_larger_export_makes_as_many_queries_per_chunk(
    client, users, region, portraits, django_assert_max_num_queries, monkeypatch
):
    from junheng.portraits import actions
    from tests.querycount import queries

    monkeypatch.setattr(actions, "SUPPORT_EXPORT_CHUNK", 10)
    client.force_login(users["school"])
    url = reverse("portraits:support_export") + "?grade="
    few = queries(client, url)  # grade 3: 12 children, a few flagged: one chunk
    _grade(region["school_a"], portraits["autumn"], 4, classes=2, per_class=25)
    n = len(report.support_flags(region["school_a"].pk, portraits["autumn"]))
    chunks = -(-n // 10)
    with django_assert_max_num_queries(few + chunks - 1):
        assert client.get(url).status_code == 200
