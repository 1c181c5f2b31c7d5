"""An empty database's schema in one step (新库建表): what `migrate` would build, without
replaying its migrations one by one.

`migrate` on an empty database applies every migration in turn and re-renders Django's model
state after each operation: 76 migrations took ~20 s of `junheng demo`'s load. A fresh
database needs none of that history. `create_schema` takes the state at the end of the
migration plan once (the models as the migrations leave them, not as `models.py` says),
creates every table, index and constraint from it, records every migration of the plan as
applied (a squashed one as the ones it replaces, as `migrate` does), and sends
`post_migrate` as `migrate` does (content types, permissions, the cache tables).

Only for a database with no tables at all (it refuses any other: an existing database is
migrated by `migrate`, always). The result equals a migrated database table for table, column
for column, index for index and constraint for constraint, and in the rows `migrate` leaves
(content types, permissions, the migration records): `tests/test_fresh_schema.py` compares
both on SQLite and PostgreSQL. Because the migrations are recorded as applied, a later
release's migrations upgrade such a database like any other.
"""

from __future__ import annotations

from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.migrations.executor import MigrationExecutor


class NotEmptyError(RuntimeError):
    """The database already has tables: migrate it instead."""


def create_schema(using: str = DEFAULT_DB_ALIAS) -> int:
    """Build the whole schema in the empty database `using`; returns the number of migrations
    recorded as applied."""
    connection = connections[using]
    if connection.introspection.table_names():
        raise NotEmptyError(f"database {using!r} is not empty: run migrate")
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    plan = executor.migration_plan(graph.leaf_nodes(), clean_start=True)
    state = executor.loader.project_state()  # the state after the whole plan, rendered once
    apps = state.apps
    models = [
        m
        for m in apps.get_models()
        if m._meta.can_migrate(connection) and router.allow_migrate_model(using, m)
    ]
    with connection.schema_editor(atomic=True) as editor:
        for model in models:
            editor.create_model(model)
    recorder = executor.recorder
    recorder.ensure_schema()
    applied = 0
    for migration, _backwards in plan:  # as `migrate` records them
        for app_label, name in migration.replaces or [(migration.app_label, migration.name)]:
            recorder.record_applied(app_label, name)
        applied += 1
    executor.check_replacements()
    emit_post_migrate_signal(0, False, using, apps=apps, plan=plan)
    return applied


def create_or_migrate(using: str = DEFAULT_DB_ALIAS) -> str:
    """`create_schema` for a database with no tables, else `migrate` (what `make install` and
    `junheng migrate` run): "created" or "migrated"."""
    from django.core.management import call_command

    if not connections[using].introspection.table_names():
        create_schema(using)
        return "created"
    call_command("migrate", database=using, interactive=False, verbosity=0)
    return "migrated"
