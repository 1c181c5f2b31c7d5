"""Forecast runs: the stored rows through the engine, baseline and scenarios, the report."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from junheng.errors import ActionError

pytestmark = pytest.mark.django_db


def _rows(run, variant="baseline", code="S01"):
    return {r.year: r for r in run.rows.filter(variant=variant, school_code=code)}


def test_a_baseline_run_projects_every_school_with_two_years_and_lists_the_rest(places, users):
    from junheng.places.actions import do_run_forecast

    run = do_run_forecast(by=users["bureau"], years=3)
    assert run.status == "done", run.message
    base = places["base"]
    assert run.base_year == base
    s01 = _rows(run)
    assert sorted(s01) == [base + 1, base + 2, base + 3]
    first = s01[base + 1]
    assert (first.students, first.capacity, first.level) == (240, 270, "green")
    assert first.grades == {str(g): 40 for g in range(1, 7)}
    assert (first.classes_needed, first.classrooms_needed) == (6, 0)
    assert first.utilisation == pytest.approx(0.8889)
    # S03's empty class limit in the capacity file: the national 45 for a primary school.
    assert _rows(run, code="S03")[base + 1].capacity == 270
    assert run.summary["students_last"] == 240 + 150 + 60
    assert run.summary["red"] == 0
    assert [r["code"] for r in run.left_out] == ["S04"]
    assert not run.rows.filter(school_code="S04").exists()
    assert run.method["S01"][0] == [1, "mean", 40.0, 3]


def test_the_run_equals_the_command_line_engine_on_the_same_inputs(places, users):
    from junheng.engines.forecast import forecast
    from junheng.places import adapters
    from junheng.places.actions import do_run_forecast

    run = do_run_forecast(by=users["bureau"])
    inputs = adapters.forecast_inputs()
    again = forecast(inputs.enrolment, inputs.births, inputs.capacity)
    assert run.summary == again.summary


def test_a_housing_scenario_turns_a_school_red_beside_the_baseline(places, users, housing_scenario):
    from junheng.places import report
    from junheng.places.actions import do_run_forecast

    run = do_run_forecast(by=users["bureau"], scenario=housing_scenario, years=4)
    base = places["base"]
    scen = _rows(run, "scenario")
    assert scen[base + 1].students == 240  # the development is from base + 2 on
    assert (scen[base + 2].students, scen[base + 2].level) == (300, "red")  # 10 more a grade
    assert scen[base + 2].grades["1"] == 50
    assert {r.level for r in _rows(run).values()} == {"green"}  # the baseline is unchanged
    assert run.scenario_summary["red"] == 3 and run.summary["red"] == 0
    over = report.overflow(run, ("baseline", "scenario"))
    assert [(o.code, o.first) for o in over] == [("S01", {"baseline": None, "scenario": base + 2})]
    # 50 a grade at 45 a class: 2 classes a grade, 12 needed, 6 there.
    assert (scen[base + 2].classes_needed, scen[base + 2].classrooms_needed) == (12, 6)
    years = report.size_items(run, "scenario")
    assert [len(y.big_classes) for y in years] == [0, 1, 1, 1]
    assert run.scenario_inputs["housing"][0]["students"] == 60


def test_the_run_keeps_the_scenario_as_it_was(places, users, housing_scenario):
    from junheng.places.actions import do_delete_scenario, do_run_forecast

    run = do_run_forecast(by=users["bureau"], scenario=housing_scenario)
    do_delete_scenario(housing_scenario, by=users["bureau"])
    run.refresh_from_db()
    assert run.scenario is None and run.scenario_name == "新城住宅" and run.has_scenario
    assert run.rows.filter(variant="scenario").exists()


def test_a_merger_moves_the_students_and_the_merged_school_leaves(places, users):
    from junheng.places import actions

    sc = actions.do_create_scenario(by=users["bureau"], name="撤并村小")
    base = places["base"]
    actions.do_add_merger(
        sc, by=users["bureau"], school=places["S03"], into=places["school_a"], year=base + 2
    )
    run = actions.do_run_forecast(by=users["bureau"], scenario=sc, years=3)
    s01 = _rows(run, "scenario")
    assert [s01[y].students for y in sorted(s01)] == [240, 300, 300]
    assert sorted(_rows(run, "scenario", "S03")) == [base + 1]
    assert sorted(_rows(run, "baseline", "S03")) == [base + 1, base + 2, base + 3]


def test_a_new_school_takes_its_share_and_appears_with_its_own_capacity(places, users):
    from junheng.places import actions

    sc = actions.do_create_scenario(by=users["bureau"], name="新建南湖小学")
    base = places["base"]
    actions.do_add_opening(
        sc,
        by=users["bureau"],
        code="N01",
        name="南湖小学",
        from_school=places["school_a"],
        year=base + 1,
        share=Decimal("0.25"),
        classrooms=6,
    )
    run = actions.do_run_forecast(by=users["bureau"], scenario=sc, years=2)
    new = _rows(run, "scenario", "N01")
    assert new[base + 1].students == 60 and new[base + 1].school_name == "南湖小学"
    assert new[base + 1].school is None and new[base + 1].max_class == 45
    assert _rows(run, "scenario")[base + 1].students == 180


def test_scenario_items_the_data_cannot_carry_are_refused_and_not_saved(places, users):
    from junheng.places import actions
    from junheng.places.models import Housing, Merger

    by = users["bureau"]
    sc = actions.do_create_scenario(by=by, name="错误")
    with pytest.raises(ActionError, match="没有 7 年级"):
        actions.do_add_housing(
            sc, by=by, name="x", school=places["school_a"], year=2030, students=5, grade=7
        )
    with pytest.raises(ActionError, match="没有"):
        actions.do_add_merger(
            sc, by=by, school=places["school_b"], into=places["school_a"], year=2030
        )
    # S04 has one year of history only: the engine does not know it, so the change is undone.
    with pytest.raises(ActionError, match="预测引擎不接受"):
        actions.do_add_housing(sc, by=by, name="新村", school=places["S04"], year=2030, students=5)
    assert not Housing.objects.exists()
    actions.do_add_merger(sc, by=by, school=places["S03"], into=places["school_a"], year=2030)
    with pytest.raises(ActionError, match="最终的学校"):
        actions.do_add_merger(sc, by=by, school=places["school_a"], into=places["S03"], year=2030)
    assert Merger.objects.count() == 1
    with pytest.raises(ActionError, match="已被现有学校使用"):
        actions.do_add_opening(
            sc, by=by, code="S02", name="x", from_school=places["school_a"], year=2030,
            share=Decimal("0.5"), classrooms=3,
        )  # fmt: skip
    actions.do_add_opening(
        sc, by=by, code="N1", name="一", from_school=places["school_a"], year=2030,
        share=Decimal("0.6"), classrooms=3,
    )  # fmt: skip
    with pytest.raises(ActionError, match="合计将超过 1"):
        actions.do_add_opening(
            sc, by=by, code="N2", name="二", from_school=places["school_a"], year=2031,
            share=Decimal("0.5"), classrooms=3,
        )  # fmt: skip


def test_a_run_without_history_is_refused_and_bad_settings_too(region, users):
    from junheng.places.actions import do_run_forecast

    with pytest.raises(ActionError, match="尚无在校生历史数据"):
        do_run_forecast(by=users["bureau"])


def test_run_settings_are_checked(places, users):
    from junheng.places.actions import do_run_forecast

    with pytest.raises(ActionError, match="预测年数"):
        do_run_forecast(by=users["bureau"], years=0)
    with pytest.raises(ActionError, match="平均的最近年数"):
        do_run_forecast(by=users["bureau"], history=11)


def test_a_failed_engine_run_says_why_on_the_run(places, users, monkeypatch):
    from junheng.engines.io import InputError
    from junheng.places import adapters
    from junheng.places.actions import do_run_forecast

    def boom(*args, **kwargs):
        raise InputError("学位容量", None, "school_id", "no capacity row for school 'S09'")

    monkeypatch.setattr(adapters, "run_engine", boom)
    run = do_run_forecast(by=users["bureau"])
    assert run.status == "failed"
    assert "学位容量" in run.message and "S09" in run.message
    assert not run.rows.exists()


def test_a_school_without_a_capacity_row_is_taken_at_its_classes(places, users):
    from junheng.places import adapters
    from junheng.places.models import Capacity
    from junheng.region.models import SchoolClass

    Capacity.objects.filter(school=places["school_b"]).delete()
    SchoolClass.objects.bulk_create(
        [SchoolClass(school=places["school_b"], grade=g, number=1) for g in (7, 8, 9)]
    )
    assert adapters.default_capacity(places["school_b"]) == (3, 50)
    Capacity.objects.filter(school=places["S03"]).delete()  # no classes: what 10 a grade need
    assert adapters.default_capacity(places["S03"]) == (6, 45)


def test_the_export_is_a_planning_report_and_is_audited(places, users, housing_scenario, login):
    from junheng.accounts.models import AuditLog
    from junheng.places.actions import do_run_forecast

    run = do_run_forecast(by=users["bureau"], scenario=housing_scenario, years=3)
    r = login(users["bureau"]).get(f"/places/runs/{run.pk}/export.xlsx")
    assert ".xlsx" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.getvalue()), read_only=True)
    assert wb.sheetnames == [
        "汇总",
        "预警清单",
        "学位缺口",
        "班额与规模",
        "各校逐年预测",
        "情景内容",
        "说明",
    ]
    warn = list(wb["预警清单"].iter_rows(values_only=True))
    assert warn[1][:3] == ("方案", "学校代码", "学校")
    reds = [r for r in warn[2:] if r[-1] == "红色预警"]
    assert {(r[0], r[1]) for r in reds} == {("情景", "S01")}
    gap = list(wb["学位缺口"].iter_rows(values_only=True))
    assert gap[2][:4] == ("S01", "城关小学", "—", places["base"] + 2)
    assert AuditLog.objects.filter(action="places.export_report").count() == 1


def test_the_forecast_is_a_queued_job_that_a_worker_computes(places, users, settings, login):
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain
    from junheng.places.actions import do_run_forecast

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = do_run_forecast(by=users["bureau"], years=2)
    assert run.status == "queued" and not run.rows.exists()
    job = Job.latest_for(run, "places_forecast")
    assert job.state == "queued" and job.args == {"run_id": run.pk}
    page = login(users["bureau"]).get(f"/places/runs/{run.pk}/").content.decode()
    assert 'data-testid="job-progress"' in page
    assert drain() == 1
    run.refresh_from_db()
    job.refresh_from_db()
    assert run.status == "done" and job.state == "done" and run.rows.exists()


def test_a_cancelled_forecast_job_marks_the_run_failed(places, users, settings):
    from junheng.jobs.actions import request_cancel
    from junheng.jobs.models import Job
    from junheng.places.actions import do_run_forecast

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = do_run_forecast(by=users["bureau"])
    request_cancel(Job.latest_for(run), by=users["bureau"])
    run.refresh_from_db()
    assert run.status == "failed" and not run.rows.exists()
