from django.apps import AppConfig


class AfterschoolConfig(AppConfig):
    name = "junheng.afterschool"
    label = "afterschool"
