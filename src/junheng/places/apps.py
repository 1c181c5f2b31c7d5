from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "junheng.places"
    label = "places"
