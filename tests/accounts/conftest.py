"""Fast password hashing: the shared `users` fixture hashes six passwords per test, and the
production PBKDF2 cost (about half a second each on the CI machine) dominated these tests."""

from __future__ import annotations

import pytest

# The after-school market and its vetting fixtures, for the home pages' to-dos.
from tests.afterschool.conftest import make_course, make_provider, media  # noqa: F401
from tests.enrolment.conftest import market, window  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
