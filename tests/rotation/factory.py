"""A small county for the rotation tests, built through the region models (no engine files).

Six primary schools: two large urban ones with many backbone and well-qualified teachers, two
town schools, two small rural ones with no backbone teachers and some below the required
qualification — the skew a rotation plan should reduce. 60 teachers, 1,030 students.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from junheng.region.models import County, School, Student, Teacher

# code, name, urban_rural, students, x, y, teachers
SCHOOLS = [
    ("R01", "城南实验小学", "urban", 320, 0.0, 0.0, 16),
    ("R02", "城北中心小学", "urban", 280, 3.0, 1.0, 14),
    ("R03", "通元镇小学", "town", 160, 10.0, 4.0, 10),
    ("R04", "沈荡镇小学", "town", 140, 12.0, -5.0, 8),
    ("R05", "百步乡小学", "rural", 70, 20.0, 8.0, 6),
    ("R06", "六里乡小学", "rural", 60, 18.0, -12.0, 6),
]
SUBJECT_CYCLE = [
    "chinese",
    "math",
    "chinese",
    "math",
    "english",
    "science",
    "pe",
    "music",
    "art",
    "chinese",
    "math",
    "english",
    "chinese",
    "math",
    "pe",
    "it",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["丽", "伟", "芳", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明"]


@dataclass
class County6:
    county: County
    schools: dict[str, School]
    teachers: list[Teacher]


def build_county(seed: int = 7) -> County6:
    rng = random.Random(seed)
    county = County.objects.create(code="330499", name="试验县")
    schools: dict[str, School] = {}
    teachers: list[Teacher] = []
    students: list[Student] = []
    k = 0
    for code, name, ur, n_students, x, y, n_teachers in SCHOOLS:
        s = School.objects.create(
            code=code,
            name=name,
            county=county,
            level="primary",
            urban_rural=ur,
            x_km=x,
            y_km=y,
            teaching_room_m2=5.0 * n_students,
            sports_field_m2=8.0 * n_students,
            equipment_yuan=2500.0 * n_students,
            multimedia_classrooms=max(2, n_students // 40),
        )
        schools[code] = s
        for i in range(n_students):
            students.append(
                Student(
                    code=f"{code}P{i:04d}",
                    name="学生",
                    gender="FM"[i % 2],
                    school=s,
                    grade=1 + i % 6,
                    birth_date=date(2015, 1, 1),
                )
            )
        for i in range(n_teachers):
            k += 1
            if ur == "urban":
                backbone = "county" if rng.random() < 0.4 else "none"
                qual = rng.choice(["bachelor", "bachelor", "master"])
            elif ur == "town":
                backbone = "county" if rng.random() < 0.1 else "none"
                qual = rng.choice(["associate", "bachelor"])
            else:
                backbone = "none"
                qual = rng.choice(["secondary", "associate"])
            teachers.append(
                Teacher.objects.create(
                    code=f"T{k:03d}",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    school=s,
                    subject=SUBJECT_CYCLE[i % len(SUBJECT_CYCLE)],
                    qualification=qual,
                    backbone_level=backbone,
                    # about two in three have served six years or more at their school
                    years_at_school=rng.choice([1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 14, 16]),
                    age=rng.randint(26, 56),
                    gender="FM"[k % 2],
                )
            )
    Student.objects.bulk_create(students)
    return County6(county, schools, teachers)
