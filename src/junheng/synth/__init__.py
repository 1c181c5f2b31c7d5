"""Synthetic regions (合成数据): a Haiyan-like county or a Ningbo-like city, in every format.

`generate(profile, seed) -> Region` builds schools, teachers, students, providers, courses,
offerings, choices and high schools as data frames; `files(region)` turns them into the input
files of every engine (CONTRACTS.md, "junheng synth") plus region files for the demo and the
importers; `write(region, out_dir)` writes them all, each atomically, after all were computed.

Engine files: schools.csv (rotate and supply), teachers.csv and needs.csv (rotate),
providers.csv and courses.csv (supply), balance.csv (balance), students.csv (place: the
incoming grades 1 and 7 with school_id, grade and classes columns added), offerings.csv,
choices.csv, priorities.csv (allocate), high_schools.csv and juniors.csv (quotas),
enrolment.csv, births.csv and capacity.csv (forecast: eight years of history by grade, births
by zone, classrooms; see `junheng.synth.places`),
pairing.csv (pair: every school with its strength, role, capacity and region),
portrait_students.csv, portrait_records.csv and portrait_indicators.csv (portraits: about 20
records per student and term, two terms in the county, one in the city; see
`junheng.synth.portraits`).
Region files: region_schools.csv, region_teachers.csv, region_students.csv.

Nine-year schools (九年一贯制): schools.csv lists such a school once, with `level` the level of
its larger part (by students); balance.csv splits it into a primary and a junior row under
the same school_id, teachers by the section they teach, and the shared facility totals split
by enrolment weighted primary : junior = 1 : 1.1 (the 2012 convention, RULES.md).

Guarantee: the same profile and seed give byte-identical files (numpy Generators seeded by
SHA-256 of the seed text; no dict/set order, clock or environment dependence).
"""

from __future__ import annotations

from junheng.synth.build import Region, files, generate, write
from junheng.synth.profiles import PROFILES, Profile

__all__ = ["PROFILES", "Profile", "Region", "files", "generate", "write"]
