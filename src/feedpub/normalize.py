"""Turn a seed's front matter into an Article, field by field, in one place.

Each field has one normalizer, in the spirit of Pelican's METADATA_PROCESSORS.
A field that cannot be used at all rejects the seed (SeedError); a field that
can be fixed up is fixed and reported (SeedWarning). Only fields mapped here
reach an Article, so private fields such as ``secured`` never reach a feed.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Callable

from .errors import SeedError, SeedWarning
from .model import Article, Image, Provider, Related
from .seeds import FrontMatter
from .topics import topic_key
from .urls import shown, url_problem

# XML 1.0 Char production (https://www.w3.org/TR/xml/#charsets): everything
# else, C0 controls and lone surrogates included, makes a feed unparsable.
# Left to re's cache to compile on first use: a class over most of Unicode takes
# 3 ms to compile, in every process that imports this, and most builds never need it.
_XML_FORBIDDEN = "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_WHITESPACE = re.compile(r"\s+")
LINK_FIELDS = ("webUrl", "originalUrl")
# Articles are not older than this; earlier dates are typos (and RSS dates
# need four-digit years).
MIN_YEAR = 1900
# dateutil's defaults for the parts a text date lacks, differing in year, month
# and day. Both leap years, so that `Feb 29` is read (and refused for lacking
# a year), and 31-day months, so that a day without a month is never clipped.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2004, 3, 2))
# `GMT-0500` (JavaScript's Date.toString), `UTC+3`: dateutil reads the sign
# the POSIX way, reversed (UTC+3 as 03:00 west of Greenwich), and drops the
# offset in `GMT +03:00`.
_NAME_THEN_OFFSET = re.compile(r"(?<![A-Za-z])(?:UTC|GMT|UT|Z)\s*([+-])\s*(\d{1,2}):?(\d{2})?", re.IGNORECASE)
# Zone names that mean UTC everywhere, in any case (dateutil knows only the
# upper-case ones): upper-cased before parsing. UT is RFC 822's.
_UTC_NAMES = re.compile(r"(?<![A-Za-z])(?:utc|gmt|ut|z)(?![A-Za-z])", re.IGNORECASE)
# A time (10:00, 10:00:05.5) and an offset after a space (-0500, +05:30): what
# is left of a numeric date once these are removed are its day, month and year.
_TIME_OR_OFFSET = re.compile(r"\d+(?::\d+)+(?:[.,]\d+)?|(?<=\s)[+-]\d{2}:?\d{2}(?!\d)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A provider domain must look like a host name before it becomes a link.
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)

Warn = Callable[[str, str], None]  # (field, message)


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
        raise fail("title", _yaml_boolean("title", data["title"]))
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
    warn("published", f"published must be true or false, not {_show(value)}; treated as unpublished")
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
        warn("quality", f"quality must be a whole number 0-100, not {_show(value)}; treated as missing")
        return None
    if not 0 <= number <= 100:
        warn("quality", f"quality {number} is outside 0-100; treated as missing")
        return None
    if number != value:
        warn("quality", f"quality {_show(value)} read as {number}")
    return number


def clean_text(value: Any, field: str, warn: Warn, label: str = "") -> str:
    """Return ``value`` as one line of text XML can carry: stripped, whitespace
    runs folded to one space, forbidden characters removed (with a warning).

    None gives ''. A number gives its text, with a warning: YAML 1.1 reads
    unquoted ``12:30`` as 750 and ``010`` as 8, so the text written is lost.
    True/false and other types warn and give ''. ``label`` names the value in
    messages (default: ``field``, the key whose line they carry).
    """
    label = label or field
    if value is None:
        return ""
    if isinstance(value, bool):
        warn(field, _yaml_boolean(label, value) + "; ignored")
        return ""
    if not isinstance(value, (str, int, float)):
        warn(field, f"{label} must be text, not {_type_name(value)}; ignored")
        return ""
    if not isinstance(value, str):
        text = str(value)
        warn(field, f"{label} is a number to YAML ({text}); quote it to keep the text as written")
        return text
    text = value
    # Printable text has no XML-forbidden characters and no whitespace but the
    # space: the common case needs no regex.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    cleaned = re.sub(_XML_FORBIDDEN, "", text)  # compiled on first use, by re's cache
    if cleaned != text:
        warn(field, f"{field} holds characters XML does not allow; removed")
    return _WHITESPACE.sub(" ", cleaned).strip()


def clean_url(value: Any, field: str, warn: Warn) -> str:
    """Return ``value`` if it is a usable URL by urls.py's rule (surrounding
    spaces removed), else '' with a warning naming the field and the reason."""
    if not isinstance(value, str):
        warn(field, f"{field} must be a URL, not {_type_name(value)}")
        return ""
    url = value.strip()
    if not url:
        return ""
    problem = url_problem(url)
    if problem:
        warn(field, f"{field} {_show(shown(url))} {problem}")
        return ""
    return url


def normalize_topics(value: Any, warn: Warn) -> tuple[str, ...]:
    """Return topic display names from a list (or a single string), de-duplicated
    by topic key in first-seen order; empty and non-text entries are dropped."""
    if value is None:
        return ()
    if isinstance(value, str):
        warn("topics", "topics is a single string, not a list; read as one topic")
        value = [value]
    if not isinstance(value, list):
        warn("topics", f"topics must be a list of names, not {_type_name(value)}; ignored")
        return ()
    names: dict[str, str] = {}
    for item in value:
        if isinstance(item, bool):
            # The text written (NO, on, yes...) is gone once YAML read it.
            warn("topics", f"topic {item} is a YAML boolean (quote names such as NO, ON, YES); ignored")
            continue
        if not isinstance(item, (str, int, float)):
            warn("topics", f"topic {_show(item)} is not a name; ignored")
            continue
        name = clean_text(item, "topics", warn, "topic")
        key = topic_key(name)
        if key:
            names.setdefault(key, name)
    return tuple(names.values())


def to_utc(value: Any, tz: tzinfo) -> datetime:
    """Return ``value`` (datetime, date or string) as an aware UTC datetime with
    whole seconds. Naive times are taken to be in ``tz``; a date is midnight there.

    Raises ValueError or OverflowError for text that is not a whole date (see
    :func:`parse_text_date`).
    """
    if isinstance(value, str):
        value = parse_text_date(value)
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise ValueError(f"expected a date and time, not {_type_name(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc).replace(microsecond=0)


def parse_text_date(text: str) -> datetime:
    """Read a date written as text: naive, or aware when it gives a zone.

    The text must give year (four digits), month and day; a time is optional.
    The only zone names read are UTC, GMT, UT and Z, in any case; any other
    zone must be a numeric offset. Day and month must not both be numbers
    unless the year comes first, and a weekday must match the date. Nothing is taken from the clock or the machine's time zone,
    so a seed reads the same on every machine, any day. Raises ValueError
    naming what is wrong, or OverflowError.
    """
    import dateutil.parser  # only seeds with dates as text need it

    if _looks_iso(text):
        return dateutil.parser.isoparse(text.strip())
    offset = _NAME_THEN_OFFSET.search(text)
    if offset:
        raise ValueError(_name_then_offset_reason(offset))
    text = _UTC_NAMES.sub(lambda name: name.group().upper(), text)
    # dateutil fills the parts the text lacks from ``default`` (today's date
    # when not given): parsed with two defaults that differ in year, month and
    # day, a lacking part comes out different.
    try:
        first, second = (_text_date_parser().parse(text, default=default, tzinfos=_text_zone) for default in _DEFAULTS)
    except dateutil.parser.ParserError as error:
        # Its message ends with ': <the input>', which the caller shows already.
        raise ValueError(str(error.args[0]).removesuffix(": %s")) from None
    missing = [part for part in ("year", "month", "day") if getattr(first, part) != getattr(second, part)]
    if missing:
        listed = ", ".join(missing[:-1]) + " or " + missing[-1] if len(missing) > 1 else missing[0]
        raise ValueError(f"no {listed}: a date needs year, month and day")
    _refuse_day_month_numbers(text, first)
    _refuse_wrong_weekday(text, first)
    return first


def _name_then_offset_reason(found: re.Match[str]) -> str:
    """Why `GMT-0500` is refused, with the input's own offset as the example:
    the ISO form is what it means there, whatever the writer meant."""
    sign, hours, minutes = found.group(1), int(found.group(2)), int(found.group(3) or 0)
    side = "behind" if sign == "-" else "ahead of"
    amount = f"{hours} hour{'s' * (hours != 1)}" + (f" {minutes} minutes" if minutes else "")
    return f"a zone name before an offset reads backwards: write {sign}{hours:02d}:{minutes:02d} alone ({amount} {side} UTC)"


def _refuse_day_month_numbers(text: str, read: datetime) -> None:
    """Refuse a date whose day and month are both numbers, not year first.

    05/01/2024 is 5 January in most of the world and 1 May in the US: dateutil
    guesses month first. 13/01/2024 can only be 13 January, but a seed must not
    be readable or not depending on whether a number exceeds 12, so every such
    date is refused. Year first (2024/01/05, ISO) and month names are read.
    """
    if any(_text_date_parser().info.month(word) for word in re.findall(r"[A-Za-z]+", text)):
        return
    numbers = re.findall(r"\d+", _TIME_OR_OFFSET.sub(" ", text))
    if len(numbers) < 3 or len(numbers[0]) > 2:
        return
    first, second = int(numbers[0]), int(numbers[1])
    # Day first (most of the world), then month first (the US); one when equal or one exceeds 12.
    readings = list(dict.fromkeys((month, day) for day, month in ((first, second), (second, first)) if month <= 12))
    iso = " or ".join(f"{read.year}-{month:02d}-{day:02d}" for month, day in readings)
    if len(readings) > 1:
        day_month = " or ".join(f"{day} {_MONTHS[month - 1]}" for month, day in readings)
        raise ValueError(f"ambiguous: {day_month}; write {iso}")
    raise ValueError(f"day and month as numbers are refused even where one exceeds 12; write {iso}")


def _refuse_wrong_weekday(text: str, read: datetime) -> None:
    """A weekday that contradicts the date is an error: one of the two is wrong,
    and nothing tells which (dateutil ignores the weekday)."""
    for word in re.findall(r"[A-Za-z]+", text):
        weekday = _text_date_parser().info.weekday(word)
        if weekday is not None and weekday != read.weekday():
            raise ValueError(f"{read.date().isoformat()} is a {_WEEKDAYS[read.weekday()]}, not a {_WEEKDAYS[weekday]}:"
                             f" correct the date or the weekday")


def _text_zone(name: str | None, offset: int | None) -> tzinfo | None:
    """The zone of a text date, given dateutil's zone name and offset (seconds).

    Given as ``tzinfos``, this replaces dateutil's own lookup, which takes the
    machine's zone names (time.tzname: `EST` on a New York machine) for the
    machine's zone: here a name means the same everywhere or is an error.
    """
    if name == "UT":  # RFC 822's name for UTC, which dateutil does not know
        return timezone.utc
    if name not in (None, "UTC", "GMT"):  # dateutil has already made Z and z UTC, with offset 0
        raise ValueError(f"zone name {name!r} is ambiguous: use UTC, GMT, Z or an offset such as -05:00")
    return None if offset is None else timezone(timedelta(seconds=offset))


@functools.cache
def _text_date_parser() -> Any:
    """dateutil's parser, refusing two-digit years: dateutil reads them as the
    year nearest the current one, so `Jan 5 24` would change with the clock."""
    import dateutil.parser

    class FourDigitYears(dateutil.parser.parserinfo):
        def convertyear(self, year: int, century_specified: bool = False) -> int:
            if year < 100 and not century_specified:
                raise ValueError("two-digit year: write all four digits")
            return year

    return dateutil.parser.parser(FourDigitYears())


def _looks_iso(text: str) -> bool:
    return bool(re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?\s*", text))


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
        raise fail(field, f"{field} is not a date: {_show(str(value))} ({reason})") from None
    if result.year < MIN_YEAR:
        raise fail(field, f"{field} {result.date().isoformat()} is before {MIN_YEAR}: not a plausible article date")
    return result


def _number_not_date(field: str, value: int | float) -> str:
    """YAML 1.1 reads an unquoted 10:00 as the number 600 (base 60): say so."""
    shown = _show(value).strip("'")
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
    warn(field, f"{field} must be a whole number, not {_show(value)}; treated as missing")
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
        warn("provider", f"provider must be a mapping with name and domain, not {_type_name(value)}; ignored")
        return None
    name = clean_text(value.get("name"), "provider", warn, "provider name")
    domain = clean_text(value.get("domain"), "provider", warn).lower()
    if domain and not _DOMAIN.fullmatch(domain):
        warn("provider", f"provider domain {_show(domain)} is not a host name; ignored")
        domain = ""
    if not name and not domain:
        return None
    return Provider(name or domain, domain)


def _images(value: Any, warn: Warn) -> tuple[Image, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        warn("images", "images is a single string, not a list of mappings with url; read as one image URL")
        value = [{"url": value}]
    if not isinstance(value, list):
        warn("images", f"images must be a list of mappings with url, not {_type_name(value)}; ignored")
        return ()
    images = []
    for item in value:
        if not isinstance(item, dict):
            warn("images", f"image entry must be a mapping with url, not {_type_name(item)}; ignored")
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
            warn("related", f"related must be a list of articles, not {_type_name(value)}; ignored")
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


def _yaml_boolean(label: str, value: bool) -> str:
    # The text written is gone: YAML 1.1 reads unquoted yes/no/on/off/true/false alike.
    return (f"{label} is true/false to YAML ({str(value).lower()}: unquoted yes, no, on, off are booleans); "
            "quote it to keep the text as written")


def _type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", bool: "true/false", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def _show(value: Any, limit: int = 60) -> str:
    """A short, quoted, single-line rendering of a value for messages: never
    echo a whole field (it may hold anything, secrets included)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
