"""JSON API of this capability (django-ninja router)."""

from ninja import Router

router = Router(tags=["enrolment"])
