"""Put feed bytes on disk: atomically, only when they change, and keep a manifest.

The manifest (``.feedpub-manifest.json`` in the output folder) lists every file
feedpub wrote there, so a later build can remove feeds of topics that are gone
without ever touching a file it did not write.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterable

from .errors import OutputError

MANIFEST_NAME = ".feedpub-manifest.json"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes.

    The file is replaced atomically (temporary file in the same folder, fsync,
    rename), so a crash leaves either the old or the new file, never half of
    one. Returns True when the file was written.
    """
    if is_current(path, data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def is_current(path: Path, data: bytes) -> bool:
    """True when ``path`` exists and holds exactly ``data``."""
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


def read_manifest(out: Path) -> set[str]:
    """Relative POSIX paths feedpub wrote in ``out`` last time; empty if none.

    Entries that would point outside ``out`` are dropped, so an edited manifest
    cannot make a build delete anything else.
    """
    try:
        data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = data["files"]
    except FileNotFoundError:
        return set()
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise OutputError(
            f"{out / MANIFEST_NAME}: unreadable manifest ({error}); delete it to start afresh"
        ) from None
    return {name for name in files if isinstance(name, str) and _is_safe_relative(name)}


def render_manifest(files: Iterable[str]) -> bytes:
    """The manifest's bytes for ``files``: sorted, so they are reproducible."""
    return (json.dumps({"files": sorted(files)}, indent=2) + "\n").encode("utf-8")


def _is_safe_relative(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and name != MANIFEST_NAME
