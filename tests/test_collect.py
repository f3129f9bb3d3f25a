import random

import pytest

import feedpub.scan
from feedpub.collect import collect, deduplicate, load_seed
from feedpub.errors import SeedError

from conftest import article_fields, write_seed

from datetime import timezone


def test_bad_seeds_are_reported_and_good_neighbours_published(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "a.txt", **article_fields(1))
    write_seed(seeds, "b.txt", text="---\ntitle: [unclosed\n---\n")
    write_seed(seeds, "c.txt", text=b"\x00\xff\xfe binary")
    write_seed(seeds, "d.txt", **article_fields(2, title=""))
    write_seed(seeds, "e.txt", **article_fields(3))
    result = collect(seeds, ("*.txt",), timezone.utc)
    assert [a.title for a in result.articles] == ["Article 3", "Article 2", "Article 1"][::2]
    assert result.read == 5
    assert [(e.path.rsplit("/", 1)[-1], e.line) for e in result.errors] == [("b.txt", 3), ("c.txt", 1), ("d.txt", 2)]
    assert all(isinstance(e, SeedError) for e in result.errors)


def test_articles_are_sorted_newest_first_with_ties_broken_by_id(tmp_path):
    seeds = tmp_path / "seeds"
    same_time = "2024-05-05T10:00:00Z"
    write_seed(seeds, "1.txt", **article_fields(1, publishedDateTime=same_time, webUrl="https://x.example/b"))
    write_seed(seeds, "2.txt", **article_fields(2, publishedDateTime=same_time, webUrl="https://x.example/a"))
    write_seed(seeds, "3.txt", **article_fields(3, publishedDateTime="2024-05-05T11:00:00+02:00"))  # 09:00Z
    write_seed(seeds, "4.txt", **article_fields(4, publishedDateTime="2024-05-05T10:30:00Z"))
    result = collect(seeds, ("*.txt",), timezone.utc)
    assert [a.link.rsplit("/", 1)[-1] for a in result.articles] == ["4", "a", "b", "3"]


def test_order_of_files_on_disk_does_not_matter(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    for n in range(30):
        write_seed(seeds, f"{n % 3}/{n:03d}.txt", **article_fields(n, webUrl=f"https://x.example/{n % 25}"))
    expected = collect(seeds, ("*.txt",), timezone.utc)
    real_scandir = feedpub.scan.os.scandir

    class ShuffledScandir:
        def __init__(self, folder):
            with real_scandir(folder) as entries:
                self.entries = list(entries)
            random.shuffle(self.entries)

        def __enter__(self):
            return iter(self.entries)

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(feedpub.scan.os, "scandir", ShuffledScandir)
    for seed in range(3):
        random.seed(seed)
        again = collect(seeds, ("*.txt",), timezone.utc)
        assert again.articles == expected.articles
        assert again.warnings == expected.warnings


def test_same_link_twice_is_one_article_and_a_warning_naming_both(tmp_path):
    seeds = tmp_path / "seeds"
    link = "https://x.example/same"
    write_seed(seeds, "old.txt", **article_fields(1, webUrl=link, title="Old", updatedDateTime="2024-02-01T00:00:00Z"))
    write_seed(seeds, "new.txt", **article_fields(1, webUrl=link, title="New", updatedDateTime="2024-03-01T00:00:00Z"))
    result = collect(seeds, ("*.txt",), timezone.utc)
    assert [a.title for a in result.articles] == ["New"]
    assert result.duplicates == 1
    [warning] = result.warnings
    assert warning.path.endswith("old.txt") and "duplicate of" in warning.message and "new.txt" in warning.message


@pytest.mark.parametrize("flip", [False, True])
def test_duplicate_rule_prefers_published_then_newest_update_then_path(tmp_path, flip):
    seeds = tmp_path / "seeds"
    link = "https://x.example/same"
    write_seed(seeds, "a.txt", **article_fields(1, webUrl=link, title="A", published=flip))
    write_seed(seeds, "b.txt", **article_fields(1, webUrl=link, title="B", published=not flip,
                                                  updatedDateTime="2020-01-01T00:00:00Z"))
    result = collect(seeds, ("*.txt",), timezone.utc)
    assert [a.title for a in result.articles] == (["A"] if flip else ["B"])


def test_duplicate_ties_go_to_the_path_that_sorts_first_in_any_input_order(tmp_path):
    seeds = tmp_path / "seeds"
    link = "https://x.example/same"
    write_seed(seeds, "b.txt", **article_fields(1, webUrl=link, title="B"))
    write_seed(seeds, "a.txt", **article_fields(1, webUrl=link, title="A"))
    articles = [load_seed(seeds / name, seeds, timezone.utc, []) for name in ("b.txt", "a.txt")]
    for order in (articles, articles[::-1]):
        kept, dropped = deduplicate(order)
        assert [a.title for a in kept] == ["A"]
        assert [w.path for w in dropped] == [articles[0].source]


def test_feedpub_collect_is_the_function_whatever_was_imported_first():
    """The package's `collect` is the public function, not the submodule of the
    same name, even when the submodule was imported first (as tools do)."""
    import subprocess
    import sys

    code = ("import feedpub.collect, feedpub.cli\nfrom feedpub import collect, Collection, load_seed\n"
            "import sys\nprint(callable(collect) and collect.__name__, 'yaml' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["collect", "False"]  # and importing it read no YAML library
