from django.apps import AppConfig


class QuotasConfig(AppConfig):
    name = "junheng.quotas"
    label = "quotas"
