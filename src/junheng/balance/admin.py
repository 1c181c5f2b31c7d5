"""Read-only admin views: balance records are written by balance.actions only (audited)."""

from django.contrib import admin

from junheng.accounts.admin_base import ReadOnlyAdmin
from junheng.balance.models import BalanceSnapshot, GovernmentItem, SocialRecognition


@admin.register(BalanceSnapshot)
class BalanceSnapshotAdmin(ReadOnlyAdmin):
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
class GovernmentItemAdmin(ReadOnlyAdmin):
    list_display = ("year", "code", "title_zh", "value", "passes", "source")
    list_filter = ("year", "source", "passes")


@admin.register(SocialRecognition)
class SocialRecognitionAdmin(ReadOnlyAdmin):
    list_display = ("year", "satisfied_share", "respondents")
