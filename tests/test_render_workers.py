"""Each article's item is rendered once per format and build, and put in every
feed that lists it: with the bytes a feed rendered on its own would have."""

import importlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from feedpub import plan as plan_module
from feedpub.plan import plan_build
from feedpub.render import render_feed
from feedpub.render_workers import ItemGroup, steps

from conftest import feed_files, make_config

build_module = importlib.import_module("feedpub.build")  # `feedpub.build` is the function

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_seeds import generate  # noqa: E402

# An item of each format as it stands in a feed file, and its id. Found by
# pattern, not by feedmeta's cutting, so that a mistake there shows here.
ITEMS = {
    ".rss.xml": (re.compile(rb"\n    <item>.*?</item>", re.S), re.compile(rb"<guid[^>]*>(.*?)</guid>")),
    ".atom.xml": (re.compile(rb"\n  <entry>.*?</entry>", re.S), re.compile(rb"<id>(.*?)</id>")),
}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Seeds as the web writes them, over 40 topics: most articles are in
    the overall feed and in one to four topic feeds."""
    folder = tmp_path_factory.mktemp("web") / "seeds"
    generate(240, folder, seed=7, profile="web")
    return folder.parent


def _items(path: str, data: bytes) -> dict[bytes, bytes]:
    """The items of a feed file by id, each as its bytes in the file."""
    if path.endswith(".json"):
        lines = [line for line in data.split(b"\n") if line.startswith(b'    {"id": ')]
        return {json.loads(line.rstrip(b","))["id"].encode(): line.rstrip(b",") for line in lines}
    suffix = next(suffix for suffix in ITEMS if path.endswith(suffix))
    item, identity = ITEMS[suffix]
    return {identity.search(match.group()).group(1): match.group() for match in item.finditer(data)}


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_item_has_the_same_bytes_in_every_feed_of_its_format(seeds, tmp_path, jobs):
    config = make_config(seeds, out=tmp_path / "feeds", limit=0, jobs=jobs, cache=False)
    build_module.build(config)
    files = feed_files(config.out)
    articles = len(plan_build(config).listings)
    compared = Counter()
    for fmt, suffix in (("rss", ".rss.xml"), ("atom", ".atom.xml"), ("json", ".json")):
        overall = _items("all" + suffix, files["all" + suffix])
        assert len(overall) == articles
        for path, data in files.items():
            if path.startswith("topics/") and path.endswith(suffix):
                for identity, item in _items(path, data).items():
                    assert item == overall[identity], (path, identity)
                    compared[fmt] += 1
    assert min(compared.values()) > 240  # every topic feed's every item, in each format


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_feed_is_the_feed_rendered_on_its_own(seeds, tmp_path, jobs):
    # Archive pages (an fh namespace more), a hub and images: whatever a feed
    # says about itself, its items are those of a document of its own.
    config = make_config(seeds, out=tmp_path / "feeds", limit=30, archive=True, hub="https://hub.example.org/",
                         logo="https://example.org/logo.png", jobs=jobs, cache=False)
    build_module.build(config)
    files = feed_files(config.out)
    plan = plan_build(config)
    assert sum(feed.path.startswith("archive/topics/") for feed in plan.feeds) > 10
    for feed in plan.feeds:
        assert files[feed.path] == render_feed(plan.articles_of(feed), feed.meta, feed.fmt, plan.refs), feed.path


def test_a_build_renders_each_article_once_per_format(seeds, tmp_path, monkeypatch):
    from feedgen.feed import FeedGenerator

    from feedpub import jsonfeed

    entries, items = Counter(), Counter()
    add_entry, item = FeedGenerator.add_entry, jsonfeed._item
    monkeypatch.setattr(FeedGenerator, "add_entry", lambda self, *a, **k: entries.update(["xml"]) or add_entry(self, *a, **k))
    monkeypatch.setattr(jsonfeed, "_item", lambda article, topics: items.update(["json"]) or item(article, topics))
    config = make_config(seeds, out=tmp_path / "feeds", jobs=1, cache=False, limit=20)
    build_module.build(config)
    plan = plan_build(config)
    distinct = {fmt: {item.source for feed in plan.feeds if feed.fmt == fmt for item in feed.items}
                for fmt in ("rss", "atom", "json")}
    listed = sum(len(feed.items) for feed in plan.feeds if feed.fmt == "json")
    assert listed > 1.5 * len(distinct["json"])  # most articles are in several feeds
    assert entries["xml"] == len(distinct["rss"]) + len(distinct["atom"])
    assert items["json"] == len(distinct["json"])


def test_the_steps_render_each_item_once_before_the_first_feed_that_lists_it(seeds):
    plan = plan_build(make_config(seeds, limit=20))
    planned = list(plan.feeds) + [None]  # and a file that is not a feed
    work = steps(planned, list(range(len(planned))))
    assert [step for step in work if isinstance(step, int)] == list(range(len(planned)))
    rendered: list[tuple[str, str]] = []
    for step in work:
        if isinstance(step, ItemGroup):
            assert 0 < len(step.listings) <= 50
            rendered += [(fmt, item.source) for fmt in step.fmts for item in step.listings]
        elif step is not None and planned[step] is not None:
            assert {(planned[step].fmt, item.source) for item in planned[step].items} <= set(rendered)
    assert None not in work and len(rendered) == len(set(rendered))
    assert set(rendered) == {(feed.fmt, item.source) for feed in plan.feeds for item in feed.items}


def test_each_article_is_in_one_group_that_renders_it_in_every_format(seeds):
    # One worker then loads it, for the items of every feed that lists it.
    plan = plan_build(make_config(seeds, limit=20))
    work = steps(list(plan.feeds), list(range(len(plan.feeds))))
    groups = Counter()
    for step in work:
        if isinstance(step, ItemGroup):
            assert step.fmts == plan.config.formats
            groups.update(item.source for item in step.listings)
    assert set(groups.values()) == {1}
    assert set(groups) == {item.source for feed in plan.feeds for item in feed.items}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers render only where they fork (Linux)")
def test_the_build_process_loads_no_article_that_workers_render(seeds, tmp_path, monkeypatch):
    # Workers decode the records the build fetched for them (or read the
    # seeds the cache has none of): the build's own process loads nothing.
    from feedpub import resolver

    loaded = []  # what forked workers append stays in their copy of it
    load = resolver.Resolver._load
    monkeypatch.setattr(resolver.Resolver, "_load", lambda self, sources: loaded.extend(sources) or load(self, sources))
    for n, cache in enumerate((False, True, True)):  # the last: every article from the cache's records
        config = make_config(seeds, out=tmp_path / f"feeds-{n}", limit=20, jobs=2, cache=cache)
        report = build_module.build(config)
        assert report.rendered > 16 and not loaded
    reference = make_config(seeds, out=tmp_path / "reference", limit=20, jobs=1, cache=False)
    build_module.build(reference)
    assert feed_files(config.out) == feed_files(reference.out)


@pytest.mark.parametrize("memory", [40, 60])
def test_the_steps_keep_at_most_the_item_memory(seeds, monkeypatch, memory):
    monkeypatch.setattr(plan_module, "ITEM_MEMORY", memory)
    plan = plan_build(make_config(seeds, limit=20))
    work = steps(list(plan.feeds), list(range(len(plan.feeds))))
    assert work.count(None) > 3
    kept: set[tuple[str, str]] = set()
    for step in work:
        if step is None:
            kept = set()
        elif isinstance(step, ItemGroup):
            kept |= {(fmt, item.source) for fmt in step.fmts for item in step.listings}
            assert len(kept) <= memory
        else:
            assert {(plan.feeds[step].fmt, item.source) for item in plan.feeds[step].items} <= kept


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_small_item_memory_gives_the_same_feeds(seeds, tmp_path, monkeypatch, jobs):
    reference = make_config(seeds, out=tmp_path / "reference", limit=25, jobs=1, cache=False)
    build_module.build(reference)
    monkeypatch.setattr(plan_module, "ITEM_MEMORY", 30)
    monkeypatch.setattr(plan_module, "RENDER_BATCH", 20)  # the overall feeds are long: rendered here
    config = make_config(seeds, limit=25, jobs=jobs, cache=False)
    build_module.build(config)
    assert feed_files(config.out) == feed_files(reference.out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers render only where they fork (Linux)")
def test_workers_take_one_group_of_items_at_a_time(seeds, tmp_path, monkeypatch):
    # A group is tens of articles in each format: a worker given several
    # at once renders the last of them while the other has nothing to do.
    import feedpub.parallel
    from feedpub import render_workers

    used = []
    real = feedpub.parallel.ordered_map

    def spy(function, tasks, processes, minimum, chunk=None):
        used.append((tasks, processes, chunk))
        return real(function, tasks, processes, minimum, chunk)

    monkeypatch.setattr(feedpub.parallel, "ordered_map", spy)
    monkeypatch.setattr(render_workers, "_RENDERS", _Recording(render_workers._RENDERS))
    config = make_config(seeds, out=tmp_path / "feeds", jobs=2, cache=False, limit=20)
    build_module.build(config)
    work = render_workers._RENDERS.work
    [(tasks, processes, chunk)] = [use for use in used if use[0] and isinstance(use[0][0][1], list)]
    numbers = [number for _, run in tasks for number in run]
    groups = [number for number, step in enumerate(work.steps) if isinstance(step, ItemGroup)]
    assert (processes, chunk) == (2, 1) and len(groups) > 4
    assert numbers == [number for number, step in enumerate(work.steps) if step is not None]
    assert all(sum(isinstance(work.steps[number], ItemGroup) for number in run) <= 1 for _, run in tasks)


class _Recording(dict):
    """render_workers._RENDERS, keeping the last work put in it."""

    def __init__(self, real: dict) -> None:
        super().__init__(real)
        self.work = None

    def __setitem__(self, key, work) -> None:
        self.work = work
        super().__setitem__(key, work)
