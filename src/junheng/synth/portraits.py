"""Synthetic growth-portrait records (综合素质评价) for every student: about 20 a term.

`make_portraits(region)` returns the three input tables of `junheng portraits`:
``portrait_students`` (student_id, term, school_id, grade, class, urban_rural, sex), ``portrait_records``
(student_id, term, indicator, value) and ``portrait_indicators`` (the default library), as CSV
bytes. The county gets two terms (the spring term of last school year, when every child was a
grade lower — grade-1 children were not at school yet — and this autumn's), so progress has
something to show; the city gets this autumn's term only (20 million records, the benchmark's
size).

What a term's records are, per student (in the default library's indicators): four teacher
observations (1–5), awards (Poisson 0.25), one service count, Chinese and maths grades (English
and science from grade 3), the five fitness-test items, two wellbeing checks, one or two arts
activities, certificates (Poisson 0.1), two labour-hour entries and social-practice activities
(Poisson 0.8). Values follow the child's academic score and its school's urban/town/rural class
(rural children: more labour hours, fewer arts activities and certificates), with noise.

The CSV is written by DuckDB from integer codes (20 million rows in seconds); same seed, same
bytes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.engines.portraits.library import DEFAULT_LIBRARY_CSV
from junheng.synth.region import rng_for

if TYPE_CHECKING:
    from junheng.synth.build import Region

TERMS = {"county": 2, "city": 1}
INDICATORS = (
    "moral.observation",
    "moral.award",
    "moral.service",
    "academic.chinese",
    "academic.maths",
    "academic.english",
    "academic.science",
    "health.bmi",
    "health.vital_capacity",
    "health.run_50m",
    "health.sit_reach",
    "health.rope_skip",
    "health.wellbeing",
    "arts.activity",
    "arts.certificate",
    "labour.hours",
    "labour.practice",
)
ARTS_RATE = {"urban": 1.6, "town": 1.3, "rural": 1.0}
LABOUR_HOURS = {"urban": 9.0, "town": 11.0, "rural": 14.0}

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def term_labels(school_year: int, terms: int) -> list[tuple[str, int]]:
    """(term label, grade offset) oldest first: ``2025-2`` (a grade lower), ``2026-1``."""
    out = [(f"{school_year}-1", 0)]
    if terms > 1:
        out.insert(0, (f"{school_year - 1}-2", -1))
    return out


def _term_records(
    rng: np.random.Generator,
    grade: I64,
    score: F64,
    ur: npt.NDArray[np.str_],
    gender_f: npt.NDArray[np.bool_],
) -> tuple[I64, I64, F64]:
    """(student position, indicator index, value) for one term, grouped by student."""
    n = len(grade)
    z = (score - 74.0) / 12.0  # the child's standing, shared by its records
    parts: list[tuple[I64, I64, F64]] = []

    def add(who: I64, ind: str, value: npt.NDArray[Any]) -> None:
        index = np.full(len(who), INDICATORS.index(ind), dtype=np.int64)
        parts.append((who, index, value.astype(np.float64)))

    everyone = np.arange(n, dtype=np.int64)
    for _ in range(4):
        add(
            everyone,
            "moral.observation",
            np.clip(np.round(3.7 + 0.5 * z + rng.normal(0, 0.7, n)), 1, 5),
        )
    awards = rng.poisson(np.clip(0.25 + 0.1 * z, 0.02, None))
    who = np.repeat(everyone, awards)
    add(who, "moral.award", np.ones(len(who)))
    add(everyone, "moral.service", rng.poisson(3.0, n).astype(np.float64))
    for ind, shift in (("academic.chinese", 2.0), ("academic.maths", 0.0)):
        add(everyone, ind, np.round(np.clip(score + shift + rng.normal(0, 6, n), 20, 100), 1))
    upper = everyone[grade >= 3]
    for ind in ("academic.english", "academic.science"):
        v = np.round(np.clip(score[upper] + rng.normal(0, 7, len(upper)), 20, 100), 1)
        add(upper, ind, v)
    age = grade + 6.0
    fit = rng.normal(0, 1, n) + 0.2 * z
    add(
        everyone,
        "health.bmi",
        np.round(np.clip(rng.normal(17.5 + 0.25 * grade, 2.6, n), 11, 34), 1),
    )
    add(
        everyone,
        "health.vital_capacity",
        np.round(np.clip(600 + 190 * grade + 300 * fit - 150 * gender_f, 400, 5000)),
    )
    add(
        everyone,
        "health.run_50m",
        np.round(np.clip(12.2 - 0.32 * grade - 0.8 * fit + 0.5 * gender_f, 6.5, 16), 1),
    )
    add(
        everyone,
        "health.sit_reach",
        np.round(np.clip(4 + 3.5 * gender_f + 5 * rng.normal(0, 1, n), -15, 30), 1),
    )
    add(everyone, "health.rope_skip", np.round(np.clip(40 + 9 * age - 40 + 25 * fit, 0, 220)))
    for _ in range(2):  # a check each half term
        wellbeing = np.clip(np.round(3.9 + 0.3 * z + rng.normal(0, 0.8, n)), 1, 5)
        add(everyone, "health.wellbeing", wellbeing)
    arts_rate = np.array([ARTS_RATE[u] for u in ("urban", "town", "rural")])
    ur_idx = np.searchsorted(np.array(["rural", "town", "urban"]), ur)  # rural 0, town 1, urban 2
    rate = arts_rate[::-1][ur_idx]
    acts = 1 + (rng.random(n) < 0.5)
    who = np.repeat(everyone, acts)
    add(who, "arts.activity", rng.poisson(rate[who]).astype(np.float64) + 1)
    certs = rng.poisson(0.1 * rate / 1.3)
    who = np.repeat(everyone, certs)
    add(who, "arts.certificate", np.ones(len(who)))
    hours = np.array([LABOUR_HOURS[u] for u in ("rural", "town", "urban")])[ur_idx]
    for _ in range(2):
        add(everyone, "labour.hours", np.round(np.clip(rng.gamma(4.0, hours / 4.0), 0, 60), 1))
    practice = rng.poisson(0.8, n)
    who = np.repeat(everyone, practice)
    add(who, "labour.practice", np.ones(len(who)))
    pos = np.concatenate([p[0] for p in parts])
    ind_i = np.concatenate([p[1] for p in parts])
    val = np.concatenate([p[2] for p in parts])
    order = np.argsort(pos, kind="stable")  # grouped by student, indicators in library order
    return pos[order], ind_i[order], val[order]


def make_portraits(region: Region) -> dict[str, bytes]:
    """portrait_students.csv, portrait_records.csv, portrait_indicators.csv for the region."""
    import duckdb

    st, schools = region.students, region.schools
    seed, profile, school_year = region.seed, region.profile, region.school_year
    ur_of = dict(zip(schools.code, schools.urban_rural, strict=True))
    ur = st.school.map(ur_of).to_numpy().astype(str)
    grade_now = st.grade.to_numpy().astype(np.int64)
    score = st.score.to_numpy().astype(np.float64)
    female = st.gender.to_numpy() == "F"
    rng = rng_for(seed, "portraits")
    stu_frames = []
    rec_frames = []
    for t, (term, offset) in enumerate(term_labels(school_year, TERMS.get(profile, 1))):
        grade = grade_now + offset
        present = np.flatnonzero(grade >= 1)
        stu_frames.append(
            pd.DataFrame(
                {
                    "pos": present,
                    "term_i": t,
                    "term": term,
                    "grade": grade[present],
                }
            )
        )
        drift = rng.normal(0, 2.5, len(present)) if offset else 0.0
        pos, ind, val = _term_records(
            rng, grade[present], score[present] - drift, ur[present], female[present]
        )
        rec_frames.append(
            pd.DataFrame({"pos": present[pos], "term_i": t, "ind": ind, "value": val})
        )
    students = pd.concat(stu_frames, ignore_index=True)
    records = pd.concat(rec_frames, ignore_index=True)
    records["k"] = np.arange(len(records), dtype=np.int64)
    people = pd.DataFrame(
        {
            "pos": np.arange(len(st)),
            "student_id": st.code.to_numpy().astype(str),
            "school_id": st.school.to_numpy().astype(str),
            "class": st.class_number.to_numpy().astype(np.int64),
            "urban_rural": ur,
            "sex": np.where(female, "F", "M"),  # the fitness items' bands differ by sex
        }
    )
    terms = pd.DataFrame(
        {"term_i": np.arange(len(stu_frames)), "term": [f.term.iloc[0] for f in stu_frames]}
    )
    names = pd.DataFrame({"ind": np.arange(len(INDICATORS)), "indicator": list(INDICATORS)})
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = true")
    for name, frame in (
        ("people", people),
        ("st", students),
        ("rec", records),
        ("terms", terms),
        ("names", names),
    ):
        con.register(f"{name}_f", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_f")
        con.unregister(f"{name}_f")
    out: dict[str, bytes] = {}
    work = Path(tempfile.mkdtemp(prefix="junheng_synth_portraits_"))
    try:
        queries = {
            "portrait_students.csv": (
                "SELECT p.student_id, s.term, p.school_id, s.grade, p.class, p.urban_rural, "
                "p.sex FROM st s JOIN people p USING (pos) ORDER BY s.term_i, p.pos"
            ),
            "portrait_records.csv": (
                "SELECT p.student_id, t.term, n.indicator, r.value FROM "
                "rec r "
                "JOIN people p USING (pos) JOIN terms t USING (term_i) JOIN names n USING (ind) "
                "ORDER BY r.k"
            ),
        }
        for name, sql in queries.items():
            path = work / name
            con.execute(f"COPY ({sql}) TO '{path}' (FORMAT csv, HEADER, NEW_LINE '\\n')")
            out[name] = path.read_bytes()
            os.unlink(path)
    finally:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    out["portrait_indicators.csv"] = DEFAULT_LIBRARY_CSV.encode("utf-8")
    return out
