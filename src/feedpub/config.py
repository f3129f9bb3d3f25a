"""Settings: one typed Config, every default in one place, one validation pass.

Settings come from ``feedpub.toml`` (or ``[tool.feedpub]`` in ``pyproject.toml``)
and then from command-line flags, which win. Relative paths in a config file
are resolved against that file's folder; relative paths on the command line
against the working directory.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .render import FEED_FORMATS
from .urls import shown, url_problem

CONFIG_FILE = "feedpub.toml"
PYPROJECT_FILE = "pyproject.toml"
# Where feeds are served when nobody said: `feedpub serve` style local preview.
FALLBACK_BASE_URL = "http://localhost:8000/"
# More worker processes than this is a typo, not a machine: each one is a fork
# of the build, and a huge number fails deep in multiprocessing (OverflowError).
MAX_JOBS = 256
# A language tag as RFC 5646 (BCP 47) spells it, loosely: an ISO 639 code of 2
# or 3 letters (the 4-8 letter primary subtags the RFC reserves are unused), or
# x/i for private use and grandfathered tags, then subtags of 1-8 letters or
# digits, e.g. "en", "de-CH", "zh-Hant-TW", "x-klingon". Not "English".
_LANGUAGE_TAG = re.compile(r"(?:[A-Za-z]{2,3}|[xXiI])(?:-[A-Za-z0-9]{1,8})*")
# Characters XML 1.0 cannot hold (section 2.2), plus the C1 controls and DEL:
# feeds made of any of these are refused by lxml or by readers.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("[\t\n\r]")


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a build needs to know besides the seeds themselves.

    ``base_url`` is the public URL where the output folder is served; feed
    ``self`` links and Atom ids are made from it, so it must not change once
    people subscribe. ``site_url`` is the human-facing site (channel link).
    ``limit`` is the number of items per feed (0 = no limit). ``timezone``
    is applied to seed times written without an offset. ``formats`` are the
    feed formats written (rss, atom, json); ``ttl`` is the RSS cache hint in
    minutes (0: none); ``hub`` a WebSub hub; ``icon``/``logo`` image URLs;
    ``archive`` adds RFC 5005 archive pages; ``index_page`` writes index.html.
    ``jobs`` is the number of processes that parse seeds (0: one per core);
    ``cache`` keeps normalized seeds and output fingerprints in ``cache_dir``.
    ``ping`` notifies ``hub`` of each feed a build changed, waiting up to
    ``ping_timeout`` seconds for each answer.
    """

    seeds: Path = Path("seeds")
    out: Path = Path("feeds")
    patterns: tuple[str, ...] = ("*.txt", "*.md")
    title: str = "feedpub"
    description: str = "Articles published with feedpub"
    site_url: str = ""
    base_url: str = ""
    language: str = "en"
    author: str = ""
    limit: int = 50
    min_quality: int = 0
    include_unpublished: bool = False
    topics: tuple[str, ...] = ()
    exclude_topics: tuple[str, ...] = ()
    timezone: str = "UTC"
    formats: tuple[str, ...] = ("rss", "atom", "json")
    ttl: int = 0
    hub: str = ""
    icon: str = ""
    logo: str = ""
    archive: bool = False
    index_page: bool = True
    jobs: int = 0
    cache: bool = True
    cache_dir: Path = Path(".feedpub-cache")
    ping: bool = False
    ping_timeout: float = 10.0

    @property
    def feeds_url(self) -> str:
        """The base URL feeds are published under, always ending in '/'."""
        return self.base_url or FALLBACK_BASE_URL

    @property
    def home_url(self) -> str:
        """The site link: ``site_url``, else the feeds' own base URL."""
        return self.site_url or self.feeds_url

    @property
    def publisher(self) -> str:
        return self.author.strip() or self.title

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def processes(self) -> int:
        """How many processes parse seeds: ``jobs``, or one per core."""
        return self.jobs or os.cpu_count() or 1


DEFAULT_CONFIG = Config()
_PATH_KEYS = ("seeds", "out", "cache_dir")

# The TOML type each key must have; paths and lists are converted after the check.
_KEY_TYPES: dict[str, type | tuple[type, ...]] = {
    "seeds": str,
    "out": str,
    "patterns": list,
    "title": str,
    "description": str,
    "site_url": str,
    "base_url": str,
    "language": str,
    "author": str,
    "limit": int,
    "min_quality": int,
    "include_unpublished": bool,
    "topics": list,
    "exclude_topics": list,
    "timezone": str,
    "formats": list,
    "ttl": int,
    "hub": str,
    "icon": str,
    "logo": str,
    "archive": bool,
    "index_page": bool,
    "jobs": int,
    "cache": bool,
    "cache_dir": str,
    "ping": bool,
    "ping_timeout": (int, float),
}
assert set(_KEY_TYPES) == {f.name for f in fields(Config)}


def find_config_file(folder: Path) -> Path | None:
    """The config file that applies in ``folder``: feedpub.toml, else a pyproject.toml
    with a ``[tool.feedpub]`` table, else None."""
    candidate = folder / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = folder / PYPROJECT_FILE
    if pyproject.is_file() and _feedpub_table(pyproject, _read_toml(pyproject)) is not None:
        return pyproject
    return None


def load_config(path: Path | None = None, *, cwd: Path | None = None) -> Config:
    """Read and validate settings from ``path``, or from the file found in ``cwd``
    (default: the working directory).

    With no file at all the defaults apply, with paths relative to the working
    directory. Raises ConfigError naming the file
    and the key for anything unknown or mistyped.
    """
    if path is None:
        path = find_config_file(cwd or Path("."))
        if path is None:
            return validate(DEFAULT_CONFIG)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    data = _read_toml(path)
    if path.name == PYPROJECT_FILE:
        data = _feedpub_table(path, data) or {}
    values = _from_mapping(data, str(path))
    for key in _PATH_KEYS:
        values[key] = path.parent / values.get(key, getattr(DEFAULT_CONFIG, key))
    try:
        return validate(replace(DEFAULT_CONFIG, **values))
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None


def apply_overrides(config: Config, **overrides: Any) -> Config:
    """Return ``config`` with every override that is not None applied, validated."""
    given = {key: value for key, value in overrides.items() if value is not None}
    unknown = set(given) - set(_KEY_TYPES)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    for key in ("patterns", "topics", "exclude_topics", "formats"):
        if key in given:
            given[key] = tuple(given[key])
    for key in _PATH_KEYS:
        if key in given:
            given[key] = Path(given[key])
    return validate(replace(config, **given))


def validate(config: Config) -> Config:
    """Check values beyond their types; return the config with URLs tidied."""
    if config.limit < 0:
        raise ConfigError(f"limit must be 0 (no limit) or more, not {config.limit}")
    if not 0 <= config.min_quality <= 100:
        raise ConfigError(f"min_quality must be between 0 and 100, not {config.min_quality}")
    if not config.title.strip():
        raise ConfigError("title must not be empty: feeds require one")
    if not config.description.strip():
        raise ConfigError("description must not be empty: RSS requires one")
    if not 0 <= config.jobs <= MAX_JOBS:
        raise ConfigError(f"jobs must be 0 (one per core) to {MAX_JOBS}, not {config.jobs}")
    if not 0 < config.ping_timeout < float("inf"):  # also false for NaN
        raise ConfigError(f"ping_timeout must be a number of seconds above 0, not {config.ping_timeout}")
    if config.ttl < 0:
        raise ConfigError(f"ttl must be 0 (none) or a number of minutes, not {config.ttl}")
    unknown = [fmt for fmt in config.formats if fmt not in FEED_FORMATS]
    if unknown or not config.formats or len(set(config.formats)) != len(config.formats):
        raise ConfigError(
            f"formats must be a non-empty list of distinct values from {', '.join(FEED_FORMATS)}, "
            f"not {list(config.formats)}"
        )
    if config.archive and not config.limit:
        raise ConfigError("archive needs a limit above 0: it is the number of items per archive page")
    _check_patterns(config.patterns)
    _check_text(config)
    _check_timezone(config.timezone)
    for key in _PATH_KEYS:
        if "\0" in str(getattr(config, key)):
            raise ConfigError(f"{key} must be a path without NUL characters, not {str(getattr(config, key))!r}")
    urls = {key: _check_url(key, getattr(config, key)) for key in _URL_KEYS}
    return replace(config, **urls)


# The settings that end up as text in the feeds, and whether a line break is fine in them.
_TEXT_KEYS = {"title": False, "description": True, "author": False, "language": False}
# URL settings, and what each may not carry beyond the rule of urls.py.
_URL_KEYS = {
    # Feed paths are appended to base_url: a query or fragment would end up in
    # the middle of every feed URL (https://x.org/f/?a=1/all.atom.xml).
    "base_url": ("query", "fragment"),
    "site_url": (),
    "hub": ("fragment",),
    "icon": ("fragment",),
    "logo": ("fragment",),
}


def _check_text(config: Config) -> None:
    """Text settings must be characters a feed can hold; language a language tag."""
    for key, multiline in _TEXT_KEYS.items():
        value = getattr(config, key)
        bad = _NOT_TEXT.search(value) or (None if multiline else _LINE_BREAK.search(value))
        if bad:
            code = ord(bad.group())
            why = "a one-line setting cannot hold it" if bad.re is _LINE_BREAK else "feeds cannot hold it"
            hint = " (is it UTF-8?)" if 0xD800 <= code <= 0xDFFF else ""  # undecodable bytes of argv
            raise ConfigError(f"{key} holds the character U+{code:04X}{hint} at position {bad.start() + 1}: "
                              f"{why}; remove it")
    if not _LANGUAGE_TAG.fullmatch(config.language):
        raise ConfigError(
            f"language must be a language tag such as 'en', 'de-CH' or 'pt-BR' (RFC 5646), not {config.language!r}"
        )


def _check_patterns(patterns: tuple[str, ...]) -> None:
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


def _check_timezone(name: str) -> None:
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


def _check_url(key: str, value: str) -> str:
    """The URL setting ``key`` tidied (stripped; base_url ending in '/'), or ConfigError."""
    value = value.strip()
    if not value:
        return value
    # The rule seed links follow (urls.py), then what this setting may not carry.
    problem = url_problem(value)
    if not problem and "query" in _URL_KEYS[key] and "?" in value:
        problem = "has a query (?...), but feed paths are appended to it"
    if not problem and "fragment" in _URL_KEYS[key] and "#" in value:
        problem = "has a fragment (#...), which this URL cannot have"
    if problem:
        raise ConfigError(f"{key} {shown(value)!r} {problem}")
    if key == "base_url" and not value.endswith("/"):
        value += "/"  # feed paths are joined onto it
    return value


def deployment_warnings(config: Config) -> list[str]:
    """What a real deployment must set but this config leaves to a default."""
    if config.base_url:
        return []
    return [
        "base_url is not set: feeds link to themselves at "
        f"{FALLBACK_BASE_URL}; set base_url (or --base-url) to the public URL "
        "where the output folder is served before publishing"
    ]


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in ``path``. It must be UTF-8 (TOML 1.0 says so); a
    UTF-8 byte-order mark, which some Windows editors write, is accepted."""
    if sys.version_info >= (3, 11):  # imported here: most builds have no config file
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: the file is UTF-16; TOML files must be UTF-8, so save it as UTF-8")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8 (byte offset {error.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _feedpub_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The ``[tool.feedpub]`` table of a pyproject.toml's ``data``, or None without one."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table ([tool]), not {_toml_type(tool)}")
    table = tool.get("feedpub")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.feedpub must be a table ([tool.feedpub]), not {_toml_type(table)}")
    return table


def _toml_type(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a float", list: "an array"}
    return names.get(type(value), f"a {type(value).__name__}")


def _from_mapping(data: dict[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _KEY_TYPES:
            raise ConfigError(f"{where}: unknown key {key!r}{_did_you_mean(key)}")
        expected = _KEY_TYPES[key]
        # bool is an int in Python; a limit of `true` is a mistake, not 1.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(
                f"{where}: {key} must be {_type_name(expected)}, not {type(value).__name__}"
            )
        if expected is list:
            if not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{where}: {key} must be a list of strings")
            value = tuple(value)
        values[key] = Path(value) if key in _PATH_KEYS else value
    return values


def _did_you_mean(key: str) -> str:
    import difflib  # only for a misspelt key

    matches = difflib.get_close_matches(key, _KEY_TYPES, n=1)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list", (int, float): "a number"}
    return names[expected]  # type: ignore[index]
