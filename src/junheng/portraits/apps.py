from django.apps import AppConfig


class PortraitsConfig(AppConfig):
    name = "junheng.portraits"
    label = "portraits"

    def ready(self) -> None:
        # Imports of records and class teachers write through the region's undo journal.
        from junheng.portraits.models import ClassTeacher, PortraitRecord
        from junheng.region.batches import register_model

        register_model(PortraitRecord)
        register_model(ClassTeacher)
