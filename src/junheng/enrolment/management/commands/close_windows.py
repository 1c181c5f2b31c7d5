"""`junheng manage close_windows`: close every open choice window past its `closes_at`.

The scheduled job does the same every few minutes (junheng.jobs.schedule); this command is for
a cron line or a manual catch-up. Idempotent: a window already closed is left alone.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Close every open choice window whose deadline (closes_at) has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        from junheng.enrolment.actions import close_due_windows

        n = close_due_windows()
        self.stdout.write(f"{n} windows closed")
