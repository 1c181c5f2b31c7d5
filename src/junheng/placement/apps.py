from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "junheng.placement"
    label = "placement"
