"""The pipeline: scan -> catalog -> plan -> render -> write -> BuildReport.

:func:`build` runs the stages. The scan is scan.py; the catalog and the plan
(everything up to "which bytes go where") are plan.py's, over catalog.py;
this module renders what changed, writes it and reports. What earlier builds
left comes from build_cache.py, which answers "nothing known" without a
cache. Nothing here prints or exits; the CLI decides what to show.
"""

from __future__ import annotations

import contextlib
import posixpath
import sys
from dataclasses import dataclass, field
from stat import S_ISREG
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .build_cache import BuildCache, open_cache
from .catalog import Progress
from .config import Config, deployment_warnings
from .errors import OutputError, SeedError, SeedWarning, WriteError
from .filters import FilterCounts, selection_warnings
from . import plan as planning
from .plan import Plan, plan_build
from .scan import SeedFiles, scan_seed_files
from .topics import Topic
from .writers import MANIFEST_NAME, OutputFolder, refuse_non_folder, render_manifest

if TYPE_CHECKING:
    from .changes import FileChange


# Below this many files to render, starting worker processes costs more than it saves.
PARALLEL_MIN_FEEDS = 16
# Seconds a build waits for another one writing to the same folder.
LOCK_TIMEOUT = 60.0


@dataclass(slots=True)
class BuildReport:
    """What a build found and did. Paths are relative to the output folder.

    In check mode ``written`` and ``removed`` list what *would* change.
    ``parsed`` counts seeds the cache could not answer for; ``rendered`` the
    files whose fingerprint changed (the others were not rendered at all).
    ``changes`` is the item-level difference of each feed file written or
    removed, in that order; None unless the build was asked for it.
    """

    read: int = 0
    invalid: int = 0
    duplicates: int = 0
    counts: FilterCounts = field(default_factory=FilterCounts)
    feeds: int = 0
    topics: list[Topic] = field(default_factory=list)
    errors: list[SeedError] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)
    config_warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    manifest_changed: bool = False
    parsed: int = 0
    rendered: int = 0
    check: bool = False
    aborted: bool = False
    changes: list[FileChange] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed or self.manifest_changed)


def build(
    config: Config,
    *,
    check: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
    changes: bool = False,
    files: SeedFiles | None = None,
) -> BuildReport:
    """Build every feed of ``config`` into ``config.out``.

    ``check`` writes nothing and reports what would change. ``strict`` writes
    nothing at all when any seed has an error. Writing happens under a lock on
    the output folder (waiting up to ``lock_timeout`` seconds for another
    build; LOCK_TIMEOUT by default). ``changes`` also compares each feed file
    written or removed with its old version, item by item (report.changes);
    it costs a parse of both versions, so it is off unless asked. ``files``
    is a scan of the seeds folder (with stats) that the caller already holds
    (`serve --watch` keeps one up to date from file events); by default the
    build takes its own. Raises OutputError when the output
    folder is unsafe to write to, WriteError when a file in it cannot be
    written (a link inside it, a full disk) or another build holds it.
    """
    check_output_folder(config)
    with open_cache(config) as cache:
        digest = ""
        if files is None and cache.has_build() and config.seeds.is_dir():
            # A warm build: its scan takes every stat anyway, and may show that nothing changed.
            files = scan_seed_files(config.seeds.absolute(), config.patterns)
        if files is not None:
            digest = files.digest()
            replayed = _replay(config, cache, digest, check, strict, changes)
            if replayed is not None:
                return replayed
        plan = plan_build(config, progress, cache, config.processes, files)  # the catalog, then the plan
        # The scan, a path and stat per seed (400 MB at 1,000,000 seeds), is
        # not needed past the catalog: not held while writing and snapshotting.
        files = None
        report = _report(config, plan, check, changes)
        if strict and report.errors:
            report.aborted = True
            return report
        _render_and_write(config, plan, report, cache, check, lock_timeout, digest or plan.catalog.files_digest)
        return report


def _replay(config: Config, cache: BuildCache, digest: str, check: bool, strict: bool,
            changes: bool) -> BuildReport | None:
    """The last build's report, if it was made under ``config`` from the seed
    files of ``digest`` and left the output folder as it is now: this build
    would render nothing and write nothing. None if it must do the work."""
    fields = cache.last_build(config, digest)
    # Temporary files a killed build left are cleaned up by a full build, under the lock.
    if fields is None or _has_stale_temporaries(config, fields["unchanged"]):
        return None
    report = BuildReport(**fields, config_warnings=deployment_warnings(config), check=check,
                         changes=[] if changes else None)
    if strict and report.errors:
        report.unchanged, report.aborted = [], True
    return report


def _report(config: Config, plan: Plan, check: bool, changes: bool) -> BuildReport:
    """The report of a build of ``plan``, before anything is written."""
    return BuildReport(
        read=plan.catalog.read,
        invalid=len(plan.catalog.errors),
        duplicates=plan.catalog.duplicates,
        parsed=plan.catalog.parsed,
        counts=plan.counts,
        feeds=len(plan.feeds),
        topics=plan.topics,
        errors=plan.catalog.errors,
        warnings=plan.catalog.warnings + selection_warnings(config, plan.catalog.read, plan.catalog.listings),
        config_warnings=deployment_warnings(config),
        check=check,
        changes=[] if changes else None,
    )


def _render_and_write(config: Config, plan: Plan, report: BuildReport, cache: BuildCache, check: bool,
                      lock_timeout: float | None, digest: str) -> None:
    """Render what changed and write it (in check mode, only compare), then
    remember this build, made from the seed files of ``digest``."""
    out = OutputFolder(config.out)
    folders = {posixpath.dirname(path) for path in plan.paths()}
    if check:
        out.verify(folders)
        _write_outputs(config, out, plan, report, cache, check=True)
        return
    with out.lock(LOCK_TIMEOUT if lock_timeout is None else lock_timeout):
        # No snapshot while files change: a build that dies here leaves none to trust.
        cache.forget_build()
        # This also checks every folder to write to, so a link among them
        # stops the build before it changes anything.
        out.remove_stale_temporaries(folders)
        try:
            _write_outputs(config, out, plan, report, cache, check=False)
        except BaseException:
            # A Ctrl-C can land between a temporary file's creation and the
            # code that would delete it; under the lock, any left is ours.
            with contextlib.suppress(OSError, WriteError):
                out.remove_stale_temporaries(folders)
            raise
        cache.put_build(config, digest, report, plan.paths() + [MANIFEST_NAME])


def _has_stale_temporaries(config: Config, paths: list[str]) -> bool:
    """True when a folder of ``paths`` (or the output folder) holds a temporary
    file a killed build left."""
    return OutputFolder(config.out).has_stale_temporaries({""} | {posixpath.dirname(path) for path in paths})


def _write_outputs(config: Config, out: OutputFolder, plan: Plan, report: BuildReport, cache: BuildCache,
                   check: bool) -> None:
    previous = out.read_manifest()
    current = set(plan.paths())
    if not check and current - previous:
        # Name new files before creating them, durably: a crash or a power cut
        # in between must not leave a feed that no manifest owns and no later
        # build would remove.
        report.manifest_changed = out.write_if_changed(MANIFEST_NAME, render_manifest(current | previous))
        out.sync()
    compare = report.changes is not None
    if compare:
        from .changes import diff_feed, is_feed_file  # only then: most builds compare nothing
    known = cache.outputs()
    pending = []
    for path, fingerprint, render in plan.outputs():
        if _still_written(out, path, known.get(_output_key(config, path)), fingerprint):
            report.unchanged.append(path)  # same inputs, same file on disk: not even rendered
        else:
            pending.append((path, fingerprint, render))
    _reuse_old_files(config, out, plan, [path for path, _, _ in pending], known, cache)
    _render_pending(out, plan, pending, report, check, compare, config.processes)
    if not check:
        written = []
        for path, fingerprint, _ in pending:
            stat = out.lstat(path)
            layout = plan.layouts.get(path)
            written.append((_output_key(config, path), fingerprint, stat.st_size, stat.st_mtime_ns,
                            layout.dumps() if layout is not None else None))
        cache.put_outputs(written)
    removing = sorted(previous - current)
    # Read before they go; what cannot be read (a link, say) is not removed either.
    olds = {path: _old_feed(out, path) for path in removing if is_feed_file(path)} if compare else {}
    report.removed = [path for path in removing if out.remove(path, check)]
    if compare:
        report.changes += [diff_feed(path, olds[path], None) for path in report.removed if olds.get(path) is not None]
    if not check:
        out.remove_empty_folders(report.removed)
        # The files must be durable before the manifest that no longer lists the removed ones.
        out.sync()
    report.manifest_changed |= _put(out, MANIFEST_NAME, render_manifest(current), check)
    if not check:
        out.sync()


def _reuse_old_files(config: Config, out: OutputFolder, plan: Plan, paths: list[str],
                     known: dict[str, tuple[str, int, int]], cache: BuildCache) -> None:
    """Let the plan take what it can of the old files of the feeds at
    ``paths`` (reuse.py): those whose file is still what a build wrote,
    with the layout it wrote."""
    if not known:  # a cold build: no file to take anything from
        return
    feeds = {feed.path: feed for feed in plan.feeds}
    candidates = {}
    for path in paths:
        feed, row = feeds.get(path), known.get(_output_key(config, path))
        if feed is not None and len(feed.items) <= planning.RENDER_BATCH and _unchanged_since(out, path, row):
            candidates[_output_key(config, path)] = feed
    if not candidates:
        return
    from .reuse import OldFeed, load_layout, reuse  # here: most builds reuse nothing

    olds = []
    for key, text in cache.layouts(list(candidates)).items():
        layout, feed = load_layout(text), candidates[key]
        if layout is not None:
            olds.append(OldFeed(feed.path, feed.fmt, feed.items, plan.head_key(feed), layout))
    if olds:
        plan.reuse(reuse(out, olds, plan.item_keys))


def _render_pending(out: OutputFolder, plan: Plan, pending: list, report: BuildReport, check: bool,
                    compare: bool, processes: int) -> None:
    """Render each pending file and write those whose bytes changed (in check
    mode, only compare). Every file is rendered, into a temporary file next to
    it, before any is replaced: a build that fails while rendering leaves every
    feed as it was, never a set of feeds half old and half new (a current feed
    linking to an archive page not written yet, say). With ``compare``, each
    changed feed's items are compared with the old file's for the report."""
    if compare:
        from .changes import diff_feed, is_feed_file
    staged: list[tuple[str, str]] = []
    committed = 0
    try:
        with out.staged_syncs() as syncs:
            for (path, _, _), chunks in zip(pending, _render_all(plan, pending, processes)):
                feed = compare and is_feed_file(path)
                if feed:
                    chunks = [b"".join(chunks)]  # the report reads the new feed whole
                old = _old_feed(out, path) if feed else None  # read before it is replaced
                if check:
                    changed = not out.chunks_are_current(path, chunks)
                else:
                    temporary = out.stage_if_changed(path, chunks)
                    changed = temporary is not None
                    if temporary is not None:
                        staged.append((temporary, path))
                        syncs.start(temporary, path)  # the disk writes it while the next file renders
                (report.written if changed else report.unchanged).append(path)
                if feed and changed:
                    report.changes.append(diff_feed(path, old, chunks[0]))
                report.rendered += 1
            syncs.wait()  # every staged file durable before any takes its name
        for temporary, path in staged:
            out.commit_staged(temporary, path)
            committed += 1
    finally:
        for temporary, _ in staged[committed:]:
            out.discard_staged(temporary)


def _render_all(plan: Plan, pending: list, processes: int) -> Iterator[Iterable[bytes]]:
    """The bytes of each pending file, in order, as chunks. Feeds of more than
    RENDER_BATCH items are rendered in this process, a batch of articles at a
    time. With many other files to render, whose articles fit in memory at
    once, those go to forked processes (render_workers.py). Processes, not
    threads: feedgen switches the process-wide locale while it formats dates."""
    renders = [render for _, _, render in pending]
    feeds = {feed.path: feed for feed in plan.feeds}
    planned = [feeds.get(path) for path, _, _ in pending]
    short = [n for n, feed in enumerate(planned) if feed is None or len(feed.items) <= planning.RENDER_BATCH]
    # Files taken whole from the old ones (reuse.py) need no worker.
    work = [n for n in short if planned[n] is None or not plan.renders_nothing(planned[n])]
    needed = (item for n in work if planned[n] is not None for item in planned[n].items
              if (planned[n].fmt, item.source) not in plan.reused_items)
    if (processes < 2 or len(work) < PARALLEL_MIN_FEEDS or not sys.platform.startswith("linux")
            or not plan.resolver.prefetch(needed)):
        for render in renders:
            yield render()
        return
    from .render_workers import render_in_workers

    yield from render_in_workers(plan, planned, renders, short, processes, PARALLEL_MIN_FEEDS)


def _output_key(config: Config, path: str) -> str:
    return str((config.out / path).absolute())


def _still_written(out: OutputFolder, path: str, known: tuple[str, int, int] | None, fingerprint: str) -> bool:
    """True when ``path`` is the file a build wrote from these very inputs and
    nobody touched it since (same size and mtime as then, and not a link)."""
    return known is not None and known[0] == fingerprint and _unchanged_since(out, path, known)


def _unchanged_since(out: OutputFolder, path: str, known: tuple[str, int, int] | None) -> bool:
    """True when ``path`` is a regular file with the size and mtime of ``known``:
    the file a build wrote, which nobody touched since."""
    if known is None:
        return False
    try:
        st = out.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == known[1:]


def check_output_folder(config: Config) -> None:
    """Refuse output folders where writing could destroy seeds or the system,
    and a file named as the output folder."""
    refuse_non_folder(config.out)
    out, seeds = config.out.resolve(), config.seeds.resolve()
    if out == Path(out.anchor):
        raise OutputError(f"refusing to write feeds to the root folder {out}")
    if out.is_relative_to(seeds):
        raise OutputError(f"output folder {config.out} is the seeds folder or inside it; choose another")
    if seeds.is_relative_to(out):
        raise OutputError(f"output folder {config.out} contains the seeds folder {config.seeds}; choose another")


def _put(out: OutputFolder, path: str, data: bytes, check: bool) -> bool:
    """Write ``data`` if it differs (or, in check mode, only say whether it does)."""
    return not out.is_current(path, data) if check else out.write_if_changed(path, data)



def _old_feed(out: OutputFolder, path: str) -> bytes | None:
    """The bytes of ``path`` before this build changes it; None when it is not
    a regular file reached through real folders (a new feed, a link)."""
    try:
        return out.read(path)
    except (OSError, WriteError):
        return None
