import os
import subprocess
import sys
from collections import Counter

import pytest

from feedpub.build import build, plan_build
from feedpub.errors import ConfigError, OutputError
from feedpub.writers import MANIFEST_NAME

from conftest import article_fields, assert_valid_atom, feed_files, make_config, parse_feed, write_seed


@pytest.fixture
def corpus(tmp_path):
    """Five seeds: two topics spelled several ways, one unpublished, one low quality."""
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.txt", **article_fields(1, topics=["AI", "Computer Vision"]))
    write_seed(seeds, "2.txt", **article_fields(2, topics=[" ai "], quality=30))
    write_seed(seeds, "3.txt", **article_fields(3, topics=["ai", "Robotics"]))
    write_seed(seeds, "4.txt", **article_fields(4, topics=["Secret Project"], published=False))
    write_seed(seeds, "5.txt", **article_fields(5, topics=["AI"], excerpt="Less <b>than</b> & more"))
    return tmp_path


def test_plan_lists_which_feeds_with_which_articles_at_which_paths(corpus):
    plan = plan_build(make_config(corpus, min_quality=50, limit=2))
    by_path = {feed.path: [a.title for a in plan.articles_of(feed)] for feed in plan.feeds}
    expected = {
        "all": ["Article 5", "Article 3"],
        "topics/ai": ["Article 5", "Article 3"],
        "topics/computer-vision": ["Article 1"],
        "topics/robotics": ["Article 3"],
    }
    assert by_path == {
        base + suffix: titles for base, titles in expected.items() for suffix in (".rss.xml", ".atom.xml", ".json")
    }
    assert plan.paths() == list(by_path) + ["feeds.opml", "index.html"]
    assert [(t.name, t.slug, t.count) for t in plan.topics] == [
        ("AI", "ai", 3), ("Computer Vision", "computer-vision", 1), ("Robotics", "robotics", 1)
    ]
    assert plan.counts.unpublished == 1 and plan.counts.below_quality == 1 and plan.counts.passed == 3


def test_every_feed_parses_back_with_the_expected_entries(corpus):
    config = make_config(corpus)
    report = build(config)
    assert not report.errors and report.counts.passed == 4
    out = config.out
    rss = parse_feed(out / "all.rss.xml")
    atom = parse_feed(out / "all.atom.xml")
    assert rss.version == "rss20" and atom.version == "atom10"
    for parsed in (rss, atom):
        assert [e.title for e in parsed.entries] == ["Article 5", "Article 3", "Article 2", "Article 1"]
        first = parsed.entries[0]
        assert first.link == first.id == "https://news.example.com/articles/5"
        assert first.author == "Example News"
        assert first.published_parsed[:6] == (2024, 1, 6, 5, 0, 0)
    assert [(t.term, t.scheme) for t in rss.entries[0].tags] == [("AI", "https://feeds.example.org/topics/ai.rss.xml")]
    assert [(t.term, t.label, t.scheme) for t in atom.entries[0].tags] == [
        ("ai", "AI", "https://feeds.example.org/topics/ai.atom.xml")
    ]
    # The excerpt is plain text: never live markup in a reader.
    assert atom.entries[0].summary_detail.type == "text/plain"
    assert atom.entries[0].summary == "Less <b>than</b> & more"
    assert rss.entries[0].summary_detail.type == "text/html"
    assert rss.entries[0].summary == "Less &lt;b&gt;than&lt;/b&gt; &amp; more"
    assert rss.feed.link == "https://feeds.example.org/"
    assert [l.href for l in atom.feed.links if l.rel == "self"] == ["https://feeds.example.org/all.atom.xml"]
    ai = parse_feed(out / "topics" / "ai.atom.xml")
    assert ai.feed.title == "feedpub: AI"
    assert [e.title for e in ai.entries] == ["Article 5", "Article 3", "Article 2", "Article 1"]
    for path in out.rglob("*.atom.xml"):
        assert_valid_atom(path)
    for path in out.rglob("*.xml"):
        parse_feed(path)


def test_nothing_of_an_unpublished_article_reaches_the_output(corpus):
    config = make_config(corpus)
    build(config)
    everything = b"".join(feed_files(config.out).values())
    assert b"Article 4" not in everything and b"Secret" not in everything and b"secret-project" not in everything
    build(make_config(corpus, include_unpublished=True))
    assert (config.out / "topics" / "secret-project.atom.xml").is_file()


def test_feed_dates_come_from_the_newest_item_not_the_clock(corpus):
    config = make_config(corpus)
    build(config)
    atom = parse_feed(config.out / "all.atom.xml")
    rss = parse_feed(config.out / "all.rss.xml")
    assert atom.feed.updated_parsed[:6] == (2024, 1, 6, 5, 0, 0)
    assert rss.feed.updated_parsed[:6] == (2024, 1, 6, 5, 0, 0)  # lastBuildDate


def test_an_empty_feed_is_still_valid_and_reproducible(tmp_path):
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1, published=False))
    config = make_config(tmp_path)
    build(config)
    assert parse_feed(config.out / "all.rss.xml").entries == []
    assert_valid_atom(config.out / "all.atom.xml")
    assert b"<updated>1970-01-01T00:00:00Z</updated>" in (config.out / "all.atom.xml").read_bytes()


def test_unchanged_files_are_not_rewritten(corpus):
    config = make_config(corpus)
    first = build(config)
    assert len(first.written) == 14 and first.manifest_changed  # 12 feeds, OPML, index.html
    stats = {p: p.stat() for p in config.out.rglob("*")}
    second = build(config)
    assert second.written == [] and not second.changed and len(second.unchanged) == 14
    assert {p: (s.st_mtime_ns, s.st_ino) for p, s in stats.items()} == {
        p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in stats
    }


def test_one_changed_seed_rewrites_only_the_feeds_it_is_in(corpus):
    config = make_config(corpus)
    build(config)
    write_seed(corpus / "seeds", "3.txt", **article_fields(3, topics=["ai", "Robotics"], title="Renamed"))
    report = build(config)
    assert sorted(report.written) == sorted(
        [f"{base}{suffix}" for base in ("all", "topics/ai", "topics/robotics")
         for suffix in (".rss.xml", ".atom.xml", ".json")] + ["index.html"]  # a headline changed
    )


def test_feeds_of_vanished_topics_are_removed_and_nothing_else(corpus):
    config = make_config(corpus)
    build(config)
    (config.out / "topics" / "keep-me.xml").write_text("mine")
    (config.out / "README.txt").write_text("mine too")
    (corpus / "seeds" / "3.txt").unlink()  # the only Robotics article
    report = build(config)
    assert report.removed == ["topics/robotics.atom.xml", "topics/robotics.json", "topics/robotics.rss.xml"]
    assert not (config.out / "topics" / "robotics.rss.xml").exists()
    assert (config.out / "topics" / "keep-me.xml").read_text() == "mine"
    assert (config.out / "README.txt").read_text() == "mine too"
    assert "topics/robotics.rss.xml" not in (config.out / MANIFEST_NAME).read_text()


def test_a_tampered_manifest_cannot_delete_outside_the_output(corpus):
    config = make_config(corpus)
    config.out.mkdir()
    victim = corpus / "victim.txt"
    victim.write_text("keep")
    (config.out / MANIFEST_NAME).write_text('{"files": ["../victim.txt", "/etc/hostname"]}')
    build(config)
    assert victim.read_text() == "keep"


def test_check_writes_nothing_and_reports_what_would_change(corpus):
    config = make_config(corpus)
    report = build(config, check=True)
    assert report.changed and len(report.written) == 14 and not config.out.exists()
    build(config)
    assert not build(config, check=True).changed
    write_seed(corpus / "seeds", "6.txt", **article_fields(6, topics=["New Topic"]))
    report = build(config, check=True)
    assert "topics/new-topic.rss.xml" in report.written and report.manifest_changed
    assert not (config.out / "topics" / "new-topic.rss.xml").exists()


def test_strict_writes_nothing_when_any_seed_is_bad(corpus):
    write_seed(corpus / "seeds", "bad.txt", text="---\ntitle: x\n")
    config = make_config(corpus)
    report = build(config, strict=True)
    assert report.aborted and len(report.errors) == 1
    assert not config.out.exists()
    report = build(config)
    assert not report.aborted and report.counts.passed == 4 and report.invalid == 1


@pytest.mark.parametrize("out", ["seeds", "seeds/feeds", "/"])
def test_unsafe_output_folders_are_refused(corpus, out):
    target = corpus / out if out != "/" else out
    with pytest.raises(OutputError):
        build(make_config(corpus, out=target))


def test_a_missing_seeds_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="seeds folder not found"):
        build(make_config(tmp_path))


BUILD_SCRIPT = """
import sys
from pathlib import Path
from feedpub import build, apply_overrides, DEFAULT_CONFIG
config = apply_overrides(DEFAULT_CONFIG, seeds=Path(sys.argv[1]), out=Path(sys.argv[2]), cache=False,
                         base_url="https://feeds.example.org/")
build(config)
"""


def test_output_is_byte_identical_whatever_the_clock_tz_locale_or_file_order(corpus, tmp_path_factory):
    runs = []
    for tz, lang in (("UTC", "C.UTF-8"), ("Pacific/Kiritimati", "de_DE.UTF-8"), ("America/St_Johns", "C")):
        out = tmp_path_factory.mktemp("out")
        env = {**os.environ, "TZ": tz, "LC_ALL": lang, "LANG": lang}
        subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(corpus / "seeds"), str(out)], check=True, env=env)
        runs.append(feed_files(out))
    # Same seeds written in a different order, later: same bytes.
    reordered = tmp_path_factory.mktemp("reordered")
    for path in sorted((corpus / "seeds").iterdir(), reverse=True):
        (reordered / path.name).write_bytes(path.read_bytes())
    out = tmp_path_factory.mktemp("out")
    subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(reordered), str(out)], check=True)
    runs.append(feed_files(out))
    assert runs[0] and all(run == runs[0] for run in runs[1:])


@pytest.mark.parametrize("index_page", [True, False])
def test_plan_paths_are_the_paths_of_its_outputs(corpus, index_page):
    plan = plan_build(make_config(corpus, index_page=index_page))
    assert plan.paths() == [path for path, _, _ in plan.outputs()]
    assert ("index.html" in plan.paths()) is index_page


def _archive_corpus(tmp_path, count):
    """``count`` seeds over four topics that overlap in changing ways, so feeds
    share some of their articles but never all."""
    names = ["AI", "Space", "Rust", "Film"]
    for n in range(count):
        topics = [name for bit, name in enumerate(names) if (n * 7 + 3) % 11 & (1 << bit)] or ["AI"]
        write_seed(tmp_path / "seeds", f"{n:03d}.txt", **article_fields(n, topics=topics))


@pytest.mark.parametrize("jobs, cache", [(1, False), (2, True)])
def test_archives_past_the_resolver_memory_equal_a_prefetched_build(tmp_path, monkeypatch, jobs, cache):
    from feedpub import resolver

    _archive_corpus(tmp_path, 90)
    prefetched = []
    original = resolver.Resolver.prefetch
    monkeypatch.setattr(resolver.Resolver, "prefetch", lambda self, items: prefetched.append(original(self, items))
                        or prefetched[-1])
    reference = make_config(tmp_path, archive=True, limit=5, jobs=2, cache=False, out=tmp_path / "reference")
    build(reference)
    assert prefetched == [True]  # the reference rendered in worker processes

    monkeypatch.setattr(resolver, "RESOLVER_MEMORY", 10)
    reads = Counter()
    read = resolver.Resolver._read
    monkeypatch.setattr(resolver.Resolver, "_read", lambda self, source: reads.update([source]) or read(self, source))
    config = make_config(tmp_path, archive=True, limit=5, jobs=jobs, cache=cache)
    for _ in range(2 if cache else 1):  # with a cache: the articles come from its records the second time
        for path in config.out.rglob("*.xml"):
            path.unlink()
        reads.clear()
        report = build(config)
    assert not report.errors
    # Articles are loaded again and again, but a seed is never parsed twice:
    # from the cache's records, or without a cache, from the resolver's own.
    assert reads.most_common(1)[0][1] == 1 if not cache else not reads
    expected = feed_files(reference.out)
    assert sum(path.startswith("archive/") for path in expected) >= 30
    assert feed_files(config.out) == expected


def test_feeds_rendered_a_batch_at_a_time_equal_one_piece_renders(tmp_path, monkeypatch):
    from feedpub import plan as plan_module
    from feedpub.render import render_feed

    seeds = tmp_path / "seeds"
    for n in range(12):
        # Updates later than publication, in another zone: the feed heads' dates come from Listings.
        updated = f"2024-03-{n % 9 + 1:02d}T{n:02d}:30:00+05:30" if n % 3 else None
        write_seed(seeds, f"{n}.txt", **article_fields(n, topics=["AI", "Space"][: n % 2 + 1],
                                                        **({"updatedDateTime": updated} if updated else {})))
    monkeypatch.setattr(plan_module, "RENDER_BATCH", 5)
    plan = plan_build(make_config(tmp_path, limit=0))
    assert max(len(feed.items) for feed in plan.feeds) == 12
    for feed in plan.feeds:
        assert plan.render(feed) == render_feed(plan.articles_of(feed), feed.meta, feed.fmt, plan.refs), feed.path


def test_a_build_that_fails_while_rendering_changes_no_file(corpus, monkeypatch):
    from feedpub import jsonfeed

    config = make_config(corpus, formats=("rss", "atom", "json"))
    build(config)
    before = feed_files(config.out)
    write_seed(corpus / "seeds", "5.txt", **article_fields(5, title="Edited", topics=["AI", "Space"]))

    def fail(*args):
        raise RuntimeError("an unexpected bug")

    monkeypatch.setattr(jsonfeed, "_item", fail)  # the RSS and Atom feeds render before the first JSON one
    with pytest.raises(RuntimeError, match="an unexpected bug"):
        build(config)
    after = feed_files(config.out)
    manifest = after.pop(MANIFEST_NAME)  # it names the new topic's files before any is written
    assert b"topics/space.rss.xml" in manifest
    assert after == {path: data for path, data in before.items() if path != MANIFEST_NAME}
    monkeypatch.undo()
    report = build(config)  # the next build does it all, and cleans up
    assert "all.rss.xml" in report.written and "topics/space.json" in report.written


def test_long_feeds_render_here_while_workers_render_the_others(tmp_path, monkeypatch):
    from feedpub import plan as plan_module, resolver

    for n in range(90):
        write_seed(tmp_path / "seeds", f"{n:03d}.txt", **article_fields(n, topics=["AI", f"T{n % 10}"]))
    monkeypatch.setattr(plan_module, "RENDER_BATCH", 20)  # all and AI are long; the ten T topics are not
    prefetched = []
    original = resolver.Resolver.prefetch

    def prefetch(self, items):
        items = list(items)
        prefetched.append(len(items))
        return original(self, items)

    monkeypatch.setattr(resolver.Resolver, "prefetch", prefetch)
    parallel = make_config(tmp_path, limit=0, jobs=2, cache=False, out=tmp_path / "parallel")
    build(parallel)
    assert prefetched == [10 * 9 * 3]  # workers render the 30 short feeds (and OPML, index) only
    serial = make_config(tmp_path, limit=0, jobs=1, cache=False, out=tmp_path / "serial")
    build(serial)
    assert feed_files(parallel.out) == feed_files(serial.out)


@pytest.mark.parametrize("new", [[b"abc", b"def"], [b"abcdef", b"!"], [b"abc", b"de"], [b"xbc", b"def"], []])
def test_staging_compares_chunks_with_the_old_file_as_they_stream(tmp_path, new):
    from feedpub.writers import OutputFolder

    out = OutputFolder(tmp_path)
    target = tmp_path / "feed.xml"
    target.write_bytes(b"abcdef")
    before = target.stat()
    same = b"".join(new) == b"abcdef"
    assert out.chunks_are_current("feed.xml", iter(new)) is same
    temporary = out.stage_if_changed("feed.xml", iter(new))
    assert (temporary is None) is same
    if temporary is not None:
        assert target.read_bytes() == b"abcdef"  # staged, not yet in place
        out.commit_staged(temporary, "feed.xml")
    assert target.read_bytes() == b"".join(new)
    assert [p.name for p in tmp_path.iterdir()] == ["feed.xml"]
    assert (target.stat().st_ino == before.st_ino) is same
    assert not out.chunks_are_current("missing.xml", iter(new))


def test_only_files_whose_inputs_changed_are_rendered(corpus):
    config = make_config(corpus)
    first = build(config)
    assert first.rendered == len(first.written) == 14
    write_seed(corpus / "seeds", "1.txt", **article_fields(1, topics=["AI", "Computer Vision"], title="Renamed"))
    report = build(config)
    # Article 1 is in all, ai and computer-vision (9 feeds) and the index; OPML and robotics are not even rendered.
    assert report.rendered == len(report.written) == 10
    assert sorted(report.unchanged) == sorted(["feeds.opml"] + [f"topics/robotics{s}" for s in
                                                                (".rss.xml", ".atom.xml", ".json")])


def test_a_feeds_formats_fingerprint_their_shared_items_once(corpus, monkeypatch):
    from feedpub import plan as plan_module

    plan = plan_build(make_config(corpus))
    looked_up = Counter()
    topic_key = plan_module.topic_key
    monkeypatch.setattr(plan_module, "topic_key", lambda name: looked_up.update([name]) or topic_key(name))
    fingerprints = [fingerprint for _, fingerprint, _ in plan.outputs()]
    assert len(set(fingerprints)) == len(fingerprints)  # the formats of one feed too
    distinct = {id(feed.items): feed.items for feed in plan.feeds}.values()
    assert len(plan.config.formats) == 3 and len(distinct) == len(plan.feeds) / 3
    # Each distinct topic name of each items tuple once, not once per format.
    assert sum(looked_up.values()) == sum(len({name for item in items for name in item.topics}) for items in distinct)


def test_check_reports_files_to_remove_and_removes_nothing(corpus):
    config = make_config(corpus)
    build(config)
    (corpus / "seeds" / "3.txt").unlink()  # the only Robotics article
    report = build(config, check=True)
    robotics = ["topics/robotics.atom.xml", "topics/robotics.json", "topics/robotics.rss.xml"]
    assert report.removed == robotics and report.changed and report.manifest_changed
    assert all((config.out / path).is_file() for path in robotics)
    assert "topics/robotics.json" in (config.out / MANIFEST_NAME).read_text()
    report = build(config)
    assert report.removed == robotics and not any((config.out / path).exists() for path in robotics)


def test_a_file_listed_in_the_manifest_but_already_gone_is_not_reported_removed(corpus):
    config = make_config(corpus)
    build(config)
    (config.out / "topics" / "robotics.json").unlink()
    (corpus / "seeds" / "3.txt").unlink()
    assert build(config).removed == ["topics/robotics.atom.xml", "topics/robotics.rss.xml"]


def test_a_build_clears_temporaries_a_killed_build_left_in_every_output_folder(corpus):
    config = make_config(corpus)
    build(config)
    left = [config.out / ".all.rss.xml.abcd1234.tmp", config.out / "topics" / ".ai.json.abcd1234.tmp"]
    for path in left:
        path.write_text("half a feed")
    write_seed(corpus / "seeds", "6.txt", **article_fields(6))  # so that the build writes
    build(config)
    assert not any(path.exists() for path in left)


def test_a_build_with_nothing_to_write_still_clears_temporaries_a_killed_build_left(corpus):
    config = make_config(corpus)  # with the cache, so the second build could answer from its snapshot
    first = build(config)
    left = [config.out / ".all.rss.xml.abcd1234.tmp", config.out / "topics" / ".ai.json.abcd1234.tmp"]
    for path in left:
        path.write_text("half a feed")
    checked = build(config, check=True)
    assert all(path.exists() for path in left) and not checked.changed  # --check removes nothing
    report = build(config)
    assert not any(path.exists() for path in left)
    assert not report.changed and sorted(report.unchanged) == sorted(first.written)
    assert build(config).unchanged == report.unchanged  # and the shortcut holds again


def test_an_output_folder_that_contains_the_seeds_is_refused(corpus):
    with pytest.raises(OutputError, match="contains the seeds folder"):
        build(make_config(corpus, out=corpus))
    with pytest.raises(OutputError, match="is the seeds folder or inside it"):
        build(make_config(corpus, out=corpus / "seeds" / "a" / "b"))


@pytest.mark.parametrize("inside", ["", "cache", "a/b"])
def test_a_cache_folder_in_the_output_folder_is_refused_and_nothing_is_written(corpus, inside):
    cache_dir = corpus / "feeds" / inside
    with pytest.raises(ConfigError) as raised:
        build(make_config(corpus, cache_dir=cache_dir))
    assert str(raised.value).startswith(f"cache_dir {cache_dir} is the output folder {corpus / 'feeds'} or inside it")
    assert not (corpus / "feeds").exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_cache_folder_reaching_the_output_folder_through_a_link_is_refused(corpus):
    (corpus / "feeds").mkdir()
    (corpus / "link").symlink_to(corpus / "feeds", target_is_directory=True)
    with pytest.raises(ConfigError, match="is the output folder"):
        build(make_config(corpus, cache_dir=corpus / "link" / "cache"))
    build(make_config(corpus, cache_dir=corpus / "link" / "cache", cache=False))  # no cache, no leak


def test_a_cache_that_cannot_be_opened_is_a_warning_and_the_feeds_are_the_same(corpus, monkeypatch):
    from feedpub import build_cache
    from feedpub.errors import FeedpubWarning

    reference = make_config(corpus, out=corpus / "reference", cache=False)
    build(reference)
    monkeypatch.setattr(build_cache, "_open_database", lambda folder, settings: None)  # a read-only checkout
    with pytest.warns(FeedpubWarning, match="cache_dir .* cannot be created or written: building without the cache"):
        build(make_config(corpus))
    assert feed_files(corpus / "feeds") == feed_files(reference.out)


def test_the_cache_stamp_names_the_installed_versions_of_the_libraries_that_shape_the_bytes():
    from importlib.metadata import version

    from feedpub.build_cache import LIBRARIES, _library_versions

    stamp = dict(part.split("=", 1) for part in _library_versions().split(","))
    assert list(stamp) == list(LIBRARIES)
    for name in ("feedgen", "lxml", "PyYAML", "python-dateutil"):
        assert stamp[name] == version(name)


def test_the_cache_stamp_reads_each_kind_of_metadata_as_importlib_metadata_does(tmp_path, monkeypatch):
    """Folders and files as pip, setuptools and eggs name them, the first on
    sys.path winning; a distribution installed nowhere is ``none``."""
    from importlib import metadata

    from feedpub import build_cache

    first, second = tmp_path / "first", tmp_path / "second"
    fakes = {
        first / "feedgen-9.1.dist-info" / "METADATA": "9.1",
        second / "feedgen-8.0.dist-info" / "METADATA": "8.0",  # shadowed by the one in first
        first / "pyyaml-9.2.dist-info" / "METADATA": "9.2",
        first / "yaml_rs-9.3.dist-info" / "METADATA": "9.3",
        first / "python_dateutil-9.4-py3.11.egg-info": "9.4",  # a file, as old setuptools wrote
        second / "lxml.egg-info" / "PKG-INFO": "9.5rc1",
    }
    for path, version in fakes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Metadata-Version: 2.1\nName: x\nVersion: {version}\n\nVersion: 0 (the body)\n")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    expected = {name: metadata.version(name) for name in build_cache.LIBRARIES}
    assert sorted(expected.values()) == ["9.1", "9.2", "9.3", "9.4", "9.5rc1"]  # the fakes are what is found
    assert build_cache._library_versions() == ",".join(f"{name}={expected[name]}" for name in build_cache.LIBRARIES)
    monkeypatch.setattr(build_cache, "LIBRARIES", ("feedgen", "no-such-distribution"))
    assert build_cache._library_versions() == "feedgen=9.1,no-such-distribution=none"


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_the_cache_stamp_names_the_version_an_egg_ahead_on_sys_path_holds(tmp_path, monkeypatch, kind):
    """An egg's metadata is inside it (EGG-INFO): the stamp must not take the
    version of a copy further down sys.path, which Python does not import."""
    import zipfile
    from importlib import metadata

    from feedpub import build_cache

    later = tmp_path / "site"
    (later / "feedgen-9.1.dist-info").mkdir(parents=True)
    (later / "feedgen-9.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: feedgen\nVersion: 9.1\n")
    egg = tmp_path / "feedgen-0.5-py3.11.egg"
    info = "Metadata-Version: 2.1\nName: feedgen\nVersion: 0.5\n"
    if kind == "folder":
        (egg / "EGG-INFO").mkdir(parents=True)
        (egg / "EGG-INFO" / "PKG-INFO").write_text(info)
    else:
        with zipfile.ZipFile(egg, "w") as archive:
            archive.writestr("EGG-INFO/PKG-INFO", info)
    monkeypatch.syspath_prepend(str(later))
    monkeypatch.syspath_prepend(str(egg))
    monkeypatch.setattr(build_cache, "LIBRARIES", ("feedgen",))
    assert metadata.version("feedgen") == "0.5"
    assert build_cache._library_versions() == "feedgen=0.5"
