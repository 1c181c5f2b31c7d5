from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "junheng.communities"
    label = "communities"
