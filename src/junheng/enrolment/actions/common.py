"""Shared pieces of the enrolment actions: notifications (seats are
counted in `junheng.enrolment.ledger`)."""

from __future__ import annotations

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import require_actor
from junheng.enrolment.models import Notification
from junheng.region.models import School, Student


def notify(user: User, text: str, link: str = "", key: str = "") -> Notification | None:
    """An in-app notification; with `key`, at most one per user and key (no repeated alerts)."""
    if key and Notification.objects.filter(user=user, key=key).exists():
        return None
    return Notification.objects.create(user=user, text=text, link=link, key=key)


def guardians_of(student: Student) -> list[User]:
    return list(User.objects.filter(guardianships__student=student, role=Role.PARENT))


def notify_guardians(student: Student, text: str, link: str = "", key: str = "") -> int:
    sent = 0
    for user in guardians_of(student):
        if notify(user, text, link, key) is not None:
            sent += 1
    return sent


def school_admins(school: School | int) -> list[User]:
    sid = school if isinstance(school, int) else school.pk
    return list(User.objects.filter(role=Role.SCHOOL, school_id=sid, is_active=True))


def require_family(by: User | None, student: Student, *also: str) -> None:
    """`require_actor` for a change a family makes for its child (a parent, or the admin of
    the child's school for them), or one of the roles `also`."""
    require_actor(by, *FAMILY, *also, school_id=student.school_id, student_id=student.pk)


FAMILY = (Role.PARENT, Role.SCHOOL)
