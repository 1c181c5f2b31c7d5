"""The only writers of the balance monitor: snapshots, guarantee items, recognition, exports.

Each `do_<verb>` takes the acting user as `by=`, writes in one transaction and leaves an audit
record. Reading the live indicators and what-if lives in `adapters` (they never write).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor
from junheng.balance import items
from junheng.balance.adapters import Evaluation, county_evaluation, evaluate_raw, load_raw
from junheng.balance.models import BalanceSnapshot, GovernmentItem, ItemSource, SocialRecognition
from junheng.engines.balance import CV_LIMITS, INDICATORS, LEVELS
from junheng.errors import ActionError
from junheng.exports import Export, Sheet

# Reused by views, the API and the export so that labels agree.
LEVEL_LABELS = {"primary": "小学", "junior": "初中", "nine_year": "九年一贯制"}
UR_LABELS = {"urban": "城区", "town": "镇区", "rural": "乡村"}


def current_year() -> int:
    return timezone.localdate().year


def default_label(year: int) -> str:
    return _("%(a)s—%(b)s学年") % {"a": year - 1, "b": year}


def snapshot_rows(ev: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "level": r["level"],
            "school_level": r["school_level"],
            "urban_rural": r["urban_rural"],
            "students": r["students"],
            **{ind: round(v, 4) for ind, v in zip(INDICATORS, r["values"], strict=True)},
            "met": r["met"],
            "passes": r["passes"],
        }
        for r in ev.table()
    ]


@transaction.atomic
def do_take_snapshot(
    *,
    by: User | None,
    year: int | None = None,
    label: str = "",
    note: str = "",
    evaluation: Evaluation | None = None,
    synthetic: bool = False,
) -> BalanceSnapshot:
    """Keep the county's indicators now (or the given evaluation) as a snapshot of `year`."""
    require_actor(by, Role.BUREAU)
    year = year or current_year()
    ev = evaluation if evaluation is not None else county_evaluation()
    if ev.result is None:
        raise ActionError(_("没有可评估的学校（无学生数据）"))
    snap = BalanceSnapshot.objects.create(
        year=year,
        label=label or default_label(year),
        taken_at=timezone.now(),
        by=by,
        schools=snapshot_rows(ev),
        cv=ev.result.cv,
        cv_ok=ev.result.cv_ok,
        verdict=ev.result.verdict,
        schools_count=len(ev.result.schools),
        schools_passing=ev.result.schools_passing,
        synthetic=synthetic,
        note=note,
    )
    audit(by, "balance_snapshot", snap, year=year, verdict=snap.verdict, synthetic=synthetic)
    return snap


def do_take_synthetic_history(
    *, by: User | None, years: Mapping[int, Mapping[str, float]], note: str
) -> list[BalanceSnapshot]:
    """Snapshots of earlier years for a demo trend, derived from today's data and labelled so.

    `years` maps a year to the share of today's facility totals each urban/town/rural class of
    school had then, e.g. {2024: {"urban": 1.0, "town": 0.9, "rural": 0.8}}: the investment of
    the years between went mostly to town and rural schools. (A uniform factor would leave
    every CV unchanged: the CV does not depend on scale.) Teachers and students are today's.
    Every such snapshot is flagged `synthetic` and carries `note`.
    """
    require_actor(by, Role.BUREAU)
    raw = load_raw()
    out = []
    for year, factors in sorted(years.items()):
        scaled = {
            pk: replace(
                r,
                facilities={
                    k: v * factors.get(r.info.urban_rural, 1.0) for k, v in r.facilities.items()
                },
            )
            for pk, r in raw.items()
        }
        out.append(
            do_take_snapshot(
                by=by, year=year, note=note, evaluation=evaluate_raw(scaled), synthetic=True
            )
        )
    return out


def trend(snapshots: list[BalanceSnapshot]) -> dict[str, Any]:
    """Each CV by year (the latest snapshot of each year), per level, with the limits."""
    latest: dict[int, BalanceSnapshot] = {}
    for s in sorted(snapshots, key=lambda s: (s.year, s.taken_at)):
        latest[s.year] = s
    years = sorted(latest)
    series = {
        level: {ind: [latest[y].cv.get(level, {}).get(ind) for y in years] for ind in INDICATORS}
        for level in LEVELS
        if any(level in latest[y].cv for y in years)
    }
    return {
        "years": years,
        "snapshots": [latest[y] for y in years],
        "series": series,
        "limits": CV_LIMITS,
    }


# --- government items and social recognition ---------------------------------------------


def _item_defaults(spec: items.ItemSpec) -> dict[str, Any]:
    return {"title_zh": spec.title_zh, "title_en": spec.title_en, "rule": spec.rule}


@transaction.atomic
def do_refresh_items(*, year: int, by: User | None) -> list[GovernmentItem]:
    """Create the year's 15 items if missing and recompute those junheng can compute."""
    require_actor(by, Role.BUREAU)
    now = timezone.now()
    out = []
    for spec in items.ITEMS:
        obj, created = GovernmentItem.objects.get_or_create(
            year=year,
            code=spec.code,
            defaults={
                **_item_defaults(spec),
                "source": ItemSource.ENTERED,
                "updated_at": now,
                "updated_by": by,
            },
        )
        computed = items.compute_item(spec.code, year)
        if computed is not None:
            obj.value, obj.passes, obj.note = computed.value, computed.passes, computed.note
            obj.source = ItemSource.COMPUTED
            obj.updated_at, obj.updated_by = now, by
            obj.save()
        out.append(obj)
    audit(by, "balance_refresh_items", None, year=year)
    return out


@transaction.atomic
def do_enter_item(
    *,
    year: int,
    code: str,
    value: float | None,
    passes: bool | None,
    note: str,
    by: User,
) -> GovernmentItem:
    """The bureau's entry for an item junheng cannot compute (computed items are refused)."""
    require_actor(by, Role.BUREAU)
    spec = items.SPECS[code]
    if items.computable(code):
        raise ActionError(_("该项由系统根据数据计算，不能手工填报"))
    obj, _created = GovernmentItem.objects.update_or_create(
        year=year,
        code=code,
        defaults={
            **_item_defaults(spec),
            "value": value,
            "passes": items.judge(code, value, passes),
            "source": ItemSource.ENTERED,
            "note": note,
            "updated_at": timezone.now(),
            "updated_by": by,
        },
    )
    audit(by, "balance_enter_item", obj, year=year, code=code, value=value, passes=obj.passes)
    return obj


@transaction.atomic
def do_enter_recognition(
    *, year: int, satisfied_share: float, respondents: int, note: str, by: User
) -> SocialRecognition:
    require_actor(by, Role.BUREAU)
    obj, _created = SocialRecognition.objects.update_or_create(
        year=year,
        defaults={
            "satisfied_share": satisfied_share,
            "respondents": respondents,
            "note": note,
            "updated_at": timezone.now(),
            "updated_by": by,
        },
    )
    audit(by, "balance_enter_recognition", obj, year=year, share=satisfied_share)
    return obj


# --- export --------------------------------------------------------------------------------

INDICATOR_HEADERS = {
    "L1": "高于规定学历教师数/百生",
    "L2": "县级以上骨干教师数/百生",
    "L3": "体育艺术专任教师数/百生",
    "L4": "生均教学及辅助用房面积(m²)",
    "L5": "生均体育运动场馆面积(m²)",
    "L6": "生均教学仪器设备值(元)",
    "L7": "网络多媒体教室数/百生",
}


def county_sheet(ev: Evaluation, title: str) -> Sheet:
    """The county table in the layout of a supervision report (督导评估资源配置表)."""
    header = [
        "学校代码",
        "学校名称",
        "学段",
        "城乡类别",
        "学生数",
        *(f"{ind} {INDICATOR_HEADERS[ind]}" for ind in INDICATORS),
        "达标项数",
        "是否达标",
    ]

    def rows() -> Iterator[list[Any]]:
        for r in ev.table():
            yield [
                r["code"],
                r["name"],
                LEVEL_LABELS[r["level"]],
                UR_LABELS.get(r["urban_rural"], r["urban_rural"]),
                r["students"],
                *(round(v, 2) for v in r["values"]),
                r["met"],
                "是" if r["passes"] else "否",
            ]
        yield []
        for row in ev.cv_rows():
            yield [
                "",
                f"{LEVEL_LABELS[row['level']]}差异系数",
                LEVEL_LABELS[row["level"]],
                f"≤ {row['limit']:.2f}",
                "",
                *(c["cv"] for c in row["cells"]),
                sum(c["ok"] for c in row["cells"]),
                "是" if row["ok"] else "否",
            ]
        if ev.result is not None:
            passing = f"达标学校 {ev.result.schools_passing}/{len(ev.result.schools)}"
            verdict = "达标" if ev.result.verdict == "pass" else "未达标"
            yield ["", "资源配置结论", "", "", "", passing, *[""] * 7, verdict]

    return Sheet(
        "资源配置",
        caption=title,
        header=header,
        rows=rows(),
        widths=[12, 22, 8, 9, 8, *([14] * 7), 9, 9],
        freeze="C3",
        wrap_header=True,
    )


def do_export_county_xlsx(*, by: User, title: str = "") -> Export:
    """The county table (counted now, not the pages' kept counts), served through
    `junheng.exports.serve`; every export is audited."""
    require_actor(by, Role.BUREAU)
    ev = county_evaluation()
    year = current_year()
    title = title or f"义务教育优质均衡发展资源配置指标统计表（{default_label(year)}）"
    return Export(
        f"balance-{year}.xlsx",
        [county_sheet(ev, title)],
        rows=len(ev.schools) + 4,
        audit="export_balance_xlsx",
        details={"schools": len(ev.schools), "verdict": ev.verdict},
    )
