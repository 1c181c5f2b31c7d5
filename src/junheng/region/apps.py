from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionConfig(AppConfig):
    name = "junheng.region"
    label = "region"
    verbose_name = _("区域基础数据")
