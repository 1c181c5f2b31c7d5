"""Forecast runs (学位预测) and the planning report.

`do_run_forecast` records a run with its scenario as it is now and hands it to the task queue
(`junheng.jobs`: the body is `junheng.places.tasks.forecast_job`; inline in the demo, a worker
in production);
`execute_forecast` is the task body: the stored rows become the engine's frames (adapters), the
engine projects the baseline and the scenario, and the results are stored on the run.
`do_export_report` writes the planning report (.xlsx) through the shared export writer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from junheng.accounts.models import User, audit
from junheng.accounts.scoping import require_bureau
from junheng.errors import ActionError
from junheng.exports import Cell, Export, Sheet, in_language
from junheng.jobs.actions import progress, start_job
from junheng.jobs.models import Job
from junheng.places import adapters, report
from junheng.places.models import (
    ForecastRun,
    Level,
    ProjectedYear,
    RunStatus,
    Scenario,
    Variant,
)
from junheng.region.models import County, UrbanRural
from junheng.region.models import Level as SchoolLevel

logger = logging.getLogger(__name__)

MAX_YEARS = 15
MAX_HISTORY = 10


def do_run_forecast(
    *, by: User, scenario: Scenario | None = None, years: int = 6, history: int = 3
) -> ForecastRun:
    """Start a forecast (the baseline, and the scenario beside it when one is given)."""
    require_bureau(by)
    if not 1 <= years <= MAX_YEARS:
        raise ActionError(_("预测年数须在 1 到 %(n)s 之间") % {"n": MAX_YEARS})
    if not 1 <= history <= MAX_HISTORY:
        raise ActionError(_("平均的最近年数须在 1 到 %(n)s 之间") % {"n": MAX_HISTORY})
    if not adapters.history_years():
        raise ActionError(_("尚无在校生历史数据：请先生成本学年的学籍快照并导入往年数据"))
    with transaction.atomic():
        run = ForecastRun.objects.create(
            created_by=by,
            years=years,
            history=history,
            scenario=scenario,
            scenario_name=scenario.name if scenario is not None else "",
            scenario_inputs=adapters.scenario_inputs(scenario) if scenario is not None else {},
        )
        audit(by, "places.run_forecast", run, scenario=run.scenario_name, years=years)
    # The page returns at once; a worker computes the run (the demo's and the test suite's
    # immediate backend compute it right here). The job's progress bar is on the run's page.

    start_job(
        "places_forecast",
        "junheng.places.tasks.forecast_job",
        by=by,
        target=run,
        title=_("学位预测 #%(n)s 计算") % {"n": run.pk},
        max_attempts=2,
        on_fail="junheng.places.tasks.forecast_failed",
        run_id=run.pk,
    )
    run.refresh_from_db()
    return run


def execute_forecast(run_id: int, *, job: Job | None = None) -> dict[str, Any]:
    """The job body: engine inputs from the stored rows, baseline and scenario, stored rows.

    Computes outside any transaction and writes the results in one; `job` (a `junheng.jobs`
    Job) gets the stages and may be cancelled between them.
    """
    from junheng.engines.io import InputError

    def stage(text: str, pct: int) -> None:
        if job is not None:
            progress(job, text, pct)

    run = ForecastRun.objects.get(pk=run_id)
    if run.status == RunStatus.DONE:  # a retried job whose first attempt finished
        return {"status": run.status, **run.summary}
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    stage(_("读取在校生、出生人口和学位容量"), 10)
    inputs = adapters.forecast_inputs()
    if not len(inputs.enrolment):
        return _fail(run, _("没有学校有两个连续学年的在校生数据"))
    stage(_("逐校逐年级预测"), 30)
    try:
        base, other = adapters.run_engine(
            inputs, years=run.years, history=run.history, scenario=run.scenario_inputs or None
        )
    except InputError as err:
        return _fail(run, adapters.explain(err, run.scenario_inputs or None))
    stage(_("保存预测结果"), 70)
    rows = adapters.projected_rows(run, Variant.BASELINE, base, inputs)
    if other is not None:
        rows += adapters.projected_rows(run, Variant.SCENARIO, other, inputs, run.scenario_inputs)
    with transaction.atomic():
        ProjectedYear.objects.filter(run=run).delete()  # a retry starts clean
        ProjectedYear.objects.bulk_create(rows, batch_size=2000)
        run.base_year = inputs.base_year
        run.summary = base.summary
        run.scenario_summary = other.summary if other is not None else {}
        run.method = adapters.method_table(base)
        run.left_out = inputs.left_out
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(
            update_fields=[
                "base_year",
                "summary",
                "scenario_summary",
                "method",
                "left_out",
                "status",
                "finished_at",
            ]
        )
    return {"status": run.status, **base.summary}


def _fail(run: ForecastRun, message: str) -> dict[str, Any]:
    run.status = RunStatus.FAILED
    run.message = message[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])
    return {"status": run.status, "message": run.message}


# ---------------------------------------------------------------- the planning report


def do_export_report(*, by: User, run_id: int) -> Export:
    """A finished run's planning report (in Chinese whatever the UI language), served or
    written by a job through `junheng.exports.serve`; audited."""
    from junheng.places.access import access_run

    require_bureau(by)
    run = access_run(by, run_id)
    if not run.is_done:
        raise ActionError(_("预测尚未完成，无法导出"))
    with translation.override("zh-hans"):  # the filing layout is Chinese whatever the UI language
        sheets = [replace(s, rows=in_language("zh-hans", s.rows)) for s in report_sheets(run)]
    rows = run.rows.count()
    return Export(
        f"学位预测预警-{run.base_year}-{run.pk}.xlsx",
        sheets,
        rows=rows,
        audit="places.export_report",
        target=run,
    )


def _variants(run: ForecastRun) -> tuple[str, ...]:
    return (Variant.BASELINE, Variant.SCENARIO) if run.has_scenario else (Variant.BASELINE,)


def _pct(u: float) -> str:
    return f"{u * 100:.1f}%"


def report_sheets(run: ForecastRun) -> list[Sheet]:
    """The planning report's sheets (call it in the report's language; rows are lazy)."""
    county = County.objects.order_by("pk").first()
    name = county.name if county is not None else ""
    last = (run.base_year or 0) + run.years
    title = _("%(county)s义务教育学位预测与预警报告（基准学年 %(base)s，预测至 %(last)s 学年）") % {
        "county": name,
        "base": run.base_year,
        "last": last,
    }
    variants = _variants(run)
    level_names = dict(Level.choices)
    ur_names = dict(UrbanRural.choices)
    school_levels = dict(SchoolLevel.choices)

    def summary_rows() -> Iterator[list[Any]]:
        yield [_("预测编号"), run.pk]
        yield [
            _("计算时间"),
            timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M")
            if run.finished_at
            else "",
        ]
        yield [_("方法"), _("年级递升比率法（队列存活法），入学年级按学区出生人口 × 入学率")]
        yield [_("平均的最近年数"), run.history]
        yield [_("情景"), run.scenario_name or _("（仅基准）")]
        for v in variants:
            s = run.summary if v == Variant.BASELINE else run.scenario_summary
            label = Variant(v).label
            yield []
            yield [Cell(str(label), bold=True)]
            yield [_("基准学年在校生"), s.get("students_last")]
            yield [_("预测峰值在校生"), s.get("students_peak")]
            yield [_("峰值学年"), s.get("peak_year")]
            yield [_("红色预警（校·年）"), s.get("red")]
            yield [_("黄色预警（校·年）"), s.get("amber")]
            yield [_("结果 SHA-256"), s.get("result_sha256")]
        if run.left_out:
            yield []
            yield [Cell(str(_("未参与或部分参与预测的学校")), bold=True)]
            for r in run.left_out:
                yield [f"{r['code']} {r['name']}", r["reason"]]

    def warning_rows() -> Iterator[list[Any]]:
        for v in variants:
            for r in report.warnings(run, v):
                yield [
                    str(Variant(v).label),
                    r.school_code,
                    r.school_name,
                    str(ur_names.get(r.urban_rural, r.urban_rural)),
                    str(school_levels.get(r.school_level, r.school_level)),
                    r.year,
                    r.students,
                    r.capacity,
                    _pct(r.utilisation),
                    str(level_names[r.level]),
                ]

    def overflow_rows() -> Iterator[list[Any]]:
        for o in report.overflow(run, variants):
            yield [
                o.code,
                o.name,
                *[o.first.get(v) or "—" for v in variants],
                *[o.peak.get(v, 0) for v in variants],
                o.capacity,
                *[o.rooms.get(v, 0) for v in variants],
            ]

    def size_rows() -> Iterator[list[Any]]:
        for v in variants:
            for y in report.size_items(run, v):
                yield [
                    str(Variant(v).label),
                    y.year,
                    y.students,
                    y.capacity,
                    y.classrooms_needed,
                    len(y.oversize),
                    "、".join(f"{r.school_name} {r.students}" for r in y.oversize),
                    len(y.big_classes),
                    "、".join(
                        f"{r.school_name}（缺 {r.classrooms_needed} 间）" for r in y.big_classes
                    ),
                ]

    def detail_rows() -> Iterator[list[Any]]:
        for v in variants:
            for r in report.rows(run, v):
                yield [
                    str(Variant(v).label),
                    r.school_code,
                    r.school_name,
                    r.year,
                    r.students,
                    *[r.grades.get(str(g), "") for g in range(1, 10)],
                    r.capacity,
                    r.classrooms,
                    r.max_class,
                    _pct(r.utilisation),
                    str(level_names[r.level]),
                    r.classes_needed,
                    r.classrooms_needed,
                ]

    def scenario_rows() -> Iterator[list[Any]]:
        data = run.scenario_inputs or {}
        for h in data.get("housing", []):
            grade = h["grade"] or _("各年级平均")
            yield [
                _("新建住宅"),
                h["name"],
                h["school"],
                h["year"],
                _("新增 %(n)s 名学龄儿童（%(g)s）") % {"n": h["students"], "g": grade},
            ]
        for m in data.get("mergers", []):
            yield [
                _("学校撤并"),
                f"{m['school']} → {m['into']}",
                m["school"],
                m["year"],
                _("学生按年级并入 %(into)s") % {"into": m["into"]},
            ]
        for o in data.get("openings", []):
            yield [
                _("新建学校"),
                o["name"],
                o["from_school"],
                o["year"],
                _("划出 %(s)s 的学区学生；%(r)s 间教室 × %(m)s 人")
                % {"s": o["share"], "r": o["classrooms"], "m": o["max_class"]},
            ]

    vlabels = [str(Variant(v).label) for v in variants]
    sheets = [
        Sheet(
            _("汇总"),
            header=[_("项目"), _("内容")],
            rows=summary_rows(),
            caption=title,
            widths=(28, 70),
        ),
        Sheet(
            _("预警清单"),
            header=[
                _("方案"),
                _("学校代码"),
                _("学校"),
                _("城乡"),
                _("学段"),
                _("学年"),
                _("预测学生数"),
                _("学位数"),
                _("使用率"),
                _("预警"),
            ],
            rows=warning_rows(),
            caption=title,
        ),
        Sheet(
            _("学位缺口"),
            header=[
                _("学校代码"),
                _("学校"),
                *[_("首次超额学年（%(v)s）") % {"v": v} for v in vlabels],
                *[_("峰值学生数（%(v)s）") % {"v": v} for v in vlabels],
                _("学位数"),
                *[_("最多需增教室（%(v)s）") % {"v": v} for v in vlabels],
            ],
            rows=overflow_rows(),
            caption=title,
            wrap_header=True,
        ),
        Sheet(
            _("班额与规模"),
            header=[
                _("方案"),
                _("学年"),
                _("预测学生数"),
                _("学位数"),
                _("需增教室合计"),
                _("超规模学校数（G04）"),
                _("超规模学校"),
                _("大班额风险学校数（G05）"),
                _("大班额风险学校"),
            ],
            rows=size_rows(),
            caption=title,
            wrap_header=True,
        ),
        Sheet(
            _("各校逐年预测"),
            header=[
                _("方案"),
                _("学校代码"),
                _("学校"),
                _("学年"),
                _("学生数"),
                *[_("%(g)s 年级") % {"g": g} for g in range(1, 10)],
                _("学位数"),
                _("教室"),
                _("班额上限"),
                _("使用率"),
                _("预警"),
                _("需要班级数"),
                _("需增教室"),
            ],
            rows=detail_rows(),
            caption=title,
            wrap_header=True,
        ),
    ]
    if run.has_scenario:
        sheets.append(
            Sheet(
                _("情景内容"),
                header=[_("类型"), _("名称"), _("学校"), _("起始学年"), _("内容")],
                rows=scenario_rows(),
                caption=_("情景：%(name)s") % {"name": run.scenario_name},
            )
        )
    sheets.append(
        Sheet(
            _("说明"),
            header=[_("项目"), _("说明")],
            rows=[
                [
                    _("年级递升比率"),
                    _(
                        "某年级人数 ÷ 上一学年低一年级人数，取最近若干个可用学年的平均（分母为 0 的学年不计）；无可用学年时为 1。"
                    ),
                ],
                [
                    _("入学年级"),
                    _(
                        "有学区出生人口时：6 年前出生人口 × 入学率（最近若干学年一年级人数 ÷ 6 年前出生人口的平均）；否则取该年级最近若干学年的平均。"
                    ),
                ],
                [
                    _("取整"),
                    _(
                        "各值不取整地逐年递推，输出时四舍五入（0.5 进位）；学校人数为各年级取整后之和。"
                    ),
                ],
                [
                    _("预警"),
                    _(
                        "学位数 = 普通教室 × 班额上限；使用率超过 100% 为红色，90%—100%（含）为黄色，低于 90% 为正常。"
                    ),
                ],
                [
                    _("大班额风险（G05）"),
                    _(
                        "按各年级人数与班额上限（小学 45、初中 50）所需班级数之和超过现有教室：不增教室则部分班级将超额。"
                    ),
                ],
                [_("超规模（G04）"), _("小学、初中超过 2000 人，九年一贯制学校超过 2500 人。")],
                [
                    _("情景"),
                    _(
                        "新建住宅：自起始学年起每年增加相应学龄儿童；学校撤并：自撤并学年起学生按年级并入；新建学校：自开办学年起按比例分走原学区学生。"
                    ),
                ],
            ],
            widths=(24, 90),
            freeze="",
        )
    )
    return sheets
