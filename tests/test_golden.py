"""Whole builds of tests/fixtures/<case>/ compared with <case>/expected/, and
each case's feeds checked against an independent reading of its seeds.

Regenerate on purpose only: ``pytest tests/test_golden.py --update-goldens``.
"""

import json
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from lxml import etree

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from feedpub import apply_overrides, build, load_config
from feedpub.topics import fallback_slug

from conftest import FIXTURES, assert_valid_atom, feed_files, parse_feed

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "seeds").is_dir() and (p / "feedpub.toml").is_file())


@pytest.mark.parametrize("case", CASES)
def test_build_matches_golden_files(case, tmp_path, request):
    folder = FIXTURES / case
    config = apply_overrides(load_config(folder / "feedpub.toml"), out=tmp_path / "out", cache_dir=tmp_path / "cache")
    build(config)
    actual = feed_files(tmp_path / "out")
    expected_dir = folder / "expected"
    if request.config.getoption("--update-goldens"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, data in actual.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_bytes(data)
    if not expected_dir.is_dir():
        pytest.fail(f"{expected_dir} is missing: run pytest --update-goldens and review the files")
    assert sorted(actual) == sorted(feed_files(expected_dir))
    for name, data in actual.items():
        assert data == (expected_dir / name).read_bytes(), f"{case}/{name} differs from its golden file"
    for path in (tmp_path / "out").rglob("*.xml"):
        parse_feed(path)
        if path.name.endswith(".atom.xml"):
            assert_valid_atom(path)


def test_mixed_topics_golden_says_what_the_case_is_about():
    """Reads the goldens back: the case's point must be visible in them, not just stable."""
    out = FIXTURES / "mixed-topics" / "expected"
    assert sorted(p.name for p in (out / "topics").iterdir()) == sorted(
        f"{slug}{suffix}"
        # C# and C++ both slug to "c": the smaller key keeps it. 人工知能 has no ASCII.
        for slug in ("ai", "c", fallback_slug("c++", "c"), "cafe-societe", fallback_slug("人工知能"))
        for suffix in (".rss.xml", ".atom.xml", ".json")
    )
    ai = parse_feed(out / "topics" / "ai.atom.xml")
    assert ai.feed.title == "Mixed: AI"
    assert [e.link for e in ai.entries] == [
        "https://news.example.com/cjk", "https://news.example.com/ai-lower", "https://news.example.com/ai-upper"
    ]
    assert ai.entries[1].published_parsed[:5] == (2024, 3, 2, 8, 30)  # 09:30 Berlin = 08:30 UTC
    everything = b"".join(feed_files(out).values())
    for leaked in (b"Hidden", b"c2VjcmV0", b"No link at all", b"Duplicates"):
        assert leaked not in everything


# --- An independent reading of each golden case -----------------------------
# The goldens are feedpub's own output, so comparing with them proves only that
# the output did not change. Here each case's expected items are computed from
# its seeds alone, with plain PyYAML and the rules of docs/seeds.md, and the feeds a
# build writes are read back with feedparser, lxml and json.

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Expected:
    """A seed as docs/seeds.md's rules read it: only what decides which feeds hold it, and where."""

    path: str
    title: str
    link: str
    published_at: datetime
    updated_at: datetime
    published: bool
    quality: int | None
    topics: list[str]  # as written, whitespace folded


def read_case(case: str) -> tuple[dict, list[Expected], list[str]]:
    """The case's settings, the seeds the rules can judge, and the titles of those they cannot."""
    folder = FIXTURES / case
    settings = tomllib.loads((folder / "feedpub.toml").read_text(encoding="utf-8"))
    zone = ZoneInfo(settings.get("timezone", "UTC"))
    judged, unjudged = [], []
    for path in sorted((folder / "seeds").iterdir()):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("---\n")[1])
        seed = _judge(path.name, data, zone)
        if seed is None:
            unjudged.append(str(data.get("title")))
        else:
            judged.append(seed)
    return settings, judged, unjudged


def _judge(path: str, data: dict, zone: ZoneInfo) -> Expected | None:
    links = [data.get(field) for field in ("webUrl", "originalUrl")]
    link = next((url.strip() for url in links if isinstance(url, str) and re.match(r"https?://\S+$", url.strip())), None)
    published_at = _moment(data.get("publishedDateTime"), zone)
    if not data.get("title") or link is None or published_at is None:
        return None
    topics = data.get("topics") or []
    topics = [topics] if isinstance(topics, str) else topics
    quality = data.get("quality")
    return Expected(
        path=path,
        title=str(data["title"]),
        link=link,
        published_at=published_at,
        updated_at=_moment(data.get("updatedDateTime"), zone) or published_at,
        published=data.get("published") is True,
        quality=quality if isinstance(quality, int) and not isinstance(quality, bool) and 0 <= quality <= 100 else None,
        topics=[" ".join(str(t).split()) for t in topics if isinstance(t, (str, int))],
    )


def _moment(value, zone: ZoneInfo) -> datetime | None:
    """A YAML timestamp or date, or an ISO 8601 string; times without an offset are in ``zone``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(timezone.utc)


def topic_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def expected_feeds(settings: dict, seeds: list[Expected]) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """Links of the overall feed and of each topic's feed (by topic key), newest first, and each topic's name."""
    assert not {"topics", "exclude_topics", "archive"} & set(settings), "extend this reading for these settings"
    kept: dict[str, Expected] = {}
    for seed in seeds:  # one article per link: published, then latest update, latest publication, first path
        rank = (not seed.published, -seed.updated_at.timestamp(), -seed.published_at.timestamp(), seed.path)
        other = kept.get(seed.link)
        if other is None or rank < (not other.published, -other.updated_at.timestamp(),
                                    -other.published_at.timestamp(), other.path):
            kept[seed.link] = seed
    passing = [
        seed for seed in kept.values()
        if (seed.published or settings.get("include_unpublished", False))
        and (seed.quality if seed.quality is not None else 0) >= settings.get("min_quality", 0)
    ]
    passing.sort(key=lambda seed: seed.link)
    passing.sort(key=lambda seed: seed.published_at, reverse=True)
    limit = settings.get("limit", 50) or None
    spellings: dict[str, Counter] = {}
    for seed in passing:
        for name in dict.fromkeys(seed.topics):  # an article counts once per spelling
            spellings.setdefault(topic_key(name), Counter())[name] += 1
    names = {key: min(counts, key=lambda name: (-counts[name], name)) for key, counts in spellings.items()}
    topics = {
        key: [seed.link for seed in passing if key in {topic_key(name) for name in seed.topics}][:limit]
        for key in names
    }
    return [seed.link for seed in passing][:limit], topics, names


def links_in(path: Path) -> list[str]:
    """Item links of a written feed, read by two parsers that must agree (json for JSON Feed)."""
    data = path.read_bytes()
    if path.name.endswith(".json"):
        return [item["url"] for item in json.loads(data)["items"]]
    by_feedparser = [entry.link for entry in parse_feed(path).entries]
    root = etree.fromstring(data)
    if path.name.endswith(".rss.xml"):
        by_lxml = [item.findtext("link") for item in root.iter("item")]
    else:
        by_lxml = [link.get("href") for entry in root.iter(f"{ATOM}entry")
                   for link in entry.iter(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
    assert by_feedparser == by_lxml, f"{path}: feedparser and lxml read different items"
    return by_lxml


def feed_title(path: Path) -> str:
    if path.name.endswith(".json"):
        return json.loads(path.read_bytes())["title"]
    return parse_feed(path).feed.title


@pytest.mark.parametrize("case", CASES)
def test_each_feed_holds_the_items_the_seeds_call_for(case, tmp_path):
    settings, seeds, unjudged = read_case(case)
    overall, topics, names = expected_feeds(settings, seeds)
    assert overall, "a golden case whose overall feed is empty proves little"
    config = apply_overrides(load_config(FIXTURES / case / "feedpub.toml"), out=tmp_path / "out",
                             cache_dir=tmp_path / "cache")
    build(config)
    out = tmp_path / "out"
    suffixes = (".rss.xml", ".atom.xml", ".json")
    for suffix in suffixes:
        assert links_in(out / f"all{suffix}") == overall, f"all{suffix}"
    title = settings.get("title", "feedpub")
    found = set()
    for path in sorted((out / "topics").iterdir()):
        name = feed_title(path).removeprefix(f"{title}: ")
        key = topic_key(name)
        assert key in topics, f"{path.name}: a feed for topic {name!r}, which no passing article has"
        assert name == names[key], f"{path.name}: the topic's name should be the spelling most articles use"
        assert links_in(path) == topics[key], path.name
        found.add(key)
    assert sorted(found) == sorted(topics)
    assert len(list((out / "topics").iterdir())) == len(topics) * len(suffixes)
    # Seeds the reading above cannot judge must be errors: nothing of them is published.
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for title_text in unjudged:
        assert title_text.encode() not in everything
