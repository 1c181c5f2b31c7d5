"""The county's outline: an offline vector file the bureau imports, drawn by every county map.

The file is GeoJSON (RFC 7946): a FeatureCollection, a Feature or a bare geometry whose
geometries are Polygon or MultiPolygon (every polygon's outer ring is kept; holes are not
drawn). Its positions are either

- **longitude/latitude** (degrees, WGS 84, what GIS tools export): turned into the schools'
  kilometres with a local equirectangular projection around the **origin** the bureau gives —
  the longitude/latitude of the point the schools' coordinates call (0, 0), x east and y north
  (``x = (lon − lon₀) · 111.32 · cos lat₀``, ``y = (lat − lat₀) · 110.574``; well under 0.5 %
  off across a county); or
- **kilometres** in the schools' own frame (``x_km``/``y_km``).

`parse_outline` checks everything before anything is stored, and raises `ActionError` naming
the file, the feature, the ring and the position that is wrong; an outline that none of the
county's schools lies in (coordinates of the other kind, or a wrong origin) is refused too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from junheng.errors import ActionError

Km = tuple[float, float]

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_AT_EQUATOR = 111.320
MAX_BYTES = 5 * 1024 * 1024
MAX_POSITIONS = 200_000
DRAWN_PER_RING = 1_500  # positions drawn per ring (a finer file is thinned evenly)
LONLAT, KM = "lonlat", "km"


def _fail(filename: str, where: str, reason: str) -> ActionError:
    if where:
        return ActionError(
            _("%(file)s：%(where)s：%(reason)s")
            % {"file": filename, "where": where, "reason": reason}
        )
    return ActionError(_("%(file)s：%(reason)s") % {"file": filename, "reason": reason})


def _polygons(doc: Any, filename: str) -> list[tuple[str, Any]]:
    """(where, coordinates of one Polygon) for every polygon of the document."""
    if not isinstance(doc, dict):
        raise _fail(filename, "", _("不是 GeoJSON 对象"))
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise _fail(filename, "", _("FeatureCollection 中没有要素"))
        out: list[tuple[str, Any]] = []
        for i, feature in enumerate(features, start=1):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise _fail(filename, _("第 %(i)d 个要素") % {"i": i}, _("不是 Feature"))
            out += _geometry(feature.get("geometry"), filename, _("第 %(i)d 个要素") % {"i": i})
        return out
    if kind == "Feature":
        return _geometry(doc.get("geometry"), filename, _("要素"))
    return _geometry(doc, filename, _("几何"))


def _geometry(geom: Any, filename: str, where: str) -> list[tuple[str, Any]]:
    if not isinstance(geom, dict):
        raise _fail(filename, where, _("缺少几何（geometry）"))
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind == "Polygon":
        return [(where, coords)]
    if kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise _fail(filename, where, _("MultiPolygon 中没有多边形"))
        return [
            (_("%(where)s第 %(j)d 个多边形") % {"where": where, "j": j}, c)
            for j, c in enumerate(coords, start=1)
        ]
    if kind == "GeometryCollection":
        out: list[tuple[str, Any]] = []
        for j, g in enumerate(geom.get("geometries") or [], start=1):
            out += _geometry(g, filename, _("%(where)s第 %(j)d 个几何") % {"where": where, "j": j})
        if not out:
            raise _fail(filename, where, _("GeometryCollection 中没有多边形"))
        return out
    raise _fail(
        filename,
        where,
        _("几何类型为「%(kind)s」，县界应为 Polygon 或 MultiPolygon") % {"kind": kind},
    )


def _ring(coords: Any, filename: str, where: str, mode: str) -> list[Km]:
    """The polygon's outer ring as checked (x, y) numbers, without the repeated last position."""
    if not isinstance(coords, list) or not coords or not isinstance(coords[0], list):
        raise _fail(filename, where, _("坐标不是多边形的环"))
    ring: list[Km] = []
    for k, pos in enumerate(coords[0], start=1):
        at = _("%(where)s第 %(k)d 个点") % {"where": where, "k": k}
        if (
            not isinstance(pos, list)
            or len(pos) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
            or not all(math.isfinite(v) for v in pos[:2])
        ):
            raise _fail(
                filename, at, _("坐标应为两个数 [x, y]，实为 %(v)s") % {"v": json.dumps(pos)[:60]}
            )
        x, y = float(pos[0]), float(pos[1])
        if mode == LONLAT and not (-180 <= x <= 180 and -90 <= y <= 90):
            raise _fail(
                filename,
                at,
                _(
                    "经度 %(x)s、纬度 %(y)s 超出范围；坐标若为公里，请选择“公里（与学校的横、纵坐标相同）”"
                )
                % {"x": x, "y": y},
            )
        ring.append((x, y))
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(set(ring)) < 3:
        raise _fail(filename, where, _("外环少于 3 个不同的点"))
    return ring


def to_km(lon: float, lat: float, origin: Km) -> Km:
    """A longitude/latitude in the schools' kilometres (origin = the lon/lat of (0, 0) km)."""
    lon0, lat0 = origin
    return (
        (lon - lon0) * KM_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(lat0)),
        (lat - lat0) * KM_PER_DEG_LAT,
    )


def inside(ring: Sequence[Km], x: float, y: float) -> bool:
    """Is (x, y) inside the ring (even–odd rule)?"""
    hit = False
    n = len(ring)
    for i in range(n):
        (ax, ay), (bx, by) = ring[i], ring[i - 1]
        if (ay > y) != (by > y) and x < ax + (bx - ax) * (y - ay) / (by - ay):
            hit = not hit
    return hit


def parse_outline(
    data: bytes,
    filename: str,
    *,
    mode: str,
    origin: Km | None = None,
    schools: Iterable[Km] = (),
) -> list[list[Km]]:
    """The outline's rings in km, every position checked; ActionError (naming the file and
    the position) when the file cannot be used, or when none of `schools` (km) lies inside."""
    if mode not in (LONLAT, KM):
        raise _fail(filename, "", _("请选择坐标类型"))
    if mode == LONLAT and origin is None:
        raise _fail(filename, "", _("经纬度坐标需要填写学校坐标原点 (0, 0) 的经度和纬度"))
    if len(data) > MAX_BYTES:
        raise _fail(filename, "", _("文件超过 %(n)d MB") % {"n": MAX_BYTES // (1024 * 1024)})
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise _fail(filename, "", _("不是 UTF-8 文本")) from err
    except json.JSONDecodeError as err:
        raise _fail(
            filename,
            _("第 %(line)d 行第 %(col)d 列") % {"line": err.lineno, "col": err.colno},
            _("不是有效的 JSON（%(msg)s）") % {"msg": err.msg},
        ) from err
    rings: list[list[Km]] = []
    total = 0
    for where, coords in _polygons(doc, filename):
        ring = _ring(coords, filename, where, mode)
        total += len(ring)
        if total > MAX_POSITIONS:
            raise _fail(filename, "", _("坐标点超过 %(n)d 个，请先简化") % {"n": MAX_POSITIONS})
        if mode == LONLAT and origin is not None:
            ring = [to_km(x, y, origin) for x, y in ring]
        rings.append(ring)
    points = list(schools)
    if points and not any(inside(r, x, y) for x, y in points for r in rings):
        raise _fail(
            filename,
            "",
            _("县内没有一所学校落在轮廓内：请检查坐标类型（经纬度或公里）和原点"),
        )
    return rings


def drawn(ring: Sequence[Sequence[float]]) -> list[Km]:
    """The ring thinned evenly to at most DRAWN_PER_RING positions for drawing."""
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) <= DRAWN_PER_RING:
        return pts
    step = len(pts) / DRAWN_PER_RING
    return [pts[int(i * step)] for i in range(DRAWN_PER_RING)]
