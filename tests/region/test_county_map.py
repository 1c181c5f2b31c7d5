"""The county map: the schools' outline (convex hull), the schools coloured by urban/town/rural,
pairs and supply routes, on the bureau's home page of the demo county and the supply run page;
the provider registration form carries a map whose clicks fill its km inputs."""

from __future__ import annotations

import io
import re

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junheng.accounts.models import User
from junheng.commands.demo import DEMO_PASSWORD, DEMO_SEED
from junheng.region.countymap import convex_hull


def _inside(poly: list[tuple[float, float]], x: float, y: float, tol: float = 1e-6) -> bool:
    """(x, y) inside or on a counter-clockwise convex polygon."""
    n = len(poly)
    for i in range(n):
        (ax, ay), (bx, by) = poly[i], poly[(i + 1) % n]
        if (bx - ax) * (y - ay) - (by - ay) * (x - ax) < -tol:
            return False
    return True


def test_hull_of_a_square_with_a_point_inside_is_the_square():
    pts = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (2.0, 2.0), (2.0, 0.0)]
    assert convex_hull(pts) == [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]
    assert convex_hull([(1.0, 1.0), (1.0, 1.0)]) == [(1.0, 1.0)]


coord = st.integers(min_value=-1000, max_value=1000).map(lambda v: v / 10)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # shared, loaded CPUs
@given(st.lists(st.tuples(coord, coord), min_size=3, max_size=40))
def test_every_point_lies_inside_its_hull(pts):
    hull = convex_hull(pts)
    assert set(hull) <= set(pts)
    if len(hull) >= 3:
        assert all(_inside(hull, x, y) for x, y in pts)


def _polygon(html: str, testid: str) -> list[tuple[float, float]]:
    svg = re.search(rf'<svg[^>]*data-testid="{testid}".*?</svg>', html, re.S)
    assert svg, testid
    pts = re.search(r'<polygon class="outline hull" points="([^"]+)"', svg.group(0))
    assert pts
    return [(float(a), float(b)) for a, b in (p.split(",") for p in pts.group(1).split())]


def _schools(html: str, testid: str) -> list[tuple[str, float, float]]:
    svg = re.search(rf'<svg[^>]*data-testid="{testid}".*?</svg>', html, re.S)
    assert svg
    return [
        (cls, float(x), float(y))
        for cls, x, y in re.findall(
            r'<circle class="school (\w+)" cx="([\d.-]+)" cy="([\d.-]+)"', svg.group(0)
        )
    ]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from junheng.region.demo import create_accounts, load_region
    from junheng.synth import generate

    region = generate("county", DEMO_SEED)
    with django_db_blocker.unblock(), transaction.atomic():
        county = load_region(region, out=io.StringIO())
        accounts = create_accounts(region, county, DEMO_PASSWORD)
        yield region, county, {a.username: a for a in accounts}
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_bureau_home_draws_the_demo_county_outline_and_every_school(client, demo):
    from junheng.region.models import School

    _region, county, accounts = demo
    client.force_login(User.objects.get(username="bureau"))
    html = client.get("/").content.decode()
    hull = _polygon(html, "school-map")
    schools = _schools(html, "school-map")
    assert len(hull) >= 3
    assert len(schools) == School.objects.filter(county=county).count()
    assert {cls for cls, _x, _y in schools} == {"urban", "town", "rural"}
    # every school sits inside the drawn outline (it is the hull grown by a kilometre)
    ccw = [(x, -y) for x, y in hull]  # pixel y points down: flip back to counter-clockwise
    assert all(_inside(ccw, x, -y) for _c, x, y in schools)
    assert "各校位置的凸包" in html and "<canvas" not in html
    assert 'data-testid="outline-source"' in html


@pytest.mark.django_db
def test_the_map_legend_is_english_for_english_users(client, demo):
    _region, _county, accounts = demo
    client.force_login(User.objects.get(username="bureau"))
    with translation.override("en"):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    if 'lang="en"' not in html:
        pytest.skip("the site does not switch language by Accept-Language")
    assert "convex hull" in html


@pytest.mark.django_db
def test_registration_form_map_picks_into_the_km_inputs(client, demo):
    html = client.get("/afterschool/register/").content.decode()
    assert 'data-pick-x="id_x_km"' in html and 'data-pick-y="id_y_km"' in html
    assert 'id="id_x_km"' in html and 'id="id_y_km"' in html  # typing stays possible
    assert len(_schools(html, "pick-map")) > 3
    assert "junheng/countymap.js" in html and "<script>" not in html
