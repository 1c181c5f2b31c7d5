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
        _name_third_party_apps()


# Third-party apps name themselves in English only; the admin shows these names instead.
THIRD_PARTY_NAMES = {
    "axes": _("登录限制"),
    "django_tasks_database": _("任务队列"),
    "django_tasks": _("任务队列"),
    "import_export": _("导入导出"),
}


def _name_third_party_apps() -> None:
    from django.apps import apps
    from django.contrib import admin

    for label, name in THIRD_PARTY_NAMES.items():
        config = apps.app_configs.get(label)
        if config is not None:
            config.verbose_name = name
    admin.site.site_header = _("均衡 junheng 管理后台")
    admin.site.site_title = _("均衡 junheng 管理后台")
