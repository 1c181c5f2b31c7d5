"""Fast password hashing: the shared `users` fixture hashes six passwords per test, and the
production PBKDF2 cost (about half a second each on the CI machine) dominated these tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english_catalogues():
    """`make test` compiles the catalogues first; a bare pytest run may not have."""
    from django.utils.translation import trans_real

    from junheng.commands import i18n

    i18n.run(None)
    trans_real._translations.clear()
    trans_real._default = None


@pytest.fixture(autouse=True)
def _no_pause_between_import_chunks(monkeypatch):
    """No other writer waits in these tests (the concurrency test, a child process, keeps it)."""
    from junheng.region import batches

    monkeypatch.setattr(batches, "SQLITE_PAUSE_S", 0.0)
