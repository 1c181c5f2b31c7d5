from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "junheng.quotas"
    label = "quotas"
    verbose_name = _("指标到校")
