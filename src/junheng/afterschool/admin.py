"""Django admin of the course supermarket: read-only; every change goes through the actions
(vetting, review, supply, menus, offerings), which keep the history and tell the families."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from junheng.accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from junheng.afterschool import actions, models
from junheng.web import acting_user


class VettingEventInline(ReadOnlyInline):
    model = models.VettingEvent
    readonly_fields = ("at", "by", "from_status", "to_status", "reason", "whitelist_until")


@admin.register(models.Provider)
class ProviderAdmin(ReadOnlyAdmin):
    list_display = ("name", "org_type", "status", "whitelist_until", "weekly_sessions")
    list_filter = ("status", "org_type")
    search_fields = ("name", "credit_code", "record_id")
    inlines = [VettingEventInline]
    actions = ["expire_due"]

    @admin.action(description=_("将已到期的白名单标记为到期"))
    def expire_due(self, request: HttpRequest, queryset: QuerySet[models.Provider]) -> None:
        n = actions.do_expire_providers(by=acting_user(request))
        messages.info(request, _("%(n)d 家机构的白名单已到期。") % {"n": n})


@admin.register(models.Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ("title", "category", "provider", "school", "status", "seats", "fee_per_term")
    list_filter = ("status", "category")
    search_fields = ("title",)
    raw_id_fields = ("provider", "school", "instructor", "teacher")


@admin.register(models.Instructor)
class InstructorAdmin(ReadOnlyAdmin):
    list_display = ("name", "provider", "background_check_expires", "active")
    raw_id_fields = ("provider",)


@admin.register(models.Offering)
class OfferingAdmin(ReadOnlyAdmin):
    list_display = ("course", "school", "term", "slot", "seats", "source", "status")
    list_filter = ("source", "status", "term")
    raw_id_fields = ("course", "school", "instructor", "supply_run")


@admin.register(models.SupplyRun)
class SupplyRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "term", "status", "target", "created_at")


@admin.register(models.Menu)
class MenuAdmin(ReadOnlyAdmin):
    list_display = ("school", "term", "status", "published_at")
    list_filter = ("status", "term")
