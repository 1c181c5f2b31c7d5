"""Publishing freezes the round; stints are opened for every move; the export has the rows."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from junheng.accounts.models import AuditLog
from junheng.errors import ActionError
from junheng.rotation import actions
from junheng.rotation.models import Move, PinKind, RoundStatus, Stint, SubjectNeed


@pytest.fixture
def published(rnd, rusers):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    actions.do_publish(rnd, by=rusers["bureau"])
    rnd.refresh_from_db()
    return rnd, run


def test_published_plan_is_frozen(published, rusers, county6):
    rnd, run = published
    by = rusers["bureau"]
    assert rnd.status == RoundStatus.PUBLISHED and rnd.published_run == run
    t = rusers["teacher"].teacher
    school = county6.schools["R05"]
    refused = [
        lambda: actions.do_run_plan(rnd, by=by),
        lambda: actions.do_update_rules(rnd, by=by, share=Decimal("0.2")),
        lambda: actions.do_set_needs(rnd, school, by=by, needs={"math": 0}),
        lambda: actions.do_confirm_needs(rnd, school, by=by),
        lambda: actions.do_pin(rnd, by=by, teacher=t, school=school, kind=PinKind.LOCK),
        lambda: actions.do_state_preferences(rnd, by=rusers["teacher"], schools=[]),
        lambda: actions.do_publish(rnd, by=by),
    ]
    for call in refused:
        with pytest.raises(ActionError, match="2026 年度交流轮岗方案已发布，不能修改"):
            call()
    assert rnd.runs.count() == 1
    assert SubjectNeed.objects.filter(round=rnd, school=school, subject="math").exists()


def test_frozen_round_refuses_changes_through_the_pages(published, rusers, client):
    rnd, run = published
    client.force_login(rusers["bureau"])
    moves_before = sorted(Move.objects.filter(run=run).values_list("teacher_id", "to_school_id"))
    r = client.post(f"/rotation/{rnd.pk}/run/", follow=True)
    assert "已发布，不能修改" in r.content.decode()
    assert rnd.runs.count() == 1
    r = client.post(
        f"/rotation/{rnd.pk}/rules/",
        {
            "min_years": 3,
            "share": "0.5",
            "backbone_share": "0.2",
            "backbone_basis": "movers",
            "max_km": 30,
            "stint_years": 3,
        },
        follow=True,
    )
    rnd.refresh_from_db()
    assert rnd.min_years == 6
    assert (
        sorted(Move.objects.filter(run=run).values_list("teacher_id", "to_school_id"))
        == moves_before
    )
    page = client.get(f"/rotation/{rnd.pk}/").content.decode()
    assert 'data-testid="frozen"' in page and 'data-testid="run-plan"' not in page


def test_publish_opens_a_stint_for_every_move(published, county6):
    rnd, run = published
    stints = {s.teacher_id: s for s in Stint.objects.filter(round=rnd)}
    moves = list(run.moves.select_related("from_school", "to_school"))
    assert len(stints) == len(moves) > 0
    for m in moves:
        s = stints[m.teacher_id]
        assert (s.from_school_id, s.to_school_id, s.start_year) == (
            m.from_school_id,
            m.to_school_id,
            2026,
        )
        assert (
            s.planned_return_year - s.start_year >= 3
            if m.to_school.urban_rural == "rural"
            else True
        )
        assert not s.returned


def test_stints_due_to_return_are_listed_and_marked(published, rusers, client):
    rnd, _run = published
    stint = Stint.objects.filter(round=rnd).first()
    client.force_login(rusers["bureau"])
    page = client.get("/rotation/stints/?year=2028").content.decode()
    assert (
        f'data-teacher="{stint.teacher.code}"'
        not in page.split('data-testid="due"')[1].split("</table>")[0]
    )
    page = client.get(f"/rotation/stints/?year={stint.planned_return_year}").content.decode()
    due = page.split('data-testid="due"')[1].split("</table>")[0]
    assert f'data-teacher="{stint.teacher.code}"' in due
    client.post(f"/rotation/stints/{stint.pk}/returned/")
    stint.refresh_from_db()
    assert stint.returned and stint.returned_at is not None


def test_export_has_title_columns_rows_and_summary_and_is_audited(published, rusers, client):
    rnd, run = published
    client.force_login(rusers["bureau"])
    r = client.get(f"/rotation/{rnd.pk}/export.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.getvalue())).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert "试验县" in rows[0][0] and "2026" in rows[0][0]
    assert rows[1] == list(actions.EXPORT_COLUMNS)
    n = run.moves.count()
    body = rows[2 : 2 + n]
    assert [b[0] for b in body] == list(range(1, n + 1))
    names = {m.teacher.name for m in run.moves.select_related("teacher")}
    assert {b[1] for b in body} == names
    for b in body:
        assert b[2] in ("男", "女") and isinstance(b[3], int) and 0 < b[8] <= 30
        start, end = b[10].split("—")
        assert int(start) == 2026 and int(end) >= 2029
    labels = {row[0]: row[8] for row in rows[3 + n :] if row and row[0]}
    assert labels["交流教师（人）"] == n
    assert labels["符合交流条件教师（人）"] == run.summary["eligible"]
    assert labels["骨干教师差异系数（交流后）"] == run.summary["cv_backbone_after"]
    assert (
        AuditLog.objects.filter(actor=rusers["bureau"], action="rotation.export_plan").count() == 1
    )


def test_only_the_bureau_exports(published, rusers, client):
    rnd, _run = published
    for who in ("school", "teacher", "parent", "provider"):
        client.force_login(rusers[who])
        assert client.get(f"/rotation/{rnd.pk}/export.xlsx").status_code == 403
    assert not AuditLog.objects.filter(action="rotation.export_plan").exists()


def test_stints_still_serving_are_listed_fifty_a_page(county6, rusers, client):
    r1, r5 = county6.schools["R01"], county6.schools["R05"]
    Stint.objects.bulk_create(
        [
            Stint(
                teacher=t, from_school=r1, to_school=r5, start_year=2026, planned_return_year=2029
            )
            for t in county6.teachers
        ]
    )
    client.force_login(rusers["bureau"])

    def serving(url: str) -> str:
        page = client.get(url).content.decode()
        return page.split('data-testid="serving"')[1].split("</details>")[0]

    first, second = (
        serving("/rotation/stints/?year=2026"),
        serving("/rotation/stints/?year=2026&page=2"),
    )
    assert first.count("data-teacher=") == 50 and second.count("data-teacher=") == 10
    assert 'rel="next"' in first and "year=2026" in first.split('rel="next"')[0].split("href=")[-1]
    codes = {c.split('"')[0] for c in (first + second).split('data-teacher="')[1:]}
    assert codes == {t.code for t in county6.teachers}


def test_the_plan_export_keeps_formula_text_and_a_large_one_is_a_job(
    published, rusers, client, settings
):
    from junheng.region.models import Teacher
    from tests.exportcheck import FORMULA, assert_formula_stays_text, assert_job_path, body

    rnd, run = published
    mover = run.moves.order_by("from_school__code", "teacher__code").first()
    Teacher.objects.filter(pk=mover.teacher_id).update(name=FORMULA)
    client.force_login(rusers["bureau"])
    url = f"/rotation/{rnd.pk}/export.xlsx"
    assert_formula_stays_text(body(client.get(url)))
    queued = assert_job_path(client, settings, url)
    rows = [list(r) for r in load_workbook(io.BytesIO(queued)).active.iter_rows(values_only=True)]
    assert rows[1] == list(actions.EXPORT_COLUMNS) and rows[2][:2] == [1, FORMULA]
    assert_formula_stays_text(queued)
