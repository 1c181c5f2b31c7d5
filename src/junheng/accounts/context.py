from typing import Any

from django.http import HttpRequest

from junheng.accounts.models import Role, User
from junheng.accounts.nav import nav_for


def role_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = user.role if isinstance(user, User) else None
    unread = 0
    if isinstance(user, User):
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "role": role,
        "Role": Role,
        "nav": nav_for(role) if role else [],
        "unread_notifications": unread,
    }
