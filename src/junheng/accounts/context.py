from __future__ import annotations

from functools import cache
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from junheng.accounts.models import Role, User
from junheng.accounts.nav import nav_for


@cache
def _menu(role: str) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """The role's menu groups and every address in them (the URLconf does not change while a
    process runs; the labels stay lazy, translated when rendered)."""
    groups = nav_for(role)
    return groups, frozenset({"/"} | {i["url"] for g in groups for i in g["items"]})


class NavMenu:
    """The header's menu, rendered when a page shows it (`{{ nav_html }}` in base.html) and
    kept in each process's local cache per role, language and current entry: every page of a
    role shows the same few links, rendering them anew was a third of the parents' rank page."""

    def __init__(self, role: str, path: str) -> None:
        self.role, self.path = role, path

    def __html__(self) -> SafeString:
        groups, urls = _menu(self.role)
        current = self.path if self.path in urls else ""
        key = f"nav:{self.role}:{get_language()}:{current}"
        local = caches["local"]
        html = local.get(key)
        if not isinstance(html, str):
            html = render_to_string("_nav.html", {"nav": groups, "current": current})
            local.set(key, html, None)
        return SafeString(html)

    __str__ = __html__


def role_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = user.role if isinstance(user, User) else None
    unread = 0
    if isinstance(user, User):
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "role": role,
        "Role": Role,
        "nav_html": NavMenu(role, request.path) if role else "",
        "unread_notifications": unread,
    }
