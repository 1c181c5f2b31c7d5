from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionConfig(AppConfig):
    name = "junheng.region"
    label = "region"
    verbose_name = _("区域基础数据")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from junheng.region.models import County, School, Student, Teacher
        from junheng.region.queries import forget_school_headcounts

        for model in (County, School, Teacher, Student):  # County: its outline is on the map
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_school_headcounts, sender=model, dispatch_uid=f"region-{model}"
                )
