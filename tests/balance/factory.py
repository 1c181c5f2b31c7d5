"""A small county with gaps, built through the real models (used by tests/balance and the
browser test). Numbers are chosen so that every indicator can be checked by hand.

| code | level     | ur    | students (p/j) | passes | why                                   |
|------|-----------|-------|----------------|--------|---------------------------------------|
| P1   | primary   | urban | 100            | yes    | 7/7                                   |
| P2   | primary   | town  | 100            | yes    | 6/7, L1 = 4.0 ≥ 85% of 4.2            |
| P3   | primary   | rural | 50             | no     | L2, L3 = 0; L4 4.0, L5 6.0, L6 1200…  |
| J1   | junior    | urban | 100            | yes    | 7/7                                   |
| J2   | junior    | rural | 60             | no     | most indicators short                 |
| N1   | nine_year | town  | 60 / 40        | split  | facilities split 60 : 44              |
| TP   | primary   | rural | 20 (teaching point, left out)           |
"""

from __future__ import annotations

from itertools import count
from typing import Any

from junheng.region.models import County, School, SchoolClass, Student, Teacher

_codes = count(1)
P, J = "primary", "junior"  # teacher sections


def _school(county: County, code: str, name: str, level: str, ur: str, **fac: Any) -> School:
    return School.objects.create(
        code=code, name=name, county=county, level=level, urban_rural=ur, **fac
    )


def _students(school: School, grades: dict[int, int], class_size: int = 0) -> None:
    rows = []
    for grade, n in grades.items():
        klass = None
        if class_size:
            klass = SchoolClass.objects.create(school=school, grade=grade, number=1)
        for _ in range(n):
            i = next(_codes)
            rows.append(
                Student(
                    code=f"ST{school.code}{i:05d}",
                    name=f"学生{i}",
                    gender="F" if i % 2 else "M",
                    school=school,
                    grade=grade,
                    school_class=klass,
                )
            )
    Student.objects.bulk_create(rows)


def _teachers(school: School, specs: list[tuple[str, str, str, str]]) -> None:
    """specs: (section, qualification, backbone_level, subject)."""
    rows = []
    for section, qual, backbone, subject in specs:
        i = next(_codes)
        rows.append(
            Teacher(
                code=f"T{school.code}{i:05d}",
                name=f"教师{i}",
                school=school,
                section=section,
                qualification=qual,
                backbone_level=backbone,
                subject=subject,
                years_at_school=7,
                age=40,
                gender="F",
            )
        )
    Teacher.objects.bulk_create(rows)


def build_county(county: County | None = None) -> dict[str, School]:
    county = county or County.objects.create(code="339999", name="均衡县")
    s: dict[str, School] = {}
    s["P1"] = _school(
        county,
        "P1",
        "城关第一小学",
        P,
        "urban",
        teaching_room_m2=600,
        sports_field_m2=1000,
        equipment_yuan=300_000,
        multimedia_classrooms=3,
    )
    _students(s["P1"], {1: 20, 2: 20, 3: 20, 4: 20, 5: 10, 6: 10})
    _teachers(
        s["P1"],
        [
            (P, "bachelor", "county", "math"),
            (P, "bachelor", "city", "chinese"),
            (P, "bachelor", "none", "pe"),
            (P, "master", "none", "music"),
            (P, "bachelor", "school", "english"),
            (P, "associate", "none", "math"),
        ],
    )
    s["P2"] = _school(
        county,
        "P2",
        "新镇小学",
        P,
        "town",
        teaching_room_m2=500,
        sports_field_m2=800,
        equipment_yuan=250_000,
        multimedia_classrooms=3,
    )
    _students(s["P2"], {g: 100 // 6 + (1 if g <= 100 % 6 else 0) for g in range(1, 7)})
    _teachers(
        s["P2"],
        [
            (P, "associate", "county", "math"),
            (P, "associate", "none", "art"),
            (P, "associate", "none", "chinese"),
            (P, "associate", "none", "english"),
            (P, "secondary", "none", "science"),
        ],
    )
    s["P3"] = _school(
        county,
        "P3",
        "山村小学",
        P,
        "rural",
        teaching_room_m2=200,
        sports_field_m2=300,
        equipment_yuan=60_000,
        multimedia_classrooms=1,
    )
    _students(s["P3"], {1: 10, 2: 10, 3: 10, 4: 10, 5: 5, 6: 5})
    _teachers(s["P3"], [(P, "associate", "none", "math"), (P, "associate", "none", "chinese")])
    s["J1"] = _school(
        county,
        "J1",
        "城关中学",
        J,
        "urban",
        teaching_room_m2=700,
        sports_field_m2=1200,
        equipment_yuan=300_000,
        multimedia_classrooms=3,
    )
    _students(s["J1"], {7: 34, 8: 33, 9: 33}, class_size=1)
    _teachers(
        s["J1"],
        [
            (J, "bachelor", "city", "math"),
            (J, "bachelor", "county", "physics"),
            (J, "bachelor", "none", "pe"),
            (J, "bachelor", "none", "chinese"),
            (J, "bachelor", "none", "english"),
            (J, "master", "none", "history"),
            (J, "associate", "none", "biology"),
        ],
    )
    s["J2"] = _school(
        county,
        "J2",
        "山区中学",
        J,
        "rural",
        teaching_room_m2=300,
        sports_field_m2=500,
        equipment_yuan=120_000,
        multimedia_classrooms=1,
    )
    _students(s["J2"], {7: 20, 8: 20, 9: 20})
    _teachers(
        s["J2"],
        [
            (J, "bachelor", "none", "math"),
            (J, "bachelor", "none", "chinese"),
            (J, "associate", "none", "pe"),
        ],
    )
    s["N1"] = _school(
        county,
        "N1",
        "镇九年一贯制学校",
        "nine_year",
        "town",
        teaching_room_m2=1040,
        sports_field_m2=1560,
        equipment_yuan=260_000,
        multimedia_classrooms=4,
    )
    _students(s["N1"], {1: 10, 2: 10, 3: 10, 4: 10, 5: 10, 6: 10, 7: 14, 8: 13, 9: 13})
    _teachers(
        s["N1"],
        [
            (P, "associate", "county", "math"),
            (P, "associate", "none", "music"),
            (P, "secondary", "none", "chinese"),
            (J, "bachelor", "province", "math"),
            (J, "associate", "none", "pe"),
            (J, "master", "none", "chinese"),
        ],
    )
    s["TP"] = _school(
        county,
        "TP",
        "村教学点",
        P,
        "rural",
        teaching_point=True,
        teaching_room_m2=50,
        sports_field_m2=50,
        equipment_yuan=10_000,
    )
    _students(s["TP"], {1: 10, 2: 10})
    _teachers(s["TP"], [(P, "associate", "none", "math")])
    return s
