"""The stored cohort cells (CohortScore) that the school, class and county pages read: written
by every scoring run with its scores, equal to counting the scores themselves, replaced (never
added to) by the next run, and gone with their term's scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from junheng.portraits import actions, report
from junheng.portraits.models import CohortScore, DimensionScore, PortraitRecord
from junheng.portraits.retention import apply_retention
from junheng.region.models import Student

pytestmark = pytest.mark.django_db


def _stored() -> list[tuple]:
    return sorted(
        CohortScore.objects.values_list(*(f.removesuffix("_id") for f in report.COHORT_FIELDS))
    )


def _counted() -> list[tuple]:
    return sorted(tuple(r) for r in report.cohort_cells(DimensionScore.objects.all()))


def test_a_scoring_run_stores_the_cells_its_scores_make(portraits):
    stored = _stored()
    assert stored == _counted()
    # two schools, each one grade and one class, two terms, four dimensions with records
    assert {(t, g) for t, _s, g, *_ in stored} == {
        (portraits["spring"].pk, 3), (portraits["spring"].pk, 7),
        (portraits["autumn"].pk, 3), (portraits["autumn"].pk, 7),
    }  # fmt: skip
    total_students = CohortScore.objects.filter(term=portraits["autumn"]).aggregate(
        n=Sum("students")
    )["n"]
    assert total_students == DimensionScore.objects.filter(term=portraits["autumn"]).count()


def test_a_second_run_replaces_the_cells_and_sees_a_child_moved_since(portraits, users):
    before = CohortScore.objects.count()
    child = Student.objects.get(code="PA00")
    child.school_class = portraits["class_b"]
    child.school_id = portraits["class_b"].school_id
    child.grade = 7
    child.save()
    # until scored again a child counts where it was when scored
    a_autumn = report.school_figures(portraits["class_a"].school_id, portraits["autumn"])
    assert a_autumn["by_grade"][0]["cells"][0]["students"] == 12
    actions.do_score(by=users["bureau"])
    assert CohortScore.objects.count() == before
    assert _stored() == _counted()
    a_autumn = report.school_figures(portraits["class_a"].school_id, portraits["autumn"])
    assert a_autumn["by_grade"][0]["cells"][0]["students"] == 11


def test_the_pages_figures_are_the_scores_rolled_up(portraits):
    autumn = portraits["autumn"]
    county = report.county_figures(autumn)
    academic = [d for d, _ in report.DIMS].index("academic")
    whole = county["whole"][0]["cells"][academic]
    scores = DimensionScore.objects.filter(term=autumn, dimension="academic")
    assert whole["students"] == scores.count() == 17
    mean = scores.aggregate(s=Sum("score"))["s"] / Decimal(17)
    assert whole["mean"] == round(float(mean), 1)
    # school B has 5 children (under MIN_GROUP): hidden, and so is A (the county minus B)
    by_school = {r["key"]: r["cells"][academic] for r in county["by_school"]}
    assert by_school[portraits["class_b"].school_id]["mean"] is None
    assert by_school[portraits["class_a"].school_id]["mean"] is None
    assert by_school[portraits["class_a"].school_id]["protected"] is True


def test_the_cells_go_with_their_terms_scores(portraits):
    PortraitRecord.objects.filter(term=portraits["spring"]).update(kind="afterschool")
    apply_retention(today=dt.date(2029, 1, 1))  # spring's records (2 years) are past keeping
    assert not CohortScore.objects.filter(term=portraits["spring"]).exists()
    assert CohortScore.objects.filter(term=portraits["autumn"]).exists()
    assert _stored() == _counted()
