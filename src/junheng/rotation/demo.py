"""Demo data of the rotation planner (演示): this year's round open with the default rules
(6 years, 10%, backbone 20% of movers, 30 km), needs prefilled for every school, the synthetic
region's preferences (about 40% of eligible teachers, as `junheng synth` writes them) entered
by the bureau, and the demo teacher ("teacher" account, eligible) with two preferred schools
stated by themselves."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.rotation import actions, adapters

if TYPE_CHECKING:
    from junheng.region.demo import DemoContext


def load(ctx: DemoContext) -> list[tuple[str, str, str]]:
    by = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
    if by is None:
        return []
    rnd = actions.do_open_round(
        by=by,
        year=actions.current_year(),
        county=ctx.county,
        preference_deadline=timezone.localdate() + dt.timedelta(days=30),
    )
    ctx.out.write(f"  rotation round {rnd.year} open ({rnd.needs.count()} subject needs)\n")
    region = getattr(ctx, "region", None)
    if region is not None:
        from junheng.synth.build import engine_teachers_frame

        frame = engine_teachers_frame(region)
        rows = {
            str(r.teacher_id): [str(p) for p in (r.pref1, r.pref2, r.pref3) if p]
            for r in frame.itertuples(index=False)
            if r.pref1
        }
        loaded = actions.do_load_preferences(rnd, by=by, rows=rows)
        ctx.out.write(f"  preferences: {loaded}\n")
    teacher_user = (
        User.objects.filter(role=Role.TEACHER, teacher__isnull=False).order_by("pk").first()
    )
    if teacher_user is None or teacher_user.teacher is None:
        return []
    teacher = teacher_user.teacher
    if not adapters.teacher_is_eligible(rnd, teacher):
        ctx.out.write(f"  demo teacher {teacher.code} is not eligible: no preferences\n")
        return []
    choices = [s for s, _km in adapters.reachable_schools(rnd, teacher)]
    # the nearest and the farthest school in reach: a wish for a short trip and one for a change
    picks = list(dict.fromkeys([*choices[:1], *choices[-1:]]))
    actions.do_state_preferences(rnd, by=teacher_user, schools=picks)
    ctx.out.write(
        f"  demo teacher {teacher.code} eligible, preferences: {[s.code for s in picks]}\n"
    )
    return []
