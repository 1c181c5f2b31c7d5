"""Fast password hashing: the shared `users` fixture hashes six passwords per test, and the
production PBKDF2 cost (about half a second each on the CI machine) dominated these tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
