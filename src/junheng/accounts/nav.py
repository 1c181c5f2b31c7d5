"""Navigation: each app lists its own entries in `<app>/nav.py` as NAV = [(roles, url_name, label)]."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAV: list[tuple[set[str], str, Any]] = [
    ({"bureau", "school", "provider", "parent", "teacher"}, "home", _("首页")),
    ({"bureau", "school"}, "region:schools", _("学校")),
    ({"bureau", "school"}, "region:import", _("导入导出")),
]

APPS = ("afterschool", "enrolment", "balance", "placement", "rotation", "quotas")


def nav_for(role: str | None) -> list[dict[str, Any]]:
    entries = list(NAV)
    for app in APPS:
        try:
            entries += import_module(f"junheng.{app}.nav").NAV
        except ModuleNotFoundError:
            continue
    out = []
    for roles, name, label in entries:
        if role in roles:
            try:
                out.append({"url": reverse(name), "label": label, "name": name})
            except NoReverseMatch:
                continue
    return out
