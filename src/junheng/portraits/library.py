"""The bureau's indicator library as people edit and read it (评价指标库).

A version is a table of indicators (the engine's format: docs/engines.md, "junheng
portraits"). The bureau's page edits it as rows; `check_rows` checks every row and names each
problem by row and field in the user's language (the engine then checks the table again when
it is saved: one source of truth for the rules), and `rule_text` says in words how an
indicator scores ("why is this 72?").
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from junheng.engines.portraits import Indicator
from junheng.engines.portraits.library import (
    AGGREGATES,
    DIMENSIONS,
    METHODS,
    MISSING,
    parse_grades,
)
from junheng.portraits.adapters import parse_library
from junheng.portraits.models import IndicatorLibrary

FIELDS = (
    "indicator", "label", "dimension", "weight", "method", "aggregate", "missing", "bands",
    "low", "high", "grades", "sex",
)  # fmt: skip
SEX_LABELS = {"": _lazy("男女"), "M": _lazy("男生"), "F": _lazy("女生")}
METHOD_LABELS = {
    "linear": _lazy("线性（两端之间按比例）"),
    "bands": _lazy("分段（达到门槛得相应分）"),
    "percentile": _lazy("年级内百分位"),
}
AGGREGATE_LABELS = {
    "mean": _lazy("平均"),
    "sum": _lazy("合计"),
    "max": _lazy("最高"),
    "min": _lazy("最低"),
    "count": _lazy("记录条数"),
}
MISSING_LABELS = {"skip": _lazy("不计分"), "zero": _lazy("按 0 计")}
INDICATOR_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row's number on the page (1 = the first)
    field: str
    reason: str


def rows_of(lib: IndicatorLibrary | None) -> list[dict[str, str]]:
    """A version's indicators as the page's rows (every field as text)."""
    if lib is None:
        return []
    out = []
    for i in parse_library(lib.table):
        out.append(
            {
                "indicator": i.indicator,
                "label": i.label,
                "dimension": i.dimension,
                "weight": _plain(i.weight),
                "method": i.method,
                "aggregate": i.aggregate,
                "missing": i.missing,
                "bands": "|".join(f"{_plain(t)}:{_plain(s)}" for t, s in i.bands),
                "low": "" if i.low is None else _plain(i.low),
                "high": "" if i.high is None else _plain(i.high),
                "grades": i.grades_text,
                "sex": i.sex,
            }
        )
    return out


def _plain(d: Decimal) -> str:
    s = format(d, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _number(text: str) -> Decimal | None:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _check_bands(text: str) -> str | None:
    """None when `text` is threshold:score pairs with thresholds ascending, else the reason."""
    if not text:
        return _("分段方法需要填写分段，如 0:60|1:80|2:95")
    last: Decimal | None = None
    for part in text.split("|"):
        t, sep, s = part.partition(":")
        threshold, score = _number(t.strip()), _number(s.strip())
        if not sep or threshold is None or score is None:
            return _("「%(p)s」不是「门槛:得分」") % {"p": part.strip()[:30]}
        if not 0 <= score <= 100:
            return _("得分 %(s)s 不在 0–100 之间") % {"s": s.strip()}
        if last is not None and threshold <= last:
            return _("门槛须从小到大排列")
        last = threshold
    return None


def check_rows(rows: list[tuple[int, dict[str, str]]]) -> list[RowProblem]:
    """Every problem of every (row number, row) (blank and deleted rows left out before)."""
    problems: list[RowProblem] = []
    seen: dict[str, list[tuple[int, tuple[int, int], str, str]]] = {}
    for n, r in rows:

        def bad(field: str, reason: str, n: int = n) -> None:
            problems.append(RowProblem(n, field, reason))

        ind = r.get("indicator", "")
        if not ind:
            bad("indicator", _("必填"))
        elif len(ind) > 60 or not INDICATOR_RE.fullmatch(ind):
            bad("indicator", _("指标代码为小写英文、数字和下划线，以点分隔，如 health.run_50m"))
        dim = r.get("dimension", "")
        grades: tuple[int, int] | None = None
        try:
            grades = parse_grades(r.get("grades", ""))
        except ValueError:
            bad("grades", _("适用年级写作 3 或 3-4（1–12 年级），空为全部年级"))
        sex = r.get("sex", "")
        if sex not in SEX_LABELS:
            bad("sex", _("请选择适用性别"))
        if ind and grades is not None and sex in SEX_LABELS:
            # one indicator may have several rows, one per grade group and sex (the fitness
            # standard's tables): no grade and sex in two of them, the same dimension
            for other_n, other_grades, other_sex, other_dim in seen.get(ind, []):
                if (
                    grades[0] <= other_grades[1]
                    and other_grades[0] <= grades[1]
                    and (sex == other_sex or "" in (sex, other_sex))
                ):
                    bad(
                        "indicator",
                        _("与第 %(n)d 行的指标重复（适用年级和性别重叠）") % {"n": other_n},
                    )
                    break
                if other_dim != dim:
                    bad(
                        "dimension",
                        _("同一指标的各行须属同一维度（见第 %(n)d 行）") % {"n": other_n},
                    )
                    break
            seen.setdefault(ind, []).append((n, grades, sex, dim))
        if dim not in DIMENSIONS:
            bad("dimension", _("请选择维度"))
        elif ind.endswith(".afterschool") and ind != f"{dim}.afterschool":
            bad("indicator", _("课后服务指标须为 arts.afterschool 或 labour.afterschool"))
        weight = _number(r.get("weight", ""))
        if weight is None:
            bad("weight", _("应为数字"))
        elif weight <= 0 or weight > 1000 or weight != weight.quantize(Decimal("0.001")):
            bad("weight", _("权重须大于 0、不超过 1000，最多 3 位小数"))
        method = r.get("method", "")
        if method not in METHODS:
            bad("method", _("请选择计分方法"))
        if (r.get("aggregate") or "mean") not in AGGREGATES:
            bad("aggregate", _("请选择汇总方式"))
        if (r.get("missing") or "skip") not in MISSING:
            bad("missing", _("请选择无记录时的处理"))
        if method == "bands":
            reason = _check_bands(r.get("bands", ""))
            if reason:
                bad("bands", reason)
        elif method == "linear":
            low, high = _number(r.get("low", "")), _number(r.get("high", ""))
            if low is None:
                bad("low", _("线性方法需要填写 0 分端（数字）"))
            if high is None:
                bad("high", _("线性方法需要填写 100 分端（数字）"))
            if low is not None and high is not None and low == high:
                bad("high", _("两端不能相同"))
        if len(r.get("label", "")) > 100:
            bad("label", _("最多 100 字"))
    if not rows:
        problems.append(RowProblem(1, "indicator", _("至少需要一个指标")))
    return problems


def table_of(version: str, rows: list[dict[str, str]]) -> str:
    """The rows as the engine's library table (CSV text), tagged with `version`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["version", *FIELDS])
    for r in rows:
        method = r.get("method", "")
        writer.writerow(
            [
                version,
                *(
                    ""
                    if (f == "bands" and method != "bands")
                    or (f in ("low", "high") and method != "linear")
                    else r.get(f, "")
                    for f in FIELDS
                ),
            ]
        )
    return out.getvalue()


def group_text(grades: str, sex: str) -> str:
    """Who a rule is for, in words ("3-4 年级女生"; "" for every child)."""
    who = _("适用于 %(g)s 年级") % {"g": grades} if grades else ""
    if sex in ("M", "F"):
        who = (who or _("适用于")) + str(SEX_LABELS[sex])
    return who


def share(i: Indicator, rows: list[Indicator]) -> int:
    """The row's weight as a % of its dimension for a child of its group (the rows of the
    dimension that apply to a child of its first grade and sex, boys for a rule for both)."""
    grade, sex = i.grades[0], i.sex or "M"
    total = sum(j.weight for j in rows if j.applies(grade, sex))
    return round(100 * i.weight / total) if total else 0


def rule_text(i: Indicator) -> str:
    """How an indicator scores, in words: who the rule is for, what a child's records become,
    then the score."""
    who = group_text(i.grades_text, i.sex)
    combine = _("%(agg)s记录") % {"agg": AGGREGATE_LABELS.get(i.aggregate, i.aggregate)}
    if i.method == "linear" and i.low is not None and i.high is not None:
        rule = _("%(low)s 为 0 分，%(high)s 为 100 分，之间按比例") % {
            "low": _plain(i.low),
            "high": _plain(i.high),
        }
    elif i.method == "bands":
        rule = _("分段：") + "，".join(
            _("≥%(t)s 得 %(s)s") % {"t": _plain(t), "s": _plain(s)} for t, s in i.bands
        )
    else:
        rule = _("同年级学生中的百分位")
    missing = _("无记录按 0 计") if i.missing == "zero" else ""
    return "；".join(x for x in (who, combine, rule, missing) if x)


def applied_text(method: str, band: float | None) -> str:
    """Which band of a band rule a score came from ("" for other rules)."""
    if method != "bands":
        return ""
    if band is None:
        return _("未达到最低一档")
    return _("达到「≥%(t)s」一档") % {"t": _plain(Decimal(str(band)))}


def label_text(label: str) -> str:
    """An indicator's label for people: the default library's (English, in the engine's file)
    through the catalogues; a label the bureau wrote stays as written."""
    return _(label) if label else ""


def rules_by_version(
    versions: set[str],
) -> dict[str, dict[tuple[str, str, str], tuple[str, str, str]]]:
    """version → (indicator, grades, sex) → (label, rule in words, method), for the versions
    a portrait cites; (indicator, "", "") is also the indicator's first row (explanations
    stored before rules had groups name only the indicator)."""
    out: dict[str, dict[tuple[str, str, str], tuple[str, str, str]]] = {}
    for lib in IndicatorLibrary.objects.filter(version__in=versions):
        rules: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        for i in parse_library(lib.table):
            text = (label_text(i.label), rule_text(i), i.method)
            rules[(i.indicator, i.grades_text, i.sex)] = text
            rules.setdefault((i.indicator, "", ""), text)
        out[lib.version] = rules
    return out


def form_rows(data: Any, count: int) -> list[tuple[int, dict[str, str]]]:
    """The page's posted (row number, row)s (`row-<n>-<field>`, n from 1), blank and deleted
    rows left out."""
    rows = []
    for n in range(1, count + 1):
        row = {f: str(data.get(f"row-{n}-{f}", "")).strip() for f in FIELDS}
        if data.get(f"row-{n}-delete") or not any(
            row[f] for f in ("indicator", "label", "weight", "bands", "low", "high")
        ):
            continue
        rows.append((n, row))
    return rows
