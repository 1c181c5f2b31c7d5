from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortraitsConfig(AppConfig):
    name = "junheng.portraits"
    label = "portraits"
    verbose_name = _("成长档案")

    def ready(self) -> None:
        # Imports of records and class teachers write through the region's undo journal;
        # records are inserted as the demo's are (`storage.create_records`).
        from junheng.portraits.models import ClassTeacher, PortraitRecord
        from junheng.portraits.storage import create_records
        from junheng.region.batches import register_model

        register_model(PortraitRecord, create_records)
        register_model(ClassTeacher)
