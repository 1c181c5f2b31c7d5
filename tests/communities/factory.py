"""A small county for the community tests, built through the region models.

Nine schools: two strong urban primary schools (many backbone and well-qualified teachers,
generous facilities), an urban junior school, a town nine-year school, four rural primary
schools of falling strength and a rural junior school. Strength differences come from the
teachers and the facilities, as the balance indicators count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from junheng.region.models import County, School, SchoolClass, Student, Teacher

# code, name, level, urban_rural, students, x, y, qualified share, backbone, facility factor
SCHOOLS = [
    ("C01", "城南实验小学", "primary", "urban", 300, 0.0, 0.0, 1.0, 6, 1.4),
    ("C02", "城北中心小学", "primary", "urban", 260, 3.0, 1.0, 1.0, 5, 1.3),
    ("C03", "城关初级中学", "junior", "urban", 240, 1.0, 2.0, 1.0, 5, 1.3),
    ("N01", "通元镇学校", "nine_year", "town", 200, 9.0, 4.0, 0.9, 2, 1.0),
    ("M01", "百步乡小学", "primary", "rural", 80, 12.0, 6.0, 0.8, 1, 0.9),
    ("M02", "六里乡小学", "primary", "rural", 70, 8.0, -6.0, 0.7, 0, 0.8),
    ("M03", "澉浦乡小学", "primary", "rural", 60, 15.0, -3.0, 0.6, 0, 0.7),
    ("M04", "黄湾乡小学", "primary", "rural", 60, 40.0, 30.0, 0.5, 0, 0.6),
    ("J01", "于城乡中学", "junior", "rural", 90, 10.0, -8.0, 0.6, 0, 0.7),
]


@dataclass
class SmallCounty:
    county: County
    schools: dict[str, School]


def build_county() -> SmallCounty:
    county = County.objects.create(code="330424", name="海盐县")
    schools: dict[str, School] = {}
    students: list[Student] = []
    teachers: list[Teacher] = []
    for code, name, level, ur, n, x, y, qual, backbone, fac in SCHOOLS:
        s = School.objects.create(
            code=code,
            name=name,
            county=county,
            level=level,
            urban_rural=ur,
            x_km=x,
            y_km=y,
            teaching_room_m2=5.0 * n * fac,
            sports_field_m2=8.0 * n * fac,
            equipment_yuan=2200.0 * n * fac,
            multimedia_classrooms=max(1, round(0.025 * n * fac)),
        )
        schools[code] = s
        grades = [7, 8, 9] if level == "junior" else [1, 2, 3, 4, 5, 6]
        if level == "nine_year":
            grades = list(range(1, 10))
        classes = {g: SchoolClass.objects.create(school=s, grade=g, number=1) for g in grades}
        for i in range(n):
            g = grades[i % len(grades)]
            students.append(
                Student(
                    code=f"{code}P{i:04d}",
                    name="学生",
                    gender="MF"[i % 2],
                    school=s,
                    grade=g,
                    school_class=classes[g],
                    birth_date=date(2015, 1, 1),
                )
            )
        n_teachers = max(6, n // 12)
        section = "junior" if level == "junior" else "primary"
        for i in range(n_teachers):
            subject = ["chinese", "math", "science", "english", "pe", "music"][i % 6]
            teachers.append(
                Teacher(
                    code=f"{code}T{i:02d}",
                    name=f"{name[:2]}老师{i}",
                    school=s,
                    subject=subject,
                    section=section
                    if level != "nine_year"
                    else ("junior" if i % 3 == 0 else "primary"),
                    qualification="bachelor" if i < qual * n_teachers else "secondary",
                    backbone_level="county" if i < backbone else "none",
                    years_at_school=3,
                    age=35,
                    gender="FM"[i % 2],
                )
            )
    Student.objects.bulk_create(students)
    Teacher.objects.bulk_create(teachers)
    return SmallCounty(county, schools)
