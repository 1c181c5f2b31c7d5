"""Demo data of the quota app (演示): the synthetic region's quality high schools with their
plans, and a draft quota table for the current year (graduates from the region's grade-9
students), ready to preview and publish."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from junheng.accounts.models import Role, User
from junheng.quotas import actions
from junheng.quotas.models import HighSchool

if TYPE_CHECKING:
    from junheng.region.demo import DemoContext


def load(ctx: DemoContext) -> list[tuple[str, str, str]]:
    frame = ctx.region.high_schools
    with transaction.atomic():
        HighSchool.objects.bulk_create(
            [
                HighSchool(
                    code=str(r.high_school_id), name=str(r.name), quality=True, county=ctx.county
                )
                for r in frame.itertuples(index=False)
            ]
        )
        pks = dict(HighSchool.objects.values_list("code", "pk"))
        plans = {pks[str(r.high_school_id)]: int(r.plan) for r in frame.itertuples(index=False)}
        by = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
        if by is None:
            return []
        year = actions.current_year()
        table = actions.do_create_table(by=by, year=year, plans=plans)
    ctx.out.write(
        f"  {len(frame)} high schools, draft quota table {table.year} "
        f"({table.graduates.count()} junior schools)\n"
    )
    return []
