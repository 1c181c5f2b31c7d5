"""Read-only admin views: balance records are written by balance.actions only (audited)."""

from typing import Any

from django.contrib import admin

from junheng.balance.models import BalanceSnapshot, GovernmentItem, SocialRecognition


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(BalanceSnapshot)
class BalanceSnapshotAdmin(ReadOnly):
    list_display = (
        "year",
        "label",
        "taken_at",
        "verdict",
        "schools_passing",
        "schools_count",
        "synthetic",
    )
    list_filter = ("year", "verdict", "synthetic")


@admin.register(GovernmentItem)
class GovernmentItemAdmin(ReadOnly):
    list_display = ("year", "code", "title_zh", "value", "passes", "source")
    list_filter = ("year", "source", "passes")


@admin.register(SocialRecognition)
class SocialRecognitionAdmin(ReadOnly):
    list_display = ("year", "satisfied_share", "respondents")
