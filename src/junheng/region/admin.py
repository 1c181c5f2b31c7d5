"""Reference data of the region: the bureau keeps it here (accounts/admin_base.BUREAU_ADMIN)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from junheng.accounts.models import audit
from junheng.region import models
from junheng.web import acting_user


@admin.register(models.County)
class CountyAdmin(admin.ModelAdmin[models.County]):
    list_display = ("code", "name")


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin[models.School]):
    list_display = ("code", "name", "level", "urban_rural", "county")
    list_filter = ("level", "urban_rural", "county")
    search_fields = ("code", "name")


@admin.register(models.Teacher)
class TeacherAdmin(admin.ModelAdmin[models.Teacher]):
    list_display = ("code", "name", "school", "subject", "qualification", "backbone_level")
    list_filter = ("subject", "backbone_level", "qualification")
    search_fields = ("code", "name")
    list_select_related = ("school",)
    raw_id_fields = ("school",)


@admin.register(models.Student)
class StudentAdmin(admin.ModelAdmin[models.Student]):
    """Minors' records: every list page and every record opened here is audited, as on the
    platform's own pages (who looked, which page, how many rows)."""

    list_display = ("code", "name", "school", "grade", "gender")
    list_filter = ("grade", "migrant", "left_behind")
    search_fields = ("code",)
    list_select_related = ("school",)
    raw_id_fields = ("school", "school_class")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None:
            audit(
                acting_user(request),
                "view_students",
                None,
                via="admin",
                query=request.GET.urlencode(),
                shown=len(cl.result_list),
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and obj is not None:
            audit(acting_user(request), "view_student", obj, via="admin")
        return response


admin.site.register(models.Term)
admin.site.register(models.SchoolClass)
admin.site.register(models.TimeSlot)
