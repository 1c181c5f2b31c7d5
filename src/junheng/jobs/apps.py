from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "junheng.jobs"
    label = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # The task is checked against the configured backend once, at start-up.
        from junheng.jobs import tasks  # noqa: F401

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="jobs-cache-table")


def create_cache_table(*args: object, using: str = "default", **kwargs: object) -> None:
    """`migrate` also creates the table of a database cache (`CACHE_URL=db://…`), and the
    default one whatever the cache, so a process started with the default settings on this
    database (a worker, a test's server) finds it."""
    from django.core.management import call_command

    from junheng.config.caches import DEFAULT_TABLE

    call_command("createcachetable", database=using, verbosity=0)
    call_command("createcachetable", DEFAULT_TABLE, database=using, verbosity=0)
