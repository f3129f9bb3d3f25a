"""The output folder's lock: builds of one folder take turns.

The lock is a POSIX record lock on a file in the folder (``.feedpub.lock``),
so it dies with the process that holds it: a killed build never leaves the
folder locked. The lock file is never a link, for following one would create
or lock a file elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import Iterator

from .errors import WriteError
from .files import NOFOLLOW, NONBLOCK, lstat_mode

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".feedpub.lock"


@contextlib.contextmanager
def hold_lock(path: Path, shown: str, folder: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, the lock file of the output folder
    ``folder`` (``shown`` is ``path`` in messages), so two builds never
    interleave their writes.

    Waits up to ``timeout`` seconds for another build to finish, then raises
    WriteError. The lock file stays in place. A lock file that is a link, or
    not a regular file, is refused.
    """
    mode = lstat_mode(path)
    if mode is not None and stat.S_ISLNK(mode):  # caught here on Windows, by O_NOFOLLOW elsewhere
        raise WriteError(f"{shown} is a symbolic link; feedpub does not follow links inside the output "
                         f"folder: delete it")
    try:
        # O_NONBLOCK: a named pipe put there must not make the open wait.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW | NONBLOCK, 0o644)
    except OSError as error:
        if stat.S_ISLNK(lstat_mode(path) or 0):
            raise WriteError(f"{shown} is a symbolic link; feedpub does not follow links inside the "
                             f"output folder: delete it") from None
        raise WriteError(f"{shown}: cannot lock: {error.strerror or error}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WriteError(f"{shown} is not a regular file; delete it")
        _wait_for_lock(fd, timeout, f"another feedpub build is writing to {folder} (it holds {shown})")
        yield
    finally:
        os.close(fd)


def _wait_for_lock(fd: int, timeout: float, busy: str) -> None:
    deadline = time.monotonic() + timeout
    while fcntl is not None:
        try:
            # A POSIX record lock belongs to this process alone: worker
            # processes forked while it is held do not inherit it, so a
            # killed build never leaves the folder locked by its workers.
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except (BlockingIOError, PermissionError):
            if time.monotonic() >= deadline:
                raise WriteError(f"{busy}; gave up after {timeout:g} s") from None
            time.sleep(0.05)
