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
import struct
import sys
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import chain
from operator import itemgetter
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Callable, Iterable, Sequence

from .errors import SeedWarning
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
    (None without one), in path order (on POSIX, relative POSIX path order). ``links``: the real path of
    each seed that is a symbolic link; what reading such a seed gives depends
    on where it leads and on the seeds folder, not only on its bytes, so it is
    never answered from the cache. ``warnings``: what was skipped, and why.
    """

    files: list[tuple[str, StatKey | None]] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    warnings: list[SeedWarning] = field(default_factory=list)

    def digest(self) -> str:
        """:func:`files_digest` of this scan (it must have taken the stats)."""
        return files_digest(self.files, self.links, self.warnings)


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
    found: list[tuple[str, StatKey | None]] = []
    suffixes, matches = _name_matcher(patterns)
    cut = display_cut(root)
    top = str(root)
    real_root = os.path.realpath(root)
    too_long = _path_limit(root)
    # A character takes at most 4 bytes: shorter paths need no encoding to tell.
    short = too_long // 4 if too_long is not None else sys.maxsize
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            # Entries are taken as the listing gives them, not gathered first:
            # a list of 1,000,000 DirEntry objects would take 200 MB.
            with os.scandir(folder) as listing:
                for entry in listing:
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
                            scan.warnings.append(
                                SeedWarning(path[cut:], "path longer than the system allows; skipped"))
                        elif kind == "folder":
                            stack.append(path)
                        elif entry.is_file(follow_symlinks=False):
                            stat = None
                            if with_stat:
                                try:
                                    # Not entry.stat(): on Windows its st_ino is always 0.
                                    info = os.lstat(path)
                                    # What _stat_key takes, without a call per seed.
                                    stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                                except OSError:  # e.g. in a folder that can be listed but not entered
                                    pass
                            found.append((path, stat))
                        elif entry.is_symlink():
                            _scan_link(scan, found, path, real_root, cut)
                        else:
                            kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
                            scan.warnings.append(SeedWarning(path[cut:], f"not a regular file ({kind}); skipped"))
                    except OSError as error:  # only where the folder does not tell the file's type
                        scan.warnings.append(SeedWarning(path[cut:], f"cannot read: {error.strerror}; skipped"))
        except OSError as error:
            if folder == top:
                raise
            message = f"cannot read folder: {error.strerror}; its seeds are skipped"
            scan.warnings.append(SeedWarning(folder[cut:], message))
    # The order of the paths as strings, which is the cache's order of its
    # rows (build_catalog walks both at once). Every path starts with the
    # root's: on POSIX, the order of the relative paths.
    found.sort(key=itemgetter(0))
    scan.files = found
    scan.warnings.sort(key=_by_path)  # path order, not the folder listing's (which varies by file system)
    return scan


def _scan_link(scan: SeedFiles, found: list, path: str, real_root: str, cut: int) -> None:
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
    found.append((path, stat_key(stat)))
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
    files: Sequence[tuple[str, StatKey | None]], links: dict[str, str], warnings: Iterable[SeedWarning]
) -> str:
    """One digest of seed files as a scan gives them (path and StatKey), in
    scan order, of where links lead and of what the scan skipped: equal
    digests, same files with the same stats, found the same way."""
    digest = blake2b(digest_size=16)
    digest.update(f"{len(files)} files\n".encode())
    # A batch at a time, its paths and then its numbers, each by a few calls
    # that work in C: a line of text per seed cost a warm build of 1,000,000
    # seeds half a second more (and all the text at once would take 300 MB).
    for start in range(0, len(files), 10_000):
        batch = files[start:start + 10_000]
        digest.update("\0".join(map(itemgetter(0), batch)).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")  # no path holds one
        stats = list(map(itemgetter(1), batch))
        if None in stats:  # a stat not taken
            stats = [stat or NO_STAT for stat in stats]
        digest.update(_packed(list(chain.from_iterable(stats))))
    lines = chain(
        (f"link\0{path}\0{target}\n" for path, target in links.items()),
        (f"skipped\0{warning}\n" for warning in warnings),
    )
    digest.update("".join(lines).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _packed(numbers: list[int]) -> bytes:
    """Integers as bytes, one to one: 8 bytes each, or as text when one does
    not fit in 64 bits (an inode number past 2**63, which some file systems give).
    By struct, not array: array takes each number through an argument parser,
    which costs a warm build of 10,000 seeds a millisecond more."""
    try:
        return b"q" + struct.pack(f"<{len(numbers)}q", *numbers)
    except struct.error:
        return b"t" + " ".join(map(str, numbers)).encode() + b"\n"


def _name_matcher(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[str], object] | None]:
    """How to test file names against glob ``patterns``: the suffixes, for one
    str.endswith in the scan's loop, when they are all ``*.ext`` (the usual
    case, ten times cheaper than a regex); else () and a regex match."""
    if patterns and all(p.startswith("*.") and not any(c in p[1:] for c in "*?[") for p in patterns):
        return tuple(p[1:] for p in patterns), None
    return (), re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


def _by_path(warning: SeedWarning) -> str:
    return warning.path


def display_cut(root: Path) -> int:
    """How much to cut off a seed path below ``root`` (absolute) to show it in
    messages: relative to the working directory when the seeds are below it."""
    cwd = os.getcwd() + os.sep
    return len(cwd) if str(root).startswith(cwd) else 0

