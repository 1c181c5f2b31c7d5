"""Who may see the balance monitor (extends junheng.accounts.scoping).

| role       | county pages (dashboard, gaps, what-if, trend, export, items) | school page      |
|------------|---------------------------------------------------------------|------------------|
| bureau     | yes                                                           | every school     |
| school     | 403                                                           | its own (else 404)|
| others     | 403                                                           | 403              |
| anonymous  | redirected to log in                                          | redirected       |
"""

from __future__ import annotations

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import access_school, require_role
from junheng.region.models import School

COUNTY_ROLES = (Role.BUREAU,)
SCHOOL_ROLES = (Role.BUREAU, Role.SCHOOL)


def access_county(user: User) -> None:
    """County-wide balance pages and data: the bureau only (PermissionDenied otherwise)."""
    require_role(user, *COUNTY_ROLES)


def access_school_balance(user: User, school_id: int) -> School:
    """A school's balance page: the bureau, or the school's own admin (others' schools: 404)."""
    require_role(user, *SCHOOL_ROLES)
    return access_school(user, school_id)
