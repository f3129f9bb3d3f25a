"""One file in the output folder, never through a link: read it, compare bytes
with it as they stream, replace it atomically, and tell feedpub's temporary
files from anyone else's.

writers.py checks the folders on the way; these check the file itself, so a
link put in the place of a feed is neither read nor written through.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path

# Temporary files: ".<file>.<8 random characters>.tmp", as tempfile.mkstemp names them.
_TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")
# Windows has neither flag; there a link is caught by the lstat before each open.
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
BINARY = getattr(os, "O_BINARY", 0)


def replace_atomically(folder: Path, name: str, data: bytes) -> None:
    """Atomically replace ``folder/name`` with a file holding ``data``.

    mkstemp creates the temporary file exclusively (O_EXCL, never through a
    link), and the rename replaces whatever entry ``name`` is, a link
    included, without touching what a link points to. On any failure the
    temporary file is deleted and the old file stays as it was.
    """
    import tempfile  # here: a build that writes nothing need not import it

    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temporary, 0o644)  # whatever the umask: feeds are for everyone to read
        os.replace(temporary, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def is_temporary(entry: os.DirEntry) -> bool:
    """A temporary file as feedpub names them (not a link or a folder)."""
    return (entry.name.endswith(".tmp") and _TEMPORARY.fullmatch(entry.name) is not None
            and entry.is_file(follow_symlinks=False))


def read_bytes(path: Path) -> bytes:
    """The bytes of the file at ``path``, refusing to follow a link there."""
    fd = os.open(path, os.O_RDONLY | NOFOLLOW | NONBLOCK | BINARY)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def lstat_mode(path: Path) -> int | None:
    """The st_mode of ``path`` itself (not of what a link points to); None if it does not exist."""
    try:
        return os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


class Comparison:
    """Whether bytes that come in chunks equal a file's, read alongside."""

    def __init__(self, path: Path | None) -> None:
        self._file = None
        if path is not None:
            try:  # never through a link: a link is not the file feedpub wrote
                self._file = os.fdopen(os.open(path, os.O_RDONLY | NOFOLLOW | NONBLOCK | BINARY), "rb")
            except OSError:
                self._file = None
        self.same = self._file is not None and stat.S_ISREG(os.fstat(self._file.fileno()).st_mode)

    def compare(self, chunk: bytes) -> None:
        if self.same:
            self.same = self._file.read(len(chunk)) == chunk  # type: ignore[union-attr]

    def finish(self) -> bool:
        """True when every byte was equal and the file has no more; closes it."""
        if self._file is not None:
            self.same = self.same and self._file.read(1) == b""
            self._file.close()
            self._file = None
        return self.same
