"""Read seed files and their YAML front matter.

Splitting uses python-frontmatter's boundary rule; parsing uses PyYAML's C
loader with limits (yaml_reader.py). Both are imported on first use: seeds
that take the fast path (loader.py) need neither, and importing them costs
28 ms. Everything that python-frontmatter would silently turn into empty
metadata (no front matter, an unclosed block, a block that is a list) is
reported here as a SeedError with the line in the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK
from typing import Any

from .descriptors import is_exhausted
from .errors import SeedError

# Where the platform has no O_NOFOLLOW, islink decides before opening.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: opening a named pipe must not wait for a writer (regular files
# ignore the flag).
_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)

# A limit that keeps one hostile seed from costing more than a normal one
# (yaml_reader.py has the limits on the YAML itself).
MAX_SEED_BYTES = 1024 * 1024


class SeedReadError(SeedError):
    """A seed file that could not be read (permissions, a link out of the
    seeds folder or to nowhere, not a regular file): it says nothing of the
    seed's content, so it is never cached as the seed's result."""


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A seed's parsed front matter and where each top-level key sits (1-based lines)."""

    path: str
    data: dict[str, Any]
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)


def read_front_matter(path: Path, root: Path, display: str) -> FrontMatter:
    """Read one seed file and return its front matter; raise SeedError when it has none.

    ``display`` is the path used in messages. A UTF-8 byte-order mark and CRLF
    line ends are accepted.
    """
    return parse_front_matter(read_seed_text(path, root, display), display)


def read_seed_text(path: Path, root: Path, display: str) -> str:
    """A seed file's text, refusing links out of ``root``, oversized files, binary
    files and invalid UTF-8 with a SeedError."""
    return decode_seed(read_seed_bytes(path, root, display), display)


def read_seed_bytes(path: str | Path, root: str | Path, display: str) -> bytes:
    """A seed file's bytes; SeedError for a link out of ``root``, an unreadable
    or an oversized file (read no further than the limit)."""
    return read_seed_file(path, root, display)[0]


def read_seed_file(path: str | Path, root: str | Path, display: str) -> tuple[bytes, os.stat_result]:
    """A seed file's bytes, as :func:`read_seed_bytes`, and its stat, taken
    once the file is open and before it is read.

    The file is opened with O_NOFOLLOW, so a plain file (nearly every seed)
    costs no extra lstat: only a link fails that open and is checked. It is
    opened with O_NONBLOCK and read only if it is a regular file: a named pipe
    or a device put where a seed was is refused, never waited on. A regular
    file is read in one call, sized by that stat; it reads on if the file grew
    meanwhile. Errors from reading are :class:`SeedReadError`."""
    try:
        fd = _open_seed(path, root, display)
        try:
            info = os.fstat(fd)
            if not S_ISREG(info.st_mode):
                raise SeedReadError(display, f"not a regular file ({file_kind(info.st_mode)}); not read")
            ask = info.st_size + 1
            chunks = []
            left = MAX_SEED_BYTES + 1
            while left > 0:
                ask = min(left, ask)
                chunk = os.read(fd, ask)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
                if len(chunk) < ask:
                    break  # a short read of a regular file is its end
                ask = 65536
        finally:
            os.close(fd)
    except OSError as error:
        if is_exhausted(error):
            # Nothing is wrong with the seed: this process has no descriptor
            # left, and feeds published without the seed would lack its article.
            raise
        raise SeedReadError(display, f"cannot read file: {error.strerror or error}") from None
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(raw) > MAX_SEED_BYTES:
        raise SeedError(display, f"file too large: seeds are limited to {MAX_SEED_BYTES // 1024} KiB")
    return raw, info


def _open_seed(path: str | Path, root: str | Path, display: str) -> int:
    """An open file descriptor of the seed at ``path``: a link is followed only
    to a file inside ``root``."""
    try:
        if not _NOFOLLOW and os.path.islink(path):
            raise OSError("a link")
        return os.open(path, _READ | _NOFOLLOW)
    except OSError:
        if not os.path.islink(path):
            raise
    # strict: a loop or a dangling link is an OSError, never a RuntimeError.
    target = os.path.realpath(path, strict=True)
    if not Path(target).is_relative_to(os.path.realpath(root)):
        raise SeedReadError(display, "symbolic link to a file outside the seeds folder; not followed")
    # The resolved path, so that the file checked is the file opened.
    return os.open(target, _READ | _NOFOLLOW)


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, kind in ((S_ISDIR, "a folder"), (S_ISFIFO, "a named pipe"), (S_ISSOCK, "a socket"),
                       (S_ISCHR, "a character device"), (S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a file"


def decode_seed(raw: bytes, display: str) -> str:
    """The text of a seed's bytes; SeedError for binary files and invalid UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # its NUL bytes would call it binary
        raise SeedError(display, "the file is UTF-16; save it as UTF-8", 1)
    nul = raw.find(b"\0")
    if nul >= 0:
        raise SeedError(display, f"not a text file (NUL byte at offset {nul})", raw.count(b"\n", 0, nul) + 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SeedError(
            display, f"not valid UTF-8 (byte offset {error.start}); save the file as UTF-8", line
        ) from None


def split_front_matter(text: str, display: str) -> tuple[str, int]:
    """Return the front-matter block of a seed's text and the 0-based line it
    starts on; raise SeedError when there is none. A BOM and CRLF are accepted."""
    if text.startswith("---\n"):
        # The common case, without a regex over the whole text.
        end = text.find("\n---", 3)
        if end > 0:
            line_end = text.find("\n", end + 4)
            rest = text[end + 4:line_end if line_end >= 0 else len(text)]
            if (not rest or rest.isspace() or rest.strip("-") == "" or rest.lstrip("-").isspace()) \
                    and "\r" not in text[:end]:
                return text[3:end + 1], 0
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    start = len(text) - len(text.lstrip())
    if not text.strip():
        raise SeedError(display, "empty file: a seed needs a front-matter block between '---' lines")
    from frontmatter.default_handlers import YAMLHandler  # here: it imports PyYAML

    boundaries = YAMLHandler.FM_BOUNDARY.finditer(text, start)
    opening = next(boundaries, None)
    if opening is None or opening.start() != start:
        line = text.count("\n", 0, start) + 1
        raise SeedError(display, "no front matter: the file must start with a '---' line", line)
    closing = next(boundaries, None)
    if closing is None:
        line = text.count("\n", 0, start) + 1
        raise SeedError(display, "front matter is not closed: no second '---' line", line)
    return text[opening.end():closing.start()], text.count("\n", 0, opening.end())


def parse_front_matter(text: str, display: str) -> FrontMatter:
    """Parse the front matter of a seed's text with PyYAML; see :func:`read_front_matter`."""
    import yaml  # here, not at the top: seeds the fast path reads never need it

    from .yaml_reader import Refused, load_yaml

    block, first_line = split_front_matter(text, display)
    try:
        data, key_lines = load_yaml(block)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = _file_line(block, first_line, mark.index) if mark else None
        problem = error.problem or error.context or "cannot parse"
        if error.context and error.context_mark and error.problem:
            problem += f" ({error.context} started on line {_file_line(block, first_line, error.context_mark.index)})"
        raise SeedError(display, f"invalid YAML in front matter: {problem}", line) from None
    except yaml.reader.ReaderError as error:
        # A character YAML refuses: its str() runs over two lines and has no
        # mark, only the position in the block, which gives the line.
        raise SeedError(
            display,
            f"invalid YAML in front matter: unacceptable character U+{error.character:04X} ({error.reason})"
            if isinstance(error.character, int) else f"invalid YAML in front matter: {error.reason}",
            _file_line(block, first_line, error.position),
        ) from None
    except yaml.YAMLError as error:
        message = " ".join(str(error).split())  # one line, whatever PyYAML wrote
        raise SeedError(display, f"invalid YAML in front matter: {message}", first_line + 1) from None
    except Refused as refused:
        message = refused.message.replace("{other}", str(first_line + (refused.other_line or 0) + 1))
        raise SeedError(display, message, first_line + refused.line + 1) from None
    except (ValueError, OverflowError) as error:
        # PyYAML's constructors raise these for values its resolvers accepted,
        # such as the timestamp 2021-13-45.
        raise SeedError(display, f"invalid value in front matter: {str(error)[:100]}", first_line + 1) from None
    check_mapping(data, display, first_line + 1)
    lines = {key: first_line + line + 1 for key, line in key_lines.items()}
    return FrontMatter(display, data, lines)


def _file_line(block: str, first_line: int, index: int) -> int:
    """The 1-based line in the file of character ``index`` of the front-matter
    ``block``, which starts on 0-based line ``first_line``. Counted from the
    index, not from PyYAML's mark line: YAML 1.1 also breaks lines at U+0085,
    U+2028 and U+2029, which no editor shows as a new line."""
    return first_line + block.count("\n", 0, index) + 1


def check_mapping(data: Any, display: str, line: int) -> None:
    """Front matter must be a mapping of fields."""
    if data is None:
        raise SeedError(display, "front matter is empty", line)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise SeedError(display, f"front matter must be a mapping of fields, not {kind}", line)
