"""County maps of the course supermarket: supply routes (provider → school) of a supply run."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import SupplyPlacement
from junheng.region import countymap
from junheng.region.models import School


def supply_map(
    schools: Iterable[School], placements: Iterable[SupplyPlacement]
) -> countymap.CountyMap:
    """The bureau's schools with one route per placement, from the provider's site to the school."""
    routes = []
    for p in placements:
        provider = p.course.provider
        if provider is None:  # a school's own course: no route
            continue
        routes.append(
            (
                (float(provider.x_km), float(provider.y_km)),
                (float(p.school.x_km), float(p.school.y_km)),
                "route",
                f"{provider.name} → {p.school.name} · {p.course.title} · {p.km} km",
            )
        )
    return countymap.county_map(
        list(schools), segments=routes, legend=[("route", _("机构 → 学校"))]
    )
