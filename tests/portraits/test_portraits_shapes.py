"""Growth portraits on the platform with awkward data: a child with no records, a record the
library no longer scores."""

from __future__ import annotations

import pytest
from django.urls import reverse

from junheng.portraits import actions
from junheng.portraits.models import DimensionScore, IndicatorLibrary, PortraitRecord
from junheng.region.models import Student

pytestmark = pytest.mark.django_db


def test_a_child_without_records_has_an_empty_portrait_and_no_zero(
    client, users, region, portraits
):
    newcomer = Student.objects.create(
        code="NEW01", name="新生", gender="F", school=region["school_a"], grade=3,
        school_class=portraits["class_a"],
    )  # fmt: skip
    summary = actions.do_score(by=users["bureau"])
    dims = set(DimensionScore.objects.filter(student=newcomer).values_list("dimension", flat=True))
    # only the library's `missing = zero` dimensions (awards, service, arts, labour) score
    assert dims == {"moral", "arts", "labour"}
    assert summary["records_left_out"] == 0
    client.force_login(users["school"])
    page = client.get(reverse("portraits:student", args=[newcomer.pk]))
    assert page.status_code == 200
    assert not DimensionScore.objects.filter(student=newcomer, dimension="academic").exists()


def test_a_record_of_an_indicator_the_version_lost_is_left_out_and_counted(users, portraits):
    lib = IndicatorLibrary.objects.get()
    DimensionScore.objects.all().delete()  # nobody scored with it yet: corrected in place
    lib.table = "\n".join(
        line for line in lib.table.splitlines() if not line.startswith("2026,health.run_50m")
    )
    lib.save()
    n = PortraitRecord.objects.filter(indicator="health.run_50m").count()
    assert n > 0
    summary = actions.do_score(by=users["bureau"])
    assert summary["records_left_out"] == n
    assert DimensionScore.objects.filter(dimension="moral").exists()
    assert not DimensionScore.objects.filter(dimension="health").exists()  # run_50m was its only


def test_a_class_figure_that_would_give_a_small_sibling_class_away_is_not_shown(
    client, users, region, portraits
):
    from junheng.region.models import SchoolClass

    small = SchoolClass.objects.create(school=region["school_a"], grade=3, number=2)
    for i in range(6):
        Student.objects.create(
            code=f"PC{i:02d}", name=f"丙{i}", gender="M", school=region["school_a"], grade=3,
            school_class=small,
        )  # fmt: skip
    actions.do_score(by=users["bureau"])
    # grade 3 = class 1 (12) + class 2 (6): the grade's figure less class 1's gives class 2's
    for who in ("school", "teacher"):
        client.force_login(users[who])
        page = client.get(reverse("portraits:class", args=[portraits["class_a"].pk]))
        figures = page.content.decode().split('data-testid="class-figures"')[1]
        figures = figures.split("</table>")[0]
        assert 'data-students="12"><span class="muted"' in figures, who
    client.force_login(users["school"])
    school = client.get(reverse("portraits:school")).content.decode()
    table = school.split('data-testid="school-figures"')[1].split("</table>")[0]
    assert 'data-students="18"><span' not in table  # the grade of 18 still shows its figure
    assert 'data-students="18">' in table


def test_fitness_items_score_with_the_childs_grade_and_sex_band_and_the_portrait_says_which(
    client, users, region, portraits
):
    from junheng.portraits.models import IndicatorScore

    girl = Student.objects.get(code="PA00")  # grade 3, F: 9 s this autumn
    boy = Student.objects.get(code="PB00")  # grade 7, M: the same 9 s
    items = {
        s.code: {
            i[0]: i for i in IndicatorScore.objects.get(student=s, term=portraits["autumn"]).items
        }
        for s in (girl, boy)
    }
    run_girl, run_boy = items["PA00"]["health.run_50m"], items["PB00"]["health.run_50m"]
    assert run_girl[4:] == [100.0, 2.0, "3-4", "F", 0.0]  # faster than the 3-4 girls' 90 band
    assert run_boy[4:] == [80.0, 2.0, "7-9", "M", 9.0]  # the 7-9 boys' ≥9 s band: 80
    client.force_login(users["school_b"])
    page = client.get(reverse("portraits:student", args=[boy.pk])).content.decode()
    row = next(r for r in page.split("<tr>") if "50 米跑" in r or "50 m run" in r)
    assert "适用于 7-9 年级男生" in row and "达到「≥9」一档" in row
