"""Find seed files and read their YAML front matter.

Splitting uses python-frontmatter's YAML handler; parsing uses PyYAML's C
loader (the pure-Python one only where libyaml is missing). Everything that
python-frontmatter would silently turn into empty metadata (no front matter,
an unclosed block, a block that is a list) is reported here as a SeedError with
the line in the file.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml
from frontmatter.default_handlers import YAMLHandler

from .errors import SeedError

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_HANDLER = YAMLHandler()


class _SeedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that also remembers the line of each top-level key."""

    key_lines: dict[str, int]

    def construct_document(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.key_lines = {
                key.value: key.start_mark.line
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode)
            }
        return super().construct_document(node)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A seed's parsed front matter and where each top-level key sits (1-based lines)."""

    path: str
    data: dict[str, Any]
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)


def find_seed_files(root: Path, patterns: tuple[str, ...]) -> Iterator[Path]:
    """Yield seed files under ``root`` whose name matches a pattern, sorted by path.

    Recursive; hidden files and folders (``.git``) are skipped. The order is
    that of the relative POSIX paths, so it is the same on every machine.
    """
    found: list[tuple[str, Path]] = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            if name.startswith(".") or not any(fnmatch.fnmatchcase(name, p) for p in patterns):
                continue
            path = Path(folder, name)
            found.append((path.relative_to(root).as_posix(), path))
    found.sort()
    for _, path in found:
        yield path


def read_front_matter(path: Path, root: Path, display: str) -> FrontMatter:
    """Read one seed file and return its front matter; raise SeedError when it has none.

    ``display`` is the path used in messages. A UTF-8 byte-order mark and CRLF
    line ends are accepted.
    """
    if path.is_symlink() and not _is_inside(path.resolve(), root.resolve()):
        raise SeedError(display, "symbolic link to a file outside the seeds folder; not followed")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SeedError(display, f"cannot read file: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SeedError(
            display, f"not valid UTF-8 (byte offset {error.start}); save the file as UTF-8", line
        ) from None
    return parse_front_matter(text, display)


def parse_front_matter(text: str, display: str) -> FrontMatter:
    """Parse the front matter of a seed's text; see :func:`read_front_matter`."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    start = len(text) - len(text.lstrip())
    boundaries = list(_HANDLER.FM_BOUNDARY.finditer(text, start))
    if not text.strip():
        raise SeedError(display, "empty file: a seed needs a front-matter block between '---' lines")
    if not boundaries or boundaries[0].start() != start:
        line = text.count("\n", 0, start) + 1
        raise SeedError(display, "no front matter: the file must start with a '---' line", line)
    if len(boundaries) < 2:
        line = text.count("\n", 0, start) + 1
        raise SeedError(display, "front matter is not closed: no second '---' line", line)
    opening, closing = boundaries[0], boundaries[1]
    block = text[opening.end():closing.start()]
    first_line = text.count("\n", 0, opening.end())  # 0-based line the block starts on
    loader = _SeedLoader(block)
    loader.key_lines = {}
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line + 1 if mark else None
        problem = error.problem or error.context or "cannot parse"
        if error.context and error.context_mark and error.problem:
            problem += f" ({error.context} started on line {first_line + error.context_mark.line + 1})"
        raise SeedError(display, f"invalid YAML in front matter: {problem}", line) from None
    except yaml.YAMLError as error:
        raise SeedError(display, f"invalid YAML in front matter: {error}", first_line + 1) from None
    finally:
        loader.dispose()
    if data is None:
        raise SeedError(display, "front matter is empty", first_line + 1)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise SeedError(display, f"front matter must be a mapping of fields, not {kind}", first_line + 1)
    lines = {key: first_line + line + 1 for key, line in loader.key_lines.items()}
    return FrontMatter(display, data, lines)


def _is_inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
