"""feedpub's version, and the identity of its code that caches and
fingerprints hold for: a module of its own, so that modules needing them do
not import the package (whose __init__ imports the pipeline: a cycle)."""

from __future__ import annotations

import os

__version__ = "0.1.0"

# Folders that hold installed packages: code there changes only with its version.
_INSTALLED = ("site-packages", "dist-packages")


def code_identity(package: str = os.path.dirname(__file__)) -> str:
    """What the cache's records and fingerprints of feeds hold for besides
    settings and seeds: this version of feedpub. Run from a source checkout
    (an editable install, or ``src`` on the path), the code changes without
    the version, so the size and mtime of each module and template are part of
    it too: an edited module is seen by the next build, not by a --no-cache
    one only. A stat per file: about a millisecond."""
    parts = os.path.normpath(package).split(os.sep)
    if any(folder in parts for folder in _INSTALLED):
        return __version__
    from hashlib import blake2b

    files = []
    for folder, wanted in (("", ".py"), ("templates", "")):
        try:
            entries = list(os.scandir(os.path.join(package, folder)))
        except OSError:  # not a folder (a zip file, say): the version is all there is
            continue
        for entry in entries:
            if entry.name.endswith(wanted):
                stat = entry.stat()
                files.append((folder, entry.name, stat.st_size, stat.st_mtime_ns))
    if not files:
        return __version__
    digest = blake2b(repr(sorted(files)).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return f"{__version__}+{digest}"


# Computed once per process, at import.
CODE_IDENTITY = code_identity()
