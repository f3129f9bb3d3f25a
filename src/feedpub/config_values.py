"""The rules a setting's value follows beyond its type: text a feed can hold,
a language tag, file name patterns, an IANA time zone, URLs.

config.validate applies them, one ConfigError for the first value broken;
each message names the key and how to fix it.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .urls import shown, url_problem

if TYPE_CHECKING:
    from .config import Config

# A language tag as RFC 5646 (BCP 47) spells it, loosely: an ISO 639 code of 2
# or 3 letters (the 4-8 letter primary subtags the RFC reserves are unused), or
# x/i for private use and grandfathered tags, then subtags of 1-8 letters or
# digits, e.g. "en", "de-CH", "zh-Hant-TW", "x-klingon". Not "English".
_LANGUAGE_TAG = re.compile(r"(?:[A-Za-z]{2,3}|[xXiI])(?:-[A-Za-z0-9]{1,8})*")
_LINE_BREAKS = "\t\n\r"

# The settings that end up as text in the feeds, and whether a line break is fine in them.
_TEXT_KEYS = {"title": False, "description": True, "author": False, "language": False}
# URL settings, and what each may not carry beyond the rule of urls.py.
URL_KEYS = {
    # Feed paths are appended to base_url: a query or fragment would end up in
    # the middle of every feed URL (https://x.org/f/?a=1/all.atom.xml).
    "base_url": ("query", "fragment"),
    "site_url": (),
    "hub": ("fragment",),
    "icon": ("fragment",),
    "logo": ("fragment",),
}


def is_not_text(char: str) -> bool:
    """Whether ``char`` is one XML 1.0 cannot hold (section 2.2), or DEL or a
    C1 control: feeds made of any of these are refused by lxml or by readers.
    A test per character, not a regex: settings are a few short strings, and
    a character class with the surrogates in it costs milliseconds to compile,
    on every run."""
    code = ord(char)
    return ((code < 0x20 and char not in _LINE_BREAKS) or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF
            or code in (0xFFFE, 0xFFFF))


def _find(value: str, test: Callable[[str], bool]) -> int | None:
    """The position of the first character of ``value`` that passes ``test``."""
    return next((position for position, char in enumerate(value) if test(char)), None)


def check_text(config: Config) -> None:
    """Text settings must be characters a feed can hold; language a language tag."""
    for key, multiline in _TEXT_KEYS.items():
        value = getattr(config, key)
        why = "feeds cannot hold it"
        position = _find(value, is_not_text)
        if position is None and not multiline:
            why, position = "a one-line setting cannot hold it", _find(value, _LINE_BREAKS.__contains__)
        if position is not None:
            code = ord(value[position])
            hint = " (is it UTF-8?)" if 0xD800 <= code <= 0xDFFF else ""  # undecodable bytes of argv
            raise ConfigError(f"{key} holds the character U+{code:04X}{hint} at position {position + 1}: "
                              f"{why}; remove it")
    if not _LANGUAGE_TAG.fullmatch(config.language):
        raise ConfigError(
            f"language must be a language tag such as 'en', 'de-CH' or 'pt-BR' (RFC 5646), not {config.language!r}"
        )


def check_patterns(patterns: tuple[str, ...]) -> None:
    """At least one pattern, each a file name pattern: a '/' would match nothing."""
    if not patterns:
        raise ConfigError("patterns must name at least one file pattern, e.g. '*.txt'")
    for pattern in patterns:
        if not pattern or "\0" in pattern:
            raise ConfigError(f"patterns must be file name patterns such as '*.txt', not {pattern!r}")
        if "/" in pattern or os.sep in pattern:
            # fnmatch against a name with a '/' in the pattern never matches:
            # the build would read nothing and empty every feed.
            raise ConfigError(
                f"pattern {pattern!r} has a '/': patterns match file names, and every subfolder "
                f"of the seeds folder is searched, so use e.g. {'*' + pattern.rpartition('/')[2].lstrip('*')!r}"
            )


# Names the zone database folder holds that are not IANA zone keys: "localtime"
# is this machine's own zone (a link to /etc/localtime), "posixrules" a
# system default, and posix/ and right/ are alternative copies of the database.
# Any of them would make the feeds depend on the machine that builds them.
_NOT_ZONE_KEYS = ("localtime", "posixrules")
_NOT_ZONE_FOLDERS = ("posix/", "right/")
# The shape of an IANA key: "UTC", "Europe/Berlin", "Etc/GMT+5", "America/Port-au-Prince".
_ZONE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*")


def check_timezone(name: str) -> None:
    """``name`` must be an IANA zone key that exists; not an absolute path
    (which zoneinfo also accepts) and not one of the machine's own zones."""
    folded = name.casefold()
    if folded in _NOT_ZONE_KEYS or folded.startswith(_NOT_ZONE_FOLDERS):
        raise ConfigError(
            f"timezone {name!r} is not an IANA zone name and depends on the machine that builds the feeds: "
            "name the zone, such as 'UTC' or 'Europe/Berlin'"
        )
    try:
        if not _ZONE_KEY.fullmatch(name):
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: "America" is a folder of zones, and zoneinfo tries to read it as one.
        raise ConfigError(
            f"unknown timezone {name!r}: use an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None


def check_url(key: str, value: str) -> str:
    """The URL setting ``key`` tidied (stripped; base_url ending in '/'), or ConfigError."""
    value = value.strip()
    if not value:
        return value
    # The rule seed links follow (urls.py), then what this setting may not carry.
    problem = url_problem(value)
    if not problem and "query" in URL_KEYS[key] and "?" in value:
        problem = "has a query (?...), but feed paths are appended to it"
    if not problem and "fragment" in URL_KEYS[key] and "#" in value:
        problem = "has a fragment (#...), which this URL cannot have"
    if problem:
        raise ConfigError(f"{key} {shown(value)!r} {problem}")
    if key == "base_url" and not value.endswith("/"):
        value += "/"  # feed paths are joined onto it
    return value
