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
import sys
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from .errors import SeedError, SeedWarning
from .model import Article
from .normalize import normalize_article
from .seeds import FrontMatter, check_mapping, decode_seed, parse_front_matter, read_seed_bytes

try:  # pragma: no cover - depends on the platform having a wheel
    import yaml_rs
except ImportError:  # pragma: no cover
    yaml_rs = None

# Larger blocks could hold more values than the PyYAML path allows: let it decide.
FAST_MAX_BLOCK = 64 * 1024
# Bytes are searched for one byte as an int (`_BRACE in block`): `b"{" in
# block` first tries b"{" as an int, and the TypeError it raises and clears
# costs more than the search (the dozen such tests cost a seed 20,000
# instructions, 8% of the guard).
_NUL, _TAB, _LESS, _BRACE, _BRACKET, _BACKSLASH, _COLON, _QUESTION = b"\0\t<{[\\:?"

# The guard reads the front matter as UTF-8 bytes: nearly every character it
# looks for is ASCII, and a multi-byte character never holds an ASCII byte
# (nor a lead byte), so each test is a byte search, several times cheaper than
# one over a str that holds a single emoji (four bytes per character).
# One translate() gives each byte of the front matter a class
# (_BYTE_CLASSES) for two checks, which then look for a class byte, at C speed.
# Characters the fast path refuses: those PyYAML's reader refuses (yaml/reader.py
# NON_PRINTABLE: C0 controls but tab, LF and CR, DEL, the C1 controls, U+FFFE
# and U+FFFF), NEL (a line break to PyYAML only) and the byte-order mark (a
# token to libyaml, a character to yaml-rs). In valid UTF-8 a lead byte never
# stands inside another character, so a C0 control or DEL is refused (class
# 3), and the lead bytes of U+0080-U+00BF (0xC2, class 7) and U+F000-U+FFFF
# (0xEF, class 8) send the seed to a regex that starts with that byte (a
# regex over the decoded text costs 7 us a seed that holds either).
_C0_CONTROLS = bytes([*(b for b in range(0x20) if b not in b"\t\n\r"), 0x7F])
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F, NEL included
_BOM_OR_NONCHARACTER = re.compile(rb"\xef(?:\xbb\xbf|\xbf[\xbe\xbf])")  # U+FEFF, U+FFFE, U+FFFF
# Indicators that mean something only where a node starts: anchors, aliases
# and tags (`&a`, `*a`, `!t`, a lone `!`), which 1.2 parsers may take where
# PyYAML refuses or reads them otherwise, and reserved ones (`%`, `@`, `` ` ``)
# that libyaml refuses there; and block-scalar indicators (`|`, `>`), which
# libyaml refuses where a node starts inside a flow collection. A node starts
# after a line's indentation, an indicator ('- ', ': ', '? ') or a flow
# indicator ('[', '{', ','), blanks between. Inside text, quoted or plain,
# all of them are text to both parsers. The classes: an indicator (2), a
# blank (1), what a node starts after (4: a line break, '[', '{', ','; 5:
# '-', ':', '?', which need a blank after them), a quote or '#' (6).
# _NODE_START then finds, at C speed however many '&' and '%' the URLs hold,
# each indicator that could start a node: one right after a class-4 byte, one
# after a class-4 or 5 byte and a blank, one after two blanks or more (rare,
# judged in Python); _starts_node judges each exactly, and _in_quoted_scalars
# whether it stands inside a quoted scalar.
_BYTE_CLASSES = bytes.maketrans(b"&*!%@`|> \n[{,:?-'\"#" + _C0_CONTROLS + b"\xc2\xef",
                                b"\x02" * 8 + b"\x01" + b"\x04" * 4 + b"\x05" * 3 + b"\x06" * 3
                                + b"\x03" * len(_C0_CONTROLS) + b"\x07\x08")
# The classes tested on their own (as ints, see _NUL).
_INDICATOR, _REFUSED, _C2_LEAD, _EF_LEAD = 2, 3, 7, 8
# The literal first, so that re looks only at indicators; the lookbehinds
# (which include it) test what stands before.
_NODE_START = re.compile(rb"\x02(?<=[\x01\x04]\x02)(?:(?<=\x04\x02)|(?<=[\x04\x05]\x01\x02)|(?<=\x01\x01\x02))")
_NODE_BEFORE = b"\n[{,:?-"
_FLOW_BEFORE = b"[,"
# A block scalar's header: '|' or '>' where a node starts, then chomping and
# indentation indicators and a comment to the end of its line. Its lines are
# text to both parsers but could hold what looks like quotes and comments to
# _in_quoted_scalars. One regex for each indicator, so that re looks only at
# that byte (a class first would make it test every position); where the
# indicator stands is judged by _starts_node.
_BLOCK_SCALAR_HEADERS = tuple(re.compile(indicator + rb"[-+0-9]*[ ]*(?:#.*)?$", re.MULTILINE)
                              for indicator in (rb"\|", b">"))
_BLOCK_SCALAR_AFTER = b"\n-:?"
# Two block-sequence entries on one line.
_NESTED_ENTRIES = b"- -"
# A surrogate written as an escape (`\ud83d`, `\U0000d83d`): yaml-rs reads a
# pair of them ("\ud83d\ude80") as one character, as the PyYAML path does
# (yaml_reader.py joins pairs in double-quoted scalars first), and refuses a
# lone one. The only ones the two paths are known to read alike are pairs
# whose backslash starts an escape (the last of an odd run of backslashes),
# as one character in a double-quoted scalar and as text anywhere else. One
# scan finds, left to right, such a pair or else a surrogate escape, which is
# then outside every pair (group 1). The lookbehind comes after the first
# backslash, so that re scans for that literal at C speed (before it, the
# search tried every position: 90 us a seed).
_SURROGATE_ESCAPES = re.compile(rb"\\(?:(?<!\\\\)(?:\\\\)*u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                                rb"|(u[dD][89a-fA-F]|U0000[dD][89a-fA-F]))")
# LS and PS: line breaks to YAML 1.1 only.
_UNICODE_BREAK = re.compile(rb"\xe2\x80[\xa8\xa9]")
# Lines the text must not hold, found in one pass over the starts of lines,
# where every key of a block mapping stands (after its indentation and any
# '- '; flow mappings never reach this check):
# - a complex key (a line whose first token is '?');
# - an empty key (a line whose first token is ':'), which libyaml refuses and
#   yaml-rs takes;
# - a double-quoted key with an escape (`"wid\x74h"`), which could spell any key;
# - the integer fields an Article reads, however the key is written (`width :`,
#   `"width":`), unless the value is a plain decimal alone on its line or a
#   quoted string: YAML 1.1 and 1.2 read 012, 0o12, 1_000, 5e1 and 1:30
#   differently.
# The lookahead on a line's first character spares most lines the alternation.
# Python 3.11 reads `[ -]*+` as possessive: the indentation is never given
# back, so re does not try every shorter run of it at each line, which the
# lookahead would refuse anyway (3.10 reads the same pattern the slow way).
_POSSESSIVE = "+" if sys.version_info >= (3, 11) else ""
_ODD_LINE = re.compile(rb"""\n[ -]*""" + _POSSESSIVE.encode() + rb"""(?=[?:"'qhw])(?:\?(?:\s|\Z)|:[ \n]"""
                       rb"""|"[^"\n]*\\[^"\n]*"[ \t]*:"""
                       rb"""|['"]?(?:quality|heat|width|height)['"]?[ \t]*:"""
                       rb"""(?![ \t]*(?:-?(?:0|[1-9][0-9]*)[ \t]*(?:\n|\Z)|['"])))""")
# Deep block nesting: the PyYAML path limits depth.
_DEEP_INDENT = b"\n" + b" " * 30
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
# What a text field may be: exact types (a str subclass is not what PyYAML builds).
_TEXT_TYPES = frozenset({str, type(None)})
# The keys of the seed format: none is a string PyYAML would type, so the walk
# in _values_read_alike need not look at them one by one.
_FORMAT_KEYS = frozenset(
    "category title excerpt publishedDateTime updatedDateTime originalUrl webUrl ampWebUrl cdnAmpWebUrl type"
    " quality heat published provider name domain topics images url width height isCached related secured".split())


def load_article(path: Path, root: Path, display: str, tz: tzinfo, fast: bool = True) -> tuple[Article, list[SeedWarning]]:
    """Read and normalize one seed; raise SeedError when it cannot be published.

    Returns the article and its warnings. ``fast=False`` forces the PyYAML path.
    """
    return load_bytes(read_seed_bytes(path, root, display), display, tz, fast)


def load_bytes(raw: bytes, display: str, tz: tzinfo, fast: bool = True) -> tuple[Article, list[SeedWarning]]:
    """Normalize a seed file's bytes; see :func:`load_article`."""
    if fast and yaml_rs is not None:
        article = _load_fast(raw, display, tz)
        if article is not None:
            return article, []
    return _load_reference(decode_seed(raw, display), display, tz)


def load_text(text: str, display: str, tz: tzinfo, fast: bool = True) -> tuple[Article, list[SeedWarning]]:
    """Normalize a seed's text; see :func:`load_article`."""
    if fast and yaml_rs is not None:
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: PyYAML says where
            raw = b""
        article = _load_fast(raw, display, tz) if raw else None
        if article is not None:
            return article, []
    return _load_reference(text, display, tz)


def _load_reference(text: str, display: str, tz: tzinfo) -> tuple[Article, list[SeedWarning]]:
    """The PyYAML path, which also gives every message its line."""
    warnings: list[SeedWarning] = []
    article = normalize_article(parse_front_matter(text, display), tz, warnings)
    return article, warnings


def _load_fast(raw: bytes, display: str, tz: tzinfo) -> Article | None:
    """The article, if the fast path can vouch for it; None to use PyYAML."""
    block = _front_matter_bytes(raw)
    if block is None or not _syntax_reads_alike(block):
        return None
    try:
        # The whole file must be text, as decode_seed wants it: the body only
        # needs checking, the front matter yaml-rs checks as it reads it.
        raw[len(block) + 3:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        data = _parse_fast(block)
        check_mapping(data, display, 1)
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


def _parse_fast(block: bytes) -> Any:
    """The front matter as yaml-rs reads it. It reads the bytes, as strict
    UTF-8 (invalid UTF-8 is an error, as for decode(); its default reads it
    as U+FFFD): a str would be decoded only for yaml-rs to encode it again
    (5 us a seed)."""
    return yaml_rs.load(block, encoding="utf-8", encoder_errors="strict")


def _front_matter_bytes(raw: bytes) -> bytes | None:
    """The front matter of the common seed, as seeds.split_front_matter would
    cut it from the decoded text: a file that starts with '---' and LF line
    ends, and a closing '---' line. None for anything else (a BOM, CRLF, a
    missing block), which the PyYAML path splits or reports."""
    if not raw.startswith(b"---\n") or _NUL in raw:
        return None
    end = raw.find(b"\n---", 3)
    if end < 0 or raw.find(b"\r", 0, end) >= 0:
        return None
    line_end = raw.find(b"\n", end + 4)
    rest = raw[end + 4:line_end if line_end >= 0 else len(raw)]
    if rest and not (rest.isspace() or rest.strip(b"-") == b"" or rest.lstrip(b"-").isspace()):
        return None
    return raw[3:end + 1]


def _holds_refused_character(block: bytes, marks: bytes) -> bool:
    """Whether ``block`` holds a character the fast path refuses, given
    ``marks``, its translation by _BYTE_CLASSES. Exact for valid UTF-8:
    yaml-rs refuses the rest."""
    return (_REFUSED in marks or _C2_LEAD in marks and _C1_CONTROL.search(block) is not None
            or _EF_LEAD in marks and _BOM_OR_NONCHARACTER.search(block) is not None)


def _syntax_reads_alike(block: bytes) -> bool:
    """Cheap checks on the UTF-8 front matter: no constructs or characters
    where YAML 1.1 and 1.2, or the PyYAML path's limits, could part ways.
    Each check is a scan of the bytes at C speed: a one-byte search (memchr)
    first where one can rule a check out, and regexes that start with a
    literal, which re scans for (one that starts with a class tests every
    position, several times slower).
    Only a seed with an indicator where a node could start adds a walk over
    its quotes, one for all such indicators."""
    if len(block) > FAST_MAX_BLOCK or _BRACE in block or _TAB in block or _LESS in block and b"<<" in block:
        return False  # tabs: PyYAML refuses many a tab that 1.2 takes as blank
    if _BRACKET in block and (block.count(b"[") > 20 or not _flow_sequences_read_alike(block)):
        return False
    if _BACKSLASH in block and not _surrogates_are_pairs(block):
        return False
    # LS and PS: line breaks of YAML 1.1 only (NEL is U+0085, with the non-printables).
    if block.find(_NESTED_ENTRIES) >= 0 or block.find(_DEEP_INDENT) >= 0 or _UNICODE_BREAK.search(block):
        return False
    if _ODD_LINE.search(block) is not None:
        return False
    marks = block.translate(_BYTE_CLASSES)
    return not _holds_refused_character(block, marks) and _indicators_are_text(block, marks)


def _indicators_are_text(block: bytes, marks: bytes) -> bool:
    """No node-property, reserved or (in a flow) block-scalar indicator stands
    where a node starts, outside quoted scalars; see _BYTE_CLASSES, which
    gives ``marks``."""
    if _INDICATOR not in marks:  # tidy seeds
        return True
    lead = marks.lstrip(b"\x01")  # the block's start is where a node starts, blanks aside
    if _NODE_START.search(marks) is None and not lead.startswith(b"\x02"):
        return True
    offsets = [len(marks) - len(lead)] if lead.startswith(b"\x02") else []
    offsets += [found.start() for found in _NODE_START.finditer(marks)]
    offsets = [at for at in offsets if _starts_node(block, at, _FLOW_BEFORE if block[at] in b"|>" else _NODE_BEFORE)]
    # `"Q&A: @reuters"`: where a node would start, but inside a quoted scalar.
    return not offsets or _in_quoted_scalars(block, marks, offsets)


def _starts_node(block: bytes, at: int, starts_after: bytes) -> bool:
    """Whether what comes before ``at``, blanks aside, is the start of the
    block or one of ``starts_after``. '-', ':' and '?' are indicators only
    with a blank after them: in `a-%E5` or `x:&y` they are text."""
    before = at - 1
    while before >= 0 and block[before] == 0x20:
        before -= 1
    if before < 0:
        return True
    if before == at - 1 and block[before] in b"-:?":
        return False
    return block[before] in starts_after


def _in_quoted_scalars(block: bytes, marks: bytes, offsets: list[int]) -> bool:
    """Whether every offset (in ascending order) is inside a quoted scalar that
    opens and closes on one line, found from the block's start as YAML's
    scanner finds them, in one walk: a quote where a node could start opens
    one, a '#' after a blank starts a comment. A quote inside plain text can
    look as if it stood where a node starts (`title: Rock, 'n roll`: ',' is
    a flow indicator only in a flow), but then what it seems to open is plain
    text on that line too, where an indicator after ', ', '- ' or '[' is text
    as well (after ': ' both parsers refuse it). So no when a quote does not
    close on its line, which a quote inside plain text could make reach across
    lines, and no when the block holds a block scalar, whose lines are text to
    both parsers but could look like quotes and comments here. ``marks`` is
    the block's translation by _BYTE_CLASSES, where quotes and '#' are 6."""
    if _holds_block_scalar(block):
        return False
    at = 0
    for offset in offsets:
        while True:
            start = marks.find(b"\x06", at, offset)
            if start < 0:
                return False  # no quoted scalar holds the offset
            if block[start] == 0x23:  # '#'
                comment = start == 0 or block[start - 1] in b" \n"
                at = block.find(b"\n", start) if comment else start + 1
                if at < 0:
                    return False
            elif not _starts_node(block, start, _NODE_BEFORE):
                at = start + 1
            else:
                end = _closing_quote(block, start)
                if end < 0 or block.find(b"\n", start, end) >= 0:
                    return False  # never closes, or closes on another line
                if end > offset:
                    at = start  # the next offset may stand in the same scalar
                    break
                at = end + 1
    return True


def _holds_block_scalar(block: bytes) -> bool:
    """Whether a block scalar's header stands anywhere in the block; see
    _BLOCK_SCALAR_HEADERS. Every '|' and '>' counts, even one inside the
    comment of another's header."""
    for header in _BLOCK_SCALAR_HEADERS:
        found = header.search(block)
        while found is not None:
            if _starts_node(block, found.start(), _BLOCK_SCALAR_AFTER):
                return True
            found = header.search(block, found.start() + 1)
    return False


def _closing_quote(block: bytes, start: int) -> int:
    """The offset of the quote that closes the scalar opened at ``start``, or
    -1: in single quotes `''` is a quote, in double quotes an odd run of
    backslashes escapes it."""
    quote = block[start]
    end = block.find(quote, start + 1)
    while end >= 0:
        if quote == 0x27 and block[end + 1:end + 2] == b"'":
            end = block.find(quote, end + 2)
            continue
        backslash = end - 1
        while quote == 0x22 and block[backslash] == 0x5C:
            backslash -= 1
        if (end - 1 - backslash) % 2 == 0:
            return end
        end = block.find(quote, end + 1)
    return -1


def _surrogates_are_pairs(block: bytes) -> bool:
    """Every surrogate escape is half of a pair; see _SURROGATE_ESCAPES."""
    return not any(_SURROGATE_ESCAPES.findall(block))  # group 1 of each match: empty for a pair


def _flow_sequences_read_alike(block: bytes) -> bool:
    """Each flow sequence (``[a, b]``) ends on its line and holds no ':' or
    '?': PyYAML takes ':' in a flow plain scalar as an indicator (``[a:b]``,
    a URL) and '?' starting an entry as a complex key, where YAML 1.2 reads
    both as text. Checked from each line's first '[' to its end."""
    start = block.find(b"[")
    while start >= 0:
        end = block.find(b"\n", start)
        end = end if end >= 0 else len(block)
        line = block[start:end]
        if _COLON in line or _QUESTION in line or line.count(b"[") != line.count(b"]"):
            return False
        start = block.find(b"[", end)
    return True


def _values_read_alike(data: dict[str, Any]) -> bool:
    """The values read the same for PyYAML: the text fields an Article reads are
    strings, and no string anywhere (keys included) is one PyYAML would have
    typed had it been plain (``yes``, ``12:30``, ``=``, ``2021-13-45``: some
    of those PyYAML cannot even construct, and the seed must fail as it would)."""
    texts: list[Any] = [data.get(field) for field in _TEXT_FIELDS]
    provider = data.get("provider")
    if type(provider) is dict:
        texts += [provider.get("name"), provider.get("domain")]
    topics = data.get("topics")
    texts += topics if type(topics) is list else [topics]
    for key in ("images", "related"):
        items = data.get(key)
        if type(items) is list:
            for item in items:
                if type(item) is dict:
                    texts += [item.get("url"), item.get("title"), item.get("webUrl"), item.get("originalUrl")]
    if not set(map(type, texts)) <= _TEXT_TYPES:
        return False  # 1.2 typed it (a number, a date): PyYAML may have typed it otherwise
    # Each container's values in one loop, scalars checked where they stand:
    # only dicts and lists are kept for later.
    containers: list[Any] = [data]
    for container in containers:  # grows as the walk finds more
        if type(container) is list:
            values = container
        elif container.keys() <= _FORMAT_KEYS:  # keys are strings too, but these are known plain
            values = container.values()
        else:
            values = [*container, *container.values()]
        for value in values:
            kind = type(value)  # exact types, cheap to test; anything else goes to PyYAML
            if kind is str:
                # Every string, however long: YAML 1.1 types `1:00:00:...:00` of
                # any length. The regex takes linear time (10 ms for 60 KB).
                if value and value[0] in _IMPLICIT_FIRST and _PYYAML_IMPLICIT.fullmatch(value):
                    return False
            elif kind is dict or kind is list:
                containers.append(value)
            elif kind not in _SCALAR_TYPES:
                return False
    return True
