"""Settings: one typed Config, every default in one place, one validation pass.

Settings come from ``feedpub.toml`` (or ``[tool.feedpub]`` in ``pyproject.toml``)
and then from command-line flags, which win. Relative paths in a config file
are resolved against that file's folder; relative paths on the command line
against the working directory. config_file.py finds and reads the file;
config_values.py holds the rules for values that need more than a line here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config_file import PYPROJECT_FILE, feedpub_table, find_config_file, read_toml
from .config_values import URL_KEYS, check_patterns, check_text, check_timezone, check_url
from .errors import ConfigError
from .render import FEED_FORMATS

# Where feeds are served when nobody said: `feedpub serve` style local preview.
FALLBACK_BASE_URL = "http://localhost:8000/"
# More worker processes than this is a typo, not a machine: each one is a fork
# of the build, and a huge number fails deep in multiprocessing (OverflowError).
MAX_JOBS = 256


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
    data = read_toml(path)
    if path.name == PYPROJECT_FILE:
        data = feedpub_table(path, data) or {}
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
    check_patterns(config.patterns)
    check_text(config)
    check_timezone(config.timezone)
    for key in _PATH_KEYS:
        if "\0" in str(getattr(config, key)):
            raise ConfigError(f"{key} must be a path without NUL characters, not {str(getattr(config, key))!r}")
    urls = {key: check_url(key, getattr(config, key)) for key in URL_KEYS}
    return replace(config, **urls)


def deployment_warnings(config: Config) -> list[str]:
    """What a real deployment must set but this config leaves to a default."""
    if config.base_url:
        return []
    return [
        "base_url is not set: feeds link to themselves at "
        f"{FALLBACK_BASE_URL}; set base_url (or --base-url) to the public URL "
        "where the output folder is served before publishing"
    ]


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
