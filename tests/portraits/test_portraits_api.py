"""The growth-portrait API: the pages' rules (a guardian reads its child; a teacher posts for
its own classes; the bureau and providers nothing), audited reads, the shared error handler."""

from __future__ import annotations

import pytest

from junheng.accounts.models import AuditLog
from junheng.portraits.models import PortraitRecord
from tests.accounts.matrix import ROLES, Case, expect, run_case

pytestmark = pytest.mark.django_db

CASES = [
    Case("children", lambda r: "/api/portraits/children",
         expect(403, anonymous=401, parent=200, teacher=200, school=200, school_b=200)),
    Case("child A's portrait", lambda r: f"/api/portraits/children/{r['student_a'].pk}",
         expect(403, anonymous=401, parent=200, teacher=200, school=200, school_b=404)),
    Case("child B's portrait", lambda r: f"/api/portraits/children/{r['student_b'].pk}",
         expect(403, anonymous=401, parent=404, teacher=404, school=404, school_b=200)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, region, portraits, case):
    run_case(client, users, region, case)


def post(client, records):
    return client.post(
        "/api/portraits/records", {"records": records}, content_type="application/json"
    )


def test_who_may_post_records(client, users, region, portraits):
    """Every role posts one record for child A (class 3(1) of school A, taught by teacher A)."""
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        rec = {"student": "P0001", "indicator": "moral.award", "value": 1, "note": role}
        got[role] = post(client, [rec]).status_code
    assert got == {
        "anonymous": 401, "bureau": 403, "provider": 403, "parent": 403,
        "teacher": 201, "school": 201, "school_b": 400,  # B's admin: not its child
    }  # fmt: skip
    assert set(
        PortraitRecord.objects.filter(indicator="moral.award").values_list("note", flat=True)
    ) == {"teacher", "school"}


def test_a_teacher_posts_for_its_class_all_or_nothing(client, users, region, portraits):
    client.force_login(users["teacher"])
    before = PortraitRecord.objects.count()
    response = post(
        client,
        [
            {"student": "PA00", "indicator": "labour.hours", "value": "4.5"},
            {"student": "P0002", "indicator": "labour.hours", "value": 2},  # school B's child
            {"student": "PA01", "indicator": "labour.nothing", "value": 2},
            {"student": "PA01", "indicator": "labour.hours", "value": "x"},
        ],
    )
    assert response.status_code == 400
    assert response.json()["detail"] == [
        "第 2 条，「student」：「P0002」不是您本学期任教班级的学生（或编码不存在）",
        "第 3 条，「indicator」：该学期的指标库中没有指标「labour.nothing」",
        "第 4 条，「value」：应为数字，实际为「x」",
    ]
    assert PortraitRecord.objects.count() == before
    response = post(client, [{"student": "PA00", "indicator": "labour.hours", "value": "4.5"}])
    assert response.status_code == 201
    [pk] = response.json()["ids"]
    rec = PortraitRecord.objects.get(pk=pk)
    assert rec.term == portraits["autumn"] and rec.kind == "labour" and rec.source == "api"
    assert AuditLog.objects.filter(action="portraits.add_records", actor=users["teacher"]).exists()
    # last term is not the teacher's to write
    response = post(
        client,
        [{"student": "PA00", "term": portraits["spring"].name, "indicator": "labour.hours",
          "value": 1}],
    )  # fmt: skip
    assert response.status_code == 400


def test_the_guardian_reads_the_portrait_and_is_not_audited(client, users, region, portraits):
    client.force_login(users["parent"])
    children = client.get("/api/portraits/children").json()
    assert [c["code"] for c in children] == ["P0001"]
    body = client.get(f"/api/portraits/children/{children[0]['id']}").json()
    assert [t["term_id"] for t in body["terms"]] == [portraits["spring"].pk, portraits["autumn"].pk]
    autumn = body["terms"][-1]
    assert autumn["version"] == "2026"
    moral = next(d for d in autumn["dimensions"] if d["dimension"] == "moral")
    assert moral["progress"] > 0 and moral["previous_terms"] == 1
    assert "rank" not in str(body).lower()
    assert {i["indicator"] for i in body["explanation"]} >= {"moral.observation", "labour.hours"}
    assert not AuditLog.objects.filter(action="portraits.view").exists()


def test_a_teachers_read_is_audited(client, users, region, portraits):
    client.force_login(users["teacher"])
    assert client.get(f"/api/portraits/children/{region['student_a'].pk}").status_code == 200
    log = AuditLog.objects.get(action="portraits.view")
    assert log.actor == users["teacher"] and log.detail["via"] == "api"
