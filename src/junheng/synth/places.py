"""Enrolment history, births by zone and capacity for the forecast (学位预测), synthetic.

The region's current cohorts (school × grade, the autumn of `school_year`) are the last year of
an eight-year history that is generated backwards with the dynamics school planners see in
Zhejiang today:

- **urban growth**: urban schools south of their district's centre are in growth zones (new
  housing, "building new schools in the south of the city"): children join in the upper grades
  (grade-progression ratios ≈ 1.025, migrant inflow), zone births keep rising as families move
  in, and grade 1 takes more children than were born in the zone (entry ratio 1.1–1.3);
- **rural decline**: rural schools lose children to town schools every year (ratios ≈ 0.955),
  their zones' births fall by 3–7% a year and grade 1 takes fewer than were born there;
- **the national birth curve**: future births (the zone's births of the last six years, which
  enter grade 1 in the projected years) follow the national figures, which fell by half from
  2016 to 2023 (NBS: 17.86 million in 2016, 9.02 million in 2023), times the zone's own trend.

Births exist for schools with a grade 1 (primary, nine-year, teaching points); junior schools
have none, so their grade 7 is projected from their history (CONTRACTS.md). Capacity:
classrooms = the classes the school runs now plus spare rooms (urban schools have almost none,
rural ones many), max_class = the national class-size limit (45 primary, 50 junior; 45 for a
nine-year school, the stricter of its two parts).

Everything is drawn from its own seeded stream (`rng_for(seed, "places")`), so adding these
files changes no other file of the region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from junheng.synth.profiles import PROFILES
from junheng.synth.region import rng_for

if TYPE_CHECKING:
    from junheng.synth.build import Region

HISTORY_YEARS = 8  # school_year - 7 .. school_year: enough for the back-test (y-6 .. y)
ENTRY_LAG = 6
# National births, millions (National Bureau of Statistics yearly communiqués); 2025 and 2026
# are assumptions for the synthetic data, continuing the recent level.
NATIONAL_BIRTHS = {
    2007: 15.94,
    2008: 16.08,
    2009: 15.91,
    2010: 15.92,
    2011: 16.04,
    2012: 16.35,
    2013: 16.40,
    2014: 16.87,
    2015: 16.55,
    2016: 17.86,
    2017: 17.23,
    2018: 15.23,
    2019: 14.65,
    2020: 12.02,
    2021: 10.62,
    2022: 9.56,
    2023: 9.02,
    2024: 9.54,
    2025: 8.70,
    2026: 8.50,
}
ZONES = ("growth", "urban", "town", "rural")
# Per zone: mean grade-progression ratio, size trend of the top grade (backwards), entry ratio
# range (grade 1 / zone births six years before), future births trend range (per year), spare
# classrooms as a share of the classes run now.
PROGRESSION = {"growth": 1.025, "urban": 1.005, "town": 1.0, "rural": 0.955}
TOP_TREND = {"growth": 1.05, "urban": 1.01, "town": 1.0, "rural": 0.95}
ENTRY = {"growth": (1.10, 1.30), "urban": (1.00, 1.15), "town": (0.95, 1.10), "rural": (0.70, 0.90)}
BIRTH_TREND = {
    "growth": (1.08, 1.12),
    "urban": (1.00, 1.03),
    "town": (0.98, 1.01),
    "rural": (0.93, 0.97),
}
SPARE = {"growth": (0.0, 0.04), "urban": (0.0, 0.06), "town": (0.05, 0.15), "rural": (0.25, 0.6)}
MAX_CLASS = {"primary": 45, "point": 45, "nine_year": 45, "junior": 50}


def zones(region: Region) -> np.ndarray:
    """growth / urban / town / rural per school (growth: urban and south of the centre)."""
    s = region.schools
    centre_y = np.array([c.cy for c in PROFILES[region.profile].clusters])[s.cluster.to_numpy()]
    ur = s.urban_rural.to_numpy()
    growth = (ur == "urban") & (s.y_km.to_numpy() < centre_y)
    return np.where(growth, "growth", ur)


def make_places(region: Region) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(enrolment, births, capacity) frames in the forecast's formats, sorted."""
    rng = rng_for(region.seed, "places")
    s = region.schools
    c = region.cohorts
    n_s, n_t = len(s), HISTORY_YEARS
    year0 = region.school_year - n_t + 1
    zone = zones(region)
    codes = s.code.to_numpy()

    has = np.zeros((n_s, 10), dtype=bool)
    has[c.school.to_numpy(), c.grade.to_numpy()] = True
    top = 9 - np.argmax(has[:, ::-1], axis=1)
    n = np.zeros((n_s, n_t, 10))
    n[c.school.to_numpy(), n_t - 1, c.grade.to_numpy()] = c.students.to_numpy()

    r_school = np.array([PROGRESSION[z] for z in zone]) + rng.normal(0, 0.008, n_s)
    trend = np.array([TOP_TREND[z] for z in zone]) * np.exp(rng.normal(0, 0.01, n_s))
    rows = np.arange(n_s)
    for t in range(n_t - 1, 0, -1):
        r = r_school[:, None] * np.exp(rng.normal(0, 0.012, (n_s, 10)))
        prev = np.zeros((n_s, 10))
        prev[:, 1:9] = n[:, t, 2:10] / r[:, 2:10]
        prev[rows, top] = n[rows, t, top] / trend * np.exp(rng.normal(0, 0.02, n_s))
        n[:, t - 1, :] = np.where(has, prev, 0.0)
    counts = np.maximum(np.round(n), 0).astype(np.int64)

    si, ti, gi = np.nonzero(np.broadcast_to(has[:, None, :], counts.shape))
    enrolment = pd.DataFrame(
        {
            "school_id": codes[si],
            "year": year0 + ti,
            "grade": gi,
            "students": counts[si, ti, gi],
        }
    )

    # Births: past ones from grade 1 (so the entry ratio is the zone's), later ones by the
    # national curve times the zone's own trend.
    lo, hi = np.array([ENTRY[z] for z in zone]).T
    entry = rng.uniform(lo, hi)
    lo, hi = np.array([BIRTH_TREND[z] for z in zone]).T
    births_trend = rng.uniform(lo, hi)
    with_births = np.flatnonzero(has[:, 1])
    past_years = np.arange(year0 - ENTRY_LAG, region.school_year - ENTRY_LAG + 1)
    past = n[with_births][:, :, 1] / entry[with_births, None]
    past *= np.exp(rng.normal(0, 0.03, past.shape))
    base_year = region.school_year - ENTRY_LAG
    future_years = np.arange(base_year + 1, region.school_year + 1)
    national = np.array(
        [NATIONAL_BIRTHS[int(y)] / NATIONAL_BIRTHS[base_year] for y in future_years]
    )
    steps = future_years - base_year
    future = past[:, -1:] * national[None, :] * births_trend[with_births, None] ** steps[None, :]
    future *= np.exp(rng.normal(0, 0.03, future.shape))
    all_births = np.round(np.concatenate([past, future], axis=1)).astype(np.int64)
    all_years = np.concatenate([past_years, future_years])
    births = pd.DataFrame(
        {
            "school_id": np.repeat(codes[with_births], len(all_years)),
            "year": np.tile(all_years, len(with_births)),
            "births": np.maximum(all_births, 0).ravel(),
        }
    )

    classes = np.bincount(c.school.to_numpy(), weights=c.classes.to_numpy(), minlength=n_s)
    lo, hi = np.array([SPARE[z] for z in zone]).T
    spare = np.floor(classes * rng.uniform(lo, hi)).astype(np.int64)
    points = s.kind.to_numpy() == "point"
    spare[points] = rng.integers(1, 4, int(points.sum()))
    capacity = pd.DataFrame(
        {
            "school_id": codes,
            "classrooms": classes.astype(np.int64) + spare,
            "max_class": [MAX_CLASS[k] for k in s.kind],
        }
    )
    return (
        enrolment.sort_values(["school_id", "year", "grade"], kind="mergesort").reset_index(
            drop=True
        ),
        births.sort_values(["school_id", "year"], kind="mergesort").reset_index(drop=True),
        capacity.sort_values("school_id", kind="mergesort").reset_index(drop=True),
    )
