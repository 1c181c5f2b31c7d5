"""Static files with hashed, compressed names (whitenoise's manifest storage).

Vendored minified files end with a `sourceMappingURL` to maps we do not ship; those references
are left as they are instead of failing `collectstatic`.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (ext, tuple(p for p in pats if "sourceMappingURL" not in str(p)))
        for ext, pats in CompressedManifestStaticFilesStorage.patterns
    )
