"""Schools, teachers and students of a synthetic region, with the real urban–rural gaps.

Built column by column with numpy (the city profile has a million students), from a Generator
seeded by the SHA-256 of the seed text and the part's name, so the same seed gives the same
region and changing one part's code does not reshuffle the others.

The gaps put in on purpose (DESIGN.md: "synthetic data must show the real gaps"):
- urban schools are big, rural schools small, teaching points (教学点) tiny;
- rural schools have fewer teachers per student (structural shortage), fewer of them above the
  required qualification and far fewer county-level-or-above backbone teachers (骨干教师),
  fewer PE and art specialists;
- rural schools have less equipment, fewer multimedia classrooms and smaller sports grounds per
  student; urban ones are above every threshold;
- migrant children (随迁子女) are concentrated in town schools, left-behind children (留守儿童)
  in rural ones.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.synth.names import (
    PLACE_A,
    PLACE_B,
    VILLAGE_A,
    VILLAGE_B,
    cn_number,
    person_names,
    unique_pairs,
)
from junheng.synth.profiles import Profile

IntArray = npt.NDArray[np.int64]

# National thresholds (primary, junior) of L4..L7, used to scale facility totals.
THRESHOLDS = {
    "teaching_room_m2": (4.5, 5.8),
    "sports_field_m2": (7.5, 10.2),
    "equipment_yuan": (2000.0, 2500.0),
    "multimedia_classrooms": (2.3 / 100, 2.4 / 100),
}
# Facility per student as a multiple of the threshold: (mean, spread) by urban/town/rural.
FACILITY_LEVEL = {
    "teaching_room_m2": {"urban": (1.30, 0.10), "town": (1.18, 0.12), "rural": (1.08, 0.14)},
    "sports_field_m2": {"urban": (1.15, 0.12), "town": (1.15, 0.14), "rural": (0.95, 0.18)},
    "equipment_yuan": {"urban": (2.10, 0.18), "town": (1.30, 0.20), "rural": (0.72, 0.25)},
    "multimedia_classrooms": {"urban": (1.60, 0.12), "town": (1.20, 0.15), "rural": (0.95, 0.20)},
}
# Students per teacher by section and urban/town/rural (rural schools are short of staff).
STAFF_RATIO = {
    "primary": {"urban": 14.5, "town": 14.5, "rural": 15.5},
    "junior": {"urban": 10.5, "town": 10.5, "rural": 11.0},
}
# Class size aimed at: urban classes are full (limits 45 / 50), rural ones small.
CLASS_SIZE = {
    "primary": {"urban": 44, "town": 42, "rural": 34},
    "junior": {"urban": 48, "town": 46, "rural": 40},
}
SUBJECT_SHARE = {
    "primary": {
        "chinese": 27,
        "math": 21,
        "english": 10,
        "science": 7,
        "politics": 4,
        "pe": 9,
        "music": 6,
        "art": 6,
        "it": 3,
        "labour": 3,
        "psychology": 2,
    },
    "junior": {
        "chinese": 15,
        "math": 15,
        "english": 14,
        "physics": 6,
        "chemistry": 4,
        "biology": 5,
        "history": 5,
        "geography": 5,
        "politics": 6,
        "pe": 9,
        "music": 4,
        "art": 4,
        "it": 3,
        "labour": 2,
        "psychology": 3,
    },
}
PE_ART = ("pe", "music", "art")
RURAL_PE_ART_FACTOR = 0.55
QUALIFICATIONS = ("secondary", "associate", "bachelor", "master")
QUALIFICATION_P = {
    ("primary", "urban"): (0.01, 0.07, 0.80, 0.12),
    ("primary", "town"): (0.03, 0.17, 0.75, 0.05),
    ("primary", "rural"): (0.22, 0.40, 0.37, 0.01),
    ("junior", "urban"): (0.00, 0.03, 0.80, 0.17),
    ("junior", "town"): (0.01, 0.12, 0.82, 0.05),
    ("junior", "rural"): (0.04, 0.36, 0.59, 0.01),
}
BACKBONE_LEVELS = ("none", "school", "county", "city", "province")
# Share of county-level-or-above backbone teachers (骨干教师) by urban/town/rural; each school's
# share is spread around it (famous urban schools gather many), the flagship 实验 schools more.
BACKBONE_SHARE = {"urban": 0.27, "town": 0.19, "rural": 0.07}
BACKBONE_SPREAD = 0.40
FLAGSHIP_BACKBONE = 1.5
BACKBONE_SPLIT = (0.68, 0.25, 0.07)  # county, city, province among backbone teachers
SCHOOL_TITLE_SHARE = 0.3  # school-level titles among the others
MIGRANT_RATE = {"urban": 0.10, "town": 0.32, "rural": 0.07}
LEFT_BEHIND_RATE = {"urban": 0.01, "town": 0.04, "rural": 0.15}
LOW_INCOME_RATE = {"urban": 0.015, "town": 0.03, "rural": 0.07}
SCORE_MEAN = {"urban": 78.0, "town": 74.0, "rural": 70.0}
UR_CODES = ("urban", "town", "rural")


def rng_for(seed: str, part: str) -> np.random.Generator:
    """A Generator seeded by sha256(seed, part): one independent stream per part."""
    digest = hashlib.sha256(f"{seed}\x1f{part}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def largest_remainder(total: int, weights: npt.NDArray[np.float64]) -> IntArray:
    """Split `total` into integers proportional to `weights` (Hamilton's method)."""
    share = weights / weights.sum() * total
    out = np.floor(share).astype(np.int64)
    rest = int(total - out.sum())
    if rest > 0:
        order = np.lexsort((np.arange(len(share)), -(share - out)))
        out[order[:rest]] += 1
    result: IntArray = out
    return result


def grades_of(kind: str) -> tuple[int, ...]:
    return {
        "primary": (1, 2, 3, 4, 5, 6),
        "junior": (7, 8, 9),
        "nine_year": (1, 2, 3, 4, 5, 6, 7, 8, 9),
        "point": (1, 2, 3),
    }[kind]


def make_schools(p: Profile, seed: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The schools (one row each) and the towns, laid out cluster by cluster."""
    rng = rng_for(seed, "schools")
    n_towns = sum(c.towns for c in p.clusters)
    town_names = unique_pairs(rng, PLACE_A, PLACE_B, n_towns)
    n_rural = sum(n for c in p.clusters for (ur, _), n in c.counts.items() if ur == "rural")
    village_names = unique_pairs(rng, VILLAGE_A, VILLAGE_B, n_rural)
    rows: list[dict[str, object]] = []
    towns: list[dict[str, object]] = []
    t_base = 0
    v_next = 0
    for ci, cl in enumerate(p.clusters):
        a0 = rng.uniform(0, 2 * math.pi)
        ang = a0 + 2 * math.pi * np.arange(cl.towns) / cl.towns + rng.normal(0, 0.25, cl.towns)
        dist = cl.radius_km * rng.uniform(0.4, 1.0, cl.towns)
        tx = cl.cx + dist * np.cos(ang)
        ty = cl.cy + dist * np.sin(ang)
        for t in range(cl.towns):
            towns.append(
                {"cluster": ci, "name": town_names[t_base + t] + "镇", "x_km": tx[t], "y_km": ty[t]}
            )
        per_town: dict[tuple[int, str], int] = {}
        for (ur, kind), n in cl.counts.items():
            for k in range(n):
                if ur == "urban":
                    r = cl.core_km * math.sqrt(rng.uniform(0, 1))
                    a = rng.uniform(0, 2 * math.pi)
                    x, y = cl.cx + r * math.cos(a), cl.cy + r * math.sin(a)
                    stem = "实验" if k == 0 else f"第{cn_number(k)}"
                    name = cl.name + stem + ("小学" if kind == "primary" else "初级中学")
                    town = -1
                elif ur == "town":
                    # spread each level over the towns, nine-year schools in the last ones
                    t = (cl.towns - 1 - k) % cl.towns if kind == "nine_year" else k % cl.towns
                    town = t_base + t
                    nth = per_town.get((town, kind), 0)
                    per_town[(town, kind)] = nth + 1
                    x = float(tx[t]) + rng.normal(0, 0.7)
                    y = float(ty[t]) + rng.normal(0, 0.7)
                    base = {"primary": "小学", "junior": "初级中学", "nine_year": "学校"}[kind]
                    if nth == 0:
                        stem = {"primary": "中心小学", "junior": "初级中学"}.get(
                            kind, "九年一贯制学校"
                        )
                    else:
                        stem = f"第{cn_number(nth + 1)}{base}"
                    name = str(towns[town]["name"]) + stem
                else:
                    t = (k * 3 + (1 if kind != "primary" else 0)) % cl.towns
                    town = t_base + t
                    r = rng.uniform(2.5, 6.5) if kind != "point" else rng.uniform(4.0, 8.0)
                    a = rng.uniform(0, 2 * math.pi)
                    x, y = float(tx[t]) + r * math.cos(a), float(ty[t]) + r * math.sin(a)
                    suffix = {"primary": "小学", "junior": "中学", "point": "教学点"}[kind]
                    name = str(towns[town]["name"]) + village_names[v_next] + suffix
                    v_next += 1
                rows.append(
                    {
                        "cluster": ci,
                        "town": town,
                        "kind": kind,
                        "urban_rural": ur,
                        "name": name,
                        "x_km": round(max(0.0, x), 2),
                        "y_km": round(max(0.0, y), 2),
                    }
                )
        t_base += cl.towns
    schools = pd.DataFrame(rows)
    n = len(schools)
    width = max(3, len(str(n)))
    schools.insert(0, "code", [f"S{i + 1:0{width}d}" for i in range(n)])
    # sizes: base by kind with spread; urban and town schools rescaled to the target enrolment
    base_size = np.array(
        [p.sizes[(u, k)] for u, k in zip(schools.urban_rural, schools.kind, strict=True)],
        dtype=np.float64,
    )
    kinds = schools.kind.to_numpy()
    urs = schools.urban_rural.to_numpy()
    spread = np.where(urs == "rural", 0.35, 0.18)
    sizes = base_size * rng.lognormal(0.0, 1.0, n) ** spread
    points = kinds == "point"
    sizes[points] = rng.integers(24, 49, int(points.sum()))
    rural = urs == "rural"
    sizes[rural & ~points] = np.clip(sizes[rural & ~points], 90, 900)
    fixed = sizes[rural].sum()
    sizes[~rural] *= (p.students - fixed) / sizes[~rural].sum()
    sizes[~rural] = np.clip(sizes[~rural], 300, 3400)
    schools["students"] = np.round(sizes).astype(np.int64)
    schools["teaching_point"] = points.astype(np.int64)
    schools["level"] = np.where(kinds == "point", "primary", kinds)
    town_df = pd.DataFrame(towns)
    return schools, town_df


def make_cells(schools: pd.DataFrame, seed: str) -> pd.DataFrame:
    """(school, grade) cohorts with their size and number of classes."""
    rng = rng_for(seed, "cohorts")
    rows: list[tuple[int, int, int, int]] = []
    for si, (kind, ur, n) in enumerate(
        zip(schools.kind, schools.urban_rural, schools.students, strict=True)
    ):
        grades = grades_of(kind)
        w = 1.0 + rng.normal(0.0, 0.05, len(grades))
        sizes = largest_remainder(int(n), np.clip(w, 0.8, 1.2))
        for g, ng in zip(grades, sizes, strict=True):
            section = "primary" if g <= 6 else "junior"
            limit = CLASS_SIZE[section][ur]
            classes = 1 if kind == "point" else max(1, math.ceil(int(ng) / limit))
            rows.append((si, g, int(ng), classes))
    return pd.DataFrame(rows, columns=["school", "grade", "students", "classes"])


def _per_school(values: dict[str, float], ur: npt.NDArray[np.str_]) -> npt.NDArray[np.float64]:
    return np.array([values[u] for u in ur], dtype=np.float64)


def add_facilities(schools: pd.DataFrame, cells: pd.DataFrame, seed: str) -> None:
    """Facility totals from enrolment by section, thresholds and the urban/rural multiples."""
    rng = rng_for(seed, "facilities")
    n = len(schools)
    junior = cells.grade.to_numpy() >= 7
    idx = cells.school.to_numpy()
    pj = np.bincount(idx, weights=cells.students.to_numpy() * junior, minlength=n)
    pp = np.bincount(idx, weights=cells.students.to_numpy() * ~junior, minlength=n)
    ur = schools.urban_rural.to_numpy()
    for col, (tp, tj) in THRESHOLDS.items():
        mean = _per_school({u: m for u, (m, _) in FACILITY_LEVEL[col].items()}, ur)
        spread = _per_school({u: s for u, (_, s) in FACILITY_LEVEL[col].items()}, ur)
        mult = mean * np.exp(rng.normal(0.0, 1.0, n) * spread - spread**2 / 2)
        total = (pp * tp + pj * tj) * mult
        if col == "multimedia_classrooms":
            schools[col] = np.maximum(1, np.round(total)).astype(np.int64)
        elif col == "equipment_yuan":
            schools[col] = (np.round(total / 100) * 100).astype(np.int64)
        else:
            schools[col] = np.round(total).astype(np.int64)
    schools["after_school_slots"] = np.clip(
        np.round(schools.students.to_numpy() / 100), 2, 30
    ).astype(np.int64)


def make_teachers(
    schools: pd.DataFrame, cells: pd.DataFrame, p: Profile, seed: str
) -> pd.DataFrame:
    """Teachers of every school by section, with qualification, backbone level and years."""
    rng = rng_for(seed, "teachers")
    n_s = len(schools)
    ur_all = schools.urban_rural.to_numpy()
    groups: list[tuple[int, str, int]] = []  # (school, section, head count)
    for si in range(n_s):
        c = cells[cells.school == si]
        for section, mask in (("primary", c.grade <= 6), ("junior", c.grade >= 7)):
            students = int(c.students[mask].sum())
            if students == 0:
                continue
            classes = int(c.classes[mask].sum())
            ratio = STAFF_RATIO[section][ur_all[si]]
            head = max(round(students / ratio * p.teacher_scale), classes, 2)
            groups.append((si, section, head))
    g_school = np.array([g[0] for g in groups], dtype=np.int64)
    g_section = np.array([g[1] for g in groups])
    g_head = np.array([g[2] for g in groups], dtype=np.int64)
    school = np.repeat(g_school, g_head)
    section_of = np.repeat(g_section, g_head)
    n = len(school)
    ur = ur_all[school]
    subject = np.empty(n, dtype=object)
    qualification = np.empty(n, dtype=object)
    for sec in ("primary", "junior"):
        names = list(SUBJECT_SHARE[sec])
        share = np.array([SUBJECT_SHARE[sec][s] for s in names], dtype=np.float64)
        rural_share = share * np.array([RURAL_PE_ART_FACTOR if s in PE_ART else 1.0 for s in names])
        for u in UR_CODES:
            m = (section_of == sec) & (ur == u)
            k = int(m.sum())
            w = rural_share if u == "rural" else share
            subject[m] = np.array(names, dtype=object)[rng.choice(len(names), k, p=w / w.sum())]
            qp = np.array(QUALIFICATION_P[(sec, u)])
            qualification[m] = np.array(QUALIFICATIONS, dtype=object)[
                rng.choice(4, k, p=qp / qp.sum())
            ]
    flagship = schools.name.str.contains("实验").to_numpy()
    school_share = (
        _per_school(BACKBONE_SHARE, ur_all)
        * np.exp(rng.normal(0.0, BACKBONE_SPREAD, n_s) - BACKBONE_SPREAD**2 / 2)
        * np.where(flagship, FLAGSHIP_BACKBONE, 1.0)
    )
    is_backbone = rng.random(n) < np.clip(school_share, 0.0, 0.6)[school]
    title = np.array(BACKBONE_LEVELS[2:], dtype=object)[rng.choice(3, n, p=BACKBONE_SPLIT)]
    other = np.where(rng.random(n) < SCHOOL_TITLE_SHARE, "school", "none")
    backbone = np.where(is_backbone, title, other).astype(object)
    female = rng.random(n) < np.where(section_of == "primary", 0.78, 0.58)
    age = rng.integers(23, 60, n)
    years = np.minimum(np.floor(rng.exponential(7.0, n)).astype(np.int64), age - 22)
    # backbone titles take years: nobody under 30 holds county level or above
    young = (age < 30) & np.isin(backbone, ["county", "city", "province"])
    backbone[young] = "school"
    sur, given = person_names(rng, female)
    width = max(5, len(str(n)))
    return pd.DataFrame(
        {
            "code": [f"T{i + 1:0{width}d}" for i in range(n)],
            "name": sur + given,
            "school": schools.code.to_numpy()[school],
            "subject": subject,
            "section": section_of,
            "qualification": qualification,
            "backbone_level": backbone,
            "years_at_school": years,
            "age": age,
            "gender": np.where(female, "F", "M"),
            "school_idx": school,
        }
    )


def make_students(
    schools: pd.DataFrame, cells: pd.DataFrame, p: Profile, seed: str
) -> pd.DataFrame:
    """Every student: cohort, class, name, birth date, flags, score, family (twins, siblings)."""
    rng = rng_for(seed, "students")
    cell_n = cells.students.to_numpy()
    n = int(cell_n.sum())
    cell_of = np.repeat(np.arange(len(cells)), cell_n)
    start = np.cumsum(cell_n) - cell_n
    within = np.arange(n) - start[cell_of]
    school = cells.school.to_numpy()[cell_of]
    grade = cells.grade.to_numpy()[cell_of]
    class_number = within % cells.classes.to_numpy()[cell_of] + 1
    ur_s = schools.urban_rural.to_numpy()
    ur = ur_s[school]
    female = rng.random(n) < 0.48
    sur, given = person_names(rng, female)

    # twins: two neighbours in the same cohort
    lead = (rng.random(n) < 0.009) & (within + 1 < cell_n[cell_of])
    lead[1:] &= ~lead[:-1]
    lead_idx = np.flatnonzero(lead)
    family = np.full(n, -1, dtype=np.int64)
    family[lead_idx] = np.arange(len(lead_idx))
    family[lead_idx + 1] = np.arange(len(lead_idx))
    sur[lead_idx + 1] = sur[lead_idx]
    # siblings: two children of one family in different grades of the same school
    s_start = np.bincount(school, minlength=len(schools))
    s_first = np.cumsum(s_start) - s_start
    k = int(n * 0.03)
    a = rng.integers(0, n, k)
    b = s_first[school[a]] + (rng.random(k) * s_start[school[a]]).astype(np.int64)
    ok = (grade[a] != grade[b]) & (family[a] < 0) & (family[b] < 0)
    a, b = a[ok], b[ok]
    both = np.concatenate([a, b])
    vals, counts = np.unique(both, return_counts=True)
    repeated = vals[counts > 1]
    keep = ~np.isin(a, repeated) & ~np.isin(b, repeated)
    a, b = a[keep], b[keep]
    fam0 = len(lead_idx)
    family[a] = fam0 + np.arange(len(a))
    family[b] = fam0 + np.arange(len(a))
    sur[b] = sur[a]

    year = p.school_year
    first_day = np.array(
        [np.datetime64(f"{year - 6 - g:04d}-09-01") for g in range(10)], dtype="datetime64[D]"
    )
    birth = first_day[grade] + rng.integers(0, 365, n).astype("timedelta64[D]")

    def school_rate(rates: dict[str, float], sigma: float) -> npt.NDArray[np.float64]:
        base = _per_school(rates, ur_s)
        return np.clip(base * rng.lognormal(0.0, sigma, len(ur_s)), 0.0, 0.75)

    migrant = rng.random(n) < school_rate(MIGRANT_RATE, 0.35)[school]
    left_behind = ~migrant & (rng.random(n) < school_rate(LEFT_BEHIND_RATE, 0.3)[school])
    low_income = rng.random(n) < school_rate(LOW_INCOME_RATE, 0.3)[school]
    support = rng.random(n) < 0.015
    school_effect = rng.normal(0.0, 3.0, len(ur_s))
    score = (
        _per_school(SCORE_MEAN, ur)
        + school_effect[school]
        - 4.0 * left_behind
        + rng.normal(0.0, 11.0, n)
    )
    score = np.round(np.clip(score, 0.0, 100.0), 1)
    code_int = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    order = np.lexsort((code_int, class_number, grade, school))
    fam_label = pd.Series(family).map(lambda f: f"F{f:06d}" if f >= 0 else "").to_numpy()
    frame = pd.DataFrame(
        {
            "code": pd.Series(code_int).map("P{:d}".format).to_numpy(),
            "name": sur + given,
            "gender": np.where(female, "F", "M"),
            "birth_date": np.datetime_as_string(birth, unit="D"),
            "school": schools.code.to_numpy()[school],
            "grade": grade,
            "class_number": class_number,
            "migrant": migrant.astype(np.int64),
            "left_behind": left_behind.astype(np.int64),
            "low_income": low_income.astype(np.int64),
            "support_needs": support.astype(np.int64),
            "score": score,
            "family": fam_label,
            "school_idx": school,
            "code_int": code_int,
        }
    )
    return frame.iloc[order].reset_index(drop=True)
