"""What a build changes for subscribers: items added, removed or changed, per feed file.

A feed file's old bytes (on disk, or absent) and new bytes (rendered, or
absent when the feed is removed) are parsed back (RSS and Atom with lxml, JSON
Feed with json) and compared item by item, keyed by the item id (RSS ``guid``,
Atom ``id``, JSON Feed ``id``). Only the fields a reader shows are compared.
Nothing here prints; :func:`format_changes` gives the text, Markdown and JSON
forms the CLI writes.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
# Which output files are feeds, by the suffixes plan.SUFFIXES gives them.
FEED_SUFFIXES = (".rss.xml", ".atom.xml", ".json")
# The fields compared, in the order a change names them.
FIELDS = ("title", "link", "date", "summary")
REPORT_FORMATS = ("text", "markdown", "json")


def is_feed_file(path: str) -> bool:
    """True for RSS, Atom and JSON Feed files (not index.html, feeds.opml or the manifest)."""
    return path.endswith(FEED_SUFFIXES) and not path.rpartition("/")[2].startswith(".")


@dataclass(frozen=True, slots=True)
class Item:
    """One feed item as a reader sees it. ``date`` holds the item's dates as written."""

    id: str
    title: str
    link: str
    date: str
    summary: str


@dataclass(frozen=True, slots=True)
class ItemChange:
    """An item in both versions whose ``fields`` (names from FIELDS) differ."""

    old: Item
    new: Item
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileChange:
    """The item-level difference of one feed file.

    ``status`` is "added" (a new feed), "removed" (the feed is deleted) or
    "changed". A changed file with no item changes differs only in feed-level
    data (its title, say). ``note`` says why items could not be compared (the
    old file is not a feed feedpub can read), else it is empty.
    """

    path: str
    status: str
    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    changed: tuple[ItemChange, ...] = ()
    note: str = ""


def diff_feed(path: str, old: bytes | None, new: bytes | None) -> FileChange:
    """Compare the feed file ``path`` before (``old``) and after (``new``); None means absent."""
    status = "added" if old is None else "removed" if new is None else "changed"
    note = ""
    try:
        before = parse_items(path, old) if old is not None else []
    except ValueError as error:
        before, note = [], f"the old file is not a readable feed ({error}); all its items are shown as new"
    after = parse_items(path, new) if new is not None else []
    old_by_id = _by_id(before)
    new_by_id = _by_id(after)
    changed = []
    for key, item in new_by_id.items():
        if key in old_by_id:
            differing = tuple(name for name in FIELDS if getattr(old_by_id[key], name) != getattr(item, name))
            if differing:
                changed.append(ItemChange(old_by_id[key], item, differing))
    return FileChange(
        path,
        status,
        added=tuple(item for key, item in new_by_id.items() if key not in old_by_id),
        removed=tuple(item for key, item in old_by_id.items() if key not in new_by_id),
        changed=tuple(changed),
        note=note,
    )


def _by_id(items: Iterable[Item]) -> dict[str, Item]:
    """Items by id in feed order; the first of two with one id wins, as readers keep the first."""
    found: dict[str, Item] = {}
    for item in items:
        found.setdefault(item.id, item)
    return found


def parse_items(path: str, data: bytes) -> list[Item]:
    """The items of a feed file, in order. Raises ValueError when it is not a feed."""
    if path.endswith(".json"):
        return _json_items(data)
    from lxml import etree  # here: only builds asked for a report pay for importing it

    # The old file may be anything a pull request put there: never fetch or expand.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"invalid XML: {error}") from None
    if root.tag == "rss":
        return [_rss_item(element) for element in root.iterfind("channel/item")]
    if root.tag == f"{{{ATOM_NS}}}feed":
        return [_atom_item(element) for element in root.iterfind(f"{{{ATOM_NS}}}entry")]
    raise ValueError(f"neither RSS nor Atom: the root element is {root.tag!r}")


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _rss_item(element: etree._Element) -> Item:
    link = _text(element, "link")
    return Item(_text(element, "guid") or link, _text(element, "title"), link,
                _text(element, "pubDate"), _text(element, "description"))


def _atom_item(element: etree._Element) -> Item:
    ns = f"{{{ATOM_NS}}}"
    link = next((e.get("href", "") for e in element.iterfind(f"{ns}link") if e.get("rel", "alternate") == "alternate"),
                "")
    dates = " / ".join(filter(None, (_text(element, f"{ns}published"), _text(element, f"{ns}updated"))))
    return Item(_text(element, f"{ns}id"), _text(element, f"{ns}title"), link, dates, _text(element, f"{ns}summary"))


def _json_items(data: bytes) -> list[Item]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # nested too deep: RecursionError
        raise ValueError(f"invalid JSON: {error}") from None
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValueError("not a JSON Feed: no items list")
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = {key: value if isinstance(value, str) else "" for key, value in item.items()}
        dates = " / ".join(filter(None, (text.get("date_published"), text.get("date_modified"))))
        found.append(Item(text.get("id", ""), text.get("title", ""), text.get("url", ""), dates,
                          text.get("summary", "")))
    return found


def format_changes(changes: Sequence[FileChange], fmt: str, out: str = "") -> str:
    """The report in ``fmt`` (one of REPORT_FORMATS), ending in a newline.

    Text and Markdown show paths under ``out``, the output folder as the user
    named it; JSON keeps them relative and gives ``out`` once.
    """
    if fmt == "json":
        document = {"out": out, "files": [asdict(change) for change in changes]}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    shown = [replace(change, path=posixpath.join(out, change.path)) if out else change for change in changes]
    if fmt == "markdown":
        return _markdown(shown)
    if fmt == "text":
        return "".join(f"{line}\n" for line in _text_lines(shown))
    raise ValueError(f"unknown report format {fmt!r}")


def _headline(change: FileChange) -> str:
    if change.status == "added":
        return "new feed"
    if change.status == "removed":
        return "feed deleted"
    parts = [f"{len(change.added)} added", f"{len(change.removed)} removed", f"{len(change.changed)} changed"]
    counts = ", ".join(parts)
    return counts if change.added or change.removed or change.changed else "feed details changed, no item changed"


def _changed_fields(change: ItemChange) -> str:
    details = []
    for name in change.fields:
        if name in ("title", "link"):
            details.append(f"{name} {getattr(change.old, name)!r} -> {getattr(change.new, name)!r}")
        else:
            details.append(name)
    return "; ".join(details)


def _text_lines(changes: Sequence[FileChange]) -> Iterable[str]:
    if not changes:
        yield "No feed items change."
    for change in changes:
        yield f"{change.path}: {_headline(change)}"
        if change.note:
            yield f"  note: {change.note}"
        for item in change.added:
            yield f"  + {item.title} <{item.link}>"
        for item in change.removed:
            yield f"  - {item.title} <{item.link}>"
        for edit in change.changed:
            yield f"  ~ {edit.new.title} <{edit.new.link}>: {_changed_fields(edit)}"


def _markdown(changes: Sequence[FileChange]) -> str:
    lines = ["## Feed changes", ""]
    if not changes:
        lines.append("No feed items change.")
    for change in changes:
        lines += [f"### `{change.path}`: {_headline(change)}", ""]
        if change.note:
            lines += [f"> {_md(change.note)}", ""]
        rows = [("added", item, "") for item in change.added]
        rows += [("removed", item, "") for item in change.removed]
        rows += [("changed", edit.new, _changed_fields(edit)) for edit in change.changed]
        if rows:
            lines += ["| | title | link | what changed |", "|---|---|---|---|"]
            lines += [f"| {kind} | {_md(item.title)} | {_md(item.link)} | {_md(what)} |" for kind, item, what in rows]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _md(text: str) -> str:
    """``text`` safe in a Markdown table cell: no pipes, line breaks or markup."""
    escaped = "".join(f"\\{char}" if char in "\\`*_[]<>|#!&" else char for char in text)
    return " ".join(escaped.split())
