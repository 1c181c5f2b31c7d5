"""Small helpers shared by the apps' views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def flash_errors(request: HttpRequest, err: Exception) -> None:
    """Show an action's refusal as error messages on the next page.

    Actions refuse with `junheng.errors.DomainError` (a `ValidationError`); every view shows it
    through this one helper, so a refusal reads the same on every page.
    """
    if isinstance(err, ValidationError):
        for m in err.messages:
            messages.error(request, m)
    else:
        messages.error(request, str(err))
