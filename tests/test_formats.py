"""Standards exactness of every format, read back by two independent parsers.

RSS 2.0 + the RSS Advisory Board profile, Atom (RFC 4287, schema-validated),
JSON Feed 1.1 (schema-validated), OPML 2.0, Media RSS, RFC 5005 archives.
"""

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import fastfeedparser
import pytest
from jsonschema import Draft202012Validator
from lxml import etree, html as lxml_html

from feedpub import build

from conftest import TESTS, article_fields, assert_valid_atom, make_config, parse_feed, write_seed

JSON_FEED_SCHEMA = Draft202012Validator(
    json.loads((TESTS / "schemas" / "jsonfeed-1.1.schema.json").read_text()),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
BASE = "https://feeds.example.org/"
RFC822_GMT = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                        r"\d\d:\d\d:\d\d GMT")
RFC3339_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
NS = {"atom": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/",
      "dc": "http://purl.org/dc/elements/1.1/", "fh": "http://purl.org/syndication/history/1.0"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A build of three rich articles with every optional feed setting on."""
    root = tmp_path_factory.mktemp("site")
    seeds = root / "seeds"
    write_seed(seeds, "1.txt", **article_fields(
        1, topics=["AI", "Computer Vision"], excerpt="Less <b>than</b> & more",
        images=[{"url": "https://img.example.com/1.png", "width": 640, "height": 480},
                {"url": "https://img.example.com/1b.png"}],
        related=[{"title": "Earlier story", "webUrl": "https://other.example.com/earlier"}],
    ))
    write_seed(seeds, "2.txt", **article_fields(2, topics=["ai"], provider={"name": "Wire", "domain": "wire.example"},
                                                updatedDateTime="2024-02-01T12:30:00+02:00"))
    write_seed(seeds, "3.txt", **article_fields(3, topics=["Robotics"], excerpt="", provider=None))
    config = make_config(root, ttl=30, hub="https://hub.example.org/", icon="https://example.org/icon.png",
                         logo="https://example.org/logo.png", site_url="https://example.org/", language="de")
    build(config)
    return config.out


def xml(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def test_rss_channel_follows_the_profile(site):
    channel = xml(site / "all.rss.xml").find("channel")
    assert channel.findtext("link") == "https://example.org/"  # the site, never the feed
    [self_link] = channel.findall("atom:link[@rel='self']", NS)
    assert self_link.attrib == {"href": BASE + "all.rss.xml", "rel": "self", "type": "application/rss+xml"}
    assert channel.find("atom:link[@rel='hub']", NS).get("href") == "https://hub.example.org/"
    assert channel.findtext("language") == "de"
    assert channel.findtext("ttl") == "30"
    assert channel.findtext("image/url") == "https://example.org/logo.png"
    # lastBuildDate: the newest item update (article 2, 10:30Z); pubDate: the newest publication (article 3).
    assert channel.findtext("lastBuildDate") == "Thu, 01 Feb 2024 10:30:00 GMT"
    assert channel.findtext("pubDate") == "Thu, 04 Jan 2024 03:00:00 GMT"
    for element in channel.iter("pubDate", "lastBuildDate"):
        assert RFC822_GMT.fullmatch(element.text), element.text


def test_rss_items_are_exact(site):
    items = xml(site / "all.rss.xml").find("channel").findall("item")
    assert [i.findtext("title") for i in items] == ["Article 3", "Article 2", "Article 1"]
    first = items[2]
    guid = first.find("guid")
    assert (guid.text, guid.get("isPermaLink")) == (first.findtext("link"), "true")
    # description is HTML: the plain-text excerpt is escaped once more, so it stays text.
    assert first.findtext("description") == "Less &lt;b&gt;than&lt;/b&gt; &amp; more"
    assert [(c.text, c.get("domain")) for c in first.findall("category")] == [
        ("AI", BASE + "topics/ai.rss.xml"), ("Computer Vision", BASE + "topics/computer-vision.rss.xml"),
    ]
    assert first.findtext("dc:creator", namespaces=NS) == "Example News"
    assert first.find("author") is None and first.find("enclosure") is None
    assert items[0].find("dc:creator", NS) is None and items[0].find("description") is None


def test_no_empty_elements_and_no_none_anywhere(site):
    for path in site.rglob("*.xml"):
        for element in xml(path).iter():
            assert element.text and element.text.strip() or len(element) or element.attrib, \
                f"{path.name}: empty <{element.tag}>"
        assert b"None" not in path.read_bytes()


def test_media_rss_without_groups(site):
    for name in ("all.rss.xml", "all.atom.xml"):
        root = xml(site / name)
        assert root.find(".//media:group", NS) is None
        contents = root.findall(".//media:content", NS)
        assert [(c.get("url"), c.get("medium"), c.get("width"), c.get("height")) for c in contents] == [
            ("https://img.example.com/1.png", "image", "640", "480"),
            ("https://img.example.com/1b.png", "image", None, None),
        ]
        assert [t.get("url") for t in root.findall(".//media:thumbnail", NS)] == ["https://img.example.com/1.png"]


def test_atom_feed_is_exact_and_schema_valid(site):
    for path in site.rglob("*.atom.xml"):
        assert_valid_atom(path)
    root = xml(site / "topics" / "ai.atom.xml")
    a = {"a": NS["atom"]}
    assert root.findtext("a:id", namespaces=a) == BASE + "topics/ai.atom.xml"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert root.findtext("a:author/a:name", namespaces=a) == "feedpub"
    links = {(l.get("rel"), l.get("type"), l.get("href")) for l in root.findall("a:link", a)}
    assert links == {
        ("self", "application/atom+xml", BASE + "topics/ai.atom.xml"),
        ("alternate", "text/html", "https://example.org/"),
        ("hub", None, "https://hub.example.org/"),
    }
    assert (root.findtext("a:icon", namespaces=a), root.findtext("a:logo", namespaces=a)) == (
        "https://example.org/icon.png", "https://example.org/logo.png")
    for element in root.iter(f"{{{NS['atom']}}}updated", f"{{{NS['atom']}}}published"):
        assert RFC3339_Z.fullmatch(element.text), element.text  # no microseconds, UTC
    assert root.findtext("a:updated", namespaces=a) == "2024-02-01T10:30:00Z"
    entry = root.findall("a:entry", a)[1]
    assert entry.find("a:summary", a).attrib == {"type": "text"}
    assert entry.find("a:content", a) is None
    assert [(l.get("rel"), l.get("type"), l.get("title")) for l in entry.findall("a:link", a)] == [
        ("alternate", "text/html", None), ("related", "text/html", "Earlier story"),
    ]
    assert [(c.get("term"), c.get("label"), c.get("scheme")) for c in entry.findall("a:category", a)] == [
        ("ai", "AI", BASE + "topics/ai.atom.xml"), ("computer-vision", "Computer Vision",
                                                    BASE + "topics/computer-vision.atom.xml"),
    ]
    assert entry.findtext("a:author/a:uri", namespaces=a) == "https://news.example.com/"


def test_feedparser_reads_every_field_back(site):
    for name in ("all.atom.xml", "all.rss.xml"):
        parsed = parse_feed(site / name)
        entry = parsed.entries[2]
        assert entry.title == "Article 1"
        assert entry.link == entry.id == "https://news.example.com/articles/1"
        assert entry.published_parsed[:6] == (2024, 1, 2, 1, 0, 0)
        assert entry.author == "Example News"
        assert [m["url"] for m in entry.media_content] == ["https://img.example.com/1.png", "https://img.example.com/1b.png"]
        assert {t.get("label") or t.term for t in entry.tags} == {"AI", "Computer Vision"}
        assert "than" in entry.summary
    atom = parse_feed(site / "all.atom.xml").entries[1]
    assert atom.updated_parsed[:6] == (2024, 2, 1, 10, 30, 0)
    assert [(l.rel, l.get("title")) for l in parse_feed(site / "all.atom.xml").entries[2].links] == [
        ("alternate", None), ("related", "Earlier story")]


@pytest.mark.parametrize("name", ["all.atom.xml", "all.rss.xml", "topics/ai.atom.xml", "topics/ai.rss.xml", "all.json"])
def test_a_second_independent_parser_reads_the_same_fields(site, name):
    data = (site / name).read_bytes()
    theirs = fastfeedparser.parse(data)
    ours = parse_feed(site / name) if not name.endswith(".json") else None
    expected = json.loads((site / "all.json").read_text())["items"] if name.startswith("all") else None
    assert theirs["feed"]["title"].startswith("feedpub")
    titles = [e["title"] for e in theirs["entries"]]
    links = [e["link"] for e in theirs["entries"]]
    if ours is not None:
        assert titles == [e.title for e in ours.entries]
        assert links == [e.link for e in ours.entries]
        assert [e["id"] for e in theirs["entries"]] == [e.id for e in ours.entries]
        for mine, other in zip(ours.entries, theirs["entries"]):
            assert datetime.fromisoformat(other["published"]).astimezone(timezone.utc).timetuple()[:6] \
                == mine.published_parsed[:6]
            assert other.get("author") == mine.get("author")
            assert [m["url"] for m in other.get("media_content", [])] == [m["url"] for m in mine.get("media_content", [])]
    if expected is not None:
        assert links == [item["url"] for item in expected]
    if name.endswith(".atom.xml"):
        first_links = theirs["entries"][-1]["links"]
        assert [(l["rel"], l["type"]) for l in first_links][:1] == [("alternate", "text/html")]


def test_json_feed_is_valid_and_complete(site):
    for path in site.rglob("*.json"):
        if path.name.startswith("."):
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        errors = [error.message for error in JSON_FEED_SCHEMA.iter_errors(document)]
        assert errors == [], f"{path.name}: {errors}"
    feed = json.loads((site / "all.json").read_text())
    assert (feed["home_page_url"], feed["feed_url"]) == ("https://example.org/", BASE + "all.json")
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]
    item = feed["items"][2]
    assert item == {
        "id": "https://news.example.com/articles/1",
        "url": "https://news.example.com/articles/1",
        "title": "Article 1",
        "content_text": "Less <b>than</b> & more",
        "summary": "Less <b>than</b> & more",
        "image": "https://img.example.com/1.png",
        "date_published": "2024-01-02T01:00:00Z",
        "date_modified": "2024-01-02T01:00:00Z",
        "authors": [{"name": "Example News", "url": "https://news.example.com/"}],
        "tags": ["AI", "Computer Vision"],
        "_feedpub": {"related": [{"title": "Earlier story", "url": "https://other.example.com/earlier"}]},
    }
    assert feed["items"][1]["date_modified"] == "2024-02-01T10:30:00Z"


def test_opml_subscribes_to_every_feed_once(site):
    root = xml(site / "feeds.opml")
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "feedpub"
    outlines = root.findall(".//outline[@xmlUrl]")
    urls = [o.get("xmlUrl") for o in outlines]
    assert urls == [BASE + "all.rss.xml"] + [BASE + f"topics/{s}.rss.xml" for s in ("ai", "computer-vision", "robotics")]
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("htmlUrl") == "https://example.org/"
        assert outline.get("text") == outline.get("title")
        parse_feed(site / outline.get("xmlUrl").removeprefix(BASE))
    assert [o.get("text") for o in root.find("body").findall("outline")] == ["feedpub", "Topics"]  # a folder has only text


def test_feed_formats_can_be_switched(tmp_path):
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    config = make_config(tmp_path, formats=["atom"], index_page=False)
    build(config)
    names = sorted(p.relative_to(config.out).as_posix() for p in config.out.rglob("[!.]*.*"))
    assert names == ["all.atom.xml", "feeds.opml", "topics/ai.atom.xml"]
    assert xml(config.out / "feeds.opml").find(".//outline").get("xmlUrl").endswith("all.atom.xml")


def test_index_page_lists_everything_without_scripts_or_external_assets(site):
    page = lxml_html.parse(str(site / "index.html")).getroot()
    assert page.find("head/meta[@name='viewport']") is not None
    discovery = [(l.get("type"), l.get("href")) for l in page.findall("head/link[@rel='alternate']")]
    assert discovery == [("application/rss+xml", "all.rss.xml"), ("application/atom+xml", "all.atom.xml"),
                         ("application/feed+json", "all.json")]
    assert page.findall(".//script") == [] and page.findall(".//img") == []
    assert not [l for l in page.findall(".//link") if l.get("rel") == "stylesheet"]
    sections = {s.findtext("h2"): s for s in page.iter("section")}
    assert list(sections) == ["All articles", "AI", "Computer Vision", "Robotics"]
    assert sections["AI"].find("div[@class='count']").text == "2 articles"
    assert [a.text for a in sections["AI"].findall("ul/li/a")] == ["Article 2", "Article 1"]
    for href in (a.get("href") for a in page.iter("a")):
        if not href.startswith("https://"):
            assert (site / href).is_file(), href


def write_articles(seeds: Path, numbers) -> None:
    for n in numbers:
        write_seed(seeds, f"{n:03d}.txt", **article_fields(n, publishedDateTime=f"2024-03-{n:02d}T00:00:00Z",
                                                           topics=["AI"]))


def test_archive_pages_hold_every_older_item_and_link_back(tmp_path):
    write_articles(tmp_path / "seeds", range(1, 8))  # 7 articles, pages of 2: three full pages
    config = make_config(tmp_path, archive=True, limit=2)
    build(config)
    out = config.out
    current = xml(out / "all.atom.xml")
    a = {"a": NS["atom"]}
    assert current.find("a:link[@rel='prev-archive']", a).get("href") == BASE + "archive/all/3.atom.xml"
    seen = [e.findtext("a:title", namespaces=a) for e in current.findall("a:entry", a)]
    assert seen == ["Article 7", "Article 6"]
    for page in (3, 2, 1):
        for fmt in ("atom", "rss"):
            path = out / "archive" / "all" / f"{page}.{fmt}.xml"
            root = xml(path)
            channel = root if fmt == "atom" else root.find("channel")
            assert channel.find("fh:archive", NS) is not None
            link = "a:link" if fmt == "atom" else "atom:link"
            ns = a if fmt == "atom" else NS
            assert channel.find(f"{link}[@rel='current']", ns).get("href") == BASE + f"all.{fmt}.xml"
            prev = channel.find(f"{link}[@rel='prev-archive']", ns)
            assert (prev.get("href") if prev is not None else None) == (
                BASE + f"archive/all/{page - 1}.{fmt}.xml" if page > 1 else None)
            assert channel.find(f"{link}[@rel='next-archive']", ns) is None
            parse_feed(path)
            if fmt == "atom":
                assert_valid_atom(path)
                seen += [e.findtext("a:title", namespaces=a) for e in root.findall("a:entry", a)]
    assert sorted(set(seen), key=lambda t: int(t.split()[1])) == [f"Article {n}" for n in range(1, 8)]
    assert (out / "archive" / "topics" / "ai" / "3.atom.xml").is_file()
    assert not (out / "archive" / "all" / "1.json").exists()


def test_full_archive_pages_never_change_and_are_not_rewritten(tmp_path):
    write_articles(tmp_path / "seeds", range(1, 8))
    config = make_config(tmp_path, archive=True, limit=2)
    build(config)
    pages = sorted((config.out / "archive").rglob("*.xml"))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pages}
    write_articles(tmp_path / "seeds", range(8, 10))  # two newer articles: page 4 fills
    report = build(config)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pages} == before
    assert "archive/all/4.atom.xml" in report.written and "archive/all/3.atom.xml" in report.unchanged
    assert xml(config.out / "all.atom.xml").find("{%s}link[@rel='prev-archive']" % NS["atom"]).get("href") \
        == BASE + "archive/all/4.atom.xml"


def test_archive_needs_a_limit(tmp_path):
    from feedpub.errors import ConfigError

    with pytest.raises(ConfigError, match="archive needs a limit above 0"):
        make_config(tmp_path, archive=True, limit=0)


def _many_articles(count: int):
    """``count`` articles that vary in every optional part a feed item has."""
    from datetime import timedelta

    from feedpub.model import Article, Image, Provider, Related

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    names = ["AI", "Space", "Café Culture", "人工知能", "Unlisted"]
    for n in range(count):
        published = start - timedelta(hours=n)
        yield Article(
            id=f"https://news.example.com/{n}", title=f"Article {n} <&> “{n % 7}”", link=f"https://news.example.com/{n}",
            summary="" if n % 5 == 0 else f"Summary {n} with <b>markup</b> & ünïcode 🚀",
            published_at=published, updated_at=published + timedelta(minutes=n % 97),
            published=True, quality=n % 100, heat=None,
            provider=None if n % 4 == 0 else Provider("Wire", "" if n % 8 == 1 else "wire.example"),
            topics=tuple(name for bit, name in enumerate(names) if n % 23 & (1 << bit)),
            images=tuple(Image(f"https://img.example.com/{n}/{i}.png", 640 if i else None, 480 if i else None)
                         for i in range(n % 3)),
            related=tuple(Related(f"Related {n}.{i}", f"https://other.example.com/{n}/{i}") for i in range(n % 4)),
            category="news", kind="article", source=f"seeds/{n}.txt",
        )


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_each_items_creator_and_media_are_its_articles_whatever_the_images(fmt):
    # Expectations from the articles alone: a media:content (medium image)
    # per image with the sizes it has, a thumbnail of the first, no group;
    # RSS names the provider in dc:creator.
    from dataclasses import replace

    from feedpub.model import Image
    from feedpub.render import TopicRef, render_items

    articles = list(_many_articles(40))
    sizes = [(None, None), (640, None), (None, 480), (1, 2)]
    articles += [replace(article, images=tuple(Image(f"https://img.example.com/{n}.png", *size)
                                               for size in sizes[n % 4:]))
                 for n, article in enumerate(articles[:8])]
    refs = {"ai": TopicRef("AI", "ai", {fmt: BASE + f"topics/ai.{fmt}"})}
    items = render_items(articles, fmt, refs)
    assert sum(item.count(b"<media:content") for item in items) > 40
    declared = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items() if prefix != "atom")

    def optional(number):
        return None if number is None else str(number)

    for article, item in zip(articles, items, strict=True):
        element = etree.fromstring(f"<items {declared}>".encode() + item + b"</items>")
        assert [(c.get("url"), c.get("medium"), c.get("width"), c.get("height"))
                for c in element.iterfind(".//media:content", NS)] == [
            (image.url, "image", optional(image.width), optional(image.height)) for image in article.images]
        assert [(t.get("url"), t.get("medium"), t.get("width"), t.get("height"))
                for t in element.iterfind(".//media:thumbnail", NS)] == [
            (image.url, None, optional(image.width), optional(image.height)) for image in article.images[:1]]
        assert element.find(".//media:group", NS) is None
        creators = [c.text for c in element.iterfind(".//dc:creator", NS)]
        assert creators == ([article.provider.name] if fmt == "rss" and article.provider else [])


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_a_feed_rendered_in_batches_is_the_feed_rendered_in_one_piece(fmt):
    from feedpub.render import ArchiveLinks, FeedMeta, TopicRef, feed_dates, render_feed, render_feed_chunks

    articles = list(_many_articles(2000))
    refs = {"ai": TopicRef("AI", "ai", {fmt: BASE + f"topics/ai.{fmt}"}), "space": TopicRef("Space", "space")}
    meta = FeedMeta("Archive", "All of it", "https://example.org/", BASE + "archive/all/3.xml", "de", "Pub",
                    ttl=30, hub="https://hub.example.org/", icon="https://example.org/i.png",
                    logo="https://example.org/l.png",
                    archive=ArchiveLinks(is_archive=True, current=BASE + "all.xml", prev=BASE + "archive/all/2.xml"))
    whole = render_feed(articles, meta, fmt, refs)
    # Every kind of part is in there (RSS has no related links, JSON no topic feed URLs).
    assert whole.count(b"https://img.example.com/") > 1000 and whole.count("Café Culture".encode()) > 100
    assert fmt == "rss" or whole.count(b"https://other.example.com/") > 1000
    assert fmt == "json" or whole.count(b"topics/ai.") > 100
    for sizes in ([500] * 4, [13] * 153 + [11], [0, 1, 1498, 0, 501]):
        assert sum(sizes) == len(articles)
        batches, start = [], 0
        for size in sizes:
            batches.append(articles[start:start + size])
            start += size
        chunks = list(render_feed_chunks(iter(batches), meta, fmt, refs, feed_dates(articles)))
        # Head, a chunk per batch of items and tail: streamed, not joined.
        assert len(chunks) >= sum(1 for batch in batches if batch) + 2
        assert b"".join(chunks) == whole
    # No items at all: the same bytes as an empty feed in one piece.
    empty = render_feed([], meta, fmt, refs)
    assert b"".join(render_feed_chunks(iter([]), meta, fmt, refs, feed_dates([]))) == empty
    assert b"".join(render_feed_chunks(iter([[]]), meta, fmt, refs, feed_dates([]))) == empty


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_rendering_a_feed_imports_nothing(fmt, monkeypatch):
    # feedgen's load_extension tries to import feedgen.ext.<name>_entry, which
    # does not exist, searching the disk each time: a cold build renders
    # hundreds of documents.
    import builtins

    from feedpub.render import ArchiveLinks, FeedMeta, render_feed

    meta = FeedMeta("T", "D", "https://example.org/", BASE + "x.xml", "en", "P",
                    archive=ArchiveLinks(is_archive=True, current=BASE + "all.xml"))
    articles = list(_many_articles(3))
    render_feed(articles, meta, fmt, {})  # the format's modules are imported by now
    imports = []
    real = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *args, **kwargs: imports.append(name)
                        or real(name, *args, **kwargs))
    data = render_feed(articles, meta, fmt, {})
    monkeypatch.undo()
    assert b"media:content" in data and (fmt == "atom" or b"<dc:creator>" in data)
    assert not [name for name in imports if name.startswith("feedgen")]


def test_items_are_cut_only_where_the_expected_number_of_item_tags_stands():
    """cut_items refuses a document whose items it cannot count out, rather
    than splice a wrong piece of XML into every feed."""
    from feedpub.feedmeta import cut_items

    document = b"<rss>\n  <channel>\n    <item>a</item>\n    <item>b</item>\n  </channel>\n</rss>"
    opening, closing = b"\n    <item>", b"\n  </channel>"
    assert cut_items(document, opening, closing, 2) == [b"\n    <item>a</item>", b"\n    <item>b</item>"]
    for count in (0, 1, 3):
        with pytest.raises(RuntimeError, match=f"cannot cut {count} items"):
            cut_items(document, opening, closing, count)
    # What stands before the first item is the frame's, not an item's.
    titled = document.replace(b"<channel>", b"<channel>\n    <title>t</title>")
    assert cut_items(titled, opening, closing, 2) == cut_items(document, opening, closing, 2)
    assert cut_items(b"<rss>\n  <channel>\n  </channel>\n</rss>", opening, closing, 0) == []
