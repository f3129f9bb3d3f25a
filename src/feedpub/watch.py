"""Live preview: rebuild whenever a seed or the config file changes.

`feedpub serve --watch` serves the output folder in one thread and runs
``watch_and_build`` in the main thread. Each rebuild is an ordinary
``build()``, so the output is exactly what `feedpub build` would write. It is
faster because the process keeps its imports and the build cache warm, and
because it keeps the scan of the seeds folder: after an edit only the files
the events name are looked at again, not every seed (a full scan checks it
once the rebuild is done, and rebuilds again should an event have been lost).
File events come from the ``watchfiles`` package (inotify, FSEvents, ...),
which groups a burst of events (a ``git checkout``, an editor saving) into one
batch, and keeps recording while a rebuild runs, so nothing is missed and a
burst gives one or two rebuilds.

Nothing here prints: the caller gets a ``Rebuild`` for each one.
"""

from __future__ import annotations

import fnmatch
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Callable, Iterable, Sequence

from .build import BuildReport, build
from .scan import SeedFiles, scan_seed_files, stat_key
from .config import Config
from .errors import FeedpubError

# watchfiles' grouping: a batch is handed over once no event came for STEP_MS,
# or DEBOUNCE_MS after its first event at the latest (watchfiles' default).
# A rebuild starts STEP_MS to 2 * STEP_MS after a single save (watchfiles looks
# every STEP_MS and waits for one quiet step); the files of a `git checkout` or
# an editor's save-by-rename come microseconds apart, so 20 ms still groups them.
DEBOUNCE_MS = 1600
STEP_MS = 20
# How long to wait before looking again when there is nothing to watch.
WAIT_MS = 500
# How often a watcher without changes hands back an empty batch: the longest
# an owed rebuild (the first, or after a config change) waits to start.
TICK_MS = 200


@dataclass(frozen=True, slots=True)
class Rebuild:
    """One rebuild, after changes to ``paths`` (none when it only read the
    config file again).

    ``report`` is the build's report, or None when the build did not run or
    stopped: then ``error`` says why (a config file that became invalid, an
    output folder that cannot be written). The files served stay what the
    last good build wrote. ``seconds`` is the time the rebuild took, and
    ``config`` the settings in force after it.
    """

    paths: tuple[Path, ...]
    seconds: float
    config: Config
    report: BuildReport | None = None
    error: FeedpubError | OSError | None = None


def watch_and_build(
    config: Config,
    config_files: Sequence[Path] | None,
    load_config: Callable[[], Config],
    on_rebuild: Callable[[Rebuild], None],
    stop: threading.Event,
    build_first: bool = False,
    run_build: Callable[..., BuildReport] = build,
) -> None:
    """Rebuild ``config`` whenever a seed under its seeds folder, or one
    of ``config_files``, changes, until ``stop`` is set; call ``on_rebuild``
    after each rebuild. With ``build_first``, build once as soon as the
    watcher runs, so that no change made during that build is missed.
    ``run_build`` builds, called as ``build`` is with ``files=`` (the CLI
    passes one that pauses the garbage collector, as `feedpub build` does).

    ``config_files`` are the files that may hold the settings, whether or not
    they exist (feedpub.toml and pyproject.toml, or the one given): a change
    to one, its creation or its removal reloads the settings with
    ``load_config``; when that raises ConfigError the rebuild is reported as
    failed and the last good settings stay in force (and keep being watched).
    A seeds folder removed, or replaced by another, is watched again once it
    is back. ``config`` should be the settings the output folder was last
    built with.
    """
    from watchfiles import watch

    config_files = tuple(path.absolute() for path in config_files or ())
    pending = build_first  # a rebuild is owed, whether or not anything changes
    reload = False  # the config file changed, and the settings are still to be read again
    scan = LiveScan()
    watched = _watched_files(config, config_files)
    while not stop.is_set():
        now = _watched_files(config, config_files)
        if now != watched:
            # The seeds folder or a config file appeared, vanished or was replaced
            # since the last watcher looked: rebuild once the new paths are watched.
            pending, reload, watched = True, bool(config_files), now
        paths = tuple(path for path, identity in watched if identity is not None)
        if not paths:  # no seeds folder and no config file (yet): nothing to watch
            if pending:
                config = _rebuild(config, (), reload, load_config, run_build, on_rebuild, scan)
                pending = reload = False
            else:
                stop.wait(WAIT_MS / 1000)
            continue
        # One watcher for as long as the watched paths stay the same: an event
        # between two watchers would be lost. It yields every TICK_MS even without
        # changes, so an owed rebuild runs as soon as it watches (and never before:
        # what changes during that rebuild is seen). A config change opens a new
        # watcher (an editor that saves by renaming gives the file a new inode,
        # which the old watch no longer sees) and owes a rebuild that reads the
        # settings and scans every seed once the new watcher runs, so nothing
        # that changed in between is missed.
        batches = watch(*paths, watch_filter=_SeedOrConfig(config, config_files), debounce=DEBOUNCE_MS, step=STEP_MS,
                        stop_event=stop, rust_timeout=TICK_MS, yield_on_timeout=True, ignore_permission_denied=True)
        try:
            for changes in batches:
                touched = {Path(path) for _, path in changes}
                if not touched.isdisjoint(config_files):
                    pending = reload = True
                    break
                if not (touched or pending):
                    # A tick without changes. Watches only follow what exists: a seeds
                    # folder or config file that appeared, or was replaced by another
                    # (a new inode), tells no watch. Look, and watch again if so.
                    if _watched_files(config, config_files) != watched:
                        break
                    # Then check the scan the last rebuild was made from with a full
                    # one, should an event have been lost.
                    if scan.missed_changes():
                        config = _rebuild(config, (), reload, load_config, run_build, on_rebuild, scan)
                    continue
                config = _rebuild(config, tuple(sorted(touched)), reload, load_config, run_build, on_rebuild,
                                  scan)
                pending = reload = False
                if _watched_files(config, config_files) != watched:
                    break  # the seeds folder moved, or a config file vanished or came back (a save by rename)
        except FileNotFoundError:
            continue  # a watched path vanished as the watcher started: look again


def _rebuild(config: Config, paths: tuple[Path, ...], reload: bool, load_config: Callable[[], Config],
             run_build: Callable[..., BuildReport], on_rebuild: Callable[[Rebuild], None], scan: LiveScan) -> Config:
    """Build once after changes to ``paths`` (with the settings reloaded first
    if ``reload``), report it, and return the settings now in force."""
    started = time.perf_counter()
    try:
        if reload:
            config = load_config()
        report = run_build(config, files=scan.after(config, paths))
    except (FeedpubError, OSError) as error:
        on_rebuild(Rebuild(paths, time.perf_counter() - started, config, error=error))
    else:
        on_rebuild(Rebuild(paths, time.perf_counter() - started, config, report=report))
    return config


def _watched_files(config: Config, config_files: tuple[Path, ...]) -> tuple[tuple[Path, tuple[int, int] | None], ...]:
    """The seeds folder and the config files, absolute, each with what it is
    now: (device, inode), or None when it does not exist."""
    return tuple((path, _identity(path)) for path in (config.seeds.absolute(), *config_files))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:  # not there, or not reachable: nothing to watch
        return None
    return stat.st_dev, stat.st_ino


class _SeedOrConfig:
    """watchfiles filter: the config files, and under the seeds folder what the
    build reads: not hidden (nor in a hidden folder) and matching a seed
    pattern, or not a file (a folder of seeds renamed or deleted). Editor
    back-ups and swap files (``.x.md.swp``, ``x.md~``) match no pattern. The
    output folder and the build cache never trigger a rebuild, even inside
    the watched folders."""

    def __init__(self, config: Config, config_files: tuple[Path, ...]) -> None:
        self.config_files = {str(path) for path in config_files}
        self.seeds = config.seeds.absolute()
        self.patterns = config.patterns
        self.ignored = tuple(str(path.absolute()) for path in (config.out, config.cache_dir))

    def __call__(self, _change: object, path: str) -> bool:
        if path in self.config_files:
            return True
        if any(path == folder or path.startswith(folder + "/") for folder in self.ignored):
            return False
        changed = Path(path)
        try:
            parts = changed.relative_to(self.seeds).parts
        except ValueError:
            return False
        if any(part.startswith(".") for part in parts):
            return False
        # fnmatchcase: the build matches names case-sensitively (scan.scan_seed_files).
        return any(fnmatch.fnmatchcase(changed.name, pattern) for pattern in self.patterns) or not changed.is_file()


class LiveScan:
    """The scan of the seeds folder (scan.SeedFiles) a build needs, kept
    up to date from file events: after an edit, only the files the events
    name are looked at again, not every seed.

    Only plain cases are updated: seed files (by name) whose folders are real
    folders below the seeds folder, that are now regular files or gone, in a
    folder where the last scan found no link and skipped nothing. Anything
    else (a folder, a link, another kind of file, new settings) takes a full
    scan, as does every rebuild without events (the first, after a config
    change). After an update, :meth:`missed_changes` compares with a full
    scan: a change whose event the watcher lost, while it reported others,
    costs one more rebuild, never feeds built from a stale scan.
    """

    def __init__(self) -> None:
        self.files: SeedFiles | None = None
        self._seeds: tuple[Path, tuple[str, ...]] | None = None  # the folder and patterns scanned
        self._checked = True  # whether a full scan gave self.files
        self._dangling: tuple[str, ...] = ()  # the links the last full scan skipped as leading nowhere

    def after(self, config: Config, paths: Iterable[Path]) -> SeedFiles | None:
        """The scan of ``config``'s seeds folder after changes to ``paths``
        (none: take a full scan); None when the folder cannot be scanned, for
        the build to say why."""
        seeds = (config.seeds.absolute(), config.patterns)
        paths = tuple(paths)
        if paths and self.files is not None and seeds == self._seeds:
            updated = self._updated(paths)
            if updated is not None:
                self.files, self._checked = updated, False
                return updated
        self._seeds, self._checked = seeds, True
        self.files = _full_scan(*seeds)
        self._dangling = _dangling_links(self.files)
        return self.files

    def missed_changes(self) -> bool:
        """True when the scan was updated from events since the last full
        scan and a full scan now differs, or when a link that led nowhere
        now leads somewhere: a rebuild is owed. (Its target may be outside
        the seeds folder or in a hidden folder, where no event tells.)"""
        if any(os.path.exists(path) for path in self._dangling):
            self._dangling = ()  # the rebuild's full scan finds them again
            return True
        if self._checked or self._seeds is None:
            return False
        self._checked = True
        return _full_scan(*self._seeds) != self.files

    def _updated(self, paths: tuple[Path, ...]) -> SeedFiles | None:
        """self.files with each of ``paths`` stat'ed again; None when one is
        not a plain case (see the class)."""
        assert self.files is not None and self._seeds is not None
        if self.files.links or self.files.warnings:
            return None
        root, patterns = self._seeds
        stats = dict(self.files.files)
        for path in paths:
            try:
                parts = path.relative_to(root).parts
            except ValueError:
                return None
            if not parts or not any(fnmatch.fnmatchcase(parts[-1], pattern) for pattern in patterns):
                return None
            try:
                if not all(S_ISDIR(os.lstat(root.joinpath(*parts[:depth])).st_mode) for depth in range(1, len(parts))):
                    return None  # a folder became a link or a file: the scan does not go through it
                stat = os.lstat(path)
            except FileNotFoundError:
                stats.pop(str(path), None)  # the seed is gone (a folder gone too is an event of its own)
                continue
            except OSError:
                return None
            if not S_ISREG(stat.st_mode):
                return None
            stats[str(path)] = stat_key(stat)  # as the scan keeps it
        # The scan's order: by path below the seeds folder, which all these paths start with.
        return SeedFiles(sorted(stats.items()))


def _dangling_links(files: SeedFiles | None) -> tuple[str, ...]:
    """The paths of the links ``files`` skipped because they lead nowhere."""
    if files is None:
        return ()
    # A warning names its path relative to the working directory, or absolute (join keeps that).
    paths = (os.path.join(os.getcwd(), warning.path) for warning in files.warnings)
    return tuple(path for path in paths if os.path.islink(path) and not os.path.exists(path))


def _full_scan(root: Path, patterns: tuple[str, ...]) -> SeedFiles | None:
    """scan_seed_files, or None when the folder is not there or cannot be read."""
    try:
        return scan_seed_files(root, patterns)
    except OSError:
        return None
