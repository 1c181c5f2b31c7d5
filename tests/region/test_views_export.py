"""Import page, templates and exports through the web, and the export -> import round trip."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.region import actions
from junheng.region.models import School, SchoolClass, Student, Teacher
from tests.region.test_import import good_students, xlsx


def sheet_rows(content, sheet=0):
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book.worksheets[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)], book.sheetnames


ZH = {"schools": "学校", "teachers": "教师", "students": "学生"}


@pytest.mark.parametrize("kind", ["schools", "teachers", "students"])
def test_template_has_header_example_and_notes_and_reimports_cleanly(users, login, kind):
    client = login(users["bureau"])
    response = client.get(reverse("region:template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows, names = sheet_rows(response.content)
    assert len(rows) == 2 and names == [ZH[kind], "说明"]
    assert rows[0][0].endswith("(code)")
    upload = SimpleUploadedFile(f"{kind}-template.xlsx", response.content)
    response = client.post(reverse("region:import"), {"kind": kind, "file": upload})
    assert response.status_code == 200, response.context["report"].errors
    assert response.context["report"].created == 1


def test_school_admin_template_example_uses_its_own_school(users, login):
    client = login(users["school_b"])  # a junior school: the example grade is 7
    response = client.get(reverse("region:template", args=["students"]))
    rows, _ = sheet_rows(response.content)
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["学校代码 (school)"] == "S02" and example["年级 (grade)"] == 7
    report = actions.import_rows(
        "students", response.content, filename="t.xlsx", by=users["school_b"]
    )
    assert report.ok and report.created == 1


def test_upload_with_bad_rows_shows_every_error_and_saves_nothing(users, login):
    rows = good_students()
    rows[1][5] = "abc"
    rows[2][4] = "S99"
    client = login(users["bureau"])
    response = client.post(
        reverse("region:import"),
        {"kind": "students", "file": SimpleUploadedFile("s.xlsx", xlsx(rows))},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "年级 (grade)" in html and "S99" in html
    assert not Student.objects.filter(code__startswith="P100").exists()


def test_upload_shows_created_and_updated_counts(users, login):
    client = login(users["bureau"])
    upload = SimpleUploadedFile("s.xlsx", xlsx(good_students()))
    response = client.post(reverse("region:import"), {"kind": "students", "file": upload})
    assert response.status_code == 200
    assert response.context["report"].created == 3
    assert 'data-testid="created">3<' in response.content.decode()


def test_dry_run_checkbox_previews_without_saving(users, login):
    client = login(users["bureau"])
    upload = SimpleUploadedFile("s.xlsx", xlsx(good_students()))
    response = client.post(
        reverse("region:import"), {"kind": "students", "file": upload, "dry_run": "on"}
    )
    assert response.context["report"].created == 3
    assert not Student.objects.filter(code__startswith="P100").exists()


def test_school_admin_form_offers_no_school_import(users, login):
    client = login(users["school"])
    response = client.get(reverse("region:import"))
    choices = [k for k, _label in response.context["form"].fields["kind"].choices]
    assert choices == ["teachers", "students"]
    upload = SimpleUploadedFile("s.csv", b"code,name,level,urban_rural\nS9,x,primary,urban\n")
    response = client.post(reverse("region:import"), {"kind": "schools", "file": upload})
    assert response.context["form"].errors["kind"]
    assert not School.objects.filter(code="S9").exists()


@pytest.mark.parametrize("kind", ["schools", "teachers", "students"])
def test_export_round_trips_through_import_unchanged(users, login, region, kind):
    actions.import_rows("students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"])
    client = login(users["bureau"])
    response = client.get(reverse("region:export", args=[kind]))
    assert response.status_code == 200
    model = {"schools": School, "teachers": Teacher, "students": Student}[kind]
    content = response.getvalue()  # streamed: read once
    rows, names = sheet_rows(content)
    assert len(rows) == 1 + model.objects.count() and names == [ZH[kind]]
    before = {o.code: o for o in model.objects.all()}
    report = actions.import_rows(kind, content, filename="e.xlsx", by=users["bureau"])
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(before))
    for code, obj in before.items():
        again = model.objects.get(code=code)
        assert {f.name: getattr(again, f.name) for f in model._meta.concrete_fields} == {
            f.name: getattr(obj, f.name) for f in model._meta.concrete_fields
        }


def test_export_in_english_round_trips_too(users, login, english_catalogues):
    actions.import_rows("students", xlsx(good_students()), filename="s.xlsx", by=users["bureau"])
    client = login(users["bureau"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    content = client.get(reverse("region:export", args=["students"])).getvalue()
    rows, names = sheet_rows(content)
    assert names == ["Students"]  # the sheet is named in the UI's language, and imports back
    assert {"Male", "Female"} & {v for r in rows for v in r if isinstance(v, str)}
    report = actions.import_rows("students", content, filename="e.xlsx", by=users["bureau"])
    assert report.ok and report.unchanged == Student.objects.count()


def test_school_admin_export_holds_only_its_school_and_is_audited(users, login, region):
    client = login(users["school"])
    for kind in ("schools", "teachers", "students"):
        rows, _ = sheet_rows(client.get(reverse("region:export", args=[kind])).getvalue())
        text = repr(rows)
        assert "S02" not in text and "陈小红" not in text and "李老师" not in text
        assert len(rows) == 2
    assert AuditLog.objects.filter(actor=users["school"], action="export_students").count() == 1
    assert (
        client.get(
            reverse("region:export", args=["students"]) + "?school=" + str(region["school_b"].pk)
        ).status_code
        == 404
    )


def test_export_of_one_school_for_the_bureau(users, login, region):
    client = login(users["bureau"])
    url = reverse("region:export", args=["students"]) + f"?school={region['school_b'].pk}"
    rows, _ = sheet_rows(client.get(url).getvalue())
    assert [r[0] for r in rows[1:]] == ["P0002"]


def test_exported_text_that_looks_like_a_formula_stays_text(users, login, region):
    Student.objects.filter(code="P0001").update(name='=HYPERLINK("http://x")')
    content = login(users["bureau"]).get(reverse("region:export", args=["students"])).getvalue()
    book = openpyxl.load_workbook(io.BytesIO(content))
    cell = book.worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_student_list_is_paged_scoped_and_audited(users, login, region):
    school = region["school_a"]
    Student.objects.bulk_create(
        Student(code=f"Q{i:04d}", name=f"学生{i}", gender="F", school=school, grade=2)
        for i in range(60)
    )
    client = login(users["school"])
    url = reverse("region:students", args=[school.pk])
    first = client.get(url)
    assert first.status_code == 200
    assert len(first.context["page"].object_list) == 50
    second = client.get(url + "?page=2")
    assert len(second.context["page"].object_list) == 11
    assert "陈小红" not in first.content.decode() + second.content.decode()
    logs = AuditLog.objects.filter(actor=users["school"], action="view_students")
    assert [a.detail["page"] for a in logs.order_by("pk")] == [1, 2]
    assert client.get(reverse("region:students", args=[region["school_b"].pk])).status_code == 404


def test_student_list_query_count_does_not_grow_with_the_page(
    users, login, region, django_assert_max_num_queries
):
    school = region["school_a"]
    klass = SchoolClass.objects.create(school=school, grade=2, number=1)
    Student.objects.bulk_create(
        Student(
            code=f"Q{i:04d}",
            name=f"学生{i}",
            gender="M",
            school=school,
            grade=2,
            school_class=klass,
        )
        for i in range(50)
    )
    client = login(users["bureau"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("region:students", args=[school.pk]))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50 and "Q0000" in response.content.decode()


def test_teacher_list_shows_only_the_schools_teachers(users, login, region):
    client = login(users["school"])
    response = client.get(reverse("region:teachers", args=[region["school_a"].pk]))
    html = response.content.decode()
    assert "王老师" in html and "李老师" not in html
