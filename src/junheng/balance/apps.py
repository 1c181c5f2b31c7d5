from django.apps import AppConfig


class BalanceConfig(AppConfig):
    name = "junheng.balance"
    label = "balance"
