from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "junheng.places"
    label = "places"
    verbose_name = _("学位预测")
