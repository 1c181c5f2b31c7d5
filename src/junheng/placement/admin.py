"""Read-only admin of class placement: the actions commit, draw and publish; the audit trail is
never edited by hand; a seed shows only once it is revealed (published)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from junheng.accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline, seed_until_revealed
from junheng.placement.models import BulkPlacementRun, Placement, PlacementAudit


class AuditInline(ReadOnlyInline):
    model = PlacementAudit
    fields = ("at", "event", "operator", "seed_commitment", "input_sha256", "result_sha256")
    readonly_fields = fields


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = ("school", "grade", "term", "n_classes", "method", "status")
    list_filter = ("status", "method", "grade")
    search_fields = ("school__name", "school__code")
    exclude = ("seed", "final_seed")
    readonly_fields = ("revealed_seed", "revealed_final_seed")
    inlines = [AuditInline]

    @admin.display(description=_("随机种子"))
    def revealed_seed(self, obj: Placement) -> str:
        return seed_until_revealed(obj.public_seed)

    @admin.display(description=_("最终种子"))
    def revealed_final_seed(self, obj: Placement) -> str:
        return seed_until_revealed(obj.public_final_seed)


@admin.register(BulkPlacementRun)
class BulkPlacementRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "term", "grade", "status", "schools_done", "schools_total")
    exclude = ("seed",)
    readonly_fields = ("revealed_seed",)

    @admin.display(description=_("随机种子"))
    def revealed_seed(self, obj: BulkPlacementRun) -> str:
        return seed_until_revealed(obj.public_seed)
