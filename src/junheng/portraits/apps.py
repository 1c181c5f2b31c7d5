from django.apps import AppConfig


class PortraitsConfig(AppConfig):
    name = "junheng.portraits"
    label = "portraits"
