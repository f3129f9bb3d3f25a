"""Which files a build writes, with which items, titles and links: worked out without writing."""

from pathlib import PurePath

import pytest

from feedpub.build import plan_build
from feedpub.model import Listing
from feedpub.plan import _archive_pages, group_by_topic

from conftest import article_fields, make_config, write_seed


def names(items):
    return [PurePath(item.source).name for item in items]


def listing(n, *topics):
    return Listing(f"https://x.example/{n}", n, n, True, 80, topics, f"{n}.txt", f"digest-{n}")


def test_group_by_topic_keeps_input_order_counts_and_sorts_topics_by_slug(tmp_path):
    articles = [listing(3, "Zebra", "AI"), listing(2, "ai"), listing(1, "AI", "zebra"), listing(0)]
    topics, members, refs = group_by_topic(articles, make_config(tmp_path))
    assert [(t.key, t.name, t.slug, t.count) for t in topics] == [("ai", "AI", "ai", 3), ("zebra", "Zebra", "zebra", 2)]
    assert members == {"ai": articles[:3], "zebra": [articles[0], articles[2]]}
    assert refs["ai"].urls == {fmt: f"https://feeds.example.org/topics/ai{suffix}"
                               for fmt, suffix in (("rss", ".rss.xml"), ("atom", ".atom.xml"), ("json", ".json"))}


def test_a_topic_selection_gives_feeds_to_selected_topics_only_but_names_every_topic(tmp_path):
    articles = [listing(2, "AI", "Robotics"), listing(1, "Robotics", "Space")]
    topics, members, refs = group_by_topic(articles, make_config(tmp_path, topics=["robotics", "SPACE"]))
    assert [t.key for t in topics] == ["robotics", "space"]
    assert set(members) == {"robotics", "space"}
    assert set(refs) == {"ai", "robotics", "space"}
    assert refs["ai"].urls == {} and refs["ai"].slug == "ai" and refs["ai"].name == "AI"
    assert refs["space"].urls["rss"] == "https://feeds.example.org/topics/space.rss.xml"


@pytest.mark.parametrize(("count", "size"), [(0, 2), (1, 2), (2, 2), (5, 2), (6, 3), (7, 3), (9, 1)])
def test_archive_pages_are_the_full_pages_counted_from_the_oldest(count, size):
    newest_first = list(range(count, 0, -1))  # n is newer than n - 1
    pages = _archive_pages(newest_first, size)
    assert len(pages) == count // size
    for number, page in enumerate(pages, 1):
        assert page == tuple(range(number * size, (number - 1) * size, -1))  # page 1 holds 1..size, newest first


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    for n in range(1, 6):
        write_seed(folder, f"{n}.txt", **article_fields(n, topics=["AI", "Robotics"] if n % 2 else ["AI"]))
    return folder


def test_each_feed_has_its_own_title_description_and_self_url(tmp_path, seeds):
    config = make_config(tmp_path, title="News", description="All the news", formats=("atom", "rss"))
    plan = plan_build(config)
    metas = {feed.path: feed.meta for feed in plan.feeds}
    assert list(metas) == ["all.atom.xml", "all.rss.xml", "topics/ai.atom.xml", "topics/ai.rss.xml",
                           "topics/robotics.atom.xml", "topics/robotics.rss.xml"]
    for path, meta in metas.items():
        assert meta.self_url == config.feeds_url + path
        assert meta.home_url == config.home_url and meta.publisher == config.publisher
    assert (metas["all.rss.xml"].title, metas["all.rss.xml"].description) == ("News", "All the news")
    assert (metas["topics/robotics.atom.xml"].title, metas["topics/robotics.atom.xml"].description) == (
        "News: Robotics", "All the news about Robotics")
    assert [feed.topic.key if feed.topic else None for feed in plan.feeds] == [None, None, "ai", "ai",
                                                                               "robotics", "robotics"]
    assert plan.topic_paths(plan.topics[1]) == ["topics/robotics.atom.xml", "topics/robotics.rss.xml"]


def test_a_limit_cuts_every_current_feed_to_its_newest_items(tmp_path, seeds):
    plan = plan_build(make_config(tmp_path, limit=2))
    sizes = {feed.path: names(feed.items) for feed in plan.feeds if feed.fmt == "json"}
    assert sizes == {"all.json": ["5.txt", "4.txt"], "topics/ai.json": ["5.txt", "4.txt"],
                     "topics/robotics.json": ["5.txt", "3.txt"]}
    unlimited = plan_build(make_config(tmp_path, limit=0))
    assert [len(feed.items) for feed in unlimited.feeds if feed.fmt == "json"] == [5, 5, 3]


def test_archive_pages_link_to_the_current_feed_and_the_page_before(tmp_path, seeds):
    config = make_config(tmp_path, archive=True, limit=2)
    plan = plan_build(config)
    feeds = {feed.path: feed for feed in plan.feeds}
    url = config.feeds_url
    assert feeds["all.rss.xml"].meta.archive.prev == url + "archive/all/2.rss.xml"
    assert not feeds["all.rss.xml"].meta.archive.is_archive and feeds["all.rss.xml"].meta.archive.current == ""
    first, second = feeds["archive/all/1.atom.xml"], feeds["archive/all/2.atom.xml"]
    assert names(first.items) == ["2.txt", "1.txt"] and names(second.items) == [
        "4.txt", "3.txt"]
    assert first.meta.archive.is_archive and first.meta.archive.current == url + "all.atom.xml"
    assert first.meta.archive.prev == "" and second.meta.archive.prev == url + "archive/all/1.atom.xml"
    assert second.meta.title == f"{config.title} (archive 2)" and second.meta.self_url == url + second.path
    assert feeds["archive/topics/robotics/1.rss.xml"].meta.archive.current == url + "topics/robotics.rss.xml"
    assert "archive/topics/robotics/2.rss.xml" not in feeds  # 3 articles: one full page of 2
    assert not [path for path in feeds if path.startswith("archive/") and path.endswith(".json")]
    assert feeds["all.json"].meta.archive.prev == ""  # JSON Feed has no archives


def test_the_opml_and_index_list_every_feed_in_the_first_format(tmp_path, seeds):
    config = make_config(tmp_path, formats=("json", "rss"), title="News")
    plan = plan_build(config)
    title, publisher, overall, topics = plan._opml_args()
    assert (title, publisher) == ("News", config.publisher)
    assert overall.title == "News" and overall.xml_url == config.feeds_url + "all.json"
    assert [(s.title, s.xml_url) for s in topics] == [
        ("News: AI", config.feeds_url + "topics/ai.json"), ("News: Robotics", config.feeds_url + "topics/robotics.json")]
    title, description, everything, per_topic, opml, language = plan._index_args(digests=True)
    assert language == config.language
    assert everything.count == 5 and [e.count for e in per_topic] == [5, 3]
    assert everything.paths == {"json": "all.json", "rss": "all.rss.xml"}
    assert [e.name for e in per_topic] == ["AI", "Robotics"]


def test_a_feed_fingerprint_follows_the_references_of_its_items_topics_only(tmp_path, seeds):
    """Items link to every topic they carry (name, slug, feed URLs): a feed's
    fingerprint changes with those references, and with no other topic's."""
    from dataclasses import replace

    write_seed(seeds, "6.txt", **article_fields(6, topics=["Space"]))
    plan = plan_build(make_config(tmp_path, formats=("rss",)))
    before = {path: fingerprint for path, fingerprint, _ in plan.outputs()}
    plan.refs["robotics"] = replace(plan.refs["robotics"], name="Robots")
    after = {path: fingerprint for path, fingerprint, _ in plan.outputs()}
    feeds = {feed.path: feed for feed in plan.feeds}
    carrying = {path for path, feed in feeds.items() if any("Robotics" in item.topics for item in feed.items)}
    assert carrying == {"all.rss.xml", "topics/ai.rss.xml", "topics/robotics.rss.xml"}
    assert {path for path in feeds if before[path] != after[path]} == carrying
