"""Read a seed's date: text, a YAML date or a YAML datetime, to a UTC datetime.

Text dates are read strictly, so a seed reads the same on every machine and
any day: year, month and day must all be written, day and month may not both
be numbers unless the year comes first, a weekday must match its date, and
the only zone names are those that mean UTC everywhere. Nothing here knows
seeds: a date that cannot be read raises ValueError (or OverflowError) saying
why, and normalize.py names the field and the file.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from .values import type_name

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


def to_utc(value: Any, tz: tzinfo) -> datetime:
    """Return ``value`` (datetime, date or string) as an aware UTC datetime with
    whole seconds. Naive times are taken to be in ``tz``; a date is midnight there.

    Raises ValueError or OverflowError for text that is not a whole date (see
    :func:`parse_text_date`).
    """
    if type(value) is datetime and value.tzinfo is timezone.utc and not value.microsecond:
        return value  # what a seed's `2021-01-26T21:12:00Z` reads as: already the answer
    if isinstance(value, str):
        value = parse_text_date(value)
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise ValueError(f"expected a date and time, not {type_name(value)}")
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
