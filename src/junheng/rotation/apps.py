from django.apps import AppConfig


class RotationConfig(AppConfig):
    name = "junheng.rotation"
    label = "rotation"
