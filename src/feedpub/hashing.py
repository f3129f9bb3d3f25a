"""The hashes feedpub uses, without loading OpenSSL.

BLAKE2b names seed contents, records and feed fingerprints; SHA-256 makes
fallback topic slugs. Both come from CPython's builtin modules, which compute
exactly what hashlib's do: importing hashlib also loads OpenSSL (3-10 ms), and
a warm build, which hashes little, would pay that on every run.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Python builds without the builtin module
    from hashlib import blake2b

try:
    from _sha2 import sha256  # Python 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.10 and 3.11
    except ImportError:  # pragma: no cover
        from hashlib import sha256

__all__ = ["blake2b", "sha256"]
