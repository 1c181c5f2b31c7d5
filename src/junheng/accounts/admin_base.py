"""What the Django admin may change: the shared read-only bases and the bureau's permissions.

State that the platform's actions own (offerings' seats and status, draws, vetting, placements,
rotation plans, quota tables, adjustments, the audit log…) changes only through those actions,
which check the state, keep the history and notify the families; an admin form would bypass all
of that. So those models are read-only in the admin for everyone, superusers included
(`ReadOnlyAdmin`). A bureau admin is not a superuser: `BUREAU_ADMIN` lists what it may do per
model (reference data of the region, accounts, fee rules, complaints, unlocking a login);
everything else of the platform it may only view (`bureau_may`, used by `User.has_perm`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Model
from django.http import HttpRequest

VIEW = frozenset({"view"})
EDIT = frozenset({"view", "add", "change"})
ALL = frozenset({"view", "add", "change", "delete"})

# app_label.model_name -> what a bureau admin may do there in the Django admin.
BUREAU_ADMIN: dict[str, frozenset[str]] = {
    "accounts.user": EDIT,
    "accounts.guardianship": ALL,
    "region.county": EDIT,
    "region.school": EDIT,
    "region.term": EDIT,
    "region.timeslot": EDIT,
    "region.schoolclass": EDIT,
    "region.teacher": EDIT,
    "region.student": frozenset({"view", "change"}),
    "enrolment.subsidyrule": ALL,
    "enrolment.hourrate": ALL,
    "enrolment.complaint": frozenset({"view", "change"}),  # resolve or dismiss
    "axes.accessattempt": frozenset({"view", "delete"}),  # deleting unlocks the account
}
# Apps whose other models a bureau admin may view; none of Django's own (groups, permissions).
BUREAU_VIEW_APPS = frozenset(
    {
        "accounts",
        "region",
        "afterschool",
        "enrolment",
        "balance",
        "placement",
        "rotation",
        "quotas",
        "places",
        "communities",
        "jobs",
        "axes",
    }
)


def bureau_may(perm: str) -> bool:
    """May a bureau admin use this permission ("app_label.action_model")?"""
    app_label, _dot, codename = perm.partition(".")
    action, _sep, model = codename.partition("_")
    allowed = BUREAU_ADMIN.get(f"{app_label}.{model}")
    if allowed is None:
        allowed = VIEW if app_label in BUREAU_VIEW_APPS else frozenset()
    return action in allowed


def _non_null_chains(model: type[Model], prefix: str, depth: int) -> list[str]:
    """What `select_related()` follows from `model`: its non-null foreign keys, `depth` deep."""
    if depth <= 0:
        return []
    out = []
    for field in model._meta.concrete_fields:
        target = field.related_model
        if isinstance(field, ForeignKey) and not field.null and isinstance(target, type):
            name = f"{prefix}__{field.name}"
            out += [name, *_non_null_chains(target, name, depth - 1)]
    return out


def related_columns(model: type[Model], list_display: Sequence[Any]) -> tuple[str, ...] | bool:
    """The foreign keys among a change list's columns, to read with the page's rows in one
    query. The admin joins the non-null ones by itself; a nullable one (an audit entry's actor,
    a user's school) would cost a query per row: then every column's key is named, with what
    the admin would have joined beyond it (the related rows' own names read them). False: the
    admin's own choice is enough."""
    columns = []
    for name in list_display:
        if not isinstance(name, str):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, ForeignKey):
            columns.append(field)
    if not any(f.null for f in columns):
        return False
    names: list[str] = []
    for f in columns:
        target = f.related_model
        names += [
            f.name,
            *(_non_null_chains(target, f.name, 2) if isinstance(target, type) else []),
        ]
    return tuple(names)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """A model that actions own: listed and shown, never added, changed or deleted here."""

    def get_list_select_related(self, request: HttpRequest) -> bool | list[str] | tuple[str, ...]:
        """Its columns' related rows read with the page (`related_columns`)."""
        return self.list_select_related or related_columns(self.model, self.list_display)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


HIDDEN_SEED = "—"


def seed_until_revealed(public_seed: str | None) -> str:
    """What the admin shows for a seed: the value once it is public, a dash before."""
    return public_seed or HIDDEN_SEED
