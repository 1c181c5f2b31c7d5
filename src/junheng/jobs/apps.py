from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "junheng.jobs"
    label = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        # The task is checked against the configured backend once, at start-up.
        from junheng.jobs import tasks  # noqa: F401
