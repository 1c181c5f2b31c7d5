"""Shared pieces of the course-supermarket actions: upload checks and status labels."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from junheng.afterschool.models import ProviderStatus
from junheng.errors import ActionError


def _validate_upload(upload: Any, validator: Any) -> None:
    try:
        validator(upload)
    except ValidationError as err:
        raise ActionError(" ".join(err.messages)) from err


def _status_label(status: str) -> str:
    return str(ProviderStatus(status).label)
