"""Loading a synthetic region into the database for the demo (演示数据), and the demo accounts.

`load_region` writes a `junheng.synth` Region with bulk inserts in one transaction: the county,
its schools, the classes the students sit in, teachers, students, the current term and the
weekly after-school slots (mon-1 … fri-2). `create_accounts` makes one demo account per role;
other apps add theirs through `junheng.<app>.demo.load(ctx)` (see `junheng.commands.demo`).
Demo data comes from here, never from migrations.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction

from junheng.accounts.models import Guardianship, Role, User
from junheng.region.models import County, School, SchoolClass, Student, Teacher, Term, TimeSlot

if TYPE_CHECKING:
    from junheng.synth.build import Region

BATCH = 2000
SLOT_TIMES = {1: (dt.time(15, 40), dt.time(16, 40)), 2: (dt.time(16, 50), dt.time(17, 50))}


@dataclass
class DemoContext:
    """What an app's `demo.load(ctx)` gets: the synthetic region, the loaded county, a text
    stream for progress, and the demo password (every demo account uses it)."""

    region: Region
    county: County
    out: TextIO
    password: str


@dataclass(frozen=True)
class DemoAccount:
    role: str  # a label, e.g. "教育局管理员"
    username: str
    note: str  # what to try


def _ids(model: Any, field: str = "code") -> dict[str, int]:
    return dict(model.objects.values_list(field, "id"))


def load_region(region: Region, *, out: TextIO | None = None) -> County:
    """Insert `region` (a fresh database is expected: codes are unique) and return its county."""
    say = out or sys.stderr
    with transaction.atomic():
        county = County.objects.create(code=region.county_code, name=region.county_name)
        s = region.schools
        School.objects.bulk_create(
            [
                School(
                    code=r.code,
                    name=r.name,
                    county=county,
                    level=r.level,
                    urban_rural=r.urban_rural,
                    x_km=float(r.x_km),
                    y_km=float(r.y_km),
                    teaching_room_m2=float(r.teaching_room_m2),
                    sports_field_m2=float(r.sports_field_m2),
                    equipment_yuan=float(r.equipment_yuan),
                    multimedia_classrooms=int(r.multimedia_classrooms),
                    after_school_slots=int(r.after_school_slots),
                    teaching_point=bool(r.teaching_point),
                )
                for r in s.itertuples(index=False)
            ],
            batch_size=BATCH,
        )
        school_id = _ids(School)
        codes = s.code.to_numpy()
        st = region.students
        # the classes students sit in: distinct (school, grade, class number)
        keys = (
            st[["school_idx", "grade", "class_number"]]
            .drop_duplicates()
            .sort_values(["school_idx", "grade", "class_number"], kind="stable")
        )
        SchoolClass.objects.bulk_create(
            [
                SchoolClass(school_id=school_id[codes[si]], grade=int(g), number=int(k))
                for si, g, k in keys.itertuples(index=False)
            ],
            batch_size=BATCH,
        )
        class_id = {
            (sid, g, k): pk
            for pk, sid, g, k in SchoolClass.objects.values_list(
                "id", "school_id", "grade", "number"
            )
        }
        say.write(f"  {len(s)} schools, {len(keys)} classes\n")
        Teacher.objects.bulk_create(
            [
                Teacher(
                    code=r.code,
                    name=r.name,
                    school_id=school_id[r.school],
                    subject=r.subject,
                    section=r.section,
                    qualification=r.qualification,
                    backbone_level=r.backbone_level,
                    years_at_school=int(r.years_at_school),
                    age=int(r.age),
                    gender=r.gender,
                )
                for r in region.teachers.itertuples(index=False)
            ],
            batch_size=BATCH,
        )
        say.write(f"  {len(region.teachers)} teachers\n")
        sid_col = np.array([school_id[c] for c in codes], dtype=np.int64)[st.school_idx.to_numpy()]
        births = st.birth_date.to_numpy()
        students = [
            Student(
                code=code,
                name=name,
                gender=gender,
                birth_date=dt.date.fromisoformat(birth),
                school_id=int(sid),
                grade=int(grade),
                school_class_id=class_id[(int(sid), int(grade), int(k))],
                migrant=bool(mig),
                left_behind=bool(lb),
                low_income=bool(li),
                support_needs=bool(sn),
                score=float(score),
            )
            for code, name, gender, birth, sid, grade, k, mig, lb, li, sn, score in zip(
                st.code.to_numpy(),
                st.name.to_numpy(),
                st.gender.to_numpy(),
                births,
                sid_col,
                st.grade.to_numpy(),
                st.class_number.to_numpy(),
                st.migrant.to_numpy(),
                st.left_behind.to_numpy(),
                st.low_income.to_numpy(),
                st.support_needs.to_numpy(),
                st.score.to_numpy(),
                strict=True,
            )
        ]
        Student.objects.bulk_create(students, batch_size=BATCH)
        say.write(f"  {len(students)} students\n")
        year = region.school_year
        Term.objects.update(is_current=False)
        Term.objects.create(
            name=f"{year}-{year + 1}学年第一学期",
            start=dt.date(year, 9, 1),
            end=dt.date(year + 1, 1, 22),
            is_current=True,
        )
        TimeSlot.objects.bulk_create(
            [
                TimeSlot(weekday=d, period=k, start=SLOT_TIMES[k][0], end=SLOT_TIMES[k][1])
                for d in range(1, 6)
                for k in (1, 2)
            ]
        )
    return county


def _pick_siblings(region: Region) -> tuple[str, list[str]]:
    """A rural primary school (not a teaching point) and two siblings in different grades."""
    st = region.students
    s = region.schools
    rural = s[(s.urban_rural == "rural") & (s.level == "primary") & (s.teaching_point == 0)]
    fam = st[(st.family != "") & st.school.isin(rural.code)]
    counts = fam.groupby("family").grade.nunique()
    good = counts[counts >= 2].index
    if len(good) == 0:
        raise RuntimeError("the synthetic region has no siblings in a rural school")
    first = sorted(good)[0]
    kids = fam[fam.family == first].sort_values("grade")
    return str(kids.school.iat[0]), [str(c) for c in kids.code]


def create_accounts(region: Region, county: County, password: str) -> list[DemoAccount]:
    """One account per role (password hashed once and reused), linked to fitting rows."""
    hashed = make_password(password)
    s = region.schools
    urban = s[(s.urban_rural == "urban")].sort_values(["students", "code"], ascending=[False, True])
    big_code = str(urban.code.iat[0])
    rural_code, sibling_codes = _pick_siblings(region)
    t = region.teachers
    eligible = t[
        (t.school == big_code)
        & (t.years_at_school >= 6)
        & t.backbone_level.isin(["county", "city", "province"])
    ]
    if eligible.empty:
        eligible = t[t.years_at_school >= 6]
    teacher_code = str(eligible.code.iat[0])
    st = region.students
    other_child = st[(st.school == big_code) & (st.grade == 3)].code.iat[0]

    schools = {c: School.objects.get(code=c) for c in (big_code, rural_code)}
    teacher = Teacher.objects.get(code=teacher_code)

    def make(username: str, role: str, **kw: Any) -> User:
        user = User(username=username, role=role, password=hashed, **kw)
        user.save()
        return user

    with transaction.atomic():
        make("bureau", Role.BUREAU, is_superuser=True, first_name="教育局")
        make("school_urban", Role.SCHOOL, school=schools[big_code])
        make("school_rural", Role.SCHOOL, school=schools[rural_code])
        parent = make("parent", Role.PARENT)
        for code in sibling_codes:
            Guardianship.objects.create(
                user=parent, student=Student.objects.get(code=code), relation="mother"
            )
        parent2 = make("parent2", Role.PARENT)
        Guardianship.objects.create(
            user=parent2, student=Student.objects.get(code=other_child), relation="father"
        )
        make("teacher", Role.TEACHER, teacher=teacher)
    big, small = schools[big_code], schools[rural_code]
    return [
        DemoAccount(
            "教育局管理员 bureau admin",
            "bureau",
            f"{county.name}全貌、均衡指标、课程供给 / Django admin",
        ),
        DemoAccount("学校管理员 school admin", "school_urban", f"{big.name}（城区大校）"),
        DemoAccount("学校管理员 school admin", "school_rural", f"{small.name}（乡村小校）"),
        DemoAccount("家长 parent", "parent", f"两个孩子在{small.name}：课后服务选课"),
        DemoAccount("家长 parent", "parent2", f"一个孩子在{big.name}"),
        DemoAccount(
            "教师 teacher",
            "teacher",
            f"{teacher.name}，{big.name}，在校{teacher.years_at_school}年：交流轮岗",
        ),
    ]
