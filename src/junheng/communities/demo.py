"""Demo data of the education communities (演示), on the demo county of `junheng demo`.

- last year's quality-monitoring results entered by the bureau (the synthetic `results` of
  `junheng synth`'s pairing.csv), so strengths blend indicators and results;
- every class's weekly timetable (`junheng.synth.timetables`), imported through the same
  action as an uploaded file;
- a cross-region pair (山海协作): the big urban school with 云和县实验小学 of another county;
- a cooperation community (协作型) of the strongest town school and the two nearest rural
  schools of its level, with this year's goals and two joint activities;
- this year's pairing round open with the suggested roles: the bureau pairs the county,
  publishes, schedules the term's synchronous lessons (the browser test does exactly that).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.communities import actions, adapters, lessons, sharing
from junheng.communities.models import Community
from junheng.communities.timetables import COLUMNS, DAY_KEYS
from junheng.engines.io import csv_bytes
from junheng.region.models import School, SchoolClass, Term

if TYPE_CHECKING:
    from junheng.region.demo import DemoContext


def _timetable_csv(ctx: DemoContext) -> bytes:
    from junheng.synth.timetables import make_timetables

    tt = make_timetables(ctx.region)
    have = set(
        SchoolClass.objects.filter(school__county=ctx.county).values_list(
            "school__code", "grade", "number"
        )
    )
    grid: dict[tuple[str, int, int, int], dict[int, str]] = {}
    for school, grade, number, day, period, subject, teacher in tt.itertuples(index=False):
        key = (str(school), int(grade), int(number))
        if key in have:
            grid.setdefault((*key, int(period)), {})[int(day)] = f"{subject} {teacher}"
    rows = [
        [s, g, k, p, *(cells.get(d, "") for d in range(1, len(DAY_KEYS) + 1))]
        for (s, g, k, p), cells in sorted(grid.items())
    ]
    return csv_bytes([c.header for c in COLUMNS], rows)


def load(ctx: DemoContext) -> list[tuple[str, str, str]]:
    from junheng.synth.build import pairing_frame

    bureau = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
    if bureau is None:
        return []
    year = actions.current_year()
    frame = pairing_frame(ctx.region)
    pk_of = dict(School.objects.filter(county=ctx.county).values_list("code", "pk"))
    scores = {pk_of[str(c)]: float(v) for c, v in zip(frame.school_id, frame.results, strict=True)}
    actions.do_set_results(by=bureau, year=year - 1, scores=scores, note="学业质量监测（演示）")
    n = lessons.do_import_timetables(_timetable_csv(ctx), "demo-timetables.csv", by=bureau)
    ctx.out.write(f"  results of {len(scores)} schools, {n} timetabled periods\n")

    urban = User.objects.filter(username="school_urban").select_related("school").first()
    if urban is not None and urban.school is not None:
        actions.do_create_community(
            by=bureau,
            county=ctx.county,
            core=urban.school,
            kind="cross_region",
            start_year=year - 3,
            partner_region="云和县",
            partner_school="云和县实验小学",
            note="山海协作：共享课程、命题与教研项目组",
        )
    town = list(
        School.objects.filter(county=ctx.county, urban_rural="town", level="primary").order_by(
            "code"
        )
    )
    if town:
        strength, _left = adapters.county_strengths(ctx.county, year, 0.5)
        core = max(town, key=lambda s: (strength.get(s.pk, 0.0), s.code))
        rural = sorted(
            School.objects.filter(
                county=ctx.county, urban_rural="rural", level=core.level, teaching_point=False
            ),
            key=lambda s: math.hypot(s.x_km - core.x_km, s.y_km - core.y_km),
        )[:2]
        coop = actions.do_create_community(
            by=bureau,
            county=ctx.county,
            core=core,
            kind="cooperation",
            start_year=year - 1,
            members=rural,
        )
        actions.do_set_goal(
            coop, by=bureau, year=year, lessons=40, activities=6, text="教研共建、资源共享"
        )
        term = Term.objects.filter(is_current=True).first()
        today = timezone.localdate()
        start = term.start if term and term.start <= today else today - dt.timedelta(days=30)
        for k, (kind, title) in enumerate(
            (("research", "联合教研：小学数学单元作业设计"), ("observation", "同课异构与听课评课"))
        ):
            day = min(today, start + dt.timedelta(days=14 * (k + 1)))
            lessons.do_log_activity(
                coop,
                by=bureau,
                kind=kind,
                title=title,
                date=day,
                host=core,
                participants=18 + 6 * k,
            )
        _share_and_exchange(coop, bureau, core, rural, year, term)
    rnd = actions.do_open_round(by=bureau, year=year, county=ctx.county)
    ctx.out.write(
        f"  communities: {2 if town else 1} existing, pairing round {rnd.year} open "
        f"({rnd.schools.filter(role='core').count()} cores, "
        f"{rnd.schools.filter(role='member').count()} members)\n"
    )
    return []


def _share_and_exchange(
    coop: Community,
    bureau: User,
    core: School,
    members: list[School],
    year: int,
    term: Term | None,
) -> None:
    """The cooperation community shares the core's own science course (on the first member's
    menu this term) and sends a core maths teacher to the first member in this year's
    rotation (the open rotation round reads it as the teacher's wish)."""
    from junheng.afterschool.actions import do_create_school_course, school_slot_ids
    from junheng.region.models import Teacher, TimeSlot

    if not members:
        return
    teacher = Teacher.objects.filter(school=core, subject="science").order_by("code").first()
    course = do_create_school_course(
        core,
        by=bureau,
        fields={
            "title": "乡土自然探究",
            "category": "science_tech",
            "content": "走进田野与湿地：观察、记录、做小实验（教共体共享课程）",
            "grade_min": 3,
            "grade_max": 6,
            "seats": 25,
            "teacher": teacher,
        },
    )
    shared = sharing.do_share_course(coop, by=bureau, course=course)
    slot = TimeSlot.objects.filter(pk__in=school_slot_ids(members[0])).first()
    if term is not None and slot is not None:
        sharing.do_offer_shared_course(
            shared, by=bureau, school=members[0], term=term, slot=slot, seats=20
        )
    maths = Teacher.objects.filter(school=core, subject="math").order_by("code").first()
    if maths is not None:
        sharing.do_plan_exchange(
            coop,
            by=bureau,
            teacher=maths,
            to_school=members[0],
            year=year,
            note="教共体内支教：数学教研组长",
        )
