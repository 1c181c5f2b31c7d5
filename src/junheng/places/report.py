"""What a finished forecast run says (read-only queries for the pages, the API and the export).

- `warnings(run, variant)`: the red and amber school-years.
- `overflow(run)`: per school, the first year it overflows (red) in the baseline and the
  scenario, its peak, and the most classrooms it would need.
- `size_items(run, variant)`: per projected year, the schools that would break the national
  school-size item G04 (over 2,000 students, 2,500 for a nine-year school) and the class-size
  item G05 (大班额: a school whose grades need more classes at the limit — 45 primary, 50 junior —
  than it has classrooms, so some classes must run over the limit). The limits are the balance
  monitor's own (`junheng.balance.items`), and the current values of G04/G05 come from it too.
- `school_series(run, code, variants)` / `zone_series(run, urban_rural, variants)`: the chart data
  (history and projection against capacity by year).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from junheng.places.adapters import size_limit
from junheng.places.models import EnrolmentCount, ForecastRun, Level, ProjectedYear, Variant
from junheng.region.models import UrbanRural


def rows(run: ForecastRun, variant: str = Variant.BASELINE) -> QuerySet[ProjectedYear]:
    return run.rows.filter(variant=variant).order_by("school_code", "year")


def warnings(
    run: ForecastRun, variant: str = Variant.BASELINE, limit: int | None = None
) -> list[ProjectedYear]:
    """Red then amber school-years, each by year and the fullest first (the first `limit`:
    ordered and cut by the database, not by reading every warning of a city's run)."""
    qs = (
        run.rows.filter(variant=variant, level__in=(Level.RED, Level.AMBER))
        .annotate(_red_first=Case(When(level=Level.RED, then=Value(0)), default=Value(1)))
        .order_by("_red_first", "year", "-utilisation", "school_code")
        .defer("grades")
    )
    return list(qs if limit is None else qs[:limit])


@dataclass
class Overflow:
    code: str
    name: str
    urban_rural: str
    level_of_school: str
    first: dict[str, int | None] = field(default_factory=dict)  # variant -> first red year
    peak: dict[str, int] = field(default_factory=dict)  # variant -> peak students
    capacity: int = 0
    rooms: dict[str, int] = field(default_factory=dict)  # variant -> most classrooms needed


def overflow(run: ForecastRun, variants: tuple[str, ...] = (Variant.BASELINE,)) -> list[Overflow]:
    """Schools that overflow (red) in some variant, the earliest first."""
    out: dict[str, Overflow] = {}
    # Plain tuples of the fields needed (a city's run has thousands of rows to read here:
    # model instances with their per-grade JSON took half a second).
    fields = (
        "school_code", "school_name", "urban_rural", "school_level", "variant", "level",
        "year", "students", "classrooms_needed", "capacity",
    )  # fmt: skip
    qs = run.rows.filter(variant__in=variants).order_by("school_code", "year")
    for code, name, ur, lvl, variant, level, year, students, rooms, capacity in qs.values_list(
        *fields
    ):
        o = out.get(code)
        if o is None:
            o = out[code] = Overflow(code, name, _zone_label(ur), lvl)
        o.first.setdefault(variant, None)
        if level == Level.RED and o.first[variant] is None:
            o.first[variant] = year
        o.peak[variant] = max(o.peak.get(variant, 0), students)
        o.rooms[variant] = max(o.rooms.get(variant, 0), rooms)
        o.capacity = capacity
    hit = [o for o in out.values() if any(y is not None for y in o.first.values())]
    far = 10_000
    return sorted(hit, key=lambda o: (min(y or far for y in o.first.values()), o.code))


def _zone_label(code: str) -> str:
    return str(UrbanRural(code).label) if code in UrbanRural.values else code


@dataclass
class SizeYear:
    year: int
    oversize: list[ProjectedYear]  # G04
    big_classes: list[ProjectedYear]  # G05: more classes needed than classrooms
    classrooms_needed: int
    students: int
    capacity: int


def size_items(run: ForecastRun, variant: str = Variant.BASELINE) -> list[SizeYear]:
    by_year: dict[int, list[ProjectedYear]] = defaultdict(list)
    for r in rows(run, variant):
        by_year[r.year].append(r)
    out = []
    for year in sorted(by_year):
        rs = by_year[year]
        out.append(
            SizeYear(
                year=year,
                oversize=[r for r in rs if r.students > size_limit(r.school_level)],
                big_classes=[r for r in rs if r.classrooms_needed > 0],
                classrooms_needed=sum(r.classrooms_needed for r in rs),
                students=sum(r.students for r in rs),
                capacity=sum(r.capacity for r in rs),
            )
        )
    return out


def current_items(year: int) -> dict[str, Any]:
    """The balance monitor's G04 and G05 for the current data (None where it has none)."""
    from junheng.balance.items import compute_item

    out = {}
    for code in ("G04", "G05"):
        value = compute_item(code, year)
        out[code] = value
    return out


def _history_totals(codes: list[str] | None, urban_rural: str | None = None) -> dict[int, int]:
    qs = EnrolmentCount.objects.all()
    if codes is not None:
        qs = qs.filter(school__code__in=codes)
    if urban_rural is not None:
        qs = qs.filter(school__urban_rural=urban_rural)
    return dict(qs.values_list("year").annotate(n=Sum("students")).order_by("year"))


def school_series(run: ForecastRun, code: str, variants: tuple[str, ...]) -> dict[str, Any]:
    """Chart data of one school: history, projections and capacity by year."""
    projected = {
        v: list(run.rows.filter(variant=v, school_code=code).order_by("year")) for v in variants
    }
    history = _history_totals([code])
    return _series(run, history, projected)


def zone_series(run: ForecastRun, urban_rural: str, variants: tuple[str, ...]) -> dict[str, Any]:
    """Chart data of all schools of one urban–rural class (城区 / 镇区 / 乡村)."""
    history = _history_totals(None, urban_rural)
    projected: dict[str, list[Any]] = {}
    for v in variants:
        agg = (
            run.rows.filter(variant=v, urban_rural=urban_rural)
            .values("year")
            .annotate(students=Sum("students"), capacity=Sum("capacity"))
            .order_by("year")
        )
        projected[v] = [_Total(a["year"], a["students"], a["capacity"]) for a in agg]
    return _series(run, history, projected)


@dataclass(frozen=True)
class _Total:
    year: int
    students: int
    capacity: int


def _series(
    run: ForecastRun, history: dict[int, int], projected: dict[str, list[Any]]
) -> dict[str, Any]:
    hist_years = [y for y in sorted(history) if run.base_year is None or y <= run.base_year]
    proj_years = sorted({r.year for rs in projected.values() for r in rs})
    years = sorted(set(hist_years) | set(proj_years))
    index = {y: i for i, y in enumerate(years)}

    def line(values: dict[int, int]) -> list[int | None]:
        out: list[int | None] = [None] * len(years)
        for y, v in values.items():
            if y in index:
                out[index[y]] = v
        return out

    labels: dict[str, str] = {
        Variant.BASELINE: _("预测（基准）"),
        Variant.SCENARIO: _("预测（情景：%(name)s）") % {"name": run.scenario_name},
    }
    data: dict[str, Any] = {
        "years": years,
        "history": {"label": _("实际在校生"), "data": line({y: history[y] for y in hist_years})},
        "projections": [],
        "capacity": [],
    }
    for v, rs in projected.items():
        values = {r.year: r.students for r in rs}
        if run.base_year is not None and run.base_year in history:
            values[run.base_year] = history[run.base_year]  # joins the history line
        data["projections"].append({"variant": v, "label": str(labels[v]), "data": line(values)})
        places = line({r.year: r.capacity for r in rs})
        if any(c["data"] == places for c in data["capacity"]):
            continue  # the scenario leaves this capacity as it was: one line
        data["capacity"].append(
            {
                "variant": v,
                "label": str(_("学位数（%(v)s）") % {"v": Variant(v).label}),
                "data": places,
            }
        )
    data["amber_label"] = str(_("90% 学位（黄色预警线）"))
    return data


ZONES = tuple(UrbanRural.values)


def zone_table(
    run: ForecastRun, urban_rural: str, variant: str, years: list[int]
) -> list[dict[str, Any]]:
    """Schools of one urban–rural class: one cell (a row or None) per projected year."""
    out: dict[str, dict[str, Any]] = {}
    qs = run.rows.filter(variant=variant, urban_rural=urban_rural).order_by("school_code", "year")
    for r in qs:
        entry = out.setdefault(
            r.school_code,
            {"code": r.school_code, "name": r.school_name, "capacity": r.capacity, "by_year": {}},
        )
        entry["by_year"][r.year] = r
    for entry in out.values():
        entry["cells"] = [entry["by_year"].get(y) for y in years]
    return list(out.values())
