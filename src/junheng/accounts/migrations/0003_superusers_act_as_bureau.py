"""`createsuperuser` makes a bureau admin (accounts.models.UserManager); a superuser made before,
still on the default role (parent), becomes one too."""

from django.db import migrations

import junheng.accounts.models


def superusers_to_bureau(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_superuser=True, role="parent").update(role="bureau")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_throttle"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", junheng.accounts.models.UserManager()),
            ],
        ),
        migrations.RunPython(superusers_to_bureau, migrations.RunPython.noop),
    ]
