import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, strategies as st

from feedpub import apply_overrides, build, urls
from feedpub.cli import cli
from feedpub.errors import SeedError
from feedpub.loader import load_bytes
from feedpub.model import Image, Provider, Related
from feedpub.normalize import clean_text, clean_url, normalize_article, to_utc
from feedpub.seeds import parse_front_matter

from conftest import FIXTURES, article_fields, make_config, seed_text, write_seed

UTC = timezone.utc


def normalize(text, tz=UTC):
    warnings = []
    article = normalize_article(parse_front_matter(text, "s.txt"), tz, warnings)
    return article, [str(w) for w in warnings]


def reference_seed_text():
    return (FIXTURES / "reference" / "seeds" / "000_77bf33f9c013f39a.txt").read_text(encoding="utf-8")


def test_reference_seed_normalizes_to_every_mapped_field():
    article, warnings = normalize(reference_seed_text())
    assert warnings == []
    url = "https://www.stamfordadvocate.com/news/article/NY-civil-rights-advocates-back-facial-recognition-15900061.php"
    assert article.id == article.link == url
    assert article.title == "NY civil rights advocates back facial recognition ban"
    assert article.summary.endswith("the civil rights of “marginalized” communities.")
    assert article.published_at == datetime(2021, 1, 26, 21, 12, tzinfo=UTC)
    assert article.updated_at == article.published_at
    assert (article.published, article.quality, article.heat) == (False, 59, -1)
    assert article.provider == Provider("StamfordAdvocate", "stamfordadvocate.com")
    assert article.topics == ("Computer Vision", "AI")
    assert article.images == (Image("https://cdn.ex.co/amp/mcd/logo_600x336.png", 600, 336),)
    assert article.related[0] == Related(
        "Staten Island DA Draws Criticism for Facial Recognition Use",
        "https://www.govtech.com/public-safety/Staten-Island-DA-Draws-Criticism-for-Facial-Recognition-Use.html",
    )
    assert (article.category, article.kind, article.source) == ("news", "article", "s.txt")


def test_private_and_unmapped_fields_are_not_kept():
    article, _ = normalize(reference_seed_text())
    assert not hasattr(article, "__dict__")  # slots: no stray attributes can ride along
    values = repr(article)
    assert "YMxt16Zvw" not in values  # the `secured` blob
    assert "ampproject" not in values  # cdnAmpWebUrl is not mapped


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        (datetime(2021, 1, 26, 21, 12, tzinfo=UTC), UTC, datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),
        (datetime(2021, 1, 26, 21, 12, 5, 999), UTC, datetime(2021, 1, 26, 21, 12, 5, tzinfo=UTC)),
        (datetime(2021, 1, 26, 21, 12, 5, 999, tzinfo=UTC), UTC, datetime(2021, 1, 26, 21, 12, 5, tzinfo=UTC)),
        (datetime(2021, 1, 26, 21, 12), ZoneInfo("Europe/Berlin"), datetime(2021, 1, 26, 20, 12, tzinfo=UTC)),
        (date(2021, 1, 26), UTC, datetime(2021, 1, 26, tzinfo=UTC)),
        ("2021-01-26T21:12:00+02:00", UTC, datetime(2021, 1, 26, 19, 12, tzinfo=UTC)),
        ("2021-01-26", UTC, datetime(2021, 1, 26, tzinfo=UTC)),
        ("Tue, 26 Jan 2021 21:12:00 GMT", UTC, datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),
        (" 2021-01-26 21:12 ", ZoneInfo("America/New_York"), datetime(2021, 1, 27, 2, 12, tzinfo=UTC)),
    ],
)
def test_dates_become_aware_utc_whatever_yaml_made_of_them(value, tz, expected):
    result = to_utc(value, tz)
    assert result == expected
    assert result.tzinfo is UTC and result.microsecond == 0


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Jan 5 2024 10:00 EST", "EST"),  # the machine's own zone on a New York machine
        ("2024-01-05 10:00 CEST", "CEST"),
        ("Jan 5 2024 10:00 IST", "IST"),  # India, Israel or Ireland
        ("Jul 5 2024 10:00 BST", "BST"),
        ("Jan 5 2024 12:30 AI", "AI"),
        ("Jan 5 2024 10:00 +0200 (CEST)", "CEST"),
    ],
)
def test_a_time_zone_name_other_than_utc_or_gmt_is_an_error_not_a_guess(value, name, recwarn):
    # Read as local time it would be off by hours; read as the machine's zone
    # where the machine uses the name, it would differ from machine to machine.
    with pytest.raises(ValueError) as caught:
        to_utc(value, UTC)
    assert str(caught.value) == f"zone name {name!r} is ambiguous: use UTC, GMT, Z or an offset such as -05:00"
    assert not recwarn.list


@pytest.mark.parametrize(
    "value", ["Fri Jan 05 2024 10:00:00 GMT-0500", "2024-01-05 10:00 UTC+3", "2024-01-05 10:00 GMT +03:00",
              "Jan 5 2024 10:00 Z-5", "2024-01-05T10:00Z+03:00", "Jan 5 2024 10:00 ut-5"])
def test_a_zone_name_before_an_offset_is_an_error_as_dateutil_reads_it_backwards(value):
    # dateutil reads GMT-0500 (JavaScript's Date.toString) as five hours *east*.
    with pytest.raises(ValueError, match="a zone name before an offset reads backwards"):
        to_utc(value, UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jan 5 2024 10:00 -0500", datetime(2024, 1, 5, 15, tzinfo=UTC)),
        ("Jan 5 2024 10:00 +05:30", datetime(2024, 1, 5, 4, 30, tzinfo=UTC)),
        ("Jan 5 2024 10:00 GMT", datetime(2024, 1, 5, 10, tzinfo=UTC)),
        ("Jul 5 2024 10:00 UTC", datetime(2024, 7, 5, 10, tzinfo=UTC)),
        ("Jan 5 2024 10:00 Z", datetime(2024, 1, 5, 10, tzinfo=UTC)),
        ("Jan 5 2024 10:00", datetime(2024, 1, 5, 9, tzinfo=UTC)),  # in `timezone`, Berlin here
        ("5 January 2024", datetime(2024, 1, 4, 23, tzinfo=UTC)),  # midnight in Berlin
    ],
)
def test_utc_gmt_z_and_numeric_offsets_are_read_and_no_zone_means_the_configured_one(value, expected):
    assert to_utc(value, ZoneInfo("Europe/Berlin")) == expected


# Dates as people write them, without a part dateutil would take from today:
# (text, what it lacks, the same date whole, the day that is).
PARTIAL_DATES = [
    ("Jan 5", "year", "Jan 5 2024", date(2024, 1, 5)),
    ("5 March", "year", "5 March 2024", date(2024, 3, 5)),
    ("Feb 29", "year", "Feb 29 2024", date(2024, 2, 29)),
    ("March 2024", "day", "March 5 2024", date(2024, 3, 5)),
    ("2024-03", "day", "2024-03-05", date(2024, 3, 5)),
    ("2024", "month or day", "2024 March 5", date(2024, 3, 5)),
    ("10:00", "year, month or day", "2024-03-05 10:00", date(2024, 3, 5)),
    ("Tuesday 10:00", "year, month or day", "Tuesday 5 March 2024 10:00", date(2024, 3, 5)),
]


def line_of(text, field):
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(field + ":"))


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "pyyaml"])
@pytest.mark.parametrize("field", ["publishedDateTime", "updatedDateTime"])
@pytest.mark.parametrize(("value", "missing", "whole", "day"), PARTIAL_DATES)
def test_a_date_without_year_month_or_day_is_an_error_naming_the_missing_part(value, missing, whole, day, field, fast):
    fields = dict(title="T", webUrl="https://x.example/a", publishedDateTime="2024-01-05T10:00:00Z")
    text = seed_text(**{**fields, field: value})
    with pytest.raises(SeedError) as caught:
        load_bytes(text.encode(), "s.txt", UTC, fast=fast)
    assert caught.value.message == f"{field} is not a date: {value!r} (no {missing}: a date needs year, month and day)"
    assert caught.value.line == line_of(text, field)
    # The same date given whole is read, from the text alone.
    article, _ = load_bytes(seed_text(**{**fields, field: whole}).encode(), "s.txt", UTC, fast=fast)
    read = article.published_at if field == "publishedDateTime" else article.updated_at
    assert read.date() == day


@pytest.mark.parametrize(
    ("value", "whole"),
    [("Tue, 26 Jan 21 21:12:00 GMT", "Tue, 26 Jan 2021 21:12:00 GMT"), ("24/1/5", "2024/1/5"),
     ("Jan 5 24 10:00", "Jan 5 2024 10:00")],
)
def test_a_two_digit_year_is_an_error_as_dateutil_takes_the_century_from_the_clock(value, whole):
    with pytest.raises(ValueError, match="^two-digit year: write all four digits$"):
        to_utc(value, UTC)
    assert to_utc(whole, UTC).year in (2021, 2024)


# Day and month both as numbers, not year first: (text, the readings as ISO dates).
DAY_MONTH_NUMBERS = [
    ("05/01/2024", ["2024-01-05", "2024-05-01"]),
    ("5.1.2024", ["2024-01-05", "2024-05-01"]),
    ("05-01-2024 10:00 -05:00", ["2024-01-05", "2024-05-01"]),
    ("13/01/2024", ["2024-01-13"]),
    ("01/13/2024 10:00", ["2024-01-13"]),
    ("05/05/2024", ["2024-05-05"]),
]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "pyyaml"])
@pytest.mark.parametrize(("value", "readings"), DAY_MONTH_NUMBERS)
def test_day_and_month_as_numbers_are_an_error_naming_the_iso_forms(value, readings, fast):
    # dateutil guesses month first (05/01 is 1 May) unless a number exceeds 12.
    text = seed_text(title="T", webUrl="https://x.example/a", publishedDateTime=value)
    with pytest.raises(SeedError) as caught:
        load_bytes(text.encode(), "s.txt", UTC, fast=fast)
    message = caught.value.message
    assert message.startswith(f"publishedDateTime is not a date: {value!r} (")
    assert message.endswith(f"; write {' or '.join(readings)})")
    assert message.count("ambiguous") == (len(readings) > 1)
    assert len(message) < 150
    for iso in readings:  # each reading, written year first, is read as that day
        day = date.fromisoformat(iso)
        assert to_utc(f"{day.year}/{day.month}/{day.day}", UTC).date() == day
        assert f"{day.day} {day.strftime('%B')}" in message or len(readings) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024/01/05 10:00", datetime(2024, 1, 5, 10)),
        ("20240105", datetime(2024, 1, 5)),
        ("January 4, 2024 10:00", datetime(2024, 1, 4, 10)),
        ("4 Jan 2024 10:00", datetime(2024, 1, 4, 10)),
        ("Tue, 26 Jan 2021 21:12:00 GMT", datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),
        ("Tue, 26 Jan 2021 21:12:00 gmt", datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),
        ("Tue, 26 Jan 2021 21:12:00 UT", datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),
        ("Jan 5 2024 10:00 utc", datetime(2024, 1, 5, 10, tzinfo=UTC)),
        ("Jan 5 2024 10:00 z", datetime(2024, 1, 5, 10, tzinfo=UTC)),
        ("Jan 5 2024 10:00 Ut", datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ],
)
def test_year_first_numbers_month_names_and_utc_in_any_case_are_read(value, expected):
    # Naive expectations are wall-clock times in the configured zone, Berlin here; a
    # UTC name in any case must not be read as naive (so as Berlin time).
    berlin = ZoneInfo("Europe/Berlin")
    assert to_utc(value, berlin) == (expected if expected.tzinfo else expected.replace(tzinfo=berlin))


@pytest.mark.parametrize("value", ["Mon, 26 Jan 2021 21:12:00 GMT", "Sunday 5 January 2024", "Fri 2024-01-06 10:00"])
def test_a_weekday_that_contradicts_the_date_is_an_error(value):
    without = " ".join(word for word in value.replace(",", "").split() if not word[0].isalpha() or word[:3] == "Jan")
    day = to_utc(without, UTC).date()  # the date alone reads; the weekday contradicts it
    with pytest.raises(ValueError) as caught:
        to_utc(value, UTC)
    assert str(caught.value).startswith(f"{day.isoformat()} is a {day.strftime('%A')}, not a ")


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "pyyaml"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [("now", "Unknown string format"), ("1704448800", "year 1704448800 is out of range"),
     ("Fri Jan 05 2024 10:00:00 GMT-0500",
      "a zone name before an offset reads backwards: write -05:00 alone (5 hours behind UTC)"),
     ("Jan 5 2024 10:00 gmt+5:30",
      "a zone name before an offset reads backwards: write +05:30 alone (5 hours 30 minutes ahead of UTC)"),
     ("Jan 5 2024 10:00 UTC-1", "a zone name before an offset reads backwards: write -01:00 alone (1 hour behind UTC)"),
     ("2024-01-05 10:00 UTC+3",
      "a zone name before an offset reads backwards: write +03:00 alone (3 hours ahead of UTC)")],
)
def test_a_date_that_does_not_parse_says_why_without_garbling_the_reason(value, reason, fast):
    text = seed_text(title="T", webUrl="https://x.example/a", publishedDateTime=value)
    with pytest.raises(SeedError) as caught:
        load_bytes(text.encode(), "s.txt", UTC, fast=fast)
    assert caught.value.message == f"publishedDateTime is not a date: {value!r} ({reason})"


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "pyyaml"])
@pytest.mark.parametrize(("raw", "number", "hint"),
                         [("10:00", 600, "YAML reads an unquoted 10:00 as 600; "), ("1704448800", 1704448800, ""),
                          ("2024.5", 2024.5, "")])
def test_an_unquoted_number_is_reported_as_a_number_not_a_date(raw, number, hint, fast):
    text = seed_text(title="T", webUrl="https://x.example/a") .replace("---\n", f"---\npublishedDateTime: {raw}\n", 1)
    with pytest.raises(SeedError) as caught:
        load_bytes(text.encode(), "s.txt", UTC, fast=fast)
    assert caught.value.message == (f"publishedDateTime is a number ({number}), not a date: {hint}"
                                    "write a full date and time in quotes, e.g. '2024-01-05 10:00'")
    assert caught.value.line == line_of(text, "publishedDateTime")
    assert len(caught.value.message) < 150


def test_yaml_timestamp_forms_in_a_seed():
    text = seed_text(title="T", webUrl="https://x.example/a") + ""
    for raw, expected in [
        ("2021-01-26T21:12:00Z", datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),  # YAML datetime, aware
        ("2021-01-26 21:12:00", datetime(2021, 1, 26, 21, 12, tzinfo=UTC)),  # naive -> UTC
        ("2021-01-26", datetime(2021, 1, 26, tzinfo=UTC)),  # YAML date
        ('"2021-01-26T21:12:00-05:00"', datetime(2021, 1, 27, 2, 12, tzinfo=UTC)),  # quoted: a string
    ]:
        article, _ = normalize(text.replace("---\n", f"---\npublishedDateTime: {raw}\n", 1))
        assert article.published_at == expected, raw


def test_updated_falls_back_to_published_and_is_used_when_given():
    base = dict(title="T", webUrl="https://x.example/a", publishedDateTime="2021-01-01T00:00:00Z")
    assert normalize(seed_text(**base))[0].updated_at == datetime(2021, 1, 1, tzinfo=UTC)
    later = normalize(seed_text(**base, updatedDateTime="2021-02-01T00:00:00Z"))[0]
    assert later.updated_at == datetime(2021, 2, 1, tzinfo=UTC)
    assert normalize(seed_text(**base, updatedDateTime=None))[0].updated_at == datetime(2021, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message", "line"),
    [
        (dict(webUrl="https://x.example/a", publishedDateTime="2021-01-01"), "missing title", None),
        (dict(title="  ", webUrl="https://x.example/a", publishedDateTime="2021-01-01"), "missing title", 2),
        (dict(title="T", publishedDateTime="2021-01-01"), "missing link", None),
        (dict(title="T", webUrl="", originalUrl="", publishedDateTime="2021-01-01"), "missing link", 3),
        (dict(title="T", webUrl="javascript:alert(1)", publishedDateTime="2021-01-01"),
         "no usable link: webUrl 'javascript:alert(1)' is not an absolute http(s) URL", 3),
        (dict(title="T", webUrl="https://x.example/a", publishedDateTime="1899-12-31"), "is before 1900", 4),
        (dict(title="T", webUrl="https://x.example/a"), "missing date", None),
        (dict(title="T", webUrl="https://x.example/a", publishedDateTime="next tuesday-ish"), "is not a date", 4),
        (dict(title="T", webUrl="https://x.example/a", publishedDateTime=[2021]), "is not a date", 4),
    ],
)
def test_a_seed_without_title_link_or_date_is_rejected_with_its_line(fields, message, line):
    with pytest.raises(SeedError) as caught:
        normalize(seed_text(**fields))
    assert message in caught.value.message
    assert caught.value.line == line


def test_original_url_is_the_fallback_link():
    article, _ = normalize(seed_text(title="T", originalUrl=" https://pub.example/a ", publishedDateTime="2021-01-01"))
    assert article.link == article.id == "https://pub.example/a"


def test_text_is_tidied_and_xml_forbidden_characters_removed_with_a_warning():
    article, warnings = normalize(
        seed_text(title="  Two\n  lines\x07 ", excerpt="a\x00b <b>c</b>", webUrl="https://x.example/a",
                  publishedDateTime="2021-01-01")
    )
    assert article.title == "Two lines"
    assert article.summary == "ab <b>c</b>"  # markup stays text here; the writers escape it
    assert warnings == [
        "s.txt:2: warning: title holds characters XML does not allow; removed",
        "s.txt:3: warning: excerpt holds characters XML does not allow; removed",
    ]


def test_topics_are_deduplicated_by_key_keeping_first_spelling_and_order():
    fields = dict(title="T", webUrl="https://x.example/a", publishedDateTime="2021-01-01")
    article, _ = normalize(seed_text(**fields, topics=["AI", " ai ", "Computer  Vision", "", "computer vision", 7]))
    assert article.topics == ("AI", "Computer Vision", "7")
    single, warnings = normalize(seed_text(**fields, topics="AI"))
    assert single.topics == ("AI",)
    assert warnings == ["s.txt:5: warning: topics is a single string, not a list; read as one topic"]
    assert normalize(seed_text(**fields))[0].topics == ()


FIELDS = dict(title="T", webUrl="https://x.example/a", publishedDateTime="2021-01-01")


@pytest.mark.parametrize(
    ("extra", "attribute", "value", "warning"),
    [
        ({"quality": "high"}, "quality", None, "quality must be a whole number 0-100, not 'high'; treated as missing"),
        ({"quality": 150}, "quality", None, "quality 150 is outside 0-100; treated as missing"),
        ({"quality": "75"}, "quality", 75, "quality '75' read as 75"),
        ({"quality": 75.9}, "quality", 75, "quality 75.9 read as 75"),
        ({"quality": True}, "quality", None, "quality must be a whole number 0-100, not True; treated as missing"),
        ({"published": "yes"}, "published", False, "published must be true or false, not 'yes'; treated as unpublished"),
        ({"published": 1}, "published", False, "published must be true or false, not 1; treated as unpublished"),
        ({"provider": "Reuters"}, "provider", Provider("Reuters"),
         "provider is a single string, not a mapping with name and domain; read as the name"),
        ({"provider": {"name": "X", "domain": "javascript:alert(1)"}}, "provider", Provider("X"),
         "provider domain 'javascript:alert(1)' is not a host name; ignored"),
        ({"provider": ["x"]}, "provider", None, "provider must be a mapping with name and domain, not a list; ignored"),
        ({"images": "x.png"}, "images", (),
         "images is a single string, not a list of mappings with url; read as one image URL"),
        ({"images": "https://img.example/x.png"}, "images", (Image("https://img.example/x.png"),),
         "images is a single string, not a list of mappings with url; read as one image URL"),
        ({"heat": "hot"}, "heat", None, "heat must be a whole number, not 'hot'; treated as missing"),
        ({"topics": [1, None, ["x"]]}, "topics", ("1",), "topic None is not a name; ignored"),
        ({"webUrl": "ftp://x.example/a", "originalUrl": "https://pub.example/a"}, "link", "https://pub.example/a",
         "webUrl 'ftp://x.example/a' is not an absolute http(s) URL; using originalUrl"),
    ],
)
def test_wrong_types_are_coerced_or_dropped_with_a_warning(extra, attribute, value, warning):
    article, warnings = normalize(seed_text(**{**FIELDS, **extra}))
    assert getattr(article, attribute) == value
    assert warning in [w.split(": warning: ", 1)[1] for w in warnings]


def test_published_only_when_yaml_says_boolean_true():
    for raw, expected in (("true", True), ("yes", True), ("on", True), ('"true"', False), ("false", False)):
        article, _ = normalize(seed_text(**FIELDS).replace("---\n", f"---\npublished: {raw}\n", 1))
        assert article.published is expected, raw


def test_images_keep_only_absolute_http_urls_and_positive_sizes():
    fields = dict(title="T", webUrl="https://x.example/a", publishedDateTime="2021-01-01")
    article, _ = normalize(seed_text(**fields, images=[
        {"url": "https://img.example/1.png", "width": 10, "height": "20"},
        {"url": "/relative.png"},
        {"url": "data:image/png;base64,AAAA"},
        "not a mapping",
    ]))
    assert article.images == (Image("https://img.example/1.png", 10, None),)


def test_lone_surrogates_and_other_xml_forbidden_characters_are_removed():
    # libyaml refuses a "\ud800" escape outright; the pure-Python loader lets it through.
    from feedpub.normalize import clean_text

    warnings = []
    text = clean_text("a\ud800b\x0bc\ufffed\U0001f680", "title", lambda field, message: warnings.append(message))
    assert text == "abcd\U0001f680"
    assert warnings == ["title holds characters XML does not allow; removed"]


# Zone names each of these machines calls its own (time.tzname), which dateutil
# would take for the machine's zone there, and an error elsewhere.
MACHINE_ZONES = {
    "UTC": ["UTC", "UTC"],
    "America/New_York": ["EST", "EDT"],
    "Europe/Paris": ["CET", "CEST"],
    "Europe/London": ["GMT", "BST"],
    "Asia/Kolkata": ["IST", "IST"],
}
ZONE_SAMPLES = [
    *(f"{month} 5 2024 10:00 {name}" for month in ("Jan", "Jul")
      for name in ("EST", "EDT", "CET", "CEST", "GMT", "BST", "IST", "UTC", "Z")),
    "Jan 5 2024 10:00 -0500", "Jan 5 2024 10:00", "Jul 5 2024 10:00", "2024-07-05 10:00", "Jan 5", "10:00",
]
_READ_DATES = """
import json, sys, time
from zoneinfo import ZoneInfo
from feedpub.normalize import to_utc

def read(text):
    try:
        return to_utc(text, ZoneInfo("Europe/Berlin")).isoformat()
    except ValueError as error:
        return f"error: {error}"

print(json.dumps({"tzname": list(time.tzname), "dates": [read(text) for text in sys.argv[1:]]}))
"""


def test_a_date_reads_the_same_whatever_the_machine_time_zone():
    seen = {}
    for zone, names in MACHINE_ZONES.items():
        done = subprocess.run([sys.executable, "-c", _READ_DATES, *ZONE_SAMPLES], env={**os.environ, "TZ": zone},
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout)
        assert result["tzname"] == names, f"TZ={zone} did not take effect"
        seen[zone] = result["dates"]
    here = [_read_date(text) for text in ZONE_SAMPLES]
    assert all(dates == here for dates in seen.values()), {zone: dates for zone, dates in seen.items() if dates != here}
    by_text = dict(zip(ZONE_SAMPLES, here))
    assert by_text["Jan 5 2024 10:00 EST"].startswith("error: zone name 'EST'")
    assert by_text["Jul 5 2024 10:00 GMT"] == by_text["Jul 5 2024 10:00 Z"] == "2024-07-05T10:00:00+00:00"
    assert by_text["Jul 5 2024 10:00"] == "2024-07-05T08:00:00+00:00"  # the configured zone, summer time


def _read_date(text):
    try:
        return to_utc(text, ZoneInfo("Europe/Berlin")).isoformat()
    except ValueError as error:
        return f"error: {error}"


def test_check_reports_each_date_without_year_month_or_day(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = []
    for n, (value, missing, _, _) in enumerate(PARTIAL_DATES):
        path = write_seed(tmp_path / "seeds", f"{n}.txt", **article_fields(n, publishedDateTime=value))
        line = line_of(path.read_text(encoding="utf-8"), "publishedDateTime")
        expected.append(f"seeds/{n}.txt:{line}: error: publishedDateTime is not a date: {value!r} "
                        f"(no {missing}: a date needs year, month and day)")
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert result.exit_code == 1
    count = len(PARTIAL_DATES)
    assert result.stdout.splitlines() == [*expected, f"{count} seeds checked: {count} errors, 0 warnings"]


# Two clocks years, months and days apart, and in other halves of the day.
CLOCKS = (datetime(2031, 7, 14, 23, 30, tzinfo=UTC), datetime(2046, 2, 3, 5, 15, tzinfo=UTC))


def test_a_build_writes_the_same_bytes_whatever_the_clock(tmp_path):
    import time_machine  # in the test extras

    seeds = tmp_path / "seeds"
    whole = {
        "text.txt": "Jan 5 2024 10:00",  # no offset: in `timezone`, Paris here
        "yaml-naive.txt": datetime(2024, 1, 6, 10),
        "yaml-date.txt": date(2024, 1, 7),
        "rfc822.txt": "Tue, 26 Jan 2021 21:12:00 GMT",
    }
    for n, (name, when) in enumerate(whole.items()):
        write_seed(seeds, name, **article_fields(n, publishedDateTime=when, topics=["AI", f"Topic {n}"]))
    # Forms that once took the missing parts from the clock.
    partial = {f"partial-{n}.txt": value for n, (value, *_) in enumerate(PARTIAL_DATES)}
    for n, (name, value) in enumerate(partial.items(), 10):
        write_seed(seeds, name, **article_fields(n, publishedDateTime=value))
    write_seed(seeds, "partial-updated.txt", **article_fields(30, updatedDateTime="Jan 6 10:00"))
    outputs, reports = [], []
    for n, clock in enumerate(CLOCKS):
        config = apply_overrides(make_config(tmp_path), out=tmp_path / f"feeds-{n}", cache_dir=tmp_path / f"cache-{n}",
                                 timezone="Europe/Paris", jobs=1)
        with time_machine.travel(clock, tick=False):
            assert datetime.now(UTC) == clock and date.today() == clock.date() and time.time() == clock.timestamp()
            reports.append(build(config))
        outputs.append({str(path.relative_to(config.out)): path.read_bytes()
                        for path in sorted(config.out.rglob("*")) if path.is_file()})
    assert outputs[0] == outputs[1]
    assert {"all.rss.xml", "topics/topic-3.atom.xml"} <= set(outputs[0])
    for report in reports:
        assert sorted(Path(error.path).name for error in report.errors) == sorted([*partial, "partial-updated.txt"])
        assert report.counts.passed == len(whole)


def warnings_of(extra):
    """The article and warning messages (without path and line) of FIELDS plus ``extra``."""
    article, warnings = normalize(seed_text(**{**FIELDS, **extra}))
    return article, [w.split(": warning: ", 1)[1] for w in warnings]


@pytest.mark.parametrize(("quality", "expected"), [
    (0, 0), (100, 100), (-1, None), (101, None), ("0", 0), (" 100 ", 100), ("100.0", 100), ("-3", None),
    (99.99, 99), (float("nan"), None), (float("inf"), None), (float("-inf"), None), ("1e2", None), ([50], None),
])
def test_quality_bounds_are_inclusive_and_anything_odd_is_missing(quality, expected):
    article, warnings = warnings_of({"quality": quality})
    assert article.quality == expected
    assert bool(warnings) == (quality != expected), warnings  # silent only when taken as written


def test_a_seed_without_optional_fields_normalizes_silently():
    article, warnings = warnings_of({})
    assert warnings == []
    assert (article.published, article.quality, article.heat, article.provider) == (False, None, None, None)
    assert (article.topics, article.images, article.related) == ((), (), ())
    assert (article.summary, article.category, article.kind) == ("", "", "")


def test_heat_is_any_whole_number_but_not_a_boolean():
    assert warnings_of({"heat": -7}) == (warnings_of({"heat": -7})[0], [])
    assert warnings_of({"heat": -7})[0].heat == -7
    article, warnings = warnings_of({"heat": True})
    assert article.heat is None and warnings == ["heat must be a whole number, not True; treated as missing"]


@pytest.mark.parametrize(("value", "expected"), [
    ("plain", "plain"), (" lead", "lead"), ("trail ", "trail"), ("a  b", "a b"), ("a\tb", "a b"),
    ("a\u00a0b", "a b"), ("x", "x"), (" ", ""), ("é\u2028f", "é f"),
])
def test_clean_text_strips_and_folds_every_kind_of_space(value, expected):
    warnings = []
    assert clean_text(value, "title", lambda field, message: warnings.append(message)) == expected
    assert warnings == []


def load_both_ways(text):
    """The article (or error) and warnings of ``text`` from both loader paths, which must agree."""
    results = []
    for fast in (True, False):
        try:
            article, warnings = load_bytes(text.encode(), "s.txt", UTC, fast=fast)
            results.append((article, [str(w) for w in warnings]))
        except SeedError as error:
            results.append((None, [str(error)]))
    assert results[0] == results[1]
    return results[0]


def seed_with_line(line, **fields):
    """A seed of FIELDS (less the key ``line`` sets) with ``line`` written as is, unquoted."""
    key = line.partition(":")[0]
    return seed_text(**{k: v for k, v in {**FIELDS, **fields}.items() if k != key}).replace("---\n", f"---\n{line}\n", 1)


@pytest.mark.parametrize(("line", "attribute"), [
    ("title: 12:30", "title"), ("title: 010", "title"), ("title: 0x1F", "title"), ("title: .inf", "title"),
    ("title: 2.50", "title"), ("excerpt: 1_000", "summary"), ("category: 42", "category"), ("type: 1.0e+3", "kind"),
])
def test_a_number_in_a_text_field_warns_that_yaml_read_it_as_one(line, attribute):
    field, _, written = line.partition(": ")
    number = yaml.safe_load(line)[field]  # what YAML 1.1 made of it: 750, 8, 31, inf, ...
    assert not isinstance(number, str)
    article, warnings = load_both_ways(seed_with_line(line))
    assert getattr(article, attribute) == str(number)  # still published, as the number's text
    assert warnings == [f"s.txt:2: warning: {field} is a number to YAML ({number}); "
                        "quote it to keep the text as written"]
    assert load_both_ways(seed_with_line(f'{field}: "{written}"'))[1] == []  # quoted: the text, silently


@pytest.mark.parametrize("written", ["no", "No", "off", "yes", "ON", "true"])
def test_a_boolean_title_is_an_error_that_says_yaml_read_it_so(written):
    article, messages = load_both_ways(seed_with_line(f"title: {written}"))
    value = str(yaml.safe_load(f"v: {written}")["v"]).lower()
    assert article is None and messages == [
        f"s.txt:2: title is true/false to YAML ({value}: unquoted yes, no, on, off are booleans); "
        "quote it to keep the text as written"]


def test_booleans_and_numbers_elsewhere_in_text_fields_say_what_yaml_made_of_them():
    text = seed_with_line("excerpt: off", topics=["AI"], provider={"name": "N"}, related=[{"title": "R"}])
    text = (text.replace("- AI", "- NO\n- ON\n- 2024\n- AI").replace("name: N", "name: 101")
            .replace("title: R", "title: 0o17"))
    article, warnings = load_both_ways(text)
    assert (article.summary, article.topics, article.provider.name) == ("", ("2024", "AI"), "101")
    messages = [w.split(": warning: ", 1)[1] for w in warnings]
    assert messages == [
        "excerpt is true/false to YAML (false: unquoted yes, no, on, off are booleans); "
        "quote it to keep the text as written; ignored",
        "provider name is a number to YAML (101); quote it to keep the text as written",
        "topic False is a YAML boolean (quote names such as NO, ON, YES); ignored",
        "topic True is a YAML boolean (quote names such as NO, ON, YES); ignored",
        "topic is a number to YAML (2024); quote it to keep the text as written",
    ]


@pytest.mark.parametrize("value", [True, False, [], {"a": 1}, b"bytes"])
def test_clean_text_refuses_what_is_not_text_or_a_number(value):
    warnings = []
    assert clean_text(value, "excerpt", lambda field, message: warnings.append((field, message))) == ""
    assert len(warnings) == 1 and warnings[0][0] == "excerpt"


@pytest.mark.parametrize(("value", "expected"), [
    ("https://x.example/a", "https://x.example/a"), ("  HTTP://x.example  ", "HTTP://x.example"),
    ("https://[::1]/a", "https://[::1]/a"), ("https://[::1/a", ""), ("https://x]y.example/a", ""),
    ("https://x.example/a]", "https://x.example/a]"), ("https://x.example/a b", ""),
    ("https:///a", ""), ("https://x.example/a\x07b", ""), ("mailto:a@x.example", ""), (7, ""), ("   ", ""),
])
def test_clean_url_keeps_absolute_http_urls_only(value, expected):
    warnings = []
    assert clean_url(value, "webUrl", lambda field, message: warnings.append(message)) == expected
    # Blank is simply absent; anything else refused says so.
    assert bool(warnings) == (not expected and not (isinstance(value, str) and not value.strip()))


# What a new-user review found published as links, and why each is refused.
UNUSABLE_URLS = [
    ("https://:80/", "has no host"),
    ("https://ex.org:99999/", "has the port '99999': a port is a number 1-65535"),
    ("https://ex.org:0/", "has the port '0'"),
    # urlsplit reads the host as ex.org; browsers read '\\' as '/' and go to evil.com.
    ("https://ex.org\\@evil.com/", "holds the character '\\\\', which URLs do not allow"),
    ("https://u:p@ex.org/", "has a user name or password"),
    ('https://ex.org/"onmouseover="x"<b>', "holds the character '\"'"),
    ("https://ex.org/<b>", "holds the character '<'"),
    *[(f"https://ex.org/a{char}b", f"holds the character {char!r}") for char in "^`{|}"],
    ("https://ex.org/%zz/", "has a '%' not followed by two hex digits"),
    ("https://ex.org/100%", "has a '%' not followed by two hex digits"),
    ("https://ex.org/a\u202eb", "holds a space or a control character"),  # a bidi override
    ("https://[::1]x/", "has a host in brackets that is not an IPv6 address"),
    ("https://[zz]/", "has a host in brackets that is not an IPv6 address"),
    ("https://a[::1]/", "cannot be parsed as a URL"),
    ("https://ex.org:80:90/", "cannot be parsed as a URL"),
]


@pytest.mark.parametrize(("url", "reason"), UNUSABLE_URLS)
def test_a_url_outside_the_shared_rule_is_refused_with_the_reason(url, reason):
    with pytest.raises(SeedError) as caught:
        normalize(seed_text(**{**FIELDS, "webUrl": url}))
    assert caught.value.message.startswith("no usable link: webUrl ") and reason in caught.value.message
    # The same rule drops an image or a related link, with the same reason.
    article, warnings = warnings_of({"images": [{"url": url}], "related": [{"title": "R", "webUrl": url}]})
    assert article.images == () and article.related == ()
    assert [reason in message for message in warnings] == [True, True]


def test_a_refused_link_does_not_repeat_its_password():
    with pytest.raises(SeedError) as caught:
        normalize(seed_text(**{**FIELDS, "webUrl": "https://me:s3cret@x@ex.org/a?b=c@d"}))
    assert "s3cret" not in caught.value.message and "'https://***@ex.org/a?b=c@d'" in caught.value.message


@pytest.mark.parametrize("url", [
    "https://ex.org/caf\u00e9", "https://[2001:db8::1]:8443/a", "https://ex.org:8080/a%20b?q=a[1]&r=~x#f",
    "http://ex.org:/a", "https://xn--caf-dma.example/a;b=c,d!$'()*+",
])
def test_usable_urls_pass_the_shared_rule_untouched(url):
    article, warnings = warnings_of({"webUrl": url, "images": [{"url": url}]})
    assert (article.link, article.images[0].url, warnings) == (url, url, [])


# URL-ish text: hosts with ports, userinfo and brackets, then escapes and the
# characters the rule refuses, so that both of url_problem's ways are taken.
_HOSTS = st.sampled_from(["ex.org", "a-b.C9", "", "[::1]", "[zz]", "ex.org:80", "ex.org:0", "u:p@ex.org", "a@b", "é.org"])
_URL_PARTS = st.lists(st.sampled_from([
    "/", "?", "#", "a", "Z9", "-._~", "!$&'()*+,;=", ":", "@", "%20", "%aF", "%2", "%zz", "%", "[", "]", "\\", " ",
    "\x7f", "\u00e9", "\u202e", "<",
]), max_size=6).map("".join)


@given(st.sampled_from(["https://", "http://", "HTTP://", "ftp://", ""]), st.one_of(st.just("ex.org/"), _HOSTS), _URL_PARTS)
def test_the_common_url_shortcut_agrees_with_every_check(scheme, host, rest):
    url = scheme + host + rest
    assert urls.url_problem(url) == urls._problem(url)


def test_a_blank_web_url_falls_back_to_the_original_url_silently():
    article, warnings = warnings_of({"webUrl": "  ", "originalUrl": "https://pub.example/a"})
    assert article.link == article.id == "https://pub.example/a" and warnings == []


def test_a_refused_web_url_is_reported_when_the_original_url_is_used_or_both_fail():
    with pytest.raises(SeedError) as caught:
        normalize(seed_text(**{**FIELDS, "webUrl": "ftp://a", "originalUrl": "javascript:x"}))
    assert "no usable link" in caught.value.message
    assert "webUrl" in caught.value.message and "originalUrl" in caught.value.message


@pytest.mark.parametrize(("provider", "expected"), [
    ({"name": "Reuters", "domain": "Reuters.COM"}, Provider("Reuters", "reuters.com")),
    ({"domain": "apnews.com"}, Provider("apnews.com", "apnews.com")),
    ({"name": "", "domain": ""}, None),
    ({"name": "X", "domain": "not a host"}, Provider("X")),
    ({}, None),
])
def test_a_provider_needs_a_name_or_a_domain_and_a_domain_is_a_lowercase_host(provider, expected):
    assert warnings_of({"provider": provider})[0].provider == expected


def test_image_sizes_must_be_positive_whole_numbers_and_each_image_is_checked():
    article, warnings = warnings_of({"images": [
        "not a mapping",
        {"url": "https://img.example/0.png", "width": 0, "height": -1},
        {"url": "https://img.example/1.png", "width": 1, "height": 2},
        {"url": "https://img.example/2.png", "width": True, "height": 3.5},
        {"width": 10},
        {"url": "ftp://img.example/3.png"},
        {"url": "https://img.example/4.png"},
    ]})
    assert article.images == (
        Image("https://img.example/0.png"), Image("https://img.example/1.png", 1, 2),
        Image("https://img.example/2.png"), Image("https://img.example/4.png"),
    )
    # The entry without a url is skipped silently; the others are reported.
    assert warnings == ["image entry must be a mapping with url, not str; ignored",
                        "image url 'ftp://img.example/3.png' is not an absolute http(s) URL; image dropped"]


def test_related_items_need_a_title_and_a_usable_link_either_way():
    article, warnings = warnings_of({"related": [
        "not a mapping",
        {"title": "W\x07eb", "webUrl": "https://a.example/1"},
        {"title": "Original only", "originalUrl": "https://a.example/2"},
        {"title": "Bad web, good original", "webUrl": "nope", "originalUrl": "https://a.example/3"},
        {"title": "Both", "webUrl": "https://a.example/4", "originalUrl": "https://a.example/5"},
        {"title": "", "webUrl": "https://a.example/6"},
        {"title": "No link"},
        "not a mapping",
    ]})
    assert article.related == (
        Related("Web", "https://a.example/1"), Related("Original only", "https://a.example/2"),
        Related("Bad web, good original", "https://a.example/3"), Related("Both", "https://a.example/4"),
    )
    assert warnings == ["related holds characters XML does not allow; removed",
                        "related 'nope' is not an absolute http(s) URL"]
    assert warnings_of({"related": {"title": "x"}})[1] == ["related must be a list of articles, not a mapping; ignored"]


def test_topics_that_are_not_a_list_or_not_names_are_reported():
    article, warnings = warnings_of({"topics": {"a": 1}})
    assert article.topics == () and warnings == ["topics must be a list of names, not a mapping; ignored"]
    article, warnings = warnings_of({"topics": [True, 2.5, "  "]})
    assert article.topics == ("2.5",) and warnings == [
        "topic True is a YAML boolean (quote names such as NO, ON, YES); ignored",
        "topic is a number to YAML (2.5); quote it to keep the text as written"]


def test_text_fixed_inside_topics_and_provider_is_reported_on_their_lines():
    text = seed_text(**FIELDS, provider={"name": "Reu\x07ters", "domain": "reuters\x07.com"},
                     topics=["A\x07I", True, "Space"])
    article, warnings = normalize(text)
    assert article.provider == Provider("Reuters", "reuters.com") and article.topics == ("AI", "Space")
    lines = text.splitlines()
    provider_line, topics_line = lines.index("provider:") + 1, lines.index("topics:") + 1
    assert warnings == [
        f"s.txt:{provider_line}: warning: provider holds characters XML does not allow; removed",
        f"s.txt:{provider_line}: warning: provider holds characters XML does not allow; removed",
        f"s.txt:{topics_line}: warning: topics holds characters XML does not allow; removed",
        f"s.txt:{topics_line}: warning: topic True is a YAML boolean (quote names such as NO, ON, YES); ignored",
    ]


def test_an_empty_updated_date_falls_back_and_a_bad_one_is_an_error_on_its_line():
    assert warnings_of({"updatedDateTime": ""}) == (warnings_of({})[0], [])
    text = seed_text(**FIELDS, updatedDateTime="not a date at all")
    with pytest.raises(SeedError) as caught:
        normalize(text)
    assert caught.value.line == text.splitlines().index("updatedDateTime: not a date at all") + 1
    assert caught.value.message.startswith("updatedDateTime is not a date")


def test_a_naive_updated_time_is_read_in_the_configured_zone():
    text = seed_text(**FIELDS).replace("---\n", "---\nupdatedDateTime: 2021-02-01 10:00:00\n", 1)
    article, _ = normalize(text, ZoneInfo("Europe/Berlin"))
    assert article.updated_at == datetime(2021, 2, 1, 9, tzinfo=UTC)


def test_an_empty_published_date_is_a_missing_date():
    with pytest.raises(SeedError, match="missing date: set publishedDateTime"):
        normalize(seed_text(title="T", webUrl="https://x.example/a", publishedDateTime=""))


def test_category_and_type_are_cleaned_and_reported_under_their_own_names():
    text = seed_text(**FIELDS, category="ne\x07ws", type=["article"])
    article, warnings = normalize(text)
    assert (article.category, article.kind) == ("news", "")
    line = {key: n for n, key in enumerate((line.split(":")[0] for line in text.splitlines()), 1)}
    assert warnings == [
        f"s.txt:{line['category']}: warning: category holds characters XML does not allow; removed",
        f"s.txt:{line['type']}: warning: type must be text, not a list; ignored",
    ]
