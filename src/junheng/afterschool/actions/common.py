"""Shared pieces of the course-supermarket actions: the error types and upload checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from junheng.afterschool.models import ProviderStatus
from junheng.afterschool.tutoring import TutoringMatch, describe_matches
from junheng.errors import DomainError


class ActionError(DomainError):
    """A change that is not allowed (the domain's one error type, see `junheng.errors`)."""


class TransitionError(ActionError):
    """A vetting or review step from a state that does not allow it (no skipping states)."""


class ReasonRequiredError(ActionError):
    pass


class TutoringRefusedError(ActionError):
    """A course that names subject tutoring (see afterschool.tutoring)."""

    def __init__(self, matches: Sequence[TutoringMatch]) -> None:
        self.terms = [m.term for m in matches]
        super().__init__(
            _("课后服务不得开展学科类培训：课程名称或内容含有“%(terms)s”。")
            % {"terms": describe_matches(matches)}
        )


class OfferingBlockedError(ActionError):
    """A new offering that the white list or the instructors' background checks do not allow."""


def _validate_upload(upload: Any, validator: Any) -> None:
    try:
        validator(upload)
    except ValidationError as err:
        raise ActionError(" ".join(err.messages)) from err


def _status_label(status: str) -> str:
    return str(ProviderStatus(status).label)
