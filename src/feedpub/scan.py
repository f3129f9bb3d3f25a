"""The scan: every seed file below the seeds folder, with its stat.

The first stage of a build, and all a build that would change nothing does
(snapshot.py): the files' digest tells whether any seed file changed since
the last build. Links, pipes, unreadable folders and paths too long become
warnings here, never errors.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import chain
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Callable, Iterable

from .errors import SeedWarning
from .parallel import batched
from .seeds import file_kind

# What the cache compares of a seed's stat: (size, mtime_ns, ctime_ns, inode).
# A scan keeps only these four numbers, not the os.stat_result: that holds
# some twenty fields, 330 bytes more a seed (330 MB at 1,000,000 seeds).
StatKey = tuple[int, int, int, int]
# The StatKey of a seed nobody took (no cache to keep it in), or that could
# not be taken.
NO_STAT: StatKey = (0, 0, 0, 0)


@dataclass(slots=True)
class SeedFiles:
    """What a scan of the seeds folder found.

    ``files``: each seed file (path joined to the root) with its StatKey
    (None without one), in relative POSIX path order. ``links``: the real path of
    each seed that is a symbolic link; what reading such a seed gives depends
    on where it leads and on the seeds folder, not only on its bytes, so it is
    never answered from the cache. ``warnings``: what was skipped, and why.
    """

    files: list[tuple[str, StatKey | None]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    warnings: list[SeedWarning] = field(default_factory=list)

    def digest(self) -> str:
        """:func:`files_digest` of this scan (it must have taken the stats)."""
        return files_digest(((path, *(stat or NO_STAT)) for path, stat in self.files), self.links, self.warnings)


def scan_seed_files(root: Path, patterns: tuple[str, ...], with_stat: bool = True) -> SeedFiles:
    """The seed files below ``root`` matching ``patterns``, with their stat
    unless ``with_stat`` is false (links are stat'ed either way).

    Hidden files and folders are skipped; links to folders are not followed.
    Only regular files, and links to them, are seeds: any other file whose
    name matches (a named pipe, a socket, a device, a link to a folder, a link
    loop), a folder that cannot be listed and a path longer than the system
    takes are each a warning, and skipped. A seed whose stat fails is listed
    without one: reading it reports why. Only an unreadable ``root`` raises
    (OSError): publishing nothing from it would empty every feed.
    """
    scan = SeedFiles()
    found: list[tuple[str, str, StatKey | None]] = []
    suffixes, matches = _name_matcher(patterns)
    cut = display_cut(root)
    real_root = os.path.realpath(root)
    too_long = _path_limit(root)
    # A character takes at most 4 bytes: shorter paths need no encoding to tell.
    short = too_long // 4 if too_long is not None else sys.maxsize
    stack = [(str(root), "")]
    while stack:
        folder, relative = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            if not relative:
                raise
            message = f"cannot read folder: {error.strerror}; its seeds are skipped"
            scan.warnings.append(SeedWarning(folder[cut:], message))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = entry.path
            try:
                if entry.is_dir(follow_symlinks=False):
                    kind = "folder"
                elif name.endswith(suffixes) if suffixes else matches(name):  # type: ignore[misc]
                    kind = "file"
                else:
                    continue
                if len(path) >= short and len(os.fsencode(path)) >= too_long:  # type: ignore[operator]
                    scan.warnings.append(SeedWarning(path[cut:], "path longer than the system allows; skipped"))
                elif kind == "folder":
                    stack.append((path, f"{relative}{name}/"))
                elif entry.is_file(follow_symlinks=False):
                    stat = None
                    if with_stat:
                        try:
                            # Not entry.stat(): each entry of the listing would keep its whole
                            # os.stat_result for as long as the listing lives.
                            stat = stat_key(os.lstat(path))
                        except OSError:  # e.g. in a folder that can be listed but not entered: reading says why
                            pass
                    found.append((relative + name, path, stat))
                elif entry.is_symlink():
                    _scan_link(scan, found, relative + name, path, real_root, cut)
                else:
                    kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
                    scan.warnings.append(SeedWarning(path[cut:], f"not a regular file ({kind}); skipped"))
            except OSError as error:  # only where the folder does not tell the file's type
                scan.warnings.append(SeedWarning(path[cut:], f"cannot read: {error.strerror}; skipped"))
    found.sort(key=_first)
    scan.files = [(path, stat) for _, path, stat in found]
    scan.warnings.sort(key=_by_path)  # path order, not the folder listing's (which varies by file system)
    return scan


def _scan_link(scan: SeedFiles, found: list, relative: str, path: str, real_root: str, cut: int) -> None:
    """Add the link at ``path`` to ``found``, or a warning to ``scan`` if it
    leads nowhere or to something other than a regular file in the seeds
    folder. A link out of the folder is left for reading to refuse."""
    try:
        stat = os.stat(path)
        target = os.path.realpath(path, strict=True)
    except OSError as error:  # a loop, a dangling link
        message = f"symbolic link that leads nowhere ({error.strerror}); skipped"
        scan.warnings.append(SeedWarning(path[cut:], message))
        return
    inside = target.startswith(real_root.rstrip(os.sep) + os.sep)
    # A link to a folder is never followed, wherever it leads: not a seed, a warning.
    if (inside or S_ISDIR(stat.st_mode)) and not S_ISREG(stat.st_mode):
        kind = file_kind(stat.st_mode)
        scan.warnings.append(SeedWarning(path[cut:], f"not a regular file (symbolic link to {kind}); skipped"))
        return
    found.append((relative, path, stat_key(stat)))
    scan.links[path] = target


def stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _path_limit(root: Path) -> int | None:
    """The longest path, in bytes with its NUL, that the system opens below
    ``root``, if it says."""
    try:
        return os.pathconf(root, "PC_PATH_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no limit
        return None


def files_digest(
    files: Iterable[tuple[str, int, int, int, int]], links: dict[str, str], warnings: Iterable[SeedWarning]
) -> str:
    """One digest of seed files as (path, size, mtime_ns, ctime_ns, inode),
    in scan order, of where links lead and of what the scan skipped: equal
    digests, same files with the same stats, found the same way."""
    lines = chain(
        (f"{path}\0{size}\0{mtime}\0{ctime}\0{inode}\n" for path, size, mtime, ctime, inode in files),
        (f"link\0{path}\0{target}\n" for path, target in links.items()),
        (f"skipped\0{warning}\n" for warning in warnings),
    )
    digest = blake2b(digest_size=16)
    # In batches: the text of 1,000,000 seeds at once would take 300 MB.
    for batch in batched(lines, 10_000):
        digest.update("".join(batch).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _name_matcher(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[str], object] | None]:
    """How to test file names against glob ``patterns``: the suffixes, for one
    str.endswith in the scan's loop, when they are all ``*.ext`` (the usual
    case, ten times cheaper than a regex); else () and a regex match."""
    if patterns and all(p.startswith("*.") and not any(c in p[1:] for c in "*?[") for p in patterns):
        return tuple(p[1:] for p in patterns), None
    return (), re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


def _by_path(warning: SeedWarning) -> str:
    return warning.path


def _first(item: tuple[str, str, StatKey | None]) -> str:
    return item[0]



def display_cut(root: Path) -> int:
    """How much to cut off a seed path below ``root`` (absolute) to show it in
    messages: relative to the working directory when the seeds are below it."""
    cwd = os.getcwd() + os.sep
    return len(cwd) if str(root).startswith(cwd) else 0

