"""`junheng manage expire_whitelist`: move lapsed white-list entries to "expired" (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from junheng.afterschool.actions import do_expire_providers


class Command(BaseCommand):
    help = "Mark approved providers whose white-list date has passed as expired (with history)."

    def handle(self, *args: Any, **options: Any) -> None:
        n = do_expire_providers(by=None)
        self.stdout.write(f"{n} white-list entries expired")
