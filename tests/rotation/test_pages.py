"""The bureau's pages: open a round through the form, see rules, needs, the plan and the
before/after indicators; the demo data loader."""

from __future__ import annotations

import io
import math
from types import SimpleNamespace

import pytest
from django.utils import timezone

from junheng.accounts.models import AuditLog
from junheng.errors import ActionError
from junheng.rotation import actions, demo, views
from junheng.rotation.models import Preference, RotationRound, SubjectNeed


def test_bureau_opens_a_round_through_the_form(county6, rusers, client):
    client.force_login(rusers["bureau"])
    assert client.get("/rotation/").status_code == 200
    r = client.post(
        "/rotation/",
        {
            "year": 2027,
            "min_years": 6,
            "share": "0.10",
            "backbone_share": "0.20",
            "backbone_basis": "eligible",
            "max_km": 25,
            "max_age_female": 50,
            "stint_years": 3,
        },
    )
    rnd = RotationRound.objects.get(year=2027)
    assert r.status_code == 302 and r["Location"] == f"/rotation/{rnd.pk}/"
    assert rnd.backbone_basis == "eligible" and rnd.max_km == 25 and rnd.max_age_female == 50
    assert SubjectNeed.objects.filter(round=rnd).count() > 0
    assert AuditLog.objects.filter(action="rotation.open_round").exists()
    # the same year twice is refused with a message
    r = client.post(
        "/rotation/",
        {
            "year": 2027,
            "min_years": 6,
            "share": "0.1",
            "backbone_share": "0.2",
            "backbone_basis": "movers",
            "max_km": 30,
            "stint_years": 3,
        },
    )
    assert r.status_code == 200 and "已经开启" in r.content.decode()
    # a ceiling below the floor is refused
    r = client.post(
        "/rotation/",
        {
            "year": 2028,
            "min_years": 6,
            "share": "0.3",
            "max_share": "0.2",
            "backbone_share": "0.2",
            "backbone_basis": "movers",
            "max_km": 30,
            "stint_years": 3,
        },
    )
    assert not RotationRound.objects.filter(year=2028).exists()


def test_round_page_shows_moves_and_before_after_indicators(rnd, rusers, client):
    client.force_login(rusers["bureau"])
    r = client.post(f"/rotation/{rnd.pk}/run/", follow=True)
    page = r.content.decode()
    run = rnd.latest_run()
    assert 'data-testid="moves"' in page and 'data-testid="balance"' in page
    for m in run.moves.select_related("teacher"):
        assert f'data-teacher="{m.teacher.code}"' in page
    assert str(run.summary["cv_backbone_after"]) in page
    assert 'data-indicator="primary-L2"' in page
    assert 'data-testid="publish"' in page


def test_max_share_caps_the_movers(rnd, rusers):
    from decimal import Decimal

    actions.do_update_rules(
        rnd, by=rusers["bureau"], share=Decimal("0.10"), max_share=Decimal("0.15")
    )
    rnd.refresh_from_db()
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == "done", run.message
    assert run.summary["moved"] <= int(0.15 * run.summary["eligible"])


def test_demo_opens_this_years_round_with_the_teacher_eligible(county6, rusers):
    out = io.StringIO()
    accounts = demo.load(SimpleNamespace(county=county6.county, out=out))
    assert accounts == []
    rnd = RotationRound.objects.get(year=timezone.localdate().year)
    assert rnd.min_years == 6 and rnd.max_km == 30.0
    assert str(rnd.share) == "0.1000" and str(rnd.backbone_share) == "0.2000"
    assert rnd.preference_deadline > timezone.localdate()
    first_teacher_user = rusers["teacher"]  # the first teacher account, as in the demo
    pref = Preference.objects.get(round=rnd, teacher=first_teacher_user.teacher)
    assert 1 <= len(pref.schools()) <= 3
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == "done"


def test_pages_in_english_and_the_export_stays_chinese(rnd, rusers, client):
    from django.utils import translation

    client.force_login(rusers["bureau"])
    client.post(f"/rotation/{rnd.pk}/run/")
    with translation.override("en"):
        page = client.get(f"/rotation/{rnd.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Run history" in page or "Re-run the plan" in page
    r = client.get(f"/rotation/{rnd.pk}/export.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(r.getvalue())).active
    assert "教师交流轮岗名单" in ws.cell(row=1, column=1).value


def test_target_share_sets_how_many_move(rnd, rusers):
    from decimal import Decimal

    bureau = rusers["bureau"]
    first = actions.do_run_plan(rnd, by=bureau)
    eligible = first.summary["eligible"]
    assert first.summary["moved"] == math.ceil(Decimal("0.10") * eligible)  # the floor
    actions.do_update_rules(rnd, by=bureau, target_share=Decimal("0.25"))
    rnd.refresh_from_db()
    run = actions.do_run_plan(rnd, by=bureau)
    assert run.status == "done", run.message
    assert run.rules["target_share"] == "0.2500"
    assert run.summary["moved"] == math.ceil(Decimal("0.25") * eligible)
    assert run.summary["violations"] == 0 and actions.recheck(run) == []


def test_target_share_must_lie_between_floor_and_ceiling(rnd, rusers, client):
    from decimal import Decimal

    bureau = rusers["bureau"]
    with pytest.raises(ActionError, match="目标交流比例不能低于下限"):
        actions.do_update_rules(rnd, by=bureau, target_share=Decimal("0.05"))
    actions.do_update_rules(rnd, by=bureau, max_share=Decimal("0.20"))
    with pytest.raises(ActionError, match="目标交流比例不能高于上限"):
        actions.do_update_rules(rnd, by=bureau, target_share=Decimal("0.25"))
    rnd.refresh_from_db()
    assert rnd.target_share is None
    # through the rules form: the field's error, nothing saved
    client.force_login(bureau)
    data = {k: "" if v is None else v for k, v in views._rules_initial(rnd).items()}
    data["target_share"] = "0.30"
    r = client.post(f"/rotation/{rnd.pk}/rules/", data)
    assert r.status_code == 400
    assert "目标交流比例不能高于上限" in r.content.decode()
    rnd.refresh_from_db()
    assert rnd.target_share is None
