from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AfterschoolConfig(AppConfig):
    name = "junheng.afterschool"
    label = "afterschool"
    verbose_name = _("课后服务")
