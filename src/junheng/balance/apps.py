from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BalanceConfig(AppConfig):
    """The balance pages' kept counts go stale on a save through region/apps.py's signals."""

    name = "junheng.balance"
    label = "balance"
    verbose_name = _("均衡监测")
