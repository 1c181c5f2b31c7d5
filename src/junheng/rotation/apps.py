from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotationConfig(AppConfig):
    name = "junheng.rotation"
    label = "rotation"
    verbose_name = _("交流轮岗")
