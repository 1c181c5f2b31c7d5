"""Who may see and do what in class placement (extends junheng.accounts.scoping).

| role     | placements                         | class lists                             |
|----------|------------------------------------|-----------------------------------------|
| anonymous| public page: commitment, hashes, witnesses, seed and balance table once published | — |
| bureau   | all (read), bulk runs              | full names (audited)                    |
| school   | its own school's (edit, draw)      | full names of its own students          |
| parent   | public pages; own children's class | masked names, of placements holding a child |
| provider, teacher | public pages only (management pages: 403) | —                   |

Objects outside a user's scope are missing (404); a role that may not use a page gets 403.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import get_in_scope, require_role
from junheng.placement.models import (
    BulkPlacementRun,
    Placement,
    PlacementRequest,
    PlacementStatus,
    TeacherTeam,
)

M = TypeVar("M", bound=Model)


def placements_for(user: User) -> QuerySet[Placement]:
    """Placements a user may manage (school: its own) or oversee (bureau: all)."""
    qs = Placement.objects.select_related("school", "term")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(school_id=user.school_id) if user.school_id else qs.none()
    return qs.none()


def access_placement(user: User, placement_id: int) -> Placement:
    """Read access for the school admin (own school) and the bureau; others 403."""
    require_role(user, Role.SCHOOL, Role.BUREAU)
    return get_in_scope(placements_for(user), pk=placement_id)


def access_placement_for_edit(user: User, placement_id: int) -> Placement:
    """Only the school's own admin prepares, draws and publishes its placement."""
    require_role(user, Role.SCHOOL)
    return get_in_scope(placements_for(user), pk=placement_id)


def access_request(user: User, request_id: int) -> PlacementRequest:
    require_role(user, Role.SCHOOL)
    return get_in_scope(
        PlacementRequest.objects.filter(placement__in=placements_for(user)), pk=request_id
    )


def access_team(user: User, team_id: int) -> TeacherTeam:
    require_role(user, Role.SCHOOL)
    return get_in_scope(TeacherTeam.objects.filter(placement__in=placements_for(user)), pk=team_id)


def public_placement(placement_id: int) -> Placement:
    """Any placement past its draft: its public page (commitment first, results after)."""
    return get_in_scope(
        Placement.objects.select_related("school", "term").exclude(status=PlacementStatus.DRAFT),
        pk=placement_id,
    )


def may_see_lists(user: User | AnonymousUser, placement: Placement) -> bool:
    """Masked class lists of a published placement: its school, the bureau, and parents of a
    child in it. Everyone else sees the public balance table only."""
    if placement.status != PlacementStatus.PUBLISHED or not user.is_authenticated:
        return False
    if user.role == Role.BUREAU:
        return True
    if user.role == Role.SCHOOL:
        return user.school_id == placement.school_id
    if user.role == Role.PARENT:
        return placement.members.filter(student__guardianships__user=user).exists()
    return False


def access_bulk_run(user: User, run_id: int) -> BulkPlacementRun:
    require_role(user, Role.BUREAU)
    return get_in_scope(BulkPlacementRun.objects.select_related("term", "created_by"), pk=run_id)
