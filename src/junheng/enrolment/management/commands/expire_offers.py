"""`junheng manage expire_offers`: lapse overdue waitlist offers and pass the seats on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Lapse overdue waitlist offers and offer their seats to the next children."

    def handle(self, *args: Any, **options: Any) -> None:
        from junheng.enrolment.actions import expire_offers

        n = expire_offers()
        self.stdout.write(f"{n} offers lapsed")
