"""Assemble a synthetic Region and turn it into the engines' input files (see the package doc)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.engines.io import frame_bytes, write_atomic
from junheng.synth import market
from junheng.synth.profiles import PROFILES, Profile
from junheng.synth.region import (
    add_facilities,
    make_cells,
    make_schools,
    make_students,
    make_teachers,
    rng_for,
)

INCOMING_GRADES = (1, 7)
NINE_YEAR_JUNIOR_WEIGHT = 1.1  # facility split primary : junior = 1 : 1.1 by enrolment
QUALIFIED_PRIMARY = ("associate", "bachelor", "master")
QUALIFIED_JUNIOR = ("bachelor", "master")
BACKBONE = ("county", "city", "province")


@dataclass
class Region:
    """A synthetic region: data frames keyed by codes (internal *_idx columns are positions)."""

    profile: str
    seed: str
    county_code: str
    county_name: str
    school_year: int
    schools: pd.DataFrame
    cohorts: pd.DataFrame  # school (position), grade, students, classes
    teachers: pd.DataFrame
    students: pd.DataFrame
    providers: pd.DataFrame
    courses: pd.DataFrame
    offerings: pd.DataFrame
    choices: pd.DataFrame
    high_schools: pd.DataFrame


def _say(msg: str, t0: float, quiet: bool) -> None:
    if not quiet:
        print(f"[{time.perf_counter() - t0:6.1f} s] {msg}", file=sys.stderr, flush=True)


def generate(profile: str | Profile, seed: str, *, quiet: bool = True) -> Region:
    """Build the region of `profile` ("county" or "city") for `seed` (any text)."""
    p = PROFILES[profile] if isinstance(profile, str) else profile
    t0 = time.perf_counter()
    schools, towns = make_schools(p, seed)
    cohorts = make_cells(schools, seed)
    add_facilities(schools, cohorts, seed)
    _say(f"{len(schools)} schools", t0, quiet)
    teachers = make_teachers(schools, cohorts, p, seed)
    _say(f"{len(teachers)} teachers", t0, quiet)
    students = make_students(schools, cohorts, p, seed)
    _say(f"{len(students)} students", t0, quiet)
    providers = market.make_providers(p, schools, towns, seed)
    courses = market.make_courses(p, providers, seed)
    grades = {
        int(si): (int(g.min()), int(g.max()))
        for si, g in cohorts.groupby("school", sort=True)["grade"]
    }
    provider_index = {pid: i for i, pid in enumerate(providers.provider_id)}
    offerings = market.make_offerings(
        schools,
        courses,
        grades,
        seed,
        weekly_sessions=providers.weekly_sessions.to_numpy(),
        course_provider=courses.provider_id.map(provider_index).to_numpy(),
    )
    choices = market.make_choices(students, offerings, courses, seed)
    _say(f"{len(offerings)} offerings, {len(choices)} choices", t0, quiet)
    high_schools = market.make_high_schools(p, seed)
    return Region(
        profile=p.name,
        seed=seed,
        county_code=p.county_code,
        county_name=p.county_name,
        school_year=p.school_year,
        schools=schools,
        cohorts=cohorts,
        teachers=teachers,
        students=students,
        providers=providers,
        courses=courses,
        offerings=offerings,
        choices=choices,
        high_schools=high_schools,
    )


def _section_counts(region: Region) -> pd.DataFrame:
    """Per school and section: students, qualified, backbone and PE/art teachers."""
    t = region.teachers
    sec = t.section.to_numpy()
    qual = np.where(
        sec == "primary",
        t.qualification.isin(QUALIFIED_PRIMARY).to_numpy(),
        t.qualification.isin(QUALIFIED_JUNIOR).to_numpy(),
    )
    n = len(region.schools)
    key = t.school_idx.to_numpy() * 2 + (sec == "junior")
    c = region.cohorts
    ckey = c.school.to_numpy() * 2 + (c.grade.to_numpy() >= 7)
    return pd.DataFrame(
        {
            "school": np.repeat(np.arange(n), 2),
            "section": np.tile(["primary", "junior"], n),
            "students": np.bincount(ckey, weights=c.students.to_numpy(), minlength=2 * n),
            "qualified_teachers": np.bincount(key, weights=qual, minlength=2 * n),
            "backbone_teachers": np.bincount(
                key, weights=t.backbone_level.isin(BACKBONE).to_numpy(), minlength=2 * n
            ),
            "pe_art_teachers": np.bincount(
                key, weights=t.subject.isin(("pe", "music", "art")).to_numpy(), minlength=2 * n
            ),
        }
    ).astype(
        {
            "students": np.int64,
            "qualified_teachers": np.int64,
            "backbone_teachers": np.int64,
            "pe_art_teachers": np.int64,
        }
    )


def balance_frame(region: Region) -> pd.DataFrame:
    """balance.csv: one row per school and level; nine-year schools split in two rows."""
    s = region.schools
    parts = _section_counts(region)
    parts = parts[parts.students > 0].reset_index(drop=True)
    si = parts.school.to_numpy()
    is_junior = (parts.section == "junior").to_numpy()
    own = parts.students.to_numpy().astype(np.float64)
    primary_total = np.bincount(si, weights=own * ~is_junior, minlength=len(s))[si]
    junior_total = np.bincount(si, weights=own * is_junior, minlength=len(s))[si]
    w_p = primary_total
    w_j = junior_total * NINE_YEAR_JUNIOR_WEIGHT
    share = np.where(is_junior, w_j, w_p) / (w_p + w_j)
    out = pd.DataFrame(
        {
            "school_id": s.code.to_numpy()[si],
            "level": parts.section.to_numpy(),
            "students": parts.students.to_numpy(),
            "qualified_teachers": parts.qualified_teachers.to_numpy(),
            "backbone_teachers": parts.backbone_teachers.to_numpy(),
            "pe_art_teachers": parts.pe_art_teachers.to_numpy(),
        }
    )
    for col in ("teaching_room_m2", "sports_field_m2", "equipment_yuan"):
        out[col] = np.round(s[col].to_numpy()[si] * share).astype(np.int64)
    mm = s.multimedia_classrooms.to_numpy()[si]
    mm_primary = np.round(mm * np.where(is_junior, 1 - share, share)).astype(np.int64)
    out["multimedia_classrooms"] = np.where(is_junior, mm - mm_primary, mm_primary)
    out["teaching_point"] = s.teaching_point.to_numpy()[si]
    return out


def engine_schools_frame(region: Region) -> pd.DataFrame:
    s = region.schools
    c = region.cohorts
    junior = np.bincount(c.school, weights=c.students * (c.grade >= 7), minlength=len(s))
    level = np.where(
        s.level == "nine_year",
        np.where(junior * 2 > s.students.to_numpy(), "junior", "primary"),
        s.level,
    )
    return pd.DataFrame(
        {
            "school_id": s.code,
            "level": level,
            "urban_rural": s.urban_rural,
            "students": s.students,
            "x_km": s.x_km,
            "y_km": s.y_km,
            "slots": s.after_school_slots,
        }
    )


def engine_teachers_frame(region: Region) -> pd.DataFrame:
    """teachers.csv (rotate), with up to three preferred schools for ~40% of eligible ones."""
    rng = rng_for(region.seed, "preferences")
    t = region.teachers
    s = region.schools
    n = len(t)
    sec = t.section.to_numpy()
    qual = np.where(
        sec == "primary",
        t.qualification.isin(QUALIFIED_PRIMARY).to_numpy(),
        t.qualification.isin(QUALIFIED_JUNIOR).to_numpy(),
    )
    prefs = np.full((n, 3), "", dtype=object)
    x, y = s.x_km.to_numpy(), s.y_km.to_numpy()
    levels = s.level.to_numpy()
    codes = s.code.to_numpy()
    wants = (t.years_at_school.to_numpy() >= 6) & (rng.random(n) < 0.4)
    how_many = rng.integers(1, 4, n)
    t_school = t.school_idx.to_numpy()
    bounds = np.searchsorted(t_school, np.arange(len(s) + 1))
    for si in range(len(s)):
        d = np.hypot(x - x[si], y - y[si])
        d[si] = np.inf
        for section in ("primary", "junior"):
            ok = (levels == section) | (levels == "nine_year")
            cand = np.flatnonzero(ok & np.isfinite(d))
            cand = cand[np.argsort(d[cand], kind="stable")][:6]
            rows = np.arange(bounds[si], bounds[si + 1])
            rows = rows[wants[rows] & (sec[rows] == section)]
            if len(rows) == 0 or len(cand) == 0:
                continue
            pick = np.argsort(rng.random((len(rows), len(cand))), axis=1)[:, :3]
            for j in range(min(3, len(cand))):
                use = how_many[rows] > j
                prefs[rows[use], j] = codes[cand[pick[use, j]]]
    return pd.DataFrame(
        {
            "teacher_id": t.code,
            "school_id": t.school,
            "subject": t.subject,
            "years_at_school": t.years_at_school,
            "age": t.age,
            "backbone": t.backbone_level.isin(BACKBONE).astype(np.int64),
            "qualified": qual.astype(np.int64),
            "pref1": prefs[:, 0],
            "pref2": prefs[:, 1],
            "pref3": prefs[:, 2],
        }
    )


def needs_frame(region: Region) -> pd.DataFrame:
    """needs.csv: keep at least 85% (rounded down) of each school's subject staff."""
    t = region.teachers
    counts = t.groupby(["school", "subject"], sort=True).size().reset_index(name="n")
    counts["required"] = np.floor(counts.n * 0.85).astype(np.int64)
    counts = counts[counts.required >= 1]
    return pd.DataFrame(
        {
            "school_id": counts.school.to_numpy(),
            "subject": counts.subject.to_numpy(),
            "required": counts.required.to_numpy(),
        }
    )


def place_frame(region: Region) -> pd.DataFrame:
    """students.csv (place): the incoming grades 1 and 7, with together/apart labels."""
    rng = rng_for(region.seed, "placement")
    st = region.students
    inc = st[st.grade.isin(INCOMING_GRADES)].reset_index(drop=True)
    c = region.cohorts.set_index(["school", "grade"]).classes
    classes = c.reindex(pd.MultiIndex.from_arrays([inc.school_idx, inc.grade])).to_numpy()
    # together: twins (a family with two children in one cohort)
    fam = inc.family.to_numpy()
    cohort = inc.school_idx.to_numpy() * 10 + inc.grade.to_numpy()
    key = pd.Series(fam).where(fam != "", None)
    size = key.groupby([cohort, key]).transform("size") if key.notna().any() else key
    together = np.where((fam != "") & (pd.Series(size).fillna(0).to_numpy() >= 2), "T" + fam, "")
    # apart: a few pairs (e.g. a known conflict) in cohorts of two classes or more
    apart = np.full(len(inc), "", dtype=object)
    pick = (rng.random(len(inc)) < 0.012) & (classes >= 2) & (together == "")
    idx = np.flatnonzero(pick)
    # pair consecutive picks of the same cohort
    same = cohort[idx[1:]] == cohort[idx[:-1]]
    label = 0
    j = 0
    while j < len(idx) - 1:
        if same[j]:
            label += 1
            apart[idx[j]] = apart[idx[j + 1]] = f"A{label:05d}"
            j += 2
        else:
            j += 1
    order = np.lexsort((inc.code_int.to_numpy(), inc.grade.to_numpy(), inc.school_idx.to_numpy()))
    out = pd.DataFrame(
        {
            "student_id": inc.code,
            "gender": inc.gender,
            "score": inc.score,
            "needs": inc.support_needs,
            "together": together,
            "apart": apart,
            "school_id": inc.school,
            "grade": inc.grade,
            "classes": classes.astype(np.int64),
        }
    )
    return out.iloc[order].reset_index(drop=True)


def juniors_frame(region: Region) -> pd.DataFrame:
    c = region.cohorts
    g9 = c[c.grade == 9]
    return pd.DataFrame(
        {
            "junior_id": region.schools.code.to_numpy()[g9.school.to_numpy()],
            "graduates": g9.students.to_numpy(),
        }
    )


# Quality-monitoring results (学业质量监测, 0-100) by urban/town/rural: mean and spread.
RESULTS = {"urban": (82.0, 5.0), "town": (74.0, 6.0), "rural": (66.0, 7.0)}


def pairing_frame(region: Region) -> pd.DataFrame:
    """pairing.csv (pair): every school with its strength and role.

    Strength is `junheng.engines.pairing.school_strengths` of the school's balance.csv rows
    (the balance engine's indicators), blended half and half with a synthetic
    quality-monitoring score (`results`, also written). Roles are
    `junheng.engines.pairing.suggest_roles`: in each district (cluster; the city's districts
    are its `region`s, the county is one region) the strongest third of the schools of each
    level are cores; teaching points are always members. Cores of 1,500 students or
    more take 4 local members, others the command's `--capacity` (empty)."""
    from junheng.engines.balance import BalanceSchool
    from junheng.engines.pairing import school_strengths, suggest_roles

    s = region.schools
    rng = rng_for(region.seed, "results")
    mean = np.array([RESULTS[u][0] for u in s.urban_rural])
    spread = np.array([RESULTS[u][1] for u in s.urban_rural])
    results = np.round(np.clip(rng.normal(mean, spread), 40.0, 98.0), 1)
    rows = [
        BalanceSchool(
            str(r.school_id),
            str(r.level),
            int(r.students),
            float(r.qualified_teachers),
            float(r.backbone_teachers),
            float(r.pe_art_teachers),
            float(r.teaching_room_m2),
            float(r.sports_field_m2),
            float(r.equipment_yuan),
            float(r.multimedia_classrooms),
            bool(r.teaching_point),
        )
        for r in balance_frame(region).itertuples(index=False)
    ]
    strength_of = school_strengths(rows, dict(zip(s.code, results.tolist(), strict=True)))
    strength = np.array([strength_of.get(c, results[i] / 2) for i, c in enumerate(s.code)])
    level = s.level.to_numpy()
    cluster = s.cluster.to_numpy()
    roles = suggest_roles(
        [
            (str(c), str(lv), str(k), float(st), bool(tp))
            for c, lv, k, st, tp in zip(
                s.code, level, cluster, strength, s.teaching_point, strict=True
            )
        ]
    )
    core = np.array([roles[str(c)] == "core" for c in s.code])
    students = s.students.to_numpy()
    multi = len(set(cluster.tolist())) > 1
    names = [str(c.name) for c in PROFILES[region.profile].clusters]
    return pd.DataFrame(
        {
            "school_id": s.code,
            "name": s.name,
            "level": level,
            "urban_rural": s.urban_rural,
            "students": students,
            "x_km": s.x_km,
            "y_km": s.y_km,
            "strength": np.round(strength, 2),
            "role": np.where(core, "core", "member"),
            "capacity": np.where(core & (students >= 1500), "4", ""),
            "region": [names[int(c)] if multi else "" for c in cluster],
            "results": results,
        }
    )


def files(region: Region) -> dict[str, bytes]:
    """Every file's bytes, by file name (computed in full before anything is written)."""
    st = region.students
    choosers = np.unique(region.choices.student_idx.to_numpy())  # sorted positions
    chooser_codes = st.code_int.to_numpy()[choosers]
    choosers = choosers[np.argsort(chooser_codes, kind="stable")]
    priorities = pd.DataFrame(
        {
            "student_id": st.code.to_numpy()[choosers],
            "priority": ((st.left_behind.to_numpy() == 1) | (st.low_income.to_numpy() == 1))[
                choosers
            ].astype(np.int64),
        }
    )
    s = region.schools
    frames: dict[str, pd.DataFrame] = {
        "schools.csv": engine_schools_frame(region),
        "teachers.csv": engine_teachers_frame(region),
        "needs.csv": needs_frame(region),
        "providers.csv": region.providers[
            ["provider_id", "weekly_sessions", "name", "category", "x_km", "y_km"]
        ],
        "courses.csv": region.courses,
        "balance.csv": balance_frame(region),
        "students.csv": place_frame(region),
        "offerings.csv": region.offerings[
            ["offering_id", "capacity", "slot", "school_id", "course_id"]
        ],
        "choices.csv": region.choices[["student_id", "rank", "offering_id"]],
        "priorities.csv": priorities,
        "high_schools.csv": region.high_schools[["high_school_id", "plan", "name"]],
        "juniors.csv": juniors_frame(region),
        "pairing.csv": pairing_frame(region),
        "region_schools.csv": s[
            [
                "code",
                "name",
                "level",
                "urban_rural",
                "x_km",
                "y_km",
                "teaching_room_m2",
                "sports_field_m2",
                "equipment_yuan",
                "multimedia_classrooms",
                "after_school_slots",
                "teaching_point",
                "students",
            ]
        ],
        "region_teachers.csv": region.teachers.drop(columns=["school_idx"]),
        "region_students.csv": st.drop(columns=["school_idx", "code_int"]).rename(
            columns={"class_number": "class"}
        ),
    }
    from junheng.synth.places import make_places

    enrolment, births, capacity = make_places(region)
    frames.update({"enrolment.csv": enrolment, "births.csv": births, "capacity.csv": capacity})
    from junheng.synth.portraits import make_portraits

    return {name: frame_bytes(df) for name, df in frames.items()} | make_portraits(region)


def write(region: Region, out_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Write every file into `out_dir`; returns file name -> SHA-256 of its bytes."""
    data = files(region)
    out = Path(out_dir)
    return {name: write_atomic(out / name, blob) for name, blob in data.items()}
