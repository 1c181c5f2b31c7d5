from typing import Any

from django.http import HttpRequest

from junheng.accounts.models import Role
from junheng.accounts.nav import nav_for


def role_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    unread = 0
    if role is not None:
        unread = user.notifications.filter(read_at__isnull=True).count()  # type: ignore[union-attr]
    return {
        "role": role,
        "Role": Role,
        "nav": nav_for(role) if role else [],
        "unread_notifications": unread,
    }
