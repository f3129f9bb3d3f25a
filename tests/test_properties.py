"""Property tests: random seed sets through a whole build.

Whatever the seeds hold (Unicode everywhere, random types in optional fields,
random dates and zones, invalid neighbours), build() never raises, every feed
written parses without bozo, and every valid published article is in the
overall feed (up to the limit) and in each of its topics' feeds, newest first.
"""

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from lxml import etree
from hypothesis import given, settings, strategies as st

from feedpub import apply_overrides, build, DEFAULT_CONFIG
from feedpub.topics import topic_key

from conftest import assert_valid_atom, parse_feed

LIMIT = 4
ATOM = "{http://www.w3.org/2005/Atom}"
ZONES = st.sampled_from([None, timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
# Text a feed can carry: no surrogates, no C0/C1 controls, no unassigned code points.
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=30)
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
TOPICS = st.lists(st.sampled_from(["AI", "ai", " AI ", "Robotics", "人工知能", "C++", "C#", "..", "Café"]) | SAFE_TEXT,
                  max_size=4)


BROKEN = {
    "title": [None, "", "   ", [1], {"a": 1}],
    "webUrl": [None, "", "javascript:x", "/relative", "file:///etc/passwd", [1]],
    "publishedDateTime": [None, "", "not a date", [1], "1800-01-01"],
}


@st.composite
def seed(draw, n):
    """(front matter, whether it is valid and published) for article n; its link is unique."""
    when = draw(st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(9998, 1, 1), timezones=ZONES))
    fields = {
        "title": "T" + draw(SAFE_TEXT),
        "excerpt": draw(SAFE_TEXT | ANY_VALUE),
        "publishedDateTime": when,
        "webUrl": f"https://example.com/{n}",
        "published": draw(st.booleans() | ANY_VALUE),
        "quality": draw(st.integers(0, 100) | ANY_VALUE),
        "topics": draw(TOPICS | ANY_VALUE),
        "provider": draw(st.fixed_dictionaries({"name": SAFE_TEXT, "domain": st.just("p.example")}) | ANY_VALUE),
        "images": draw(st.lists(st.fixed_dictionaries({"url": st.just("https://i.example/x.png"),
                                                       "width": ANY_VALUE}), max_size=2) | ANY_VALUE),
        "x-" + draw(st.text(max_size=8)): draw(ANY_VALUE),  # some unknown field
    }
    broken = draw(st.sampled_from([None, None, None, "title", "webUrl", "publishedDateTime"]))
    if broken:
        fields[broken] = draw(st.sampled_from(BROKEN[broken]))
    return fields, broken is None and fields["published"] is True


def expected_order(items):
    def key(item):
        when = item["publishedDateTime"]
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return (-int(when.timestamp()), item["webUrl"])
    return [item["webUrl"] for item in sorted(items, key=key)]


@settings(max_examples=60)
@given(st.integers(0, 8).flatmap(lambda count: st.tuples(*(seed(n) for n in range(count)))))
def test_random_seed_sets_build_into_valid_feeds_holding_every_valid_article(seeds):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "seeds").mkdir()
        for n, (fields, _) in enumerate(seeds):
            text = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n"
            (root / "seeds" / f"{n}.txt").write_text(text, encoding="utf-8")
        config = apply_overrides(DEFAULT_CONFIG, seeds=root / "seeds", out=root / "feeds", limit=LIMIT, cache=False,
                                 base_url="https://feeds.example.org/")
        report = build(config)
        public = [fields for fields, ok in seeds if ok]
        overall = parse_feed(root / "feeds" / "all.atom.xml")
        assert [e.link for e in overall.entries] == expected_order(public)[:LIMIT]
        assert [e.link for e in parse_feed(root / "feeds" / "all.rss.xml").entries] == expected_order(public)[:LIMIT]
        slugs = {topic.key: topic.slug for topic in report.topics}
        for topic_name in {name for f in public for name in _topic_names(f)}:
            members = [f for f in public if topic_name in {topic_key(n) for n in _topic_names(f)}]
            feed = parse_feed(root / "feeds" / "topics" / f"{slugs[topic_name]}.atom.xml")
            assert [e.link for e in feed.entries] == expected_order(members)[:LIMIT]
        for path in (root / "feeds").rglob("*.xml"):
            parse_feed(path)
            if path.name.endswith(".atom.xml"):
                assert_valid_atom(path)


def _topic_names(fields):
    """The topic keys the seed format promises for a `topics` value."""
    value = fields["topics"]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    names = [_xml_text(str(v)) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    return [topic_key(" ".join(name.split())) for name in names if topic_key(" ".join(name.split()))]


def _xml_text(text):
    """What XML 1.0 can carry of ``text`` (https://www.w3.org/TR/xml/#charsets)."""
    return "".join(c for c in text if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"
                   or c >= "\U00010000")


@settings(max_examples=100)
@given(SAFE_TEXT.filter(lambda s: s.strip()), SAFE_TEXT)
def test_any_title_and_summary_survive_build_and_feedparser(title, summary):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "seeds").mkdir()
        fields = {"title": title, "excerpt": summary, "webUrl": "https://example.com/a",
                  "publishedDateTime": datetime(2024, 1, 1, tzinfo=timezone.utc), "published": True}
        (root / "seeds" / "a.txt").write_text("---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n",
                                              encoding="utf-8")
        build(apply_overrides(DEFAULT_CONFIG, seeds=root / "seeds", out=root / "feeds", cache=False))
        expected_title, expected_summary = " ".join(title.split()), " ".join(summary.split())
        atom = root / "feeds" / "all.atom.xml"
        entry = etree.parse(str(atom)).find(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == expected_title
        assert (entry.findtext(f"{ATOM}summary") or "") == expected_summary
        [parsed] = parse_feed(atom).entries
        # feedparser "repairs" text that looks like UTF-8 read as Latin-1
        # ('Â¡' -> '¡'); compare with it only where that heuristic cannot fire.
        if not _looks_like_mojibake(expected_title):
            assert parsed.title == expected_title
        if not _looks_like_mojibake(expected_summary):
            assert parsed.get("summary", "") == expected_summary


def _looks_like_mojibake(text: str) -> bool:
    try:
        return text.encode("iso-8859-1").decode("utf-8") != text
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
