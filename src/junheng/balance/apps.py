from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BalanceConfig(AppConfig):
    name = "junheng.balance"
    label = "balance"
    verbose_name = _("均衡监测")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from junheng.balance.adapters import forget_region_evaluation
        from junheng.region.models import School, Student, Teacher

        for model in (School, Teacher, Student):
            for signal in (post_save, post_delete):
                signal.connect(forget_region_evaluation, sender=model, dispatch_uid=f"bal-{model}")
