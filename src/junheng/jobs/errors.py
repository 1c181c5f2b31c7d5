"""The two exceptions a job body may raise (importable without Django's app registry)."""

from __future__ import annotations


class JobCancelled(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by `progress()` when the user asked to cancel; the body lets it propagate."""


class JobFailed(Exception):  # noqa: N818 (reads as what happened: raise JobFailed(...))
    """A failure whose message is for the user (Simplified Chinese, like every other message)."""
