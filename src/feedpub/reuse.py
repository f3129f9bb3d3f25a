"""Reuse the bytes of feed files an earlier build wrote.

A feed whose fingerprint changed is written again, but most of its bytes
usually did not change: one seed edited changes one item of the feeds that
list it. An item's bytes depend only on its article, the references of its
topics and the format (feedmeta.Frame), and a feed's head and tail only on
its format, metadata and dates. So each feed file written is kept with its
:class:`Layout`: the key and length of its head, then of each item. When a
feed is written again and its old file is still exactly what a build wrote
(the size and mtime the cache holds), the old file is cut back into head,
items and tail, and every piece whose key is the same again is taken from
it instead of being rendered: an edit that needs no new item needs no
feedgen. Only feeds of at most plan.RENDER_BATCH items keep a layout, so
what is read back is small.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple, Sequence

from .errors import WriteError
from .feedmeta import SEPARATORS, Frame
from .model import Listing

if TYPE_CHECKING:
    from .writers import OutputFolder

# Items read back and kept at a time, at most (as plan.ITEM_MEMORY).
REUSE_MEMORY = 20_000


class Layout(NamedTuple):
    """How a feed file's bytes divide: a ``head`` bytes long head whose
    inputs have the digest ``head_key``, then each item as (key, length)
    with the format's separator between two, then a ``tail`` bytes long
    tail (feedmeta.assemble).

    NamedTuples rather than frozen dataclasses here: as immutable, and this
    module's import, which every build that renders a feed pays, costs a
    fifth."""

    head_key: str
    head: int
    tail: int
    items: tuple[tuple[str, int], ...]

    def dumps(self) -> str:
        """The layout as the cache keeps it (JSON, flat)."""
        flat = [value for item in self.items for value in item]
        return json.dumps([self.head_key, self.head, self.tail, flat], separators=(",", ":"))


def load_layout(text: str) -> Layout | None:
    """The layout :meth:`Layout.dumps` wrote; None for anything else (a
    damaged or foreign cache), which then reuses nothing."""
    try:
        head_key, head, tail, flat = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(head_key, str) or not _lengths([head, tail]) or not isinstance(flat, list):
        return None
    keys, lengths = flat[::2], flat[1::2]
    if len(keys) != len(lengths) or not all(isinstance(key, str) for key in keys) or not _lengths(lengths):
        return None
    return Layout(head_key, head, tail, tuple(zip(keys, lengths)))


def _lengths(values: Iterable[object]) -> bool:
    return all(type(value) is int and value >= 0 for value in values)


class Reused(NamedTuple):
    """What a build takes from the files an earlier one wrote: the frame of
    each feed by path, and item bytes by (format, seed source)."""

    frames: dict[str, Frame]
    items: dict[tuple[str, str], bytes]


class OldFeed(NamedTuple):
    """A feed to write again (``path``, ``fmt``, ``items``, whose head has
    the key ``head_key``) and the layout of its file on disk, which is still
    what a build wrote with that layout."""

    path: str
    fmt: str
    items: Sequence[Listing]
    head_key: str
    layout: Layout


def reuse(out: OutputFolder, olds: Sequence[OldFeed], item_key: Callable[[Listing], str]) -> Reused:
    """The heads, tails and items of the old files of ``olds`` that the new
    feeds of ``olds`` can take as they are: a head and tail where the feed's
    head key is the same, an item wherever an old file of the same format
    holds one of the same key (``item_key``). A file that cannot be read or
    does not divide as its layout says gives nothing."""
    wanted = {(old.fmt, item_key(item)) for old in olds for item in old.items}
    pool: dict[tuple[str, str], bytes] = {}
    reused = Reused({}, {})
    for old in olds:
        same_head = old.layout.head_key == old.head_key
        if len(pool) >= REUSE_MEMORY:
            break
        if not same_head and not any((old.fmt, key) in wanted for key, _ in old.layout.items):
            continue  # nothing to take: not even read
        pieces = _cut(out, old.path, old.layout, SEPARATORS.get(old.fmt, b""))
        if pieces is None:
            continue
        head, items, tail = pieces
        if same_head:
            reused.frames[old.path] = Frame(head, tail, SEPARATORS.get(old.fmt, b""))
        for (key, _), data in zip(old.layout.items, items):
            if (old.fmt, key) in wanted:
                pool.setdefault((old.fmt, key), data)
    for old in olds:
        for item in old.items:
            data = pool.get((old.fmt, item_key(item)))
            if data is not None:
                reused.items[old.fmt, item.source] = data
    return reused


def _cut(out: OutputFolder, path: str, layout: Layout,
         separator: bytes) -> tuple[bytes, list[bytes], bytes] | None:
    """The head, items and tail of the file ``path`` as ``layout`` divides
    it; None if it cannot be read or is not as long as the layout says, or
    the bytes between two items are not ``separator``."""
    try:
        data = out.read(path)
    except (OSError, WriteError):
        return None
    lengths = [length for _, length in layout.items]
    between = len(separator) * max(len(lengths) - 1, 0)
    if len(data) != layout.head + sum(lengths) + between + layout.tail:
        return None
    view = memoryview(data)
    position = layout.head
    items = []
    for number, length in enumerate(lengths):
        if number:
            if view[position:position + len(separator)] != separator:
                return None
            position += len(separator)
        items.append(bytes(view[position:position + length]))
        position += length
    return data[:layout.head], items, data[position:]
