"""Demo data of class placement (演示): a draft placement of grade 1 at the urban demo school
(the "school_urban" account) with a together request (siblings or twins), a separation request,
one teacher team per class and a parent representative as witness, ready to commit and draw."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from junheng.accounts.models import Role, User
from junheng.placement import actions
from junheng.region.models import SchoolClass, Student, Teacher, Term

if TYPE_CHECKING:
    from junheng.region.demo import DemoContext

GRADE = 1


def load(ctx: DemoContext) -> list[tuple[str, str, str]]:
    by = User.objects.filter(role=Role.SCHOOL, username="school_urban").first()
    term = Term.objects.filter(is_current=True).first()
    if by is None or by.school is None or term is None:
        return []
    school = by.school
    students = list(Student.objects.filter(school=school, grade=GRADE).order_by("code"))
    if len(students) < 4:
        ctx.out.write(f"  placement: {school.name} has no grade {GRADE} cohort\n")
        return []
    existing = SchoolClass.objects.filter(school=school, grade=GRADE).count()
    n_classes = existing or math.ceil(len(students) / 45)
    placement = actions.do_create_placement(
        school=school,
        term=term,
        grade=GRADE,
        n_classes=n_classes,
        method="balanced",
        balance_extras=True,
        by=by,
    )
    # siblings of the same grade in the synthetic families (twins), else two neighbours
    fam = ctx.region.students
    fam = fam[(fam.school == school.code) & (fam.grade == GRADE) & (fam.family != "")]
    twins = [list(g.code) for _f, g in fam.groupby("family") if len(g) >= 2]
    together = twins[0][:2] if twins else [students[0].code, students[1].code]
    apart = [s.code for s in students[-2:] if s.code not in together]
    by_code = {s.code: s for s in students}
    actions.do_add_request(
        placement,
        kind="together",
        students=[by_code[c] for c in together],
        reason="双胞胎，家长申请同班",
        requested_by_name="家长",
        requested_by_role="parent",
        by=by,
    )
    if len(apart) == 2:
        actions.do_add_request(
            placement,
            kind="apart",
            students=[by_code[c] for c in apart],
            reason="幼儿园同班时有冲突，家长申请分开",
            requested_by_name="班主任",
            requested_by_role="teacher",
            by=by,
        )
    teachers = list(Teacher.objects.filter(school=school).order_by("code"))
    if len(teachers) >= n_classes:
        for k in range(n_classes):
            others = teachers[n_classes + 2 * k : n_classes + 2 * k + 2]
            actions.do_add_team(
                placement, label=f"第{k + 1}组", homeroom=teachers[k], teachers=others, by=by
            )
    actions.do_add_witness(placement, name="家长代表 周女士", role="parent_rep", by=by)
    ctx.out.write(
        f"  placement draft: {school.name} grade {GRADE}, {len(students)} students, "
        f"{n_classes} classes, {placement.teams.count()} teams\n"
    )
    return []
