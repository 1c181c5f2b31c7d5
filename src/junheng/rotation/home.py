"""What the home pages show of the rotation (for `accounts.views.home`): a teacher's
eligibility and outcome, a school admin's needs to confirm. Read-only, scoped like the pages."""

from __future__ import annotations

from typing import Any

from junheng.accounts.models import Role, User
from junheng.rotation import actions, adapters
from junheng.rotation.access import moves_for, rounds_for
from junheng.rotation.models import NeedsConfirmation, Preference


def home_card(user: User) -> dict[str, Any] | None:
    """The latest round as this user sees it, or None (no round, or a role without one)."""
    if not user.is_authenticated or user.role not in (Role.TEACHER, Role.SCHOOL):
        return None
    rnd = rounds_for(user).first()
    if rnd is None:
        return None
    card: dict[str, Any] = {"round": rnd, "role": user.role}
    if user.role == Role.TEACHER:
        teacher = user.teacher
        if teacher is None:
            return None
        card["eligible"] = adapters.teacher_is_eligible(rnd, teacher)
        card["stated"] = Preference.objects.filter(round=rnd, teacher=teacher).exists()
        card["preferences_open"] = actions.preferences_open(rnd)
        card["move"] = moves_for(user, rnd).first() if rnd.is_published else None
    else:
        if user.school_id is None:
            return None
        card["confirmed"] = NeedsConfirmation.objects.filter(
            round=rnd, school_id=user.school_id
        ).exists()
    return card
