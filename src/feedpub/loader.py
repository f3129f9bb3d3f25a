"""Load one seed into an Article: a fast YAML path, behind a guard, and PyYAML.

PyYAML (YAML 1.1, C loader) is the reference. yaml-rs, a YAML 1.2 parser in
Rust, is about 7x faster on seeds, but 1.2 reads some plain scalars
differently (``yes``/``on``, ``012``, ``12:30``, ``1e3``, merge keys). So the
fast parser is used only for seeds where that cannot matter, and only when
the seed normalizes without a single warning or error; everything else goes
through PyYAML, which also gives the line numbers for messages. The
differential test (tests/test_loader.py) checks that both paths give the same
Articles. Without yaml-rs installed, every seed takes the PyYAML path.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from .errors import SeedError, SeedWarning
from .model import Article
from .normalize import normalize_article
from .seeds import FrontMatter, check_mapping, parse_front_matter, read_seed_text, split_front_matter

try:  # pragma: no cover - depends on the platform having a wheel
    import yaml_rs
except ImportError:  # pragma: no cover
    yaml_rs = None

FAST_PARSER = "yaml-rs" if yaml_rs is not None else None
# Larger blocks could hold more values than the PyYAML path allows: let it decide.
FAST_MAX_BLOCK = 64 * 1024

# Characters PyYAML's reader refuses (yaml/reader.py NON_PRINTABLE).
_PYYAML_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Anchors, aliases and tags start a node: after a space, a flow indicator or a line start.
_NODE_PROPERTY = re.compile(r"(?:^|[\s\[\{,])[&*!]\S", re.MULTILINE)
_COMPLEX_KEY = re.compile(r"^\s*\?(?:\s|$)", re.MULTILINE)
# What a complex key needs: a cheap search first, since URLs are full of '?'.
_QUESTION_MARK = re.compile(r"\?(?:\s|\Z)")
# Indicators libyaml refuses where YAML 1.2 parsers may take them as text:
# reserved ones starting a token, block-scalar ones inside flow collections.
_RESERVED_START = re.compile(r"(?:^|[\s\[\{,])[%@`]|[\[,][ \t]*[|>]", re.MULTILINE)
# The integer fields an Article reads; their tokens must be plain decimals for
# YAML 1.1 and 1.2 to agree (012, 0o12, 1_000 and 1:30 do not). Every key of
# these names is checked, however it is spelt: `width :`, `"width":`.
_INTEGER_KEY_NAMES = ("quality", "heat", "width", "height")
# A double-quoted key with an escape (`"wid\x74h"`) could be any of them.
_ESCAPED_KEY = re.compile(r'"[^"\n]*\\[^"\n]*"[ \t]*:')
# A string PyYAML would have typed had it been plain (yaml/resolver.py): bool,
# int, float, null, timestamp, merge, value. Such a string in a field the
# Article reads sends the seed to PyYAML.
_PYYAML_IMPLICIT = re.compile(
    r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
    r"|~|null|Null|NULL|<<|=|"
    r"[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
    r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?"
)
# The first characters of everything _PYYAML_IMPLICIT matches (and '' itself).
_IMPLICIT_FIRST = frozenset("0123456789+-.~yYnNtTfFoO<=")
_TEXT_FIELDS = ("title", "excerpt", "category", "type", "webUrl", "originalUrl")
# What yaml-rs builds besides dicts, lists and strings.
_SCALAR_TYPES = frozenset({int, float, bool, type(None), datetime, date})
# The keys of the seed format: none is a string PyYAML would type, so the walk
# in _values_read_alike need not look at them one by one.
_FORMAT_KEYS = frozenset(
    "category title excerpt publishedDateTime updatedDateTime originalUrl webUrl ampWebUrl cdnAmpWebUrl type"
    " quality heat published provider name domain topics images url width height isCached related secured".split())


def load_article(path: Path, root: Path, display: str, tz: tzinfo, fast: bool = True) -> tuple[Article, list[SeedWarning]]:
    """Read and normalize one seed; raise SeedError when it cannot be published.

    Returns the article and its warnings. ``fast=False`` forces the PyYAML path.
    """
    return load_text(read_seed_text(path, root, display), display, tz, fast)


def load_text(text: str, display: str, tz: tzinfo, fast: bool = True) -> tuple[Article, list[SeedWarning]]:
    """Normalize a seed's text; see :func:`load_article`."""
    if fast and yaml_rs is not None:
        article = _load_fast(text, display, tz)
        if article is not None:
            return article, []
    warnings: list[SeedWarning] = []
    article = normalize_article(parse_front_matter(text, display), tz, warnings)
    return article, warnings


def _load_fast(text: str, display: str, tz: tzinfo) -> Article | None:
    """The article, if the fast path can vouch for it; None to use PyYAML."""
    try:
        block, first_line = split_front_matter(text, display)
    except SeedError:
        return None
    if not _syntax_reads_alike(block):
        return None
    try:
        data = yaml_rs.loads(block)
        check_mapping(data, display, first_line + 1)
    except Exception:  # any refusal of the fast parser: PyYAML gives the real message
        return None
    if not _values_read_alike(data):
        return None
    warnings: list[SeedWarning] = []
    try:
        article = normalize_article(FrontMatter(display, data, {}), tz, warnings)
    except SeedError:
        return None
    # A warning means something was odd: let PyYAML have the last word (and the lines).
    return None if warnings else article


def _syntax_reads_alike(block: str) -> bool:
    """Cheap checks on the text: no constructs where YAML 1.1 and 1.2, or the
    PyYAML path's limits, could part ways. Each regex runs only when a quick
    substring test says it might match."""
    if len(block) > FAST_MAX_BLOCK or "<<" in block or "- -" in block or "{" in block or block.count("[") > 20:
        return False
    # Tabs (PyYAML refuses many a tab that 1.2 takes as blank) and the line
    # breaks of YAML 1.1 only (NEL, LS, PS), which can end a plain scalar there.
    if "\t" in block or "\x85" in block or "\u2028" in block or "\u2029" in block:
        return False
    if not block.isascii() or "\x7f" in block:
        if _PYYAML_NON_PRINTABLE.search(block):
            return False
    if ("&" in block or "*" in block or "!" in block) and _NODE_PROPERTY.search(block):
        return False
    if _QUESTION_MARK.search(block) and _COMPLEX_KEY.search(block):
        return False
    if any(mark in block for mark in "%@`|>") and _RESERVED_START.search(block):
        return False
    if "\n" + " " * 30 in block:  # deep block nesting: the PyYAML path limits depth
        return False
    return _integers_are_plain(block)


def _integers_are_plain(block: str) -> bool:
    """The values of keys named like the integers an Article reads (quality,
    heat, image width and height, at any depth) are plain decimals or quoted
    in the text. str.find per key name is far cheaper than a regex over the
    whole block; a name in running text, not followed by ':', is skipped."""
    if "\\" in block and _ESCAPED_KEY.search(block):
        return False
    for key in _INTEGER_KEY_NAMES:
        start = block.find(key)
        while start >= 0:
            at = start + len(key)
            start = block.find(key, at)
            if block[at:at + 1] in ("'", '"'):
                at += 1  # a quoted key
            while block[at:at + 1] in (" ", "\t"):
                at += 1
            if block[at:at + 1] != ":":
                continue
            end = block.find("\n", at)
            value = block[at + 1:end if end >= 0 else len(block)].strip(" \t")
            if not (_is_plain_decimal(value) or value[:1] in ("'", '"') and value):
                return False  # 012, 0x1F, 1e3, a comment, a value on the next line...
    return True


def _is_plain_decimal(value: str) -> bool:
    """-?(0|[1-9][0-9]*): an integer YAML 1.1 and 1.2 read alike."""
    digits = value[1:] if value.startswith("-") else value
    return digits.isdigit() and digits.isascii() and (digits[0] != "0" or digits == "0")


def _values_read_alike(data: dict[str, Any]) -> bool:
    """The values read the same for PyYAML: the text fields an Article reads are
    strings, and no string anywhere (keys included) is one PyYAML would have
    typed had it been plain (``yes``, ``12:30``, ``=``, ``2021-13-45``: some
    of those PyYAML cannot even construct, and the seed must fail as it would)."""
    texts: list[Any] = [data.get(field) for field in _TEXT_FIELDS]
    provider = data.get("provider")
    if isinstance(provider, dict):
        texts += [provider.get("name"), provider.get("domain")]
    topics = data.get("topics")
    texts += topics if isinstance(topics, list) else [topics]
    for key in ("images", "related"):
        items = data.get(key)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    texts += [item.get("url"), item.get("title"), item.get("webUrl"), item.get("originalUrl")]
    if any(value is not None and not isinstance(value, str) for value in texts):
        return False  # 1.2 typed it (a number, a date): PyYAML may have typed it otherwise
    stack: list[Any] = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)  # exact types, cheap to test; anything else goes to PyYAML
        if kind is dict:
            if not item.keys() <= _FORMAT_KEYS:  # keys are strings too, but these are known plain
                extend(item)
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind is str:
            if item and item[0] in _IMPLICIT_FIRST and len(item) < 40 and _PYYAML_IMPLICIT.fullmatch(item):
                return False
        elif kind not in _SCALAR_TYPES:
            return False
    return True
