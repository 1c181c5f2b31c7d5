from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementConfig(AppConfig):
    name = "junheng.placement"
    label = "placement"
    verbose_name = _("均衡编班")
