"""Growth portraits on the platform: who sees what, suppression, records, scoring, retention."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.portraits.models import ClassTeacher, DimensionScore, PortraitRecord
from junheng.portraits.retention import apply_retention
from tests.accounts.matrix import Case, expect, run_case

pytestmark = pytest.mark.django_db


def test_scores_are_stored_for_both_terms_with_progress_against_the_childs_own_past(
    portraits, region
):
    a = region["student_a"]
    rows = DimensionScore.objects.filter(student=a).order_by("term__start", "dimension")
    assert {r.term_id for r in rows} == {portraits["spring"].pk, portraits["autumn"].pk}
    moral = {r.term_id: r for r in rows if r.dimension == "moral"}
    assert moral[portraits["spring"].pk].progress is None
    assert moral[portraits["autumn"].pk].progress > 0  # observations 3 → 4


def _student(r):
    return reverse("portraits:student", args=[r["student_a"].pk])


def _class(r):
    return reverse("portraits:class", args=[r["student_a"].school_class_id])


CASES = [
    Case("child's portrait", _student,
         expect(403, anonymous=302, parent=200, teacher=200, school=200, school_b=404)),
    Case("child's file export", lambda r: reverse("portraits:export", args=[r["student_a"].pk]),
         expect(403, anonymous=302, parent=200, school_b=404)),
    Case("class view", _class, expect(403, anonymous=302, teacher=200, school=200, school_b=404)),
    Case("school view", lambda r: reverse("portraits:school"),
         expect(403, anonymous=302, school=200, school_b=200)),
    Case("students needing support", lambda r: reverse("portraits:support"),
         expect(403, anonymous=302, school=200, school_b=200)),
    Case("county view", lambda r: reverse("portraits:county"),
         expect(403, anonymous=302, bureau=200)),
    Case("start scoring", lambda r: reverse("portraits:score"),
         expect(403, anonymous=302, bureau=302), method="post"),
    Case("portraits home", lambda r: reverse("portraits:index"),
         expect(302, provider=403, parent=200, teacher=200)),
    Case("school B child's portrait", lambda r: reverse("portraits:student",
         args=[r["student_b"].pk]),
         expect(403, anonymous=302, parent=404, teacher=404, school=404, school_b=200)),
    Case("school B child's file export", lambda r: reverse("portraits:export",
         args=[r["student_b"].pk]),
         expect(403, anonymous=302, parent=404, teacher=404, school=404)),
    Case("school B's class view", lambda r: reverse("portraits:class",
         args=[r["student_b"].school_class_id]),
         expect(403, anonymous=302, teacher=404, school=404, school_b=200)),
    Case("import template", lambda r: reverse("portraits:import_template", args=["records"]),
         expect(403, anonymous=302, school=200, school_b=200, teacher=200)),
    Case("record for a child", lambda r: reverse("portraits:add_record",
         args=[r["student_a"].school_class_id]),
         expect(403, anonymous=302, teacher=302, school=403), method="post",
         data={"student": "0", "indicator": "moral.observation", "value": "4"}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, region, portraits, case):
    run_case(client, users, region, case)


def test_a_teacher_sees_only_the_classes_it_teaches_this_term(client, users, region, portraits):
    client.force_login(users["teacher"])
    b = region["student_b"]
    assert client.get(reverse("portraits:student", args=[b.pk])).status_code == 404
    assert client.get(reverse("portraits:class", args=[portraits["class_b"].pk])).status_code == 404
    ClassTeacher.objects.all().delete()
    assert client.get(_student(region)).status_code == 404  # last term's teacher no more


def test_every_view_by_a_non_guardian_is_audited_and_the_guardians_is_not(
    client, users, region, portraits
):
    url = _student(region)
    for role in ("parent", "teacher", "school"):
        client.force_login(users[role])
        assert client.get(url).status_code == 200
    logged = AuditLog.objects.filter(action="portraits.view", object_id=str(region["student_a"].pk))
    assert sorted(logged.values_list("actor__username", flat=True)) == ["school_a", "teacher"]


def test_the_portrait_shows_radar_timeline_strengths_and_never_a_rank(
    client, users, region, portraits
):
    client.force_login(users["parent"])
    page = client.get(_student(region)).content.decode()
    assert 'id="portrait-chart"' in page and "portrait-radar" in page
    assert "2025-2026学年第二学期" in page and "2026-2027学年第一学期" in page
    assert 'data-testid="strengths"' in page
    for word in ("排名", "名次", "第1名"):
        assert word not in page.replace("没有排名", "")
    assert "<script>" not in page  # data by json_script, code in a static file (CSP)


def test_a_cohort_under_ten_students_never_shows_a_figure(client, users, region, portraits):
    client.force_login(users["bureau"])
    page = client.get(reverse("portraits:county")).content.decode()
    by_school = page.split('data-testid="by-school"')[1].split("</table>")[0]
    rows = {r.split("<td>")[1].split("</td>")[0]: r for r in by_school.split("<tr>")[2:]}
    assert 'data-students="5"' in rows["澉浦镇中学"] and "—" in rows["澉浦镇中学"]
    assert all(c.strip("</td>") for c in rows["澉浦镇中学"].split('data-students="5">')[1:])
    for cell in rows["澉浦镇中学"].split('data-students="5">')[1:]:
        assert cell.startswith("<span"), cell  # the dash, no number
    # the county (17) less 城关小学 (12) would give 澉浦镇中学's 5 away: hidden too
    assert 'data-students="12"><span class="muted" title="不显示' in rows["城关小学"]
    whole = page.split('data-testid="by-school"')[0]
    assert 'data-students="17">' in whole and 'data-students="17"><span' not in whole
    client.force_login(users["school_b"])
    page = client.get(reverse("portraits:school")).content.decode()
    assert 'data-students="5"><span' in page and 'data-students="5">7' not in page


def test_the_support_list_is_the_schools_own(client, users, region, portraits):
    client.force_login(users["school"])
    page = client.get(reverse("portraits:support")).content.decode()
    assert "甲0" in page or "张小明" in page  # lowest maths in the grade
    assert "乙" not in page  # another school's children never appear


def test_a_teacher_records_for_its_own_class_and_bad_input_changes_nothing(
    client, users, region, portraits
):
    client.force_login(users["teacher"])
    url = reverse("portraits:add_record", args=[portraits["class_a"].pk])
    before = PortraitRecord.objects.count()
    a = region["student_a"]
    r = client.post(url, {"student": a.pk, "indicator": "moral.award", "value": "1", "note": "x"})
    assert r.status_code == 302 and PortraitRecord.objects.count() == before + 1
    for bad in ({"student": a.pk, "indicator": "nope", "value": "1"},
                {"student": a.pk, "indicator": "moral.award", "value": "many"},
                {"student": region["student_b"].pk, "indicator": "moral.award", "value": "1"}):  # fmt: skip
        client.post(url, bad)
        assert PortraitRecord.objects.count() == before + 1
    other = reverse("portraits:add_record", args=[portraits["class_b"].pk])
    assert client.post(other, {"student": region["student_b"].pk, "indicator": "moral.award",
                               "value": "1"}).status_code == 404  # fmt: skip


def test_the_guardian_downloads_the_childs_file(client, users, region, portraits):
    client.force_login(users["parent"])
    r = client.get(reverse("portraits:export", args=[region["student_a"].pk]))
    book = openpyxl.load_workbook(io.BytesIO(r.getvalue()))
    assert len(book.worksheets) == 2 and book.worksheets[0].max_row == 1 + 8
    assert AuditLog.objects.filter(action="portraits.export").count() == 1


def test_retention_deletes_records_past_their_kind_and_their_terms_scores(portraits):
    far = dt.date(2026 + 7, 9, 1)
    out = apply_retention(far)
    assert out["deleted"]["grade"] == 17 * 2 * 4
    assert PortraitRecord.objects.count() == 0 and DimensionScore.objects.count() == 0


def test_every_string_of_the_app_has_an_english_translation():
    from pathlib import Path

    import polib

    import junheng.portraits

    po = polib.pofile(
        str(Path(junheng.portraits.__file__).parent / "locale/en/LC_MESSAGES/django.po")
    )
    assert len(po) > 50
    assert [e.msgid for e in po.untranslated_entries()] == []


def test_the_pages_speak_english_when_asked(client, users, region, portraits):
    client.force_login(users["parent"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(_student(region)).content.decode()
    assert "Strengths to encourage" in page and "值得鼓励的地方" not in page


def test_the_childs_file_keeps_formula_text_and_a_large_one_is_a_job(
    client, users, region, portraits, settings
):
    from junheng.portraits.models import PortraitRecord
    from tests.exportcheck import FORMULA, assert_formula_stays_text, assert_job_path, body

    PortraitRecord.objects.filter(student=region["student_a"]).update(note=FORMULA)
    url = reverse("portraits:export", args=[region["student_a"].pk])
    client.force_login(users["parent"])
    assert_formula_stays_text(body(client.get(url)))
    assert_formula_stays_text(assert_job_path(client, settings, url))
    client.force_login(users["teacher"])  # not its guardian
    assert client.get(url).status_code in (403, 404)
