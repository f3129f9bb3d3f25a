"""Reusing the bytes of old feed files (reuse.py): never a wrong byte.

The differential tests run random sequences of seed edits, settings changes
and hand edits of the output, and after each step compare a cached build's
output with a build from scratch (--jobs 1 --no-cache)."""

from __future__ import annotations

import importlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from feedpub import apply_overrides, build
from feedpub import plan as planning
from feedpub import render_workers
build_module = importlib.import_module("feedpub.build")
from feedpub.cache import CACHE_FILE
from feedpub.reuse import Layout, lengths_array, load_layout
from feedpub.writers import OutputFolder

from conftest import article_fields, feed_files, make_config, write_seed

# Spellings of a few topics: "ai" and "AI" are one topic, whose display name
# is the most frequent spelling, so editing one seed can rename a topic in
# every item that carries it.
TOPICS = ["AI", "ai", "Robotics", "Space", "space", "Climate", "Health"]
SETTINGS = [
    {"base_url": "https://other.example.org/"},
    {"base_url": "https://feeds.example.org/"},
    {"title": "Renamed"},
    {"description": "Other words"},
    {"ttl": 60},
    {"ttl": 0},
    {"hub": "https://hub.example.org/"},
    {"hub": ""},
    {"formats": ("rss",)},
    {"formats": ("json", "atom")},
    {"formats": ("rss", "atom", "json")},
    {"limit": 3},
    {"limit": 5},
    {"limit": 0},
    {"archive": True},
    {"archive": False},
    {"topics": ("AI", "Space")},
    {"topics": ()},
    {"timezone": "Asia/Kolkata"},
    {"timezone": "UTC"},
    {"language": "de"},
    {"logo": "https://feeds.example.org/logo.png"},
    {"min_quality": 50},
    {"min_quality": 0},
]


def seed_fields(rng: random.Random, n: int, version: int) -> dict:
    """A random article number ``n``: a few topics, a date that is
    sometimes naive (so the time zone setting matters), a quality."""
    fields = article_fields(n, title=f"Article {n} v{version}", topics=rng.sample(TOPICS, rng.randint(0, 3)),
                            quality=rng.choice([30, 60, 90]))
    day, hour = rng.randint(1, 9), rng.randint(0, 23)
    fields["publishedDateTime"] = f"2024-02-0{day}T{hour:02d}:00:00" + rng.choice(["Z", "+02:00", ""])
    if rng.random() < 0.3:
        fields["summary"] = f"Summary {version}"
    return fields


class Scenario:
    """A seeds folder, a cached build of it and a build from scratch to compare with."""

    def __init__(self, tmp_path, rng: random.Random, jobs: int) -> None:
        self.rng, self.tmp = rng, tmp_path
        self.seeds = tmp_path / "seeds"
        self.version = 0
        for n in range(1, 13):
            write_seed(self.seeds, f"{n}.txt", **seed_fields(rng, n, 0))
        self.config = make_config(tmp_path, limit=5, jobs=jobs)

    def check(self) -> None:
        build(self.config)
        reference = apply_overrides(self.config, cache=False, jobs=1, out=self.tmp / "reference")
        if reference.out.exists():
            for path in sorted(reference.out.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
        build(reference)
        assert feed_files(self.config.out) == feed_files(reference.out)

    def step(self) -> None:
        rng = self.rng
        self.version += 1
        seeds = sorted(self.seeds.glob("*.txt"))
        kind = rng.choice(["edit", "edit", "topics", "date", "add", "remove", "settings", "settings", "hand",
                           "touch"])
        if kind == "edit" and seeds:
            path = rng.choice(seeds)
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("title: ", f"title: E{self.version} ", 1), encoding="utf-8")
        elif kind == "topics" and seeds:
            n = int(rng.choice(seeds).stem)
            fields = seed_fields(rng, n, self.version)
            write_seed(self.seeds, f"{n}.txt", **fields)
        elif kind == "date" and seeds:
            path = rng.choice(seeds)
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("2024-02-0", f"2024-02-{rng.randint(1, 2)}", 1), encoding="utf-8")
        elif kind == "add":
            n = 100 + self.version
            write_seed(self.seeds, f"{n}.txt", **seed_fields(rng, n, self.version))
        elif kind == "remove" and len(seeds) > 2:
            rng.choice(seeds).unlink()
        elif kind == "settings":
            self.config = apply_overrides(self.config, **rng.choice(SETTINGS))
        elif kind == "hand":
            self.hand_edit()
        elif kind == "touch" and seeds:
            os.utime(rng.choice(seeds))  # same bytes, new mtime

    def hand_edit(self) -> None:
        """Change a written feed file by hand, as a person or a tool might."""
        rng = self.rng
        files = sorted(p for p in self.config.out.rglob("*") if p.is_file() and p.suffix in (".xml", ".json")
                       and not p.name.startswith("."))
        if not files:
            return
        path = rng.choice(files)
        data = path.read_bytes()
        how = rng.choice(["append", "truncate", "replace", "same size", "remove", "swap"])
        if how == "append":
            path.write_bytes(data + b"\n")
        elif how == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif how == "replace":
            path.write_bytes(data.replace(b"Article", b"Item"))
        elif how == "same size":  # only the mtime says it changed
            path.write_bytes(data.replace(b"Article", b"Artikel"))
        elif how == "remove":
            path.unlink()
        else:  # another feed's bytes in its place
            other = rng.choice(files)
            if other != path:
                path.write_bytes(other.read_bytes())


@pytest.mark.parametrize("seed, jobs, batch", [(0, 1, None), (1, 2, None), (2, 1, 4), (3, 2, 4)])
def test_random_edits_give_the_bytes_of_a_build_from_scratch(tmp_path, monkeypatch, seed, jobs, batch):
    rng = random.Random(seed)
    in_workers = []  # per render in worker processes: whether it had items taken from old files
    if jobs > 1:
        monkeypatch.setattr(build_module, "PARALLEL_MIN_FEEDS", 2)  # the forked workers too
        real_workers = render_workers.render_in_workers
        monkeypatch.setattr(render_workers, "render_in_workers", lambda plan, *args: in_workers.append(
            bool(plan.reused_items)) or real_workers(plan, *args))
    if batch:
        monkeypatch.setattr(planning, "RENDER_BATCH", batch)  # long feeds, streamed, with --limit 0
    reuses = []
    real_reuse = planning.Plan.reuse
    monkeypatch.setattr(planning.Plan, "reuse", lambda plan, reused: reuses.append(len(reused.items))
                        or real_reuse(plan, reused))
    scenario = Scenario(tmp_path, rng, jobs)
    scenario.check()
    for _ in range(20):
        scenario.step()
        scenario.check()
    assert any(reuses)  # the comparisons above covered items taken from old files
    assert any(in_workers) == (jobs > 1)  # and rendered in forked workers too


def crash_on_commit(monkeypatch, after: int) -> None:
    """Make the build die after ``after`` files replaced."""
    real = OutputFolder.commit_staged
    done = []

    def commit(self, temporary, name):
        if len(done) == after:
            raise KeyboardInterrupt
        done.append(name)
        real(self, temporary, name)

    monkeypatch.setattr(OutputFolder, "commit_staged", commit)


@pytest.mark.parametrize("after", [0, 1, 3])
def test_a_build_killed_between_writes_leaves_nothing_to_reuse_wrongly(tmp_path, monkeypatch, after):
    scenario = Scenario(tmp_path, random.Random(after), jobs=1)
    scenario.check()
    for n in (1, 2, 3):
        path = scenario.seeds / f"{n}.txt"
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Killed ", 1), encoding="utf-8")
    with monkeypatch.context() as patch:
        crash_on_commit(patch, after)
        with pytest.raises(KeyboardInterrupt):
            build(scenario.config)
    (scenario.seeds / "4.txt").write_text(
        (scenario.seeds / "4.txt").read_text(encoding="utf-8").replace("title: ", "title: Then ", 1), encoding="utf-8")
    scenario.check()


ONE = "01000000"  # the length 1, as Layout.dumps writes lengths


@pytest.mark.parametrize("layout", ["", "k\n1\n2\na b", f"k\n1\n2\na b\n{ONE}", f"k\n-1\n2\na\n{ONE}",
                                    "k\nx\n2\na\n" + ONE, "k\n1\n2\na\nzz", "k\n1\n2\na\n010203",
                                    f"k\n1\n2\n\n{ONE}", f"k\n1\n2\na\n{ONE}\n"])
def test_a_damaged_layout_in_the_cache_is_ignored(tmp_path, layout):
    assert load_layout(layout) is None
    scenario = Scenario(tmp_path, random.Random(7), jobs=1)
    scenario.check()
    with sqlite3.connect(scenario.config.cache_dir / CACHE_FILE) as database:
        database.execute("UPDATE outputs SET layout = ?", (layout,))
    database.close()
    scenario.version = 1
    for n in range(1, 13):
        path = scenario.seeds / f"{n}.txt"
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Again ", 1), encoding="utf-8")
    scenario.check()


def test_a_layout_that_does_not_divide_the_file_reuses_nothing(tmp_path):
    """Lengths that add up to another size, or separators that are not
    there: the file is not what the layout says, so none of it is taken."""
    out = OutputFolder(tmp_path)
    (tmp_path / "all.json").write_bytes(b"HEAD" + b"one" + b"," + b"two" + b"TAIL")
    from feedpub.reuse import _cut

    assert _cut(out, "all.json", Layout("k", 4, 4, ("a", "b"), (3, 3)), b",") == (b"HEAD", [b"one", b"two"], b"TAIL")
    assert _cut(out, "all.json", Layout("k", 4, 4, ("a", "b"), (3, 4)), b",") is None
    assert _cut(out, "all.json", Layout("k", 4, 3, ("a", "b"), (4, 3)), b",") is None  # "e,t" is no separator
    assert _cut(out, "missing.json", Layout("k", 4, 4, (), ()), b",") is None


def test_layout_round_trip():
    for layout in (Layout("head key", 10, 3, ("a", "b"), lengths_array([5, 2**32 - 1])),
                   Layout("- -", 0, 0, (), lengths_array())):
        assert load_layout(layout.dumps()) == layout
    assert load_layout(f"k\n1\n2\na\n{ONE}") == Layout("k", 1, 2, ("a",), lengths_array([1]))


EDIT_BUILD = textwrap.dedent("""
    import json, sys
    from feedpub import build, DEFAULT_CONFIG, apply_overrides
    config = apply_overrides(DEFAULT_CONFIG, seeds=sys.argv[1], out=sys.argv[2], cache_dir=sys.argv[3],
                             base_url="https://feeds.example.org/", jobs=1)
    report = build(config)
    print(json.dumps([sorted(report.written), "feedgen" in sys.modules, "lxml" in sys.modules]))
""")


def test_a_build_that_only_drops_an_item_renders_nothing_and_needs_no_feedgen(tmp_path):
    """Every item left and every head is taken from the old files: feedgen
    and lxml are not even imported."""
    seeds = tmp_path / "seeds"
    for n in range(1, 9):
        write_seed(seeds, f"{n}.txt", **article_fields(n, topics=["AI", "Space"] if n % 2 else ["AI"]))
    command = [sys.executable, "-c", EDIT_BUILD, str(seeds), str(tmp_path / "feeds"), str(tmp_path / "cache")]
    subprocess.run(command, check=True, capture_output=True)
    (seeds / "3.txt").unlink()  # neither the newest nor the last of its feeds: heads stay the same
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    written = sorted(f"{base}.{suffix}" for base in ("all", "topics/ai", "topics/space")
                     for suffix in ("rss.xml", "atom.xml", "json"))
    assert json.loads(result.stdout) == [sorted(written + ["index.html"]), False, False]
    reference = make_config(tmp_path, out=tmp_path / "reference", cache=False, jobs=1)
    build(reference)
    assert feed_files(tmp_path / "feeds") == feed_files(reference.out)
