"""The trade-off of movers: a job plans the round at 10%–30% of eligible teachers and stores, per
share, the movers, the backbone movers and the CVs after the plan; the round page shows the table
and the chart data; the bureau chooses a share, which becomes the round's target and sets how
many the next plan moves. Only the bureau runs it or chooses."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from junheng.accounts.models import AuditLog
from junheng.errors import ActionError
from junheng.jobs.models import Job
from junheng.rotation import actions
from junheng.rotation.models import RunStatus, Tradeoff

SHARES = [0.1, 0.15, 0.2, 0.25, 0.3]


@pytest.fixture
def tradeoff(rnd, rusers):
    return actions.do_run_tradeoff(rnd, by=rusers["bureau"], time_limit_s=20)


def test_the_job_stores_one_row_per_share_with_what_the_engine_guarantees(rnd, tradeoff):
    tr = Tradeoff.objects.get(pk=tradeoff.pk)
    assert tr.status == RunStatus.DONE, tr.message
    job = Job.latest_for(tr, "rotation_tradeoff")
    assert job is not None and job.state == "done" and job.pct == 100
    assert [r["share"] for r in tr.rows] == SHARES
    eligible = tr.eligible
    assert eligible > 0
    for r in tr.rows:
        assert "error" not in r
        # every rule kept, the target moved (the county allows 30%), the backbone share kept
        assert r["violations"] == 0
        assert r["target"] == max(math.ceil(Decimal(str(r["share"])) * eligible), 1)
        assert r["moved"] == r["target"]
        assert r["backbone_moved"] >= math.ceil(Decimal("0.2") * r["moved"])
        for key in ("cv_backbone_after", "cv_qualified_after"):
            assert 0 <= r[key] < 10
        assert r["cv_backbone_before"] == tr.rows[0]["cv_backbone_before"]
    moved = [r["moved"] for r in tr.rows]
    assert moved == sorted(moved) and moved[0] < moved[-1]
    assert AuditLog.objects.filter(action="rotation.run_tradeoff").count() == 1


def test_the_round_page_shows_the_table_and_the_chart(rnd, rusers, tradeoff, client):
    client.force_login(rusers["bureau"])
    page = client.get(f"/rotation/{rnd.pk}/").content.decode()
    assert 'data-testid="tradeoff-table"' in page and 'id="tradeoff-chart"' in page
    assert "rotation/tradeoff_chart.js" in page
    for pct in (10, 15, 20, 25, 30):
        assert f'data-share="{pct}"' in page
        assert f'data-testid="choose-{pct}"' in page  # the floor is 10%, no ceiling
    start = page.index('id="tradeoff-chart-data"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    tr = Tradeoff.objects.get(pk=tradeoff.pk)
    assert data["backbone"] == [r["cv_backbone_after"] for r in tr.rows]
    assert data["qualified"] == [r["cv_qualified_after"] for r in tr.rows]
    assert "<script>" not in page.replace('<script src="', "")  # no inline script (CSP)


def test_choosing_a_share_sets_the_target_and_the_plan_moves_that_many(
    rnd, rusers, tradeoff, client
):
    bureau = rusers["bureau"]
    before = actions.do_run_plan(rnd, by=bureau)
    tr = Tradeoff.objects.get(pk=tradeoff.pk)
    assert before.summary["moved"] == tr.rows[0]["moved"]  # the floor, 10%
    client.force_login(bureau)
    r = client.post(f"/rotation/{rnd.pk}/tradeoff/choose/", {"share": "0.25"}, follow=True)
    assert r.status_code == 200
    rnd.refresh_from_db()
    assert rnd.target_share == Decimal("0.25")
    assert 'data-testid="chosen-25"' in r.content.decode()
    assert AuditLog.objects.filter(action="rotation.choose_share").count() == 1
    run = actions.do_run_plan(rnd, by=bureau)
    assert run.status == RunStatus.DONE, run.message
    assert run.summary["moved"] == tr.rows[3]["moved"] > before.summary["moved"]
    assert actions.recheck(run) == []


def test_a_share_outside_the_floor_and_ceiling_or_not_in_the_table_is_refused(
    rnd, rusers, tradeoff, client
):
    bureau = rusers["bureau"]
    actions.do_update_rules(rnd, by=bureau, share=Decimal("0.15"), max_share=Decimal("0.25"))
    rnd.refresh_from_db()
    for bad, says in (
        ("0.1", "目标交流比例不能低于下限"),
        ("0.3", "目标交流比例不能高于上限"),
        ("0.17", "无效的交流比例"),
        ("abc", "无效的交流比例"),
        ("", "无效的交流比例"),
    ):
        with pytest.raises(ActionError, match=says):
            actions.do_choose_share(rnd, by=bureau, share=bad)
    rnd.refresh_from_db()
    assert rnd.target_share is None
    client.force_login(bureau)
    page = client.get(f"/rotation/{rnd.pk}/").content.decode()
    assert 'data-testid="choose-10"' not in page and 'data-testid="choose-30"' not in page
    assert 'data-testid="choose-15"' in page and 'data-testid="choose-25"' in page
    assert 'data-testid="tradeoff-stale"' in page  # the rules changed after the table


@pytest.mark.parametrize("who", ["school", "teacher", "parent", "provider"])
def test_only_the_bureau_runs_or_chooses(rnd, rusers, tradeoff, client, who):
    user = rusers[who]
    with pytest.raises(PermissionDenied):
        actions.do_run_tradeoff(rnd, by=user)
    with pytest.raises(PermissionDenied):
        actions.do_choose_share(rnd, by=user, share="0.2")
    client.force_login(user)
    assert client.post(f"/rotation/{rnd.pk}/tradeoff/").status_code == 403
    assert client.post(f"/rotation/{rnd.pk}/tradeoff/choose/", {"share": "0.2"}).status_code == 403
    rnd.refresh_from_db()
    assert rnd.target_share is None
    assert Tradeoff.objects.count() == 1


def test_a_published_round_refuses_both(rnd, rusers, tradeoff):
    bureau = rusers["bureau"]
    actions.do_run_plan(rnd, by=bureau)
    actions.do_publish(rnd, by=bureau)
    rnd.refresh_from_db()
    with pytest.raises(ActionError, match="2026 年度交流轮岗方案已发布，不能修改"):
        actions.do_run_tradeoff(rnd, by=bureau)
    with pytest.raises(ActionError, match="2026 年度交流轮岗方案已发布，不能修改"):
        actions.do_choose_share(rnd, by=bureau, share="0.2")
