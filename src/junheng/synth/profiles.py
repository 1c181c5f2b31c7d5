"""The two synthetic region profiles: a Haiyan-like county and a Ningbo-like city.

Figures are shaped on public statistics of Zhejiang places (DESIGN.md, "Scale to design for"),
not copied from them: the county has ~40 schools and ~45,000 students, the city 603 public
compulsory schools and ~1,000,000 students in several districts on a ~100 km grid.

A profile is a list of clusters (a county, or a district of a city). Each cluster has a seat
(城区: a few big urban schools), towns (镇区) around it and small rural schools (乡村) near the
towns, with a school count per (urban/town/rural, level).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (urban_rural, level) -> count; level is primary / junior / nine_year / point (a teaching point,
# 教学点: a small rural primary site with the first grades only).
Counts = dict[tuple[str, str], int]


@dataclass(frozen=True)
class Cluster:
    name: str  # the district's or county's name, used in school names
    cx: float
    cy: float
    towns: int
    counts: Counts
    radius_km: float = 14.0  # how far out the towns lie
    core_km: float = 3.0  # how far from the centre urban schools lie


@dataclass(frozen=True)
class Profile:
    name: str
    county_code: str
    county_name: str
    clusters: tuple[Cluster, ...]
    students: int  # target enrolment
    providers: int
    courses: int
    high_schools: int
    hs_plan: tuple[int, int]  # range of a quality high school's yearly plan
    teacher_scale: float = 1.0  # multiplies staffing ratios' teacher counts
    # Base school sizes by (urban_rural, level); urban and town sizes are rescaled to the target.
    sizes: dict[tuple[str, str], int] = field(default_factory=dict)
    school_year: int = 2026  # the autumn the current school year starts


COUNTY_COUNTS: Counts = {
    ("urban", "primary"): 9,
    ("urban", "junior"): 5,
    ("town", "primary"): 7,
    ("town", "junior"): 5,
    ("town", "nine_year"): 2,
    ("rural", "primary"): 9,
    ("rural", "junior"): 1,
    ("rural", "point"): 2,
}

COUNTY_SIZES = {
    ("urban", "primary"): 2000,
    ("urban", "junior"): 1700,
    ("town", "primary"): 1100,
    ("town", "junior"): 900,
    ("town", "nine_year"): 1400,
    ("rural", "primary"): 260,
    ("rural", "junior"): 320,
    ("rural", "point"): 40,
}

COUNTY = Profile(
    name="county",
    county_code="330999",
    county_name="海滨县",
    clusters=(Cluster("海滨", 22.0, 16.0, towns=7, counts=COUNTY_COUNTS, radius_km=15.0),),
    students=45_000,
    providers=80,
    courses=400,
    high_schools=4,
    hs_plan=(380, 560),
    sizes=COUNTY_SIZES,
)

_CENTRAL: Counts = {
    ("urban", "primary"): 24,
    ("urban", "junior"): 12,
    ("town", "primary"): 8,
    ("town", "junior"): 4,
    ("town", "nine_year"): 2,
    ("rural", "primary"): 6,
    ("rural", "junior"): 1,
    ("rural", "point"): 1,
}
_OUTER: Counts = {
    ("urban", "primary"): 12,
    ("urban", "junior"): 6,
    ("town", "primary"): 16,
    ("town", "junior"): 9,
    ("town", "nine_year"): 4,
    ("rural", "primary"): 11,
    ("rural", "junior"): 2,
    ("rural", "point"): 2,
}
_OUTER_SMALL: Counts = {**_OUTER, ("rural", "primary"): 10}

CITY_SIZES = {
    ("urban", "primary"): 2300,
    ("urban", "junior"): 1800,
    ("town", "primary"): 1500,
    ("town", "junior"): 1200,
    ("town", "nine_year"): 1800,
    ("rural", "primary"): 420,
    ("rural", "junior"): 520,
    ("rural", "point"): 42,
}

CITY = Profile(
    name="city",
    county_code="330299",
    county_name="东海市",
    clusters=(
        Cluster("江城区", 45.0, 53.0, towns=3, counts=_CENTRAL, radius_km=9.0, core_km=4.0),
        Cluster("湖东区", 56.0, 55.0, towns=3, counts=_CENTRAL, radius_km=9.0, core_km=4.0),
        Cluster("海港区", 52.0, 43.0, towns=3, counts=_CENTRAL, radius_km=9.0, core_km=4.0),
        Cluster("南塘区", 42.0, 40.0, towns=3, counts=_CENTRAL, radius_km=9.0, core_km=4.0),
        Cluster("北山县", 22.0, 78.0, towns=8, counts=_OUTER),
        Cluster("凤溪市", 80.0, 80.0, towns=8, counts=_OUTER),
        Cluster("西岭县", 14.0, 38.0, towns=8, counts=_OUTER),
        Cluster("东滨区", 86.0, 34.0, towns=8, counts=_OUTER),
        Cluster("象湾县", 44.0, 12.0, towns=8, counts=_OUTER),
        Cluster("石浦县", 74.0, 10.0, towns=8, counts=_OUTER_SMALL),
    ),
    students=1_000_000,
    providers=1_500,
    courses=6_000,
    high_schools=22,
    hs_plan=(420, 900),
    teacher_scale=0.9,
    sizes=CITY_SIZES,
)

PROFILES: dict[str, Profile] = {"county": COUNTY, "city": CITY}
