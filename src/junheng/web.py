"""Small helpers shared by the apps' views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def flash_errors(request: HttpRequest, err: ValidationError) -> None:
    """Show an action's refusal (a ValidationError) as error messages on the next page."""
    for m in err.messages:
        messages.error(request, m)
