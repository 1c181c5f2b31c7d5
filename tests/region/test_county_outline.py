"""The county outline the bureau imports (GeoJSON, lon/lat or km): checked whole before it is
stored, drawn by every county map instead of the schools' convex hull, refused with the reason
(file, feature, position) and nothing changed when bad; only the bureau may change it."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from junheng.accounts.models import AuditLog
from junheng.errors import ActionError
from junheng.region import actions
from junheng.region.countymap import county_map
from junheng.region.models import County, School
from junheng.region.outline import LONLAT, parse_outline, to_km

# The test county's schools sit at (1, 1) and (20, 15) km; (0, 0) km is at 120.9°E, 30.5°N.
ORIGIN = (120.9, 30.5)
SQUARE_KM = [[-5, -5], [30, -5], [30, 25], [-5, 25], [-5, -5]]


def _lonlat(ring_km):
    """The km ring as lon/lat around ORIGIN (the inverse of to_km)."""
    import math

    lon0, lat0 = ORIGIN
    return [
        [lon0 + x / (111.320 * math.cos(math.radians(lat0))), lat0 + y / 110.574]
        for x, y in ring_km
    ]


def _geojson(*rings, multi=False, feature=True):
    if multi:
        geom = {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}
    else:
        geom = {"type": "Polygon", "coordinates": [rings[0]]}
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": geom}]}
    return json.dumps(doc if feature else geom).encode()


def test_lonlat_is_projected_around_the_origin():
    x, y = to_km(ORIGIN[0] + 0.1, ORIGIN[1] + 0.1, ORIGIN)
    assert x == pytest.approx(9.592, abs=0.01) and y == pytest.approx(11.057, abs=0.01)
    rings = parse_outline(_geojson(_lonlat(SQUARE_KM)), "县界.geojson", mode=LONLAT, origin=ORIGIN)
    assert len(rings) == 1 and len(rings[0]) == 4  # the repeated last position dropped
    for (x, y), (ex, ey) in zip(rings[0], SQUARE_KM, strict=False):
        assert x == pytest.approx(ex, abs=1e-6) and y == pytest.approx(ey, abs=1e-6)


def test_a_multipolygon_in_km_keeps_every_island():
    island = [[40, 0], [45, 0], [45, 5], [40, 0]]
    rings = parse_outline(
        _geojson(SQUARE_KM, island, multi=True, feature=False), "c.json", mode="km"
    )
    assert [len(r) for r in rings] == [4, 3]


@pytest.mark.parametrize(
    ("data", "mode", "says"),
    [
        (b"{not json", "km", "c.geojson：第 1 行第 2 列：不是有效的 JSON"),
        (b'{"type": "Point", "coordinates": [1, 2]}', "km", "几何类型为「Point」"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}),
            "km",
            "几何第 2 个点：坐标应为两个数",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}),
            "km",
            "少于 3",
        ),
        (
            _geojson([[-500, 5], [30, 5], [30, 25], [-500, 5]]),
            LONLAT,
            "第 1 个要素第 1 个点：经度 -500.0、纬度 5.0 超出范围",
        ),
        (json.dumps({"type": "FeatureCollection", "features": []}), "km", "没有要素"),
    ],
)
def test_a_bad_file_is_refused_naming_file_and_position(data, mode, says):
    data = data.encode() if isinstance(data, str) else data
    with pytest.raises(ActionError, match=re.escape(says)) as err:
        parse_outline(data, "c.geojson", mode=mode, origin=ORIGIN)
    assert says in str(err.value) and "c.geojson" in str(err.value)


def test_an_outline_no_school_lies_in_is_refused():
    """Kilometres read as degrees (or a wrong origin) put the schools outside: refused."""
    far = [[100, 100], [110, 100], [110, 110], [100, 110]]
    with pytest.raises(ActionError, match="没有一所学校落在轮廓内"):
        parse_outline(_geojson(far), "c.geojson", mode="km", schools=[(1.0, 1.0), (20.0, 15.0)])


@pytest.mark.django_db
def test_the_bureau_imports_it_and_every_map_draws_it(users, login, region):
    client = login(users["bureau"])
    page = client.get(reverse("region:outline"))
    assert page.status_code == 200 and "尚未导入县界" in page.content.decode()
    upload = SimpleUploadedFile("海盐县界.geojson", _geojson(_lonlat(SQUARE_KM)))
    r = client.post(
        reverse("region:outline"),
        {"file": upload, "mode": "lonlat", "origin_lon": "120.9", "origin_lat": "30.5"},
    )
    assert r.status_code == 302
    county = County.objects.get()
    assert county.outline_file == "海盐县界.geojson" and county.outline_origin == [120.9, 30.5]
    assert len(county.outline) == 1 and len(county.outline[0]) == 4
    assert AuditLog.objects.filter(action="region.import_outline").count() == 1
    # The county map of every page takes it: the legend says so, the square is drawn.
    cmap = county_map(list(School.objects.all()))
    assert cmap.imported and len(cmap.rings) == 1
    html = client.get(reverse("region:outline")).content.decode()
    assert "县域轮廓：教育局导入的县界" in html and 'class="outline hull"' not in html
    # The communities' pair map too.
    from junheng.communities.adapters import pair_map

    pm = pair_map(list(School.objects.all()), [], {})
    assert pm["imported"] and len(pm["outlines"]) == 1
    # Back to the hull.
    r = client.post(reverse("region:outline"), {"clear": "1"})
    county.refresh_from_db()
    assert r.status_code == 302 and county.outline is None
    assert not county_map(list(School.objects.all())).imported


@pytest.mark.django_db
def test_a_bad_upload_says_why_and_changes_nothing(users, login, region):
    client = login(users["bureau"])
    actions.do_import_outline(
        County.objects.get(),
        _geojson(SQUARE_KM),
        "old.geojson",
        mode="km",
        origin=None,
        by=users["bureau"],
    )
    before = County.objects.values().get()
    # Kilometres uploaded as lon/lat: the schools fall outside (or out of range): refused.
    upload = SimpleUploadedFile("new.geojson", _geojson([[0, 0], [0.1, 0], [0.1, 0.1], [0, 0]]))
    r = client.post(
        reverse("region:outline"),
        {"file": upload, "mode": "lonlat", "origin_lon": "120.9", "origin_lat": "30.5"},
    )
    assert r.status_code == 422
    assert "new.geojson：县内没有一所学校落在轮廓内" in r.content.decode()
    # Lon/lat without an origin: the form says what is missing.
    upload = SimpleUploadedFile("new.geojson", _geojson(_lonlat(SQUARE_KM)))
    r = client.post(reverse("region:outline"), {"file": upload, "mode": "lonlat"})
    assert r.status_code == 422 and "原点" in r.content.decode()
    assert County.objects.values().get() == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["school", "provider", "parent", "teacher"])
def test_no_one_but_the_bureau_changes_the_outline(users, login, region, who):
    client = login(users[who])
    upload = SimpleUploadedFile("c.geojson", _geojson(SQUARE_KM))
    assert client.get(reverse("region:outline")).status_code == 403
    r = client.post(reverse("region:outline"), {"file": upload, "mode": "km"})
    assert r.status_code == 403
    assert client.post(reverse("region:outline"), {"clear": "1"}).status_code == 403
    assert County.objects.get().outline is None
    with pytest.raises(PermissionDenied):
        actions.do_import_outline(
            County.objects.get(), _geojson(SQUARE_KM), "c", mode="km", origin=None, by=users[who]
        )
