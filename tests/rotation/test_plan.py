"""The app's plan: every hard rule holds on the stored moves (checked again with the engine's
independent `check_rotation`), the engine's figures are kept, and the balance monitor's what-if
gives the same before/after indicators; infeasible rules end the run with the engine's reason;
locks and forbids are honoured when the bureau re-runs."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.errors import ActionError
from junheng.region.models import Teacher
from junheng.rotation import actions, adapters
from junheng.rotation.models import Move, Pin, PinKind, RunStatus, SubjectNeed


def _moves(run):
    return {m.teacher.code: (m.from_school.code, m.to_school.code) for m in run.moves.all()}


def test_plan_obeys_every_hard_rule_on_stored_moves(rnd, rusers):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == RunStatus.DONE, run.message
    assert actions.recheck(run) == []
    s = run.summary
    assert s["violations"] == 0
    assert s["moved"] == Move.objects.filter(run=run).count() > 0
    assert s["moved"] >= math.ceil(Decimal("0.10") * s["eligible"])
    backbone = Move.objects.filter(run=run, backbone=True).count()
    assert backbone >= math.ceil(Decimal("0.2") * s["moved"])
    assert s["cv_backbone_after"] < s["cv_backbone_before"]
    # every mover served six years at the school the move starts from, and in = out per school
    for m in run.moves.select_related("teacher"):
        assert m.teacher.years_at_school >= 6
        assert m.from_school_id == m.teacher.school_id
        assert m.km <= 30.0
    out = {}
    for m in run.moves.all():
        out[m.from_school_id] = out.get(m.from_school_id, 0) - 1
        out[m.to_school_id] = out.get(m.to_school_id, 0) + 1
    assert set(out.values()) <= {0}


def test_balance_monitor_what_if_matches_the_engine_figures(rnd, rusers):
    """All six schools are primary, so the monitor's L1/L2 CVs are the engine's own CVs."""
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    s, b = run.summary, run.balance
    assert b["source"] == "balance.what_if"
    l1, l2 = b["levels"]["primary"]["L1"], b["levels"]["primary"]["L2"]
    assert l1 == pytest.approx([s["cv_qualified_before"], s["cv_qualified_after"]], abs=1e-4)
    assert l2 == pytest.approx([s["cv_backbone_before"], s["cv_backbone_after"]], abs=1e-4)
    assert len(b["passing"]) == 2


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    min_years=st.integers(3, 10),
    share=st.sampled_from(["0.05", "0.10", "0.20", "0.30"]),
    backbone_share=st.sampled_from(["0", "0.10", "0.20", "0.30"]),
    basis=st.sampled_from(["movers", "eligible"]),
    max_km=st.sampled_from([12.0, 20.0, 30.0]),
    age_cap=st.sampled_from([None, 50]),
)
def test_every_rule_set_gives_a_valid_plan_or_a_reason(
    rnd, rusers, min_years, share, backbone_share, basis, max_km, age_cap
):
    with transaction.atomic():
        actions.do_update_rules(
            rnd,
            by=rusers["bureau"],
            min_years=min_years,
            share=Decimal(share),
            backbone_share=Decimal(backbone_share),
            backbone_basis=basis,
            max_km=max_km,
            max_age_male=age_cap,
        )
        rnd.refresh_from_db()
        run = actions.do_run_plan(rnd, by=rusers["bureau"], time_limit_s=20)
        if run.status == RunStatus.DONE:
            assert run.summary["violations"] == 0
            assert actions.recheck(run) == []
        else:
            assert run.status == RunStatus.INFEASIBLE
            assert run.message.strip()
        transaction.set_rollback(True)


def test_infeasible_need_is_shown_with_the_engine_reason(rnd, rusers, county6, client):
    """School R01 must keep its 4 maths teachers while 3 of them are locked to move away, and
    no other maths teacher may move: the run says so, naming the school."""
    school = county6.schools["R01"]
    maths = list(Teacher.objects.filter(school=school, subject="math").order_by("code"))
    assert len(maths) == 4
    Teacher.objects.filter(subject="math").exclude(school=school).update(years_at_school=1)
    Teacher.objects.filter(pk__in=[t.pk for t in maths]).update(years_at_school=9)
    actions.do_set_needs(rnd, school, by=rusers["bureau"], needs={"math": 4, "chinese": 3})
    for t in maths[:3]:
        actions.do_pin(
            rnd, by=rusers["bureau"], teacher=t, school=county6.schools["R03"], kind=PinKind.LOCK
        )
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == RunStatus.INFEASIBLE
    assert "school R01 cannot keep 4 math teachers if 3 of its 4 must move" in run.message
    assert not run.moves.exists()
    client.force_login(rusers["bureau"])
    page = client.get(f"/rotation/{rnd.pk}/").content.decode()
    assert "cannot keep 4 math teachers if 3 of its 4 must move" in page
    assert 'data-testid="reason"' in page
    # no infeasible plan can be published
    with pytest.raises(ActionError, match="请先计算出可行的交流方案再发布"):
        actions.do_publish(rnd, by=rusers["bureau"])


def test_share_out_of_reach_is_reported(rnd, rusers):
    actions.do_update_rules(rnd, by=rusers["bureau"], share=Decimal("1"), max_km=5.0)
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == RunStatus.INFEASIBLE
    assert "share" in run.message and "movers" in run.message


def test_locks_and_forbids_are_honoured_on_rerun(rnd, rusers, county6):
    by = rusers["bureau"]
    first = _moves(actions.do_run_plan(rnd, by=by))
    ordered = sorted(first.items())
    forbidden_tid, (_a, forbidden_to) = ordered[0]
    locked_tid, (_b, locked_to) = ordered[1]
    stay_tid, (stay_home, _c) = ordered[2]
    t = {x.code: x for x in county6.teachers}
    s = county6.schools
    actions.do_pin(rnd, by=by, teacher=t[forbidden_tid], school=s[forbidden_to], kind="forbid")
    actions.do_pin(rnd, by=by, teacher=t[locked_tid], school=s[locked_to], kind="lock")
    actions.do_pin(rnd, by=by, teacher=t[stay_tid], school=s[stay_home], kind="lock")
    # an eligible urban teacher the first plan left in place is locked to a rural school
    extra = next(
        x
        for x in county6.teachers
        if x.years_at_school >= 6 and x.school.code == "R02" and x.code not in first
    )
    actions.do_pin(rnd, by=by, teacher=extra, school=s["R05"], kind="lock")
    run = actions.do_run_plan(rnd, by=by)
    assert run.status == RunStatus.DONE, run.message
    second = _moves(run)
    assert second.get(forbidden_tid, (None, None))[1] != forbidden_to
    assert second[locked_tid][1] == locked_to
    assert stay_tid not in second
    assert second[extra.code] == ("R02", "R05")
    assert run.moves.get(teacher__code=extra.code).locked
    assert actions.recheck(run) == []
    # removing the forbid lets the teacher be planned there again (the pin is gone)
    pin = Pin.objects.get(round=rnd, teacher=t[forbidden_tid], kind="forbid")
    actions.do_unpin(pin, by=by)
    assert not Pin.objects.filter(round=rnd, kind="forbid").exists()


def test_a_new_lock_replaces_the_old_one(rnd, rusers, county6):
    by = rusers["bureau"]
    t = next(x for x in county6.teachers if x.years_at_school >= 6 and x.school.code == "R01")
    actions.do_pin(rnd, by=by, teacher=t, school=county6.schools["R05"], kind="lock")
    actions.do_pin(rnd, by=by, teacher=t, school=county6.schools["R06"], kind="lock")
    assert list(
        Pin.objects.filter(round=rnd, teacher=t).values_list("school__code", flat=True)
    ) == ["R06"]
    with pytest.raises(ActionError, match="不能禁止教师留在本校；请改为锁定"):
        actions.do_pin(rnd, by=by, teacher=t, school=t.school, kind="forbid")


def test_preferences_reach_the_engine_and_count_when_met(rnd, rusers):
    teacher = rusers["teacher"].teacher
    choices = [s for s, _km in adapters.reachable_schools(rnd, teacher)]
    actions.do_state_preferences(rnd, by=rusers["teacher"], schools=choices[:3])
    inputs = adapters.round_inputs(rnd)
    mine = next(t for t in inputs.teachers if t.teacher_id == teacher.code)
    assert mine.prefs == tuple(s.code for s in choices[:3])
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    met = run.moves.exclude(pref_rank=0)
    assert run.summary["pref_met"] == met.count()
    for m in met:  # only this teacher stated preferences
        assert m.teacher_id == teacher.pk
        assert m.to_school == choices[m.pref_rank - 1]


def test_needs_default_to_85_percent_of_staff(rnd, county6):
    need = SubjectNeed.objects.get(round=rnd, school=county6.schools["R01"], subject="math")
    assert need.required == 3  # 4 maths teachers at R01, 85% rounded down
    assert not SubjectNeed.objects.filter(
        round=rnd, subject="it", school=county6.schools["R05"]
    ).exists()


def test_the_plan_is_computed_by_a_worker_with_progress_and_one_at_a_time(
    rnd, rusers, client, settings
):
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(rusers["bureau"])
    client.post(f"/rotation/{rnd.pk}/run/")
    run = rnd.runs.get()
    assert run.status == RunStatus.QUEUED
    page = client.get(f"/rotation/{rnd.pk}/").content.decode()
    assert 'data-testid="job-progress"' in page and 'data-testid="run-plan"' not in page
    with pytest.raises(ActionError, match="方案正在计算中，请等待完成"):
        actions.do_run_plan(rnd, by=rusers["bureau"])
    drain()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.moves.exists()
    job = Job.latest_for(run)
    assert job.state == "done" and job.pct == 100
