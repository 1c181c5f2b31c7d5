"""Demo data of school places (演示): the synthetic county's eight years of enrolment by grade
(this year as a snapshot of the region's students, the earlier years imported), births by
zone and classrooms; a housing scenario south of the centre; a baseline and a scenario run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from junheng.accounts.models import Role, User
from junheng.places import actions
from junheng.places.models import Capacity, EnrolmentCount, Source, ZoneBirths
from junheng.region.models import School

if TYPE_CHECKING:
    from junheng.region.demo import DemoContext

HOUSING_STUDENTS = 900


def load(ctx: DemoContext) -> list[tuple[str, str, str]]:
    from junheng.synth.places import make_places, zones

    by = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
    if by is None:
        return []
    region = ctx.region
    enrolment, births, capacity = make_places(region)
    pks = dict(School.objects.values_list("code", "pk"))
    year = region.school_year
    past = enrolment[enrolment["year"] < year]
    # Bulk inserts: the demo is loaded in seconds; the same rows an import would write.
    EnrolmentCount.objects.bulk_create(
        [
            EnrolmentCount(
                school_id=pks[c], year=int(y), grade=int(g), students=int(n), source=Source.IMPORT
            )
            for c, y, g, n in past.itertuples(index=False)
        ],
        batch_size=2000,
    )
    ZoneBirths.objects.bulk_create(
        [
            ZoneBirths(school_id=pks[c], year=int(y), births=int(b))
            for c, y, b in births.itertuples(index=False)
        ],
        batch_size=2000,
    )
    Capacity.objects.bulk_create(
        [
            Capacity(school_id=pks[c], classrooms=int(r), max_class=int(m), updated_by=by)
            for c, r, m in capacity.itertuples(index=False)
        ]
    )
    actions.do_snapshot_enrolment(by=by, year=year)
    # The housing scenario: a big development in the zone of the growth-zone primary school
    # that is fullest now, from next year on.
    s = region.schools
    growth = np.flatnonzero((zones(region) == "growth") & (s.kind.to_numpy() == "primary"))
    scenario = actions.do_create_scenario(
        by=by,
        name="南部新城住宅开发",
        description="南部新城两个住宅小区 2027 年起陆续交付，按每户 0.3 名学龄儿童估算。",
    )
    if len(growth):
        now = enrolment[enrolment["year"] == year].groupby("school_id")["students"].sum()
        cap = capacity.set_index("school_id")
        fill = [
            (now[c] / (cap.loc[c, "classrooms"] * cap.loc[c, "max_class"]), c)
            for c in s.code.to_numpy()[growth]
        ]
        target = School.objects.get(code=max(fill)[1])
        actions.do_add_housing(
            scenario,
            by=by,
            name="南部新城一期、二期",
            school=target,
            year=year + 1,
            students=HOUSING_STUDENTS,
        )
    base = actions.do_run_forecast(by=by)
    with_scenario = actions.do_run_forecast(by=by, scenario=scenario)
    ctx.out.write(
        f"  places: {len(enrolment)} enrolment rows ({enrolment['year'].min()}–{year}), "
        f"{len(births)} births rows; forecast #{base.pk} red {base.summary.get('red')}, "
        f"with housing #{with_scenario.pk} red {with_scenario.scenario_summary.get('red')}\n"
    )
    return []
