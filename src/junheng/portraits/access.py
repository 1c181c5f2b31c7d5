"""Who may see a child's portrait (purpose-limited access, minors' privacy).

| role     | portraits                                        | cohort figures                     |
|----------|--------------------------------------------------|------------------------------------|
| parent   | its own children (through `scoping.students_for`) | none                               |
| teacher  | the children of the classes it teaches this term  | those classes (suppressed < 10)    |
| school   | its own school's children; the support list      | its school (suppressed < 10)       |
| bureau   | none: aggregates only                            | by school and urban/town/rural     |
| provider | none                                             | none                               |

Every view of a portrait by anyone but a guardian is written to the audit log by the view.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import get_in_scope, students_for
from junheng.portraits.models import ClassTeacher
from junheng.region.models import SchoolClass, Student, Term

PORTRAIT_ROLES = (Role.PARENT, Role.TEACHER, Role.SCHOOL)


def classes_taught(user: User) -> QuerySet[SchoolClass]:
    """The classes a teacher teaches in the current term."""
    if not user.is_authenticated or user.role != Role.TEACHER or user.teacher_id is None:
        return SchoolClass.objects.none()
    term = Term.current(or_latest=False)
    ids = ClassTeacher.objects.filter(teacher_id=user.teacher_id, term=term).values(
        "school_class_id"
    )
    return SchoolClass.objects.filter(pk__in=ids).select_related("school")


def portrait_students_for(user: User) -> QuerySet[Student]:
    """The children whose portrait `user` may open (none for the bureau and providers)."""
    if not user.is_authenticated:
        return Student.objects.none()
    if user.role in (Role.PARENT, Role.SCHOOL):
        return students_for(user)
    if user.role == Role.TEACHER:
        return Student.objects.filter(school_class__in=classes_taught(user)).select_related(
            "school", "school_class"
        )
    return Student.objects.none()


def access_portrait(user: User, student_id: int) -> Student:
    """The child, or 404 when out of scope; 403 for a role that never sees a portrait."""
    if user.role not in PORTRAIT_ROLES:
        raise PermissionDenied
    student: Student = get_in_scope(portrait_students_for(user), pk=student_id)
    return student


def access_class(user: User, class_id: int) -> SchoolClass:
    """A class the teacher teaches now, or a class of the school admin's school."""
    if user.role == Role.TEACHER:
        qs = classes_taught(user)
    elif user.role == Role.SCHOOL and user.school_id:
        qs = SchoolClass.objects.filter(school_id=user.school_id).select_related("school")
    else:
        raise PermissionDenied
    klass: SchoolClass = get_in_scope(qs, pk=class_id)
    return klass
