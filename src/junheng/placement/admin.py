"""Read-mostly admin of class placement: the audit trail is never edited by hand."""

from django.contrib import admin

from junheng.placement.models import BulkPlacementRun, Placement, PlacementAudit


class AuditInline(admin.TabularInline[PlacementAudit, Placement]):
    model = PlacementAudit
    extra = 0
    can_delete = False
    fields = ("at", "event", "operator", "seed_commitment", "input_sha256", "result_sha256")
    readonly_fields = fields


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin[Placement]):
    list_display = ("school", "grade", "term", "n_classes", "method", "status")
    list_filter = ("status", "method", "grade")
    search_fields = ("school__name", "school__code")
    readonly_fields = (
        "seed",
        "seed_commitment",
        "input_sha256",
        "result_sha256",
        "summary",
        "table",
        "status",
        "committed_at",
        "drawn_at",
        "published_at",
    )
    inlines = [AuditInline]


@admin.register(BulkPlacementRun)
class BulkPlacementRunAdmin(admin.ModelAdmin[BulkPlacementRun]):
    list_display = ("pk", "term", "grade", "status", "schools_done", "schools_total")
    readonly_fields = ("seed", "seed_commitment", "status", "progress", "summary")
