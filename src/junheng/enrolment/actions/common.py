"""Shared pieces of the enrolment actions: the error type and notifications (seats are
counted in `junheng.enrolment.ledger`)."""

from __future__ import annotations

from junheng.accounts.models import Guardianship, Role, User
from junheng.enrolment.models import Notification
from junheng.errors import DomainError
from junheng.region.models import School, Student


class ActionError(DomainError):
    """A change that is not allowed (the domain's one error type, see `junheng.errors`)."""


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


def may_rank_for(user: User, student: Student) -> bool:
    """A parent for their own child, or the admin of the child's school."""
    if not user.is_authenticated:
        return False
    if user.role == Role.PARENT:
        return Guardianship.objects.filter(user=user, student=student).exists()
    return user.role == Role.SCHOOL and user.school_id == student.school_id
