from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "junheng.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from junheng.accounts.throttle import record_login_failure

        user_login_failed.connect(record_login_failure, dispatch_uid="junheng.login_failed")
