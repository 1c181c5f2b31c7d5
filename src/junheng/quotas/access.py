"""Who may see quota tables (extends junheng.accounts.scoping).

| role      | tables, preview, publish, whole-table export | own school's row (published)      |
|-----------|----------------------------------------------|-----------------------------------|
| bureau    | every table                                   | any school's row                  |
| school    | 403                                           | its own school only; drafts: 404  |
| others    | 403                                           | 403                               |
| anonymous | redirected to log in                          | redirected to log in              |
"""

from __future__ import annotations

from django.db.models import QuerySet

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import get_in_scope, require_bureau, require_role
from junheng.quotas.models import HighSchool, QuotaTable, Status
from junheng.region.models import School

BUREAU_ROLES = (Role.BUREAU,)
ROW_ROLES = (Role.BUREAU, Role.SCHOOL)


def tables_for(user: User) -> QuerySet[QuotaTable]:
    """Tables a user may open: all for the bureau, published ones for school admins."""
    qs = QuotaTable.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL:
        return qs.filter(status=Status.PUBLISHED)
    return qs.none()


def access_table(user: User, table_id: int) -> QuotaTable:
    """A whole table (edit, preview, publish, export): the bureau only."""
    require_bureau(user)
    return get_in_scope(tables_for(user), pk=table_id)


def access_high_school(user: User, high_school_id: int) -> HighSchool:
    require_bureau(user)
    return get_in_scope(HighSchool.objects.all(), pk=high_school_id)


def own_school(user: User) -> School | None:
    """The school whose row a school admin sees (None for a school admin without one)."""
    require_role(user, *ROW_ROLES)
    return user.school if user.role == Role.SCHOOL else None


def access_published_table(user: User, table_id: int) -> QuotaTable:
    """A published table's rows: the bureau, or a school admin (drafts are not found)."""
    require_role(user, *ROW_ROLES)
    return get_in_scope(tables_for(user), pk=table_id, status=Status.PUBLISHED)
