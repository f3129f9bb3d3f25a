"""One front-matter value made fit for a feed, whatever field holds it: text
XML can carry, a usable URL; and how a value is named in a message.

The field readers of normalize.py and dates.py build on these. A value that
needs fixing is fixed and reported through ``warn``; messages show a value
short and quoted, never whole (a field may hold anything, secrets included).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .urls import shown, url_problem

# XML 1.0 Char production (https://www.w3.org/TR/xml/#charsets): everything
# else, C0 controls and lone surrogates included, makes a feed unparsable.
# Left to re's cache to compile on first use: a class over most of Unicode takes
# 3 ms to compile, in every process that imports this, and most builds never need it.
_XML_FORBIDDEN = "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_WHITESPACE = re.compile(r"\s+")

Warn = Callable[[str, str], None]  # (field, message)


def clean_text(value: Any, field: str, warn: Warn, label: str = "") -> str:
    """Return ``value`` as one line of text XML can carry: stripped, whitespace
    runs folded to one space, forbidden characters removed (with a warning).

    None gives ''. A number gives its text, with a warning: YAML 1.1 reads
    unquoted ``12:30`` as 750 and ``010`` as 8, so the text written is lost.
    True/false and other types warn and give ''. ``label`` names the value in
    messages (default: ``field``, the key whose line they carry).
    """
    # Printable text has no XML-forbidden characters and no whitespace but the
    # space: the common case, tested first, needs no regex.
    if type(value) is str and value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    label = label or field
    if value is None:
        return ""
    if isinstance(value, bool):
        warn(field, yaml_boolean(label, value) + "; ignored")
        return ""
    if not isinstance(value, (str, int, float)):
        warn(field, f"{label} must be text, not {type_name(value)}; ignored")
        return ""
    if not isinstance(value, str):
        text = str(value)
        warn(field, f"{label} is a number to YAML ({text}); quote it to keep the text as written")
        return text
    text = value
    cleaned = re.sub(_XML_FORBIDDEN, "", text)  # compiled on first use, by re's cache
    if cleaned != text:
        warn(field, f"{field} holds characters XML does not allow; removed")
    return _WHITESPACE.sub(" ", cleaned).strip()


def clean_url(value: Any, field: str, warn: Warn) -> str:
    """Return ``value`` if it is a usable URL by urls.py's rule (surrounding
    spaces removed), else '' with a warning naming the field and the reason."""
    if not isinstance(value, str):
        warn(field, f"{field} must be a URL, not {type_name(value)}")
        return ""
    url = value.strip()
    if not url:
        return ""
    problem = url_problem(url)
    if problem:
        warn(field, f"{field} {show_value(shown(url))} {problem}")
        return ""
    return url


def yaml_boolean(label: str, value: bool) -> str:
    """Why ``label`` being true/false is a mistake. The text written is gone:
    YAML 1.1 reads unquoted yes/no/on/off/true/false alike."""
    return (f"{label} is true/false to YAML ({str(value).lower()}: unquoted yes, no, on, off are booleans); "
            "quote it to keep the text as written")


def type_name(value: Any) -> str:
    """What a value YAML read is, in a message's words ("a mapping", "true/false")."""
    names = {dict: "a mapping", list: "a list", bool: "true/false", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def show_value(value: Any, limit: int = 60) -> str:
    """A short, quoted, single-line rendering of a value for messages: never
    echo a whole field (it may hold anything, secrets included)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
