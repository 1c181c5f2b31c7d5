"""The one error type of the domain.

Every action (`do_*(…, by)`) that refuses a change raises `ActionError` with a message for the
user; no app defines its own. It is a Django `ValidationError`, so forms, `web.flash_errors` and
the API's exception handler (`junheng.api`) all show it the same way; `str(err)` is the message
itself. Engines never raise it: they raise `junheng.engines.io.InputError` (file, row, column),
which the adapters turn into an `ActionError` where a user caused it. A wrong role or scope is
`PermissionDenied` (403), never an `ActionError`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ActionError(ValidationError):
    """A change the rules do not allow; the message says why, in the user's language."""

    def __str__(self) -> str:
        return " ".join(str(m) for m in self.messages)
