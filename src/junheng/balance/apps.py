from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BalanceConfig(AppConfig):
    name = "junheng.balance"
    label = "balance"
    verbose_name = _("均衡监测")
