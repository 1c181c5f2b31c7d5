"""One county map for every page: the county's outline, its schools coloured by urban/town/rural
and optional segments (pairs, supply routes), drawn as server-side SVG (no script, CSP-safe).

The outline is the county's imported vector outline (``County.outline``, in kilometres; see
``region/outline.py``) when the bureau has one, else the convex hull of the schools' coordinates
(the legend says which). Every map takes it from the county of its schools (`outline_of`). The SVG carries its projection
(``data-x0``/``data-y0``/``data-scale``/``data-pad``/``data-h``) so ``static/junheng/countymap.js``
can turn a click back into kilometres for the provider form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django_stubs_ext import StrOrPromise

from junheng.region.models import County, School

Km = tuple[float, float]

PAD = 16.0  # pixels around the outline
MARGIN_KM = 1.0  # the hull is drawn this far outside the outermost schools


@dataclass(frozen=True)
class MapSchool:
    pk: int
    name: str
    ur: str
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class MapSegment:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str
    title: str


@dataclass(frozen=True)
class CountyMap:
    width: float
    height: float
    x0: float  # km at the left edge of the drawing area (after PAD)
    y0: float  # km at the bottom edge
    scale: float  # pixels per km
    pad: float
    outline: str  # SVG polygon points of the first ring
    imported: bool  # the outline was imported (else it is the schools' convex hull)
    rings: list[str] = field(default_factory=list)  # SVG points of every ring (islands…)
    schools: list[MapSchool] = field(default_factory=list)
    segments: list[MapSegment] = field(default_factory=list)
    legend: list[tuple[str, StrOrPromise]] = field(default_factory=list)  # (segment kind, label)

    def at(self, x_km: float, y_km: float) -> Km:
        """Pixel position of a point given in km (y up)."""
        return (
            round(self.pad + (x_km - self.x0) * self.scale, 1),
            round(self.height - self.pad - (y_km - self.y0) * self.scale, 1),
        )


def convex_hull(points: Iterable[Km]) -> list[Km]:
    """Andrew's monotone chain, counter-clockwise, no repeated first point; fewer than three
    distinct points come back as they are."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: Km, a: Km, b: Km) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Km] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Km] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _grow(hull: Sequence[Km], km: float) -> list[Km]:
    """Push each hull vertex `km` away from the centroid, so schools on the edge sit inside."""
    if not hull:
        return []
    cx = sum(p[0] for p in hull) / len(hull)
    cy = sum(p[1] for p in hull) / len(hull)
    out = []
    for x, y in hull:
        d = math.hypot(x - cx, y - cy) or 1.0
        out.append((x + (x - cx) / d * km, y + (y - cy) / d * km))
    return out


def outline_of(schools: Sequence[School]) -> list[list[Km]] | None:
    """The imported outline (rings in km, thinned for drawing) of the schools' county, or None."""
    from junheng.region.outline import drawn

    county_id = next((s.county_id for s in schools), None)
    if county_id is None:
        return None
    rings = County.objects.filter(pk=county_id).values_list("outline", flat=True).first()
    return [drawn(r) for r in rings] if rings else None


def county_map(
    schools: Sequence[School],
    *,
    students: dict[int, int] | None = None,
    segments: Iterable[tuple[Km, Km, str, str]] = (),
    legend: Sequence[tuple[str, StrOrPromise]] = (),
    outline_km: Sequence[Sequence[Km]] | None = None,
    size: float = 480.0,
) -> CountyMap:
    """The map of `schools` (bubble area ~ `students` per school pk when given), with
    `segments` ((x1, y1) km, (x2, y2) km, kind, title) drawn under the schools, over
    `outline_km` (rings) or else the county's imported outline or else the schools' hull."""
    coords = [(float(s.x_km), float(s.y_km)) for s in schools]
    rings = [list(r) for r in outline_km] if outline_km else outline_of(schools)
    imported = bool(rings)
    if not rings:
        rings = [_grow(convex_hull(coords), MARGIN_KM)]
    every = [p for r in rings for p in r] + coords or [(0.0, 0.0)]
    xs, ys = [p[0] for p in every], [p[1] for p in every]
    x0, y0 = min(xs), min(ys)
    span_x, span_y = max(xs) - x0, max(ys) - y0
    scale = (size - 2 * PAD) / max(span_x, span_y, 1.0)
    cmap = CountyMap(
        width=round(2 * PAD + span_x * scale, 1),
        height=round(2 * PAD + span_y * scale, 1),
        x0=x0,
        y0=y0,
        scale=scale,
        pad=PAD,
        outline="",
        imported=imported,
        legend=list(legend),
    )
    drawn = [" ".join(f"{px},{py}" for px, py in (cmap.at(x, y) for x, y in r)) for r in rings]
    top = max(students.values(), default=0) if students else 0
    for s in schools:
        px, py = cmap.at(float(s.x_km), float(s.y_km))
        n = students.get(s.pk, 0) if students else 0
        r = 3.0 + (5.0 * math.sqrt(n / top) if top else 0.5)
        cmap.schools.append(MapSchool(s.pk, s.name, s.urban_rural, px, py, round(r, 1)))
    for (ax, ay), (bx, by), kind, title in segments:
        (x1, y1), (x2, y2) = cmap.at(ax, ay), cmap.at(bx, by)
        cmap.segments.append(MapSegment(x1, y1, x2, y2, kind, title))
    return replace(cmap, outline=drawn[0] if drawn else "", rings=[d for d in drawn if d])


def registration_schools() -> list[School]:
    """Schools drawn for a visitor who has no county yet (provider registration): those of
    the first county (a deployment serves one county)."""
    first = School.objects.order_by("county_id").values_list("county_id", flat=True).first()
    return list(School.objects.filter(county_id=first).order_by("code")) if first else []
