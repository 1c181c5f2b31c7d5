"""The seam between the places models and `junheng.engines.forecast` (学位预测).

ORM rows become the engine's frames here, and the engine's results become `ProjectedYear`
rows here; nothing else in the app touches both.

Readings the app adds to the contract (also in docs/forecast.md):

- A school takes part when it has at least two consecutive years of history; years before a
  gap in its history are left out (the engine needs consecutive years), and schools without two
  years are listed on the run as left out.
- A school without a `Capacity` row is taken at the classes it runs now (its classes in the
  region data, or the classes its latest students need at the limit) × the class-size limit of
  its level (45 primary, 50 junior, 45 for a nine-year school: the stricter of its parts) — the
  national limits the balance monitor's item G05 uses.
- Births are kept only for schools with a grade 1 (a junior school's grade 7 comes from its own
  history; the import refuses births for it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils.translation import gettext as _

from junheng.balance.items import CLASS_SIZE_MAX, SCHOOL_SIZE_MAX
from junheng.places.models import (
    Capacity,
    EnrolmentCount,
    ForecastRun,
    ProjectedYear,
    Scenario,
    ZoneBirths,
)
from junheng.region.models import Level, School, SchoolClass

if TYPE_CHECKING:
    import pandas as pd

    from junheng.engines.forecast import Forecast
    from junheng.engines.forecast import Scenario as EngineScenario

GRADES_OF_LEVEL: dict[str, tuple[int, ...]] = {
    Level.PRIMARY: (1, 2, 3, 4, 5, 6),
    Level.JUNIOR: (7, 8, 9),
    Level.NINE_YEAR: (1, 2, 3, 4, 5, 6, 7, 8, 9),
}
SOURCES = {
    "enrolment": "在校生人数",
    "births": "出生人口",
    "capacity": "学位容量",
    "housing": "新建住宅",
    "mergers": "学校撤并",
    "openings": "新建学校",
}


def class_limit(level: str) -> int:
    """The national class-size limit of a school's level (nine-year: the primary part's 45)."""
    return CLASS_SIZE_MAX[Level.JUNIOR] if level == Level.JUNIOR else CLASS_SIZE_MAX[Level.PRIMARY]


def size_limit(level: str) -> int:
    """The national school-size limit (item G04): 2,000, or 2,500 for a nine-year school."""
    return SCHOOL_SIZE_MAX.get(level, 2000)


@dataclass(frozen=True)
class SchoolInfo:
    pk: int | None
    code: str
    name: str
    level: str
    urban_rural: str


@dataclass
class Inputs:
    enrolment: pd.DataFrame
    births: pd.DataFrame
    capacity: pd.DataFrame
    schools: dict[str, SchoolInfo]
    base_year: int | None
    left_out: list[dict[str, str]] = field(default_factory=list)


def history_years() -> list[int]:
    return list(EnrolmentCount.objects.values_list("year", flat=True).distinct().order_by("year"))


def forecast_inputs() -> Inputs:
    """The engine's enrolment, births and capacity frames from the stored rows."""
    import pandas as pd

    schools = {
        s.code: SchoolInfo(s.pk, s.code, s.name, s.level, s.urban_rural)
        for s in School.objects.all()
    }
    rows = list(
        EnrolmentCount.objects.values_list("school__code", "year", "grade", "students").order_by(
            "school__code", "year", "grade"
        )
    )
    enrol = pd.DataFrame(rows, columns=["school_id", "year", "grade", "students"])
    left_out: list[dict[str, str]] = []
    keep: list[pd.DataFrame] = []
    for code, part in enrol.groupby("school_id", sort=True):
        years = sorted(set(part["year"].tolist()))
        start = len(years) - 1
        while start > 0 and years[start - 1] == years[start] - 1:
            start -= 1
        run = years[start:]
        info = schools[str(code)]
        if len(run) < 2:
            left_out.append(
                {"code": info.code, "name": info.name, "reason": _("历史数据不足两个连续学年")}
            )
            continue
        if start > 0:
            left_out.append(
                {
                    "code": info.code,
                    "name": info.name,
                    "reason": _("%(year)s 学年之前的数据因中间缺年未用") % {"year": run[0]},
                }
            )
        keep.append(part[part["year"] >= run[0]])
    for code, info in schools.items():
        if code not in set(enrol["school_id"]):
            left_out.append({"code": code, "name": info.name, "reason": _("没有在校生历史数据")})
    left_out = [r for r in left_out if r["reason"]]
    enrolment = (
        pd.concat(keep, ignore_index=True)
        if keep
        else pd.DataFrame(columns=["school_id", "year", "grade", "students"])
    )
    used = set(enrolment["school_id"])
    with_grade_1 = set(enrolment.loc[enrolment["grade"] == 1, "school_id"])
    births = pd.DataFrame(
        [
            r
            for r in ZoneBirths.objects.values_list("school__code", "year", "births").order_by(
                "school__code", "year"
            )
            if r[0] in with_grade_1
        ],
        columns=["school_id", "year", "births"],
    )
    base_year = int(enrolment["year"].max()) if len(enrolment) else None
    return Inputs(
        enrolment=enrolment,
        births=births,
        capacity=capacity_frame(used, enrolment, schools),
        schools=schools,
        base_year=base_year,
        left_out=sorted(left_out, key=lambda r: r["code"]),
    )


def capacity_frame(
    codes: set[str], enrolment: pd.DataFrame, schools: Mapping[str, SchoolInfo]
) -> pd.DataFrame:
    """Capacity rows of `codes`; defaults (classes run now × the class-size limit) where none."""
    import pandas as pd

    stored = {
        code: (rooms, limit)
        for code, rooms, limit in Capacity.objects.values_list(
            "school__code", "classrooms", "max_class"
        )
    }
    classes = dict(
        SchoolClass.objects.values("school__code")
        .annotate(n=Count("pk"))
        .values_list("school__code", "n")
    )
    last = enrolment.groupby("school_id")["year"].transform("max")
    latest = enrolment[enrolment["year"] == last].groupby(["school_id", "grade"])["students"].sum()
    rows = []
    for code in sorted(codes):
        if code in stored:
            rows.append((code, *stored[code]))
            continue
        limit = class_limit(schools[code].level)
        rooms = classes.get(code) or sum(
            math.ceil(int(n) / limit) for n in latest.xs(code, level="school_id")
        )
        rows.append((code, max(1, int(rooms)), limit))
    return pd.DataFrame(rows, columns=["school_id", "classrooms", "max_class"])


def default_capacity(school: School) -> tuple[int, int]:
    """(classrooms, max_class) a school without a Capacity row is taken at."""
    import pandas as pd

    info = {school.code: SchoolInfo(school.pk, school.code, school.name, school.level, "")}
    rows = EnrolmentCount.objects.filter(school=school).values_list(
        "school__code", "year", "grade", "students"
    )
    enrol = pd.DataFrame(list(rows), columns=["school_id", "year", "grade", "students"])
    if not len(enrol) and not SchoolClass.objects.filter(school=school).exists():
        return 1, class_limit(school.level)
    frame = capacity_frame({school.code}, enrol, info)
    return int(frame["classrooms"].iloc[0]), int(frame["max_class"].iloc[0])


# ---------------------------------------------------------------- scenarios


def scenario_inputs(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """The scenario as plain data (stored on the run, so the run can be read after edits)."""
    return {
        "housing": [
            {
                "id": h.pk,
                "name": h.name,
                "school": h.school.code,
                "year": h.year,
                "students": h.students,
                "grade": h.grade or 0,
            }
            for h in scenario.housing.select_related("school").order_by("pk")
        ],
        "mergers": [
            {"id": m.pk, "school": m.school.code, "into": m.into.code, "year": m.year}
            for m in scenario.mergers.select_related("school", "into").order_by("pk")
        ],
        "openings": [
            {
                "id": o.pk,
                "code": o.code,
                "name": o.name,
                "from_school": o.from_school.code,
                "year": o.year,
                "share": str(o.share),
                "classrooms": o.classrooms,
                "max_class": o.max_class,
            }
            for o in scenario.openings.select_related("from_school").order_by("pk")
        ],
    }


def engine_scenario(data: Mapping[str, list[dict[str, Any]]]) -> EngineScenario:
    import pandas as pd

    from junheng.engines.forecast import Scenario as EngineScenario

    housing = pd.DataFrame(
        [(h["school"], h["year"], float(h["students"]), h["grade"]) for h in data["housing"]],
        columns=["school_id", "year", "students", "grade"],
    )
    mergers = pd.DataFrame(
        [(m["school"], m["into"], m["year"]) for m in data["mergers"]],
        columns=["school_id", "into", "year"],
    )
    openings = pd.DataFrame(
        [
            (o["code"], o["from_school"], o["year"], float(Decimal(o["share"])))
            for o in data["openings"]
        ],
        columns=["school_id", "from_school", "year", "share"],
    )
    return EngineScenario(housing=housing, mergers=mergers, openings=openings)


def _item_label(
    data: Mapping[str, list[dict[str, Any]]], source: str | None, row: int | None
) -> str:
    """The scenario item an engine error's row names (rows count from 2, in item order)."""
    key = {v: k for k, v in SOURCES.items()}.get(source or "")
    if key not in ("housing", "mergers", "openings") or row is None:
        return ""
    items = data[key]
    if not 0 <= row - 2 < len(items):
        return ""
    item = items[row - 2]
    if key == "housing":
        return str(item["name"])
    if key == "mergers":
        return f"{item['school']} → {item['into']}"
    return str(item["name"])


def explain(err: Exception, data: Mapping[str, list[dict[str, Any]]] | None = None) -> str:
    """A user's message for an engine InputError (which scenario item or table it is about)."""
    from junheng.engines.io import InputError

    if not isinstance(err, InputError):
        return str(err)
    label = _item_label(data or {}, err.file, err.row)
    where = err.file or ""
    if label:
        where = f"{where}「{label}」"
    return f"{where}：{err.reason}" if where else err.reason


# ---------------------------------------------------------------- running the engine


def run_engine(
    inputs: Inputs,
    *,
    years: int,
    history: int,
    scenario: Mapping[str, list[dict[str, Any]]] | None = None,
) -> tuple[Forecast, Forecast | None]:
    """The baseline forecast and, with a scenario, the scenario's."""
    from junheng.engines.forecast import Sources, forecast

    sources = Sources(**SOURCES)
    capacity = inputs.capacity
    base = forecast(
        inputs.enrolment,
        inputs.births,
        capacity,
        years=years,
        history=history,
        sources=sources,
    )
    if not scenario or not any(scenario.values()):
        return base, None
    import pandas as pd

    new = pd.DataFrame(
        [(o["code"], o["classrooms"], o["max_class"]) for o in scenario["openings"]],
        columns=["school_id", "classrooms", "max_class"],
    )
    with_new = pd.concat([capacity, new], ignore_index=True) if len(new) else capacity
    other = forecast(
        inputs.enrolment,
        inputs.births,
        with_new,
        years=years,
        history=history,
        scenario=engine_scenario(scenario),
        sources=sources,
    )
    return base, other


def check_scenario(scenario: Scenario, *, years: int = 6, history: int = 3) -> None:
    """Raise the engine's InputError if the scenario does not fit the stored data."""
    inputs = forecast_inputs()
    if not len(inputs.enrolment):
        return
    run_engine(inputs, years=years, history=history, scenario=scenario_inputs(scenario))


def method_table(result: Forecast) -> dict[str, list[list[Any]]]:
    """{school code: [[grade, kind, ratio, years used], …]} — how each projection was made."""
    out: dict[str, list[list[Any]]] = {}
    for code, grade, kind, ratio, used in result.ratios.itertuples(index=False):
        out.setdefault(str(code), []).append(
            [int(grade), str(kind), round(float(ratio), 4), int(used)]
        )
    return out


def projected_rows(
    run: ForecastRun,
    variant: str,
    result: Forecast,
    inputs: Inputs,
    scenario: Mapping[str, list[dict[str, Any]]] | None = None,
) -> list[ProjectedYear]:
    new = {o["code"]: o for o in (scenario or {}).get("openings", [])}
    grades: dict[tuple[str, int], dict[str, int]] = {}
    for code, year, grade, students in result.projection[
        ["school_id", "year", "grade", "students"]
    ].itertuples(index=False):
        grades.setdefault((str(code), int(year)), {})[str(int(grade))] = int(students)
    out = []
    for r in result.totals.itertuples(index=False):
        code = str(r.school_id)
        if code in new:
            parent = inputs.schools[new[code]["from_school"]]
            info = SchoolInfo(None, code, new[code]["name"], parent.level, parent.urban_rural)
        else:
            info = inputs.schools[code]
        out.append(
            ProjectedYear(
                run=run,
                variant=variant,
                school_id=info.pk,
                school_code=code,
                school_name=info.name,
                school_level=info.level,
                urban_rural=info.urban_rural,
                year=int(r.year),
                students=int(r.students),
                capacity=int(r.capacity),
                classrooms=int(r.classrooms),
                max_class=int(r.max_class),
                utilisation=round(float(r.utilisation), 4),
                level=str(r.level),
                classes_needed=int(r.classes_needed),
                classrooms_needed=int(r.classrooms_needed),
                grades=grades.get((code, int(r.year)), {}),
            )
        )
    return out
