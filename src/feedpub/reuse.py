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

import sys
from array import array
from typing import TYPE_CHECKING, Callable, Iterable, NamedTuple, Sequence

from .errors import WriteError
from .feedmeta import SEPARATORS, Frame
from .model import Listing

if TYPE_CHECKING:
    from .writers import OutputFolder

# Items read back and kept at a time, at most (as plan.ITEM_MEMORY).
REUSE_MEMORY = 20_000


class Layout(NamedTuple):
    """How a feed file's bytes divide: a head ``head`` bytes long, made from
    the inputs ``head_key`` stands for, then an item of each key of ``keys``,
    of the length at the same place in ``lengths``, with the format's
    separator between two, then a tail ``tail`` bytes long
    (feedmeta.assemble). Keys are text without spaces or line breaks.

    NamedTuples rather than frozen dataclasses here: as immutable, and this
    module's import, which every build that renders a feed pays, costs a
    fifth."""

    head_key: str
    head: int
    tail: int
    keys: tuple[str, ...]
    lengths: array  # lengths_array()

    def dumps(self) -> str:
        """The layout as the cache keeps it: a line per field, keys
        separated by spaces, lengths as the hex of 32-bit little-endian
        integers (decimal, or json, would cost a cold build some 5 ms)."""
        lengths = self.lengths
        if sys.byteorder == "big":
            lengths = lengths_array(lengths)
            lengths.byteswap()
        return "\n".join([self.head_key, str(self.head), str(self.tail), " ".join(self.keys), lengths.tobytes().hex()])


def lengths_array(values: Iterable[int] = ()) -> array:
    """The lengths of a layout's items: unsigned 32-bit integers (an item is
    never 4 GB long)."""
    return array("I", values)


def load_layout(text: str) -> Layout | None:
    """The layout :meth:`Layout.dumps` wrote; None for anything else (a
    damaged or foreign cache), which then reuses nothing."""
    fields = text.split("\n")
    if len(fields) != 5:
        return None
    head_key, head, tail, keys, hexes = fields
    lengths = lengths_array()
    try:
        head_length, tail_length = int(head), int(tail)
        lengths.frombytes(bytes.fromhex(hexes))
    except ValueError:  # not numbers, or not a whole number of lengths
        return None
    if sys.byteorder == "big":
        lengths.byteswap()
    items = tuple(keys.split())
    if len(items) != len(lengths) or head_length < 0 or tail_length < 0:
        return None
    return Layout(head_key, head_length, tail_length, items, lengths)


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


def reuse(out: OutputFolder, olds: Sequence[OldFeed], item_keys: Callable[[Sequence[Listing]], Sequence[str]]) -> Reused:
    """The heads, tails and items of the old files of ``olds`` that the new
    feeds of ``olds`` can take as they are: a head and tail where the feed's
    head key is the same, an item wherever an old file of the same format
    holds one of the same key (``item_keys``). A file that cannot be read or
    does not divide as its layout says gives nothing."""
    wanted = {(old.fmt, key) for old in olds for key in item_keys(old.items)}
    pool: dict[tuple[str, str], bytes] = {}
    reused = Reused({}, {})
    for old in olds:
        same_head = old.layout.head_key == old.head_key
        if len(pool) >= REUSE_MEMORY:
            break
        if not same_head and not any((old.fmt, key) in wanted for key in old.layout.keys):
            continue  # nothing to take: not even read
        pieces = _cut(out, old.path, old.layout, SEPARATORS.get(old.fmt, b""))
        if pieces is None:
            continue
        head, items, tail = pieces
        if same_head:
            reused.frames[old.path] = Frame(head, tail, SEPARATORS.get(old.fmt, b""))
        for key, data in zip(old.layout.keys, items):
            if (old.fmt, key) in wanted:
                pool.setdefault((old.fmt, key), data)
    for old in olds:
        for item, key in zip(old.items, item_keys(old.items)):
            data = pool.get((old.fmt, key))
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
    lengths = layout.lengths
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
