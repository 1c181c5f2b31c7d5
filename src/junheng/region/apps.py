from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionConfig(AppConfig):
    name = "junheng.region"
    label = "region"
    verbose_name = _("区域基础数据")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from junheng.kept import recount_soon
        from junheng.region.models import County, School, Student, Teacher

        # The pages' kept counts (junheng/kept.py) go stale; County: its outline is on the map.
        for model in (County, School, Teacher, Student):
            for signal in (post_save, post_delete):
                signal.connect(recount_soon, sender=model, dispatch_uid=f"region-{model}")
