"""Navigation: each app lists its own entries in `<app>/nav.py` as NAV = [(roles, url_name, label)].

The header shows one group per capability (a menu when a role has several entries there, a
plain link when it has one), so a bureau admin's twenty pages stay one short line.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAV: list[tuple[set[str], str, Any]] = [
    ({"bureau", "school"}, "region:schools", _("学校")),
    ({"bureau", "school"}, "region:import", _("导入导出")),
]

# (module, group label): the order of the header.
GROUPS: tuple[tuple[str, Any], ...] = (
    ("region", _("学校与数据")),
    ("afterschool", _("课后服务")),
    ("enrolment", _("选课与录取")),
    ("balance", _("均衡监测")),
    ("placement", _("均衡编班")),
    ("rotation", _("交流轮岗")),
    ("quotas", _("指标到校")),
    ("places", _("学位预测")),
    ("communities", _("教共体")),
    ("portraits", _("成长档案")),
)
APPS = tuple(app for app, _label in GROUPS if app != "region")


def _entries(app: str) -> list[tuple[set[str], str, Any]]:
    if app == "region":
        return NAV
    try:
        return list(import_module(f"junheng.{app}.nav").NAV)
    except ModuleNotFoundError:
        return []


def nav_for(role: str | None) -> list[dict[str, Any]]:
    """Groups [{label, items: [{url, label, name}]}] the role may use, in header order."""
    groups = []
    for app, label in GROUPS:
        items = []
        for roles, name, item_label in _entries(app):
            if role not in roles:
                continue
            try:
                items.append({"url": reverse(name), "label": item_label, "name": name})
            except NoReverseMatch:
                continue
        if items:
            groups.append({"label": label, "items": items})
    return groups
