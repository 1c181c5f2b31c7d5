"""The seam between quota tables in the database and `junheng.engines.quotas`.

`table_inputs` turns a table's rows into the engine's plain inputs (high-school code → plan,
junior-school code → graduates); `compute` runs the engine; `preview` runs it with every method
side by side and measures each against the exact proportional share; `alabama` asks the engine
whether one more quota place would cost a junior school a seat under Hamilton. Nothing here
writes: `junheng.quotas.actions` stores what it returns.

Graduates from the region data are the grade-9 students of each junior and nine-year school
(`region_graduates`), every such school listed, 0 included.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_noop

from junheng.engines.io import InputError
from junheng.engines.quotas import METHODS, QuotaResult, Sources, allocate_quotas, apportion
from junheng.quotas.models import Method, QuotaTable
from junheng.region.models import Level, School

JUNIOR_LEVELS = (Level.JUNIOR, Level.NINE_YEAR)
GRADUATING_GRADE = 9
# What the engine's error messages call the two inputs inside the app.
SOURCES = Sources(high_schools="招生计划", juniors="毕业生数")


def junior_schools() -> QuerySet[School]:
    """The schools whose graduates take part: junior and nine-year schools."""
    return School.objects.filter(level__in=JUNIOR_LEVELS).order_by("code")


def region_graduates() -> dict[int, int]:
    """School pk → grade-9 students, for every junior and nine-year school (0 included)."""
    rows = junior_schools().annotate(
        n=Count("students", filter=Q(students__grade=GRADUATING_GRADE))
    )
    return dict(rows.values_list("pk", "n"))


@dataclass
class Inputs:
    """A table's engine inputs, with the names to show beside the codes."""

    plans: dict[str, int]  # high-school code -> plan
    graduates: dict[str, int]  # junior-school code -> graduates
    high_school_names: dict[str, str]
    junior_names: dict[str, str]
    high_school_pks: dict[str, int]
    junior_pks: dict[str, int]


def table_inputs(table: QuotaTable) -> Inputs:
    plans = table.plans.select_related("high_school").order_by("high_school__code")
    grads = table.graduates.select_related("school").order_by("school__code")
    return Inputs(
        plans={p.high_school.code: p.plan for p in plans},
        graduates={g.school.code: g.graduates for g in grads},
        high_school_names={p.high_school.code: p.high_school.name for p in plans},
        junior_names={g.school.code: g.school.name for g in grads},
        high_school_pks={p.high_school.code: p.high_school_id for p in plans},
        junior_pks={g.school.code: g.school_id for g in grads},
    )


def compute(table: QuotaTable, inputs: Inputs, method: str | None = None) -> QuotaResult:
    """The engine's table for these inputs (raises InputError where it cannot be made)."""
    return allocate_quotas(
        inputs.plans,
        inputs.graduates,
        share=str(table.share_text),
        method=method or table.method,
        min_seats=table.min_seats,
        sources=SOURCES,
    )


def exact_pair_shares(quota: int, graduates: dict[str, int], min_seats: int) -> dict[str, Fraction]:
    """The exact proportional share of each junior in one quota: M + (q − M·n)·g / G for the
    n juniors with graduates (what the methods round), 0 for a junior without graduates."""
    with_grads = {j: g for j, g in graduates.items() if g > 0}
    total = sum(with_grads.values())
    rest = quota - min_seats * len(with_grads)
    out = dict.fromkeys(graduates, Fraction(0))
    if total:
        for j, g in with_grads.items():
            out[j] = min_seats + Fraction(rest * g, total)
    return out


def unfilled_places(result: QuotaResult) -> int:
    """Seats that cannot all be taken: a junior's seats over all high schools beyond its
    graduates (each graduate takes at most one place). They return to general admission."""
    totals = dict.fromkeys(result.graduates, 0)
    for by_junior in result.seats.values():
        for j, s in by_junior.items():
            totals[j] += s
    return sum(max(0, totals[j] - g) for j, g in result.graduates.items())


@dataclass(frozen=True)
class Paradox:
    """Under Hamilton, one more quota place at this high school costs this junior a seat."""

    high_school: str
    high_school_name: str
    quota: int
    junior: str
    junior_name: str
    seats: int  # at the quota
    seats_after: int  # at quota + 1


def alabama(result: QuotaResult, inputs: Inputs) -> list[Paradox]:
    """Every (high school, junior) where Hamilton at quota + 1 gives the junior fewer seats
    than at the quota (the Alabama paradox), computed with the engine."""
    out = []
    for h, q in sorted(result.quotas.items()):
        now = apportion(q, result.graduates, "hamilton", result.min_seats)
        after = apportion(q + 1, result.graduates, "hamilton", result.min_seats)
        for j in sorted(result.graduates):
            if after[j] < now[j]:
                out.append(
                    Paradox(
                        h,
                        inputs.high_school_names[h],
                        q,
                        j,
                        inputs.junior_names[j],
                        now[j],
                        after[j],
                    )
                )
    return out


@dataclass
class PreviewRow:
    code: str
    name: str
    graduates: int
    exact: float
    seats: list[int]  # one per method, in METHODS order
    deviation: list[float]  # seats − exact, one per method

    @property
    def cells(self) -> list[tuple[int, float]]:
        return list(zip(self.seats, self.deviation, strict=True))


@dataclass
class MethodColumn:
    method: str
    label: str
    max_deviation: float  # the largest |seats − exact| among the rows shown
    max_pair_deviation: float  # the largest over every (high school, junior) pair
    zero_seat_juniors: int  # juniors with graduates that get no seat (rows shown)
    result_sha256: str


@dataclass
class Preview:
    """Every method side by side for one table, for all high schools together or one."""

    scope: str  # "" = every high school summed, else a high-school code
    methods: list[MethodColumn] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    quotas: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    high_school_names: dict[str, str] = field(default_factory=dict)
    paradoxes: list[Paradox] = field(default_factory=list)
    error: str = ""

    @property
    def options(self) -> list[dict[str, object]]:
        """The high schools to choose a scope from: code, name, plan, quota."""
        return [
            {
                "code": h,
                "name": self.high_school_names[h],
                "plan": self.plans[h],
                "quota": self.quotas.get(h, ""),
            }
            for h in sorted(self.plans)
        ]

    @property
    def places(self) -> int:
        return sum(self.plans.values())

    @property
    def quota_places(self) -> int:
        return sum(self.quotas.values())


def inputs_fingerprint(table: QuotaTable, inputs: Inputs) -> str:
    """What a preview depends on (plans, graduates, share, floor), hashed: a stored preview
    is shown again only while this is unchanged."""
    text = json.dumps(
        [inputs.plans, inputs.graduates, table.share_text, table.min_seats], sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def preview_pairs(table: QuotaTable) -> int:
    """(high school, junior) pairs the preview computes: its size."""
    return int(table.plans.count()) * int(table.graduates.count())


def preview(
    table: QuotaTable,
    scope: str = "",
    *,
    inputs: Inputs | None = None,
    step: Callable[[str, int], None] | None = None,
) -> Preview:
    """Seats per junior school with each method, the deviation from the exact proportional
    share, the largest |deviation| per method, and the Hamilton Alabama-paradox check.

    `step(stage, pct)` is called between the steps (a job reports its progress there)."""

    def _step(stage: str, pct: int) -> None:
        if step is not None:
            step(stage, pct)

    if inputs is None:
        inputs = table_inputs(table)
    if scope not in inputs.plans:
        scope = ""
    out = Preview(scope=scope, plans=inputs.plans, high_school_names=inputs.high_school_names)
    labels = dict(Method.choices)
    results = {}
    try:
        for k, m in enumerate(METHODS):
            _step(gettext_noop("按各方法计算"), 5 + 25 * k)
            results[m] = compute(table, inputs, m)
    except InputError as err:
        out.error = str(err)
        return out
    _step(gettext_noop("计算偏差"), 80)
    first = results[METHODS[0]]
    out.quotas = dict(first.quotas)
    high_schools = [scope] if scope else sorted(inputs.plans)
    exact = {
        h: exact_pair_shares(first.quotas[h], inputs.graduates, table.min_seats)
        for h in sorted(inputs.plans)
    }
    juniors = sorted(inputs.graduates)
    exact_rows = {j: sum((exact[h][j] for h in high_schools), Fraction(0)) for j in juniors}
    for m in METHODS:
        res = results[m]
        worst_pair = max(
            (abs(res.seats[h][j] - exact[h][j]) for h in inputs.plans for j in juniors),
            default=Fraction(0),
        )
        out.methods.append(
            MethodColumn(m, str(labels[m]), 0.0, float(worst_pair), 0, res.result_sha256)
        )
    for j in juniors:
        seats = [sum(results[m].seats[h][j] for h in high_schools) for m in METHODS]
        dev = [float(s - exact_rows[j]) for s in seats]
        out.rows.append(
            PreviewRow(
                j, inputs.junior_names[j], inputs.graduates[j], float(exact_rows[j]), seats, dev
            )
        )
    for k, col in enumerate(out.methods):
        col.max_deviation = max((abs(r.deviation[k]) for r in out.rows), default=0.0)
        col.zero_seat_juniors = sum(1 for r in out.rows if r.graduates > 0 and r.seats[k] == 0)
    _step(gettext_noop("阿拉巴马悖论检查"), 90)
    out.paradoxes = [
        p for p in alabama(results["hamilton"], inputs) if not scope or p.high_school == scope
    ]
    return out


def preview_to_json(pv: Preview) -> dict[str, Any]:
    """A preview as JSON (a job's stored result)."""
    return asdict(pv)


def preview_from_json(data: dict[str, Any]) -> Preview:
    return Preview(
        scope=data["scope"],
        # The label in the language of the page, not of the job that computed it.
        methods=[
            MethodColumn(**{**m, "label": str(dict(Method.choices).get(m["method"], m["label"]))})
            for m in data["methods"]
        ],
        rows=[PreviewRow(**r) for r in data["rows"]],
        quotas=data["quotas"],
        plans=data["plans"],
        high_school_names=data["high_school_names"],
        paradoxes=[Paradox(**p) for p in data["paradoxes"]],
        error=data["error"],
    )
