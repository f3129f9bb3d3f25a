"""Put feed bytes on disk: atomically, only when they change, and keep a manifest.

The manifest (``.feedpub-manifest.json`` in the output folder) lists every file
feedpub wrote there, so a later build can remove feeds of topics that are gone
without ever touching a file it did not write.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MANIFEST_NAME = ".feedpub-manifest.json"
LOCK_NAME = ".feedpub.lock"
# mkstemp names: ".<file>.<8 random chars>.tmp"
_TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")


@contextlib.contextmanager
def output_lock(out: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` so two builds never interleave their writes.

    Waits up to ``timeout`` seconds for another build to finish, then raises
    OutputError. The lock file stays in place; the lock itself dies with the
    process, so a killed build never leaves ``out`` locked.
    """
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while fcntl is not None:
            try:
                # A POSIX record lock belongs to this process alone: worker
                # processes forked while it is held do not inherit it, so a
                # killed build never leaves the folder locked by its workers.
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (BlockingIOError, PermissionError):
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"another feedpub build is writing to {out} (it holds {out / LOCK_NAME}); "
                        f"gave up after {timeout:g} s"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files a killed build left in ``folder``; call only under the lock."""
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and _TEMPORARY.fullmatch(entry.name):
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return removed


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes.

    The file is replaced atomically (temporary file in the same folder, fsync,
    rename), so a crash leaves either the old or the new file, never half of
    one. Returns True when the file was written.
    """
    if is_current(path, data):
        return False
    import tempfile  # here: a build that writes nothing need not import it

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
        if not isinstance(files, list):  # a string would read as one name per character
            raise TypeError(f"'files' is {type(files).__name__}, not a list")
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
    return bool(name) and not path.is_absolute() and ".." not in path.parts and name not in (MANIFEST_NAME, LOCK_NAME)
