"""Region JSON API: every list goes through accounts.scoping."""

from __future__ import annotations

from ninja import Router, Schema

from junheng.accounts import scoping
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["region"])


class SchoolOut(Schema):
    id: int
    code: str
    name: str
    level: str
    urban_rural: str
    x_km: float
    y_km: float


class StudentOut(Schema):
    id: int
    code: str
    name: str
    grade: int
    school_id: int


@router.get("/schools", response=list[SchoolOut])
def list_schools(request: AuthenticatedHttpRequest) -> object:
    return scoping.schools_for(request.user)


@router.get("/schools/{school_id}", response=SchoolOut)
def get_school(request: AuthenticatedHttpRequest, school_id: int) -> object:
    return scoping.access_school(request.user, school_id)


@router.get("/students", response=list[StudentOut])
def list_students(request: AuthenticatedHttpRequest, school_id: int | None = None) -> object:
    """At most 1,000 students of the user's scope; a staff read is audited like the pages'."""
    from junheng.accounts.models import Role, audit

    qs = scoping.students_for(request.user)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    students = list(qs.order_by("code")[:1000])
    if request.user.role != Role.PARENT and students:
        audit(
            request.user,
            "view_students",
            None,
            via="api",
            school=school_id,
            shown=len(students),
            first=students[0].code,
            last=students[-1].code,
        )
    return students


@router.get("/students/{student_id}", response=StudentOut)
def get_student(request: AuthenticatedHttpRequest, student_id: int) -> object:
    from junheng.accounts.models import Role, audit

    student = scoping.access_student(request.user, student_id)
    if request.user.role != Role.PARENT:
        audit(request.user, "view_student", student, via="api")
    return student
