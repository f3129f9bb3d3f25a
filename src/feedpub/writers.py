"""Put feed bytes on disk: atomically, only when they change, never outside the
output folder, and keep a manifest.

The manifest (``.feedpub-manifest.json`` in the output folder) lists every file
feedpub wrote there, so a later build can remove feeds of topics that are gone
without ever touching a file it did not write.

The output folder is often committed, so what is inside it is input a pull
request can change. Nothing inside it is followed as a link: a folder feedpub
writes into (``topics``, ``archive/...``) that is a link is refused, a file it
writes that is a link is replaced (a rename replaces the link, never its
target), and a manifest entry is removed only when it is a regular file
reached through real folders. The output folder itself may be a link: it is
the folder the user named (as a config file could name any other), resolved
once. Like git's checks before a checkout, this guards against links found in
the folder, not against another process swapping a folder for a link while a
build runs; feedpub builds of one folder take turns under the lock.

Here are the folders on the way and the bookkeeping of a build (which folders
were checked, which need a sync); files.py does each file, never through a
link, and folder_lock.py the lock.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import posixpath
import stat
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Iterable, Iterator

from .descriptors import is_exhausted, reason, spare
from .errors import OutputError, WriteError
from .files import NOFOLLOW, Comparison, is_temporary, lstat_mode, read_bytes, replace_atomically
from .folder_lock import LOCK_NAME, hold_lock

if TYPE_CHECKING:
    from queue import SimpleQueue
    from threading import Thread

MANIFEST_NAME = ".feedpub-manifest.json"
# Staged files synced at once (StagedSyncs): enough to keep a disk's queue full.
SYNC_THREADS = 8
# File systems that cannot sync a folder say so with one of these; nothing to do then.
_NO_FOLDER_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EBADF}


def refuse_non_folder(path: Path) -> None:
    """Raise OutputError when ``path`` exists but is a file (or a link to one):
    it cannot be the output folder, and only saying so helps."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file, not a folder")


class OutputFolder:
    """The output folder, written without following any link inside it.

    Paths given to the methods are relative POSIX paths (``topics/ai.rss.xml``,
    ``""`` for the folder itself). Messages show them under the folder as the
    user named it. Folders checked once are remembered for the build, and the
    folders whose entries changed are synced together by :meth:`sync`.
    """

    def __init__(self, out: Path) -> None:
        self.shown = out
        self.real = out.resolve()
        self._folders: set[str] = set()  # real folders, checked
        self._unsynced: set[str] = set()  # folders with renames or removals not yet synced

    def show(self, name: str) -> str:
        return str(self.shown / name) if name else str(self.shown)

    def folder(self, name: str, create: bool = False) -> Path | None:
        """The real folder ``name``, each of its components checked to be a
        folder and not a link; None when one is missing (unless ``create``
        makes it). Raises WriteError naming the first link or file on the way."""
        if name in self._folders:
            return self.real / name
        if not name:
            if create:
                self.real.mkdir(parents=True, exist_ok=True)
            elif not self.real.is_dir():
                return None
            self._folders.add(name)
            return self.real
        parent = posixpath.dirname(name)
        if self.folder(parent, create) is None:
            return None
        path = self.real / name
        mode = lstat_mode(path)
        if mode is None and create:
            with contextlib.suppress(FileExistsError):  # made by another process meanwhile: checked below
                os.mkdir(path)
            self._unsynced.add(parent)
            mode = lstat_mode(path)
        if mode is None:
            return None
        if stat.S_ISLNK(mode):
            raise WriteError(f"{self.show(name)} is a symbolic link; feedpub does not write through links "
                             f"inside the output folder: replace it with a folder")
        if not stat.S_ISDIR(mode):
            raise WriteError(f"{self.show(name)} is not a folder; move it away so feedpub can write its files")
        self._folders.add(name)
        return path

    def verify(self, folders: Iterable[str]) -> None:
        """Check that each of ``folders`` that exists is reached through real folders."""
        for name in folders:
            self.folder(name)

    def has_stale_temporaries(self, folders: Iterable[str]) -> bool:
        """True when one of ``folders`` holds a temporary file a killed build
        left (a listing of each, no stat per file)."""
        for name in set(folders):
            path = self.folder(name)
            if path is None:
                continue
            with os.scandir(path) as entries:
                if any(is_temporary(entry) for entry in entries):
                    return True
        return False

    def remove_stale_temporaries(self, folders: Iterable[str]) -> list[str]:
        """Delete temporary files a killed build left in ``folders`` (checking
        each folder, so links are refused before anything is written); call
        only under the lock."""
        removed = []
        for name in sorted(set(folders)):
            path = self.folder(name)
            if path is None:
                continue
            with os.scandir(path) as entries:
                for entry in entries:
                    if is_temporary(entry):
                        os.unlink(entry.path)
                        removed.append(posixpath.join(name, entry.name))
                        self._unsynced.add(name)
        return removed

    def is_current(self, name: str, data: bytes) -> bool:
        """True when ``name`` is a regular file holding exactly ``data``."""
        folder = self.folder(posixpath.dirname(name))
        if folder is None:
            return False
        path = folder / posixpath.basename(name)
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
                return False
            return read_bytes(path) == data
        except FileNotFoundError:
            return False

    def read(self, name: str) -> bytes:
        """The bytes of the file ``name``. Raises OSError when it is missing or
        a link, WriteError when a folder on the way is a link or a file."""
        folder = self.folder(posixpath.dirname(name))
        if folder is None:
            raise FileNotFoundError(errno.ENOENT, "no such folder", self.show(name))
        return read_bytes(folder / posixpath.basename(name))

    def lstat(self, name: str) -> os.stat_result:
        """The lstat of ``name``, a file this build wrote or found current."""
        return os.lstat(self.real / name)

    def write_if_changed(self, name: str, data: bytes) -> bool:
        """Write ``data`` to ``name`` unless it already holds exactly those bytes.

        The file is replaced atomically (temporary file in the same folder,
        fsync, rename), so a crash leaves either the old or the new file, never
        half of one. Returns True when the file was written. Raises WriteError
        naming the file when it cannot be written (a full disk, say).
        """
        if self.is_current(name, data):
            return False
        parent = posixpath.dirname(name)
        try:
            folder = self.folder(parent, create=True)
            assert folder is not None
            replace_atomically(folder, posixpath.basename(name), data)
        except OSError as error:
            raise WriteError(f"{self.show(name)}: cannot write: {reason(error)}") from None
        self._unsynced.add(parent)
        return True

    def stage_if_changed(self, name: str, chunks: Iterable[bytes]) -> str | None:
        """Write ``chunks`` to a temporary file next to ``name``, unless
        ``name`` already holds exactly those bytes (compared as they stream, so
        a feed of any size costs one chunk of memory). Returns the temporary
        file to sync (:meth:`staged_syncs`), then :meth:`commit_staged`, so a build
        can render every file before it replaces any; None when nothing
        changed, and then nothing is left behind. Raises WriteError naming the
        file when it cannot be written."""
        import tempfile  # here: a build that writes nothing need not import it

        parent, base = posixpath.dirname(name), posixpath.basename(name)
        try:
            folder = self.folder(parent, create=True)
            assert folder is not None
            self._refuse_non_file(name, lstat_mode(folder / base))
            old = Comparison(folder / base)
            fd, temporary = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=folder)
            try:
                try:
                    for chunk in chunks:
                        old.compare(chunk)
                        view = memoryview(chunk)
                        while view:
                            view = view[os.write(fd, view):]
                    same = old.finish()
                finally:
                    os.close(fd)
                if same:
                    os.unlink(temporary)
                    return None
                os.chmod(temporary, 0o644)  # whatever the umask: feeds are for everyone to read
            except BaseException:
                old.finish()
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            raise WriteError(f"{self.show(name)}: cannot write: {reason(error)}") from None
        return temporary

    def _refuse_non_file(self, name: str, mode: int | None) -> None:
        """Raise WriteError when ``name`` is there but neither a regular file
        nor a link (which the rename replaces): a rename cannot replace a
        folder, and must not replace a named pipe or a device. Raised while
        staging, so a build stops before it has replaced any file."""
        if mode is None or stat.S_ISREG(mode) or stat.S_ISLNK(mode):
            return
        kind = "a folder" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode) else "not a regular file"
        raise WriteError(f"{self.show(name)}: cannot write: it is {kind}; move it away so feedpub can write the file")

    def staged_syncs(self) -> StagedSyncs:
        """Syncs of the files :meth:`stage_if_changed` writes, each started
        as soon as it is staged (see :class:`StagedSyncs`)."""
        return StagedSyncs(self)

    def commit_staged(self, temporary: str, name: str) -> None:
        """Put a file :meth:`stage_if_changed` wrote in place of ``name``,
        atomically (a rename replaces a link there, never its target)."""
        parent = posixpath.dirname(name)
        try:
            os.replace(temporary, self.real / name)
        except OSError as error:
            raise WriteError(f"{self.show(name)}: cannot write: {reason(error)}") from None
        self._unsynced.add(parent)

    def discard_staged(self, temporary: str) -> None:
        """Delete a staged file that will not be committed."""
        with contextlib.suppress(OSError):
            os.unlink(temporary)

    def chunks_are_current(self, name: str, chunks: Iterable[bytes]) -> bool:
        """True when ``name`` is a regular file holding exactly the bytes of
        ``chunks``; stops reading (and rendering) at the first difference."""
        folder = self.folder(posixpath.dirname(name))
        old = Comparison(folder / posixpath.basename(name) if folder is not None else None)
        for chunk in chunks:
            old.compare(chunk)
            if not old.same:
                break
        return old.finish()

    def remove(self, name: str, check: bool = False) -> bool:
        """Delete ``name`` if it is a regular file reached through real folders
        inside the output folder (in check mode, only say whether it would be).
        Anything else (a link, a folder, a path through a link) is left alone."""
        parent = posixpath.dirname(name)
        try:
            folder = self.folder(parent)
            mode = lstat_mode(folder / posixpath.basename(name)) if folder is not None else None
        except (WriteError, OSError):
            # A link or a file on the way, or a name too long: nothing of ours lies behind it.
            return False
        if mode is None or not stat.S_ISREG(mode):
            return False
        if not check:
            try:
                os.unlink(folder / posixpath.basename(name))
            except OSError as error:
                raise WriteError(f"{self.show(name)}: cannot remove: {reason(error)}") from None
            self._unsynced.add(parent)
        return True

    def remove_empty_folders(self, removed: Iterable[str]) -> None:
        """Remove the folders of the ``removed`` files that are now empty (an
        archive of a topic that is gone), deepest first; never the output
        folder itself, nor a folder that still holds anything."""
        folders = {folder for name in removed for folder in _ancestors(name)}
        for name in sorted(folders, key=lambda folder: folder.count("/"), reverse=True):
            if name not in self._folders:
                continue  # never reached through real folders this build
            try:
                os.rmdir(self.real / name)
            except OSError:
                continue  # not empty: someone's files, or a feed still written there
            self._folders.discard(name)
            self._unsynced.discard(name)
            self._unsynced.add(posixpath.dirname(name))

    def sync(self) -> None:
        """Make the renames and removals so far survive a power cut: fsync
        each folder whose entries changed, once. Only POSIX can open a folder
        to sync it; on Windows renames are as durable as NTFS makes them."""
        if os.name != "posix":
            self._unsynced.clear()
            return
        for name in sorted(self._unsynced):
            try:
                fd = os.open(self.real / name, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | NOFOLLOW)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as error:
                if error.errno not in _NO_FOLDER_SYNC:
                    raise WriteError(f"{self.show(name)}: cannot sync: {reason(error)}") from None
        self._unsynced.clear()

    def read_manifest(self) -> set[str]:
        """Relative POSIX paths feedpub wrote here last time; empty if none.

        Entries that could point outside the folder (absolute, with ``..``) are
        dropped, so an edited manifest cannot make a build delete anything else.
        """
        path = self.real / MANIFEST_NAME
        mode = lstat_mode(path) if self.folder("") is not None else None
        if mode is None:
            return set()
        if stat.S_ISLNK(mode):
            raise WriteError(f"{self.show(MANIFEST_NAME)} is a symbolic link; feedpub does not follow links "
                             f"inside the output folder: delete it to start afresh")
        try:
            files = json.loads(read_bytes(path).decode("utf-8"))["files"]
            if not isinstance(files, list):  # a string would read as one name per character
                raise TypeError(f"'files' is {type(files).__name__}, not a list")
            return {name for name in files if isinstance(name, str) and _is_safe_relative(name)}
        except (ValueError, KeyError, TypeError, OSError) as error:
            raise OutputError(
                f"{self.show(MANIFEST_NAME)}: unreadable manifest ({error}); delete it to start afresh"
            ) from None

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """Hold an exclusive lock on the folder so two builds never interleave
        their writes (see folder_lock.py); creates the folder if need be.

        Waits up to ``timeout`` seconds for another build to finish, then
        raises WriteError.
        """
        self.folder("", create=True)
        with hold_lock(self.real / LOCK_NAME, self.show(LOCK_NAME), self.shown, timeout):
            yield


class StagedSyncs:
    """Make staged files durable before any is renamed into place: a power
    cut must not leave a feed whose name is new but whose bytes never
    reached the disk. Each file's sync starts as soon as it is staged, in
    threads (fsync waits for the disk, not for Python): the disk writes the
    files staged so far while the build renders the next, and file systems
    commit concurrent syncs together, where one file after another costs a
    journal commit each (125 files of a cold build: 0.1 s to over 1 s on a
    busy disk). Start syncs only once worker processes are forked, if any:
    a fork copies no thread. Leaving the ``with`` block waits for the syncs
    still running and drops those not started, so that none touches a
    temporary file after the build deleted it.

    Each thread holds a file descriptor while it syncs: under a low
    ``ulimit -n`` fewer threads start (descriptors.spare), none at all
    leaves each sync to the build's thread, and a sync that finds no
    descriptor free is done again there by :meth:`wait`."""

    def __init__(self, out: OutputFolder) -> None:
        self._out = out
        self._queue: SimpleQueue[tuple[int, str, str] | None] | None = None
        self._threads: list[Thread] = []
        self._started = 0
        self._dropping = False
        self._failed: list[tuple[int, Exception]] = []
        self._deferred: list[tuple[int, str, str]] = []  # syncs that found no descriptor free

    def start(self, temporary: str, name: str) -> None:
        """Start syncing ``temporary``, staged to become ``name``."""
        # Plain threads, one more per file up to SYNC_THREADS: click has
        # loaded threading, and concurrent.futures (with logging) would cost
        # a build that edits one seed 4 ms of imports.
        import threading
        from queue import SimpleQueue

        if self._queue is None:
            self._queue = SimpleQueue()
        # Each thread may hold a descriptor any moment, not only those that do now.
        if len(self._threads) < SYNC_THREADS and spare(len(self._threads) + 1) > len(self._threads):
            thread = threading.Thread(target=self._sync_queued, daemon=True)
            thread.start()
            self._threads.append(thread)
        job = (self._started, temporary, name)
        self._started += 1
        if self._threads:
            self._queue.put(job)
        else:
            self._sync(job, deferring=False)

    def _sync_queued(self) -> None:
        assert self._queue is not None
        while (job := self._queue.get()) is not None:
            if not self._dropping:
                self._sync(job, deferring=True)

    def _sync(self, job: tuple[int, str, str], deferring: bool) -> None:
        index, temporary, name = job
        try:
            _sync_file(temporary)
        except OSError as error:
            if deferring and is_exhausted(error):
                self._deferred.append(job)  # wait() syncs it once the threads are done
                return
            # Raised by wait(), in the build's thread.
            self._failed.append((index, WriteError(f"{self._out.show(name)}: cannot write: {reason(error)}")))

    def _stop(self) -> None:
        """Let the threads take what is queued (or drop it), then end them."""
        for _ in self._threads:
            self._queue.put(None)  # type: ignore[union-attr]
        for thread in self._threads:
            thread.join()
        self._threads = []

    def wait(self) -> None:
        """Return once every file started is durable. Raises WriteError
        naming a file that cannot be synced (the first staged, as one sync
        after another would)."""
        self._stop()
        for job in sorted(self._deferred):
            self._sync(job, deferring=False)
        self._deferred = []
        if self._failed:
            raise min(self._failed, key=lambda pair: pair[0])[1]

    def __enter__(self) -> StagedSyncs:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._dropping = True
        self._stop()


def _sync_file(path: str) -> None:
    """fsync the file at ``path``, not following a link."""
    fd = os.open(path, os.O_WRONLY | NOFOLLOW)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def output_lock(out: Path, timeout: float) -> contextlib.AbstractContextManager[None]:
    """Hold the lock on the output folder ``out`` (see :meth:`OutputFolder.lock`)."""
    return OutputFolder(out).lock(timeout)


def render_manifest(files: Iterable[str]) -> bytes:
    """The manifest's bytes for ``files``: sorted, so they are reproducible."""
    return (json.dumps({"files": sorted(files)}, indent=2) + "\n").encode("utf-8")


def _ancestors(name: str) -> Iterator[str]:
    """The folders holding ``name``, innermost first, without the output folder: 'a/b/c' -> 'a/b', 'a'."""
    folder = posixpath.dirname(name)
    while folder:
        yield folder
        folder = posixpath.dirname(folder)


def _is_safe_relative(name: str) -> bool:
    """True for a path as feedpub writes them, which stays inside the folder it
    is relative to. Only the normal spelling: ``./all.rss.xml`` would name a
    current feed under another name, and be removed as stale. Parsed the
    Windows way too, which also splits at backslashes and sees drives."""
    try:
        os.fsencode(name)  # JSON may hold a lone surrogate, which no file name has
    except UnicodeEncodeError:
        return False
    path = PureWindowsPath(name)
    return (bool(name) and "\x00" not in name and posixpath.normpath(name) == name and not path.anchor
            and ".." not in path.parts and name not in (MANIFEST_NAME, LOCK_NAME))
