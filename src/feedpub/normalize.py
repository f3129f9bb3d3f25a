"""Turn a seed's front matter into an Article, field by field, in one place.

Each field has one normalizer, in the spirit of Pelican's METADATA_PROCESSORS.
A field that cannot be used at all rejects the seed (SeedError); a field that
can be fixed up is fixed and reported (SeedWarning). Only fields mapped here
reach an Article, so private fields such as ``secured`` never reach a feed.
Text and URLs are cleaned by values.py, dates read by dates.py, whatever the
field; what each field means and allows is decided here.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, tzinfo
from typing import Any, Callable

from .dates import to_utc
from .errors import SeedError, SeedWarning
from .model import Article, Image, Provider, Related
from .seeds import FrontMatter
from .topics import topic_key
from .values import Warn, clean_text, clean_url, show_value, type_name, yaml_boolean

LINK_FIELDS = ("webUrl", "originalUrl")
# Articles are not older than this; earlier dates are typos (and RSS dates
# need four-digit years).
MIN_YEAR = 1900
# A provider domain must look like a host name before it becomes a link.
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)


def normalize_article(front: FrontMatter, tz: tzinfo, warnings: list[SeedWarning]) -> Article:
    """Build an Article from ``front``; raise SeedError when it cannot be published.

    ``tz`` applies to times written without an offset. Fix-ups are appended to
    ``warnings``.
    """
    data = front.data

    def warn(field: str, message: str) -> None:
        warnings.append(SeedWarning(front.path, message, front.line_of(field)))

    def fail(field: str, message: str) -> SeedError:
        return SeedError(front.path, message, front.line_of(field))

    if isinstance(data.get("title"), bool):
        # `title: no` is False to YAML 1.1: "missing title" would hide why.
        raise fail("title", yaml_boolean("title", data["title"]))
    title = clean_text(data.get("title"), "title", warn)
    if not title:
        raise fail("title", "missing title")
    link = _link(data, fail, warn)
    published_at = _required_datetime(data, "publishedDateTime", tz, fail)
    updated_at = _optional_datetime(data, "updatedDateTime", tz, fail) or published_at
    return Article(
        id=link,
        title=title,
        link=link,
        summary=clean_text(data.get("excerpt"), "excerpt", warn),
        published_at=published_at,
        updated_at=updated_at,
        published=_published(data.get("published"), warn),
        quality=_quality(data.get("quality"), warn),
        heat=_optional_int(data, "heat", warn),
        provider=_provider(data.get("provider"), warn),
        topics=normalize_topics(data.get("topics"), warn),
        images=_images(data.get("images"), warn),
        related=_related(data.get("related"), warn),
        category=clean_text(data.get("category"), "category", warn),
        kind=clean_text(data.get("type"), "type", warn),
        source=front.path,
    )


def _link(data: dict[str, Any], fail: Callable[[str, str], SeedError], warn: Warn) -> str:
    """The first usable of webUrl and originalUrl; a seed with neither is rejected
    with the reason each was refused."""
    reasons = []
    for field in LINK_FIELDS:
        value = data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        problems: list[str] = []
        link = clean_url(value, field, lambda _field, message: problems.append(message))
        if link:
            for message in reasons:
                warn(LINK_FIELDS[0], f"{message}; using {field}")
            return link
        reasons.extend(problems)
    if reasons:
        raise fail(LINK_FIELDS[0], "no usable link: " + "; ".join(reasons))
    raise fail(LINK_FIELDS[0], "missing link: set webUrl (or originalUrl) to an absolute http(s) URL")


def _published(value: Any, warn: Warn) -> bool:
    """Only the boolean true publishes. YAML reads unquoted yes/on/true as true;
    a quoted "yes" or "true" is a string, which is not a decision to publish."""
    if value is None or isinstance(value, bool):
        return value is True
    warn("published", f"published must be true or false, not {show_value(value)}; treated as unpublished")
    return False


def _quality(value: Any, warn: Warn) -> int | None:
    """A whole number 0-100. Numeric text and fractions are rounded down with a
    warning; anything else, or a value out of range, counts as no quality."""
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value == value and abs(value) != float("inf"):
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d*)?\s*", value):
        number = int(float(value))
    if number is None:
        warn("quality", f"quality must be a whole number 0-100, not {show_value(value)}; treated as missing")
        return None
    if not 0 <= number <= 100:
        warn("quality", f"quality {number} is outside 0-100; treated as missing")
        return None
    if number != value:
        warn("quality", f"quality {show_value(value)} read as {number}")
    return number


def normalize_topics(value: Any, warn: Warn) -> tuple[str, ...]:
    """Return topic display names from a list (or a single string), de-duplicated
    by topic key in first-seen order; empty and non-text entries are dropped."""
    if value is None:
        return ()
    if isinstance(value, str):
        warn("topics", "topics is a single string, not a list; read as one topic")
        value = [value]
    if not isinstance(value, list):
        warn("topics", f"topics must be a list of names, not {type_name(value)}; ignored")
        return ()
    names: dict[str, str] = {}
    for item in value:
        if isinstance(item, bool):
            # The text written (NO, on, yes...) is gone once YAML read it.
            warn("topics", f"topic {item} is a YAML boolean (quote names such as NO, ON, YES); ignored")
            continue
        if not isinstance(item, (str, int, float)):
            warn("topics", f"topic {show_value(item)} is not a name; ignored")
            continue
        name = clean_text(item, "topics", warn, "topic")
        key = topic_key(name)
        if key:
            names.setdefault(key, name)
    return tuple(names.values())


def _required_datetime(data: dict[str, Any], field: str, tz: tzinfo, fail: Callable[[str, str], SeedError]) -> datetime:
    value = data.get(field)
    if value in (None, ""):
        raise fail(field, f"missing date: set {field}, e.g. 2021-01-26T21:12:00Z")
    return _parse_datetime(value, field, tz, fail)


def _optional_datetime(data: dict[str, Any], field: str, tz: tzinfo, fail: Callable[[str, str], SeedError]) -> datetime | None:
    value = data.get(field)
    if value in (None, ""):
        return None
    return _parse_datetime(value, field, tz, fail)


def _parse_datetime(value: Any, field: str, tz: tzinfo, fail: Callable[[str, str], SeedError]) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise fail(field, _number_not_date(field, value))
    try:
        result = to_utc(value, tz)
    except (ValueError, OverflowError) as error:
        # The value is shown once, here: drop it where a message ends with it.
        reason = str(error).removesuffix(f": {value}")[:200]
        raise fail(field, f"{field} is not a date: {show_value(str(value))} ({reason})") from None
    if result.year < MIN_YEAR:
        raise fail(field, f"{field} {result.date().isoformat()} is before {MIN_YEAR}: not a plausible article date")
    return result


def _number_not_date(field: str, value: int | float) -> str:
    """YAML 1.1 reads an unquoted 10:00 as the number 600 (base 60): say so."""
    shown = show_value(value).strip("'")
    hint = ""
    if isinstance(value, int) and 0 <= value < 24 * 60:
        hint = f"YAML reads an unquoted {value // 60}:{value % 60:02d} as {value}; "
    return f"{field} is a number ({shown}), not a date: {hint}write a full date and time in quotes, e.g. '2024-01-05 10:00'"


def _optional_int(data: dict[str, Any], field: str, warn: Warn) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    warn(field, f"{field} must be a whole number, not {show_value(value)}; treated as missing")
    return None


def _provider(value: Any, warn: Warn) -> Provider | None:
    """A mapping with name and domain. A bare string is taken as the name, with
    a warning; a domain that is not a host name is dropped, with a warning."""
    if value is None:
        return None
    if isinstance(value, str):
        warn("provider", "provider is a single string, not a mapping with name and domain; read as the name")
        value = {"name": value}
    if not isinstance(value, dict):
        warn("provider", f"provider must be a mapping with name and domain, not {type_name(value)}; ignored")
        return None
    name = clean_text(value.get("name"), "provider", warn, "provider name")
    domain = clean_text(value.get("domain"), "provider", warn).lower()
    if domain and not _is_host_name(domain):
        warn("provider", f"provider domain {show_value(domain)} is not a host name; ignored")
        domain = ""
    if not name and not domain:
        return None
    return Provider(name or domain, domain)


@functools.lru_cache(maxsize=4096)
def _is_host_name(domain: str) -> bool:
    """Memoized: a corpus has few providers, and the regex costs a seed more than the rest of its provider."""
    return _DOMAIN.fullmatch(domain) is not None


def _images(value: Any, warn: Warn) -> tuple[Image, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        warn("images", "images is a single string, not a list of mappings with url; read as one image URL")
        value = [{"url": value}]
    if not isinstance(value, list):
        warn("images", f"images must be a list of mappings with url, not {type_name(value)}; ignored")
        return ()
    images = []
    for item in value:
        if not isinstance(item, dict):
            warn("images", f"image entry must be a mapping with url, not {type_name(item)}; ignored")
            continue
        url = clean_url(item.get("url"), "image url", lambda f, m: warn("images", m + "; image dropped")) \
            if item.get("url") is not None else ""
        if url:
            images.append(Image(url, _dimension(item.get("width")), _dimension(item.get("height"))))
    return tuple(images)


def _dimension(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _related(value: Any, warn: Warn) -> tuple[Related, ...]:
    if not isinstance(value, list):
        if value is not None:
            warn("related", f"related must be a list of articles, not {type_name(value)}; ignored")
        return ()
    related = []
    for item in value:
        if not isinstance(item, dict):
            continue
        title = clean_text(item.get("title"), "related", warn, "related title")
        link = ""
        for field in ("webUrl", "originalUrl"):
            if item.get(field):
                link = clean_url(item[field], "related", warn)
                if link:
                    break
        if title and link:
            related.append(Related(title, link))
    return tuple(related)


