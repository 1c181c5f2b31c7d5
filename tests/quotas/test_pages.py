"""Pages, exports and the API: who sees what, and what the pages refuse."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from junheng.accounts.models import AuditLog, User
from junheng.quotas import actions
from junheng.quotas.models import QuotaTable
from tests.accounts.matrix import BUREAU_ONLY, Case, expect, run_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def tables(published, users):
    """A published 2025 table and its draft version 2."""
    return {"published": published, "draft": actions.do_new_version(published, by=users["bureau"])}


SCHOOLS = expect(403, anonymous=302, bureau=302, school=200, school_b=200)
API_STAFF = expect(403, anonymous=401, bureau=200, school=200, school_b=200)
CASES = [
    Case("index", lambda r: reverse("quotas:index"),
         expect(403, anonymous=302, bureau=200, school=302, school_b=302)),
    Case("high schools", lambda r: reverse("quotas:high_schools"), BUREAU_ONLY),
    Case("draft table", lambda r: reverse("quotas:table", args=[r["draft"]]), BUREAU_ONLY),
    Case("published table", lambda r: reverse("quotas:table", args=[r["published"]]),
         BUREAU_ONLY),
    Case("preview", lambda r: reverse("quotas:preview", args=[r["draft"]]), BUREAU_ONLY),
    Case("whole export", lambda r: reverse("quotas:export", args=[r["published"]]),
         BUREAU_ONLY),
    Case("own row", lambda r: reverse("quotas:mine"), SCHOOLS),
    Case("own row export", lambda r: reverse("quotas:mine_export", args=[r["published"]]),
         SCHOOLS),
    Case("own row export of a draft",
         lambda r: reverse("quotas:mine_export", args=[r["draft"]]),
         expect(403, anonymous=302, bureau=404, school=404, school_b=404)),
    Case("publish", lambda r: reverse("quotas:publish", args=[r["draft"]]),
         expect(403, anonymous=302, bureau=302), method="post",
         data={"method": "dhondt", "notes": "x"}),
    Case("api tables", lambda r: "/api/quotas/tables", API_STAFF),
    Case("api rows", lambda r: f"/api/quotas/tables/{r['published']}/rows", API_STAFF),
    Case("api share", lambda r: "/api/quotas/share/2025", expect(403, anonymous=401, bureau=200)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, tables, case):
    run_case(client, users, {k: t.pk for k, t in tables.items()}, case)


@pytest.fixture
def ja_admin(quota_region):
    u = User(username="school_ja", role="school", school=quota_region["JA"])
    u.set_password("pw")
    u.save()
    return u


def test_school_admin_sees_its_own_row_only(published, ja_admin, login):
    c = login(ja_admin)
    r = c.get(reverse("quotas:mine"))
    assert r.status_code == 200
    html = r.content.decode()
    row = r.context["row"]
    assert [(s.high_school.code, s.seats) for s in row["seats"]] == [("H1", 4), ("H2", 3)]
    assert row["total"] == 7 and row["graduates"] == 6
    assert 'data-testid="my-row"' in html and "甲初中" in html
    assert "乙初中" not in html and "丙九年一贯制学校" not in html  # no other junior school


def test_school_api_rows_are_its_own_only_and_the_bureau_gets_all(
    published, ja_admin, users, login
):
    c = login(ja_admin)
    rows = c.get(f"/api/quotas/tables/{published.pk}/rows").json()
    assert rows == [
        {"junior_id": "JA", "junior_name": "甲初中", "seats": {"H1": 4, "H2": 3}, "total": 7}
    ]
    c = login(users["bureau"])
    rows = c.get(f"/api/quotas/tables/{published.pk}/rows").json()
    assert [r["junior_id"] for r in rows] == ["JA", "JB", "JC", "S02"]


def test_school_not_in_the_table_is_told_so(published, users, login):
    r = login(users["school"]).get(reverse("quotas:mine"))  # S01 is a primary school
    assert r.status_code == 200 and 'data-testid="not-listed"' in r.content.decode()


def test_school_sees_nothing_before_publication(draft, ja_admin, login):
    r = login(ja_admin).get(reverse("quotas:mine"))
    assert 'data-testid="none-published"' in r.content.decode()
    assert login(ja_admin).get("/api/quotas/tables").json() == []


def test_school_export_is_its_own_row_and_audited(published, ja_admin, login):
    r = login(ja_admin).get(reverse("quotas:mine_export", args=[published.pk]))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.getvalue())).worksheets[0]
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[1:] == [["H1", "第一高级中学", 4], ["H2", "第二高级中学", 3], ["合计", None, 7]]
    log = AuditLog.objects.get(action="quotas.export_school")
    assert log.actor == ja_admin and log.detail["school"] == "JA"


def test_bureau_export_is_the_whole_table_and_audited(published, users, login):
    r = login(users["bureau"]).get(reverse("quotas:export", args=[published.pk]))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.getvalue()))
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][:3] == ["初中学校代码", "初中学校名称", "毕业生数"]
    assert rows[1] == ["JA", "甲初中", 6, 4, 3, 7]
    assert rows[3] == ["JC", "丙九年一贯制学校", 2, 2, 1, 3]
    assert rows[5][3:] == [10, 7, 17]  # the quotas
    notes = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert any(r[0] == "结果 SHA-256" and r[2] == published.result_sha256 for r in notes)
    assert AuditLog.objects.filter(action="quotas.export_table", actor=users["bureau"]).exists()


def test_a_draft_cannot_be_exported(draft, users, login):
    r = login(users["bureau"]).get(reverse("quotas:export", args=[draft.pk]))
    assert r.status_code == 302 and not AuditLog.objects.filter(action="quotas.export_table")


def test_editing_a_published_table_through_the_page_is_refused(published, users, login):
    c = login(users["bureau"])
    h1 = published.plans.get(high_school__code="H1").high_school_id
    r = c.post(
        reverse("quotas:plans", args=[published.pk]),
        {
            "plan-TOTAL_FORMS": "1",
            "plan-INITIAL_FORMS": "1",
            "plan-0-high_school": h1,
            "plan-0-plan": "99",
        },
        follow=True,
    )
    assert "已发布，不能修改" in r.content.decode()
    assert published.plans.get(high_school_id=h1).plan == 14


def test_share_form_refuses_values_outside_zero_one(draft, users, login):
    c = login(users["bureau"])
    for bad in ("0", "1.5", "-0.2"):
        r = c.post(
            reverse("quotas:settings", args=[draft.pk]),
            {"share": bad, "method": "hamilton", "min_seats": "0"},
        )
        assert r.status_code == 400
    draft.refresh_from_db()
    assert str(draft.share_text) == "0.7"
    r = c.post(
        reverse("quotas:settings", args=[draft.pk]),
        {"share": "1", "method": "dhondt", "min_seats": "0"},
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.share_text == "1" and draft.method == "dhondt"


def test_bureau_creates_edits_previews_and_publishes_through_the_pages(quota_region, users, login):
    c = login(users["bureau"])
    r = c.post(
        reverse("quotas:index"),
        {"year": "2026", "share": "0.7", "method": "hamilton", "min_seats": "0"},
    )
    table = QuotaTable.objects.get(year=2026)
    assert r.status_code == 302 and r["Location"] == reverse("quotas:table", args=[table.pk])
    plans = list(table.plans.order_by("high_school__code"))
    r = c.post(
        reverse("quotas:plans", args=[table.pk]),
        {
            "plan-TOTAL_FORMS": "2",
            "plan-INITIAL_FORMS": "2",
            "plan-0-high_school": plans[0].high_school_id,
            "plan-0-plan": "14",
            "plan-1-high_school": plans[1].high_school_id,
            "plan-1-plan": "10",
        },
    )
    assert r.status_code == 302
    preview = c.get(reverse("quotas:preview", args=[table.pk])).content.decode()
    assert "分配比例 70%" in preview  # a rate reads as a percentage, not 0.7
    assert "70%" in c.get(reverse("quotas:index")).content.decode()
    r = c.post(
        reverse("quotas:publish", args=[table.pk]),
        {"method": "sainte-lague", "notes": "未完成名额退回统一招生。"},
        follow=True,
    )
    html = r.content.decode()
    assert 'data-testid="quota-table"' in html and "未完成名额退回统一招生。" in html
    assert 'data-testid="unfilled-places"' in html
    table.refresh_from_db()
    assert table.is_published and table.method == "sainte-lague"
    r = c.post(reverse("quotas:new_version", args=[table.pk]))
    v2 = QuotaTable.objects.get(year=2026, version=2)
    assert r["Location"] == reverse("quotas:table", args=[v2.pk]) and v2.supersedes_id == table.pk


def test_pages_are_translated_to_english(draft, users, login):
    from django.utils.translation import trans_real

    from junheng.commands import i18n

    i18n.run(None)
    trans_real._translations.clear()
    trans_real._default = None
    c = login(users["bureau"])
    r = c.get(reverse("quotas:preview", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert "Alabama paradox check (Hamilton)" in html and "Largest remainder (Hamilton)" in html


def test_quota_exports_keep_formula_text_and_a_large_one_is_a_job(
    published, users, login, settings
):
    from junheng.region.models import School
    from tests.exportcheck import FORMULA, assert_formula_stays_text, assert_job_path, body

    School.objects.filter(code="JA").update(name=FORMULA)
    bureau = login(users["bureau"])
    url = reverse("quotas:export", args=[published.pk])
    inline = body(bureau.get(url))
    assert_formula_stays_text(inline)
    queued = assert_job_path(bureau, settings, url)
    rows = [
        list(r) for r in load_workbook(io.BytesIO(queued)).worksheets[0].iter_rows(values_only=True)
    ]
    assert rows[1] == ["JA", FORMULA, 6, 4, 3, 7]  # the same rows through the worker
    assert_formula_stays_text(queued)
    assert AuditLog.objects.filter(action="quotas.export_table").count() == 2
