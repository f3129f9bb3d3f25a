"""The same seeds give the same bytes, on any machine, any day, in any build state.

Each test varies one condition a build could (wrongly) depend on, proves the
variation took effect (a variation that silently did nothing would let the test
pass whatever feedpub does), builds, and compares every output file, the
manifest included, with a reference build of the same seeds. Builds whose
environment matters run ``python -m feedpub build`` in a subprocess that first
records what it sees (its UTC offset, clock, hash seed, locale, directory order).
"""

from __future__ import annotations

import calendar
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import import_module
from pathlib import Path

import pytest

import feedpub.catalog
import feedpub.parallel
from feedpub import DEFAULT_CONFIG, apply_overrides, build

from conftest import feed_files

# The repository's reference seed (a copy of the one in the seed format's description).
REFERENCE_SEED = Path(__file__).parent / "fixtures" / "reference" / "seeds" / "000_77bf33f9c013f39a.txt"

# Every build of this module uses these settings (the CLI flags and the Config below must agree).
BASE_URL = "https://feeds.example.org/"
SETTINGS = dict(include_unpublished=True, min_quality=20, limit=4, archive=True, base_url=BASE_URL)
FLAGS = ["--include-unpublished", "--min-quality", "20", "--limit", "4", "--archive", "--base-url", BASE_URL]

# Topic spellings that fold together, collide as slugs, or have no ASCII at all.
TOPICS = ["AI", "ai", " AI ", "Computer Vision", "Café Société", "cafe  société", "人工知能", "C++", "C#",
          "Straße", "🤖", "Ünïcödé News", "Science", "Sport"]
# English names, whatever the locale the tests run in (strftime's %a and %B follow it).
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
# publishedDateTime as people and tools write it, for a day (a date) and a minute.
# Those without an offset are in the configured timezone, never the machine's;
# text that is not ISO 8601 goes through dateutil, which could take parts from the clock.
DATE_FORMS = [
    lambda day, m: f"{day} 10:{m:02d}:00",                           # a YAML timestamp without an offset
    lambda day, m: f'"{day} 10:{m:02d}"',                            # a quoted string without an offset
    lambda day, m: f"{day}",                                         # a YAML date: midnight
    lambda day, m: f"{day}T10:{m:02d}:00+05:30",
    lambda day, m: f'"{day}T10:{m:02d}:00Z"',
    lambda day, m: f'"{MONTHS[day.month - 1]} {day.day}, {day.year} 10:{m:02d}"',  # text, no offset
    lambda day, m: f'"{DAYS[day.weekday()]}, {day.day:02d} {MONTHS[day.month - 1][:3]} {day.year} 10:{m:02d}:00 GMT"',
]

# The subprocess: record what this process sees, then run `python -m feedpub`.
PROBE = r"""
import json, locale, os, sys, time, runpy
probe, seeds, travel = sys.argv[1:4]
if travel:
    import time_machine
    time_machine.travel(travel, tick=False).start()
# Adopt the environment's locale, as a host program may: the bytes must not depend on it.
name = locale.setlocale(locale.LC_ALL, "")
facts = {
    "utcoffset": time.strftime("%z"),
    "now": time.time(),
    "hash": hash("x"),
    "locale": name,
    "month": time.strftime("%B", (2024, 3, 1, 0, 0, 0, 4, 61, 0)),
    "listdir": os.listdir(seeds),
}
with open(probe, "w", encoding="utf-8") as handle:
    json.dump(facts, handle)
sys.argv = ["feedpub", *sys.argv[4:]]
runpy.run_module("feedpub", run_name="__main__", alter_sys=True)
"""


def seed_texts() -> dict[str, str]:
    """About thirty seeds: many topics, Unicode, offset-less times, ties,
    duplicate links, with and without excerpts and related items, and the
    repository's reference seed."""
    seeds: dict[str, str] = {}
    for n in range(26):
        day = date(2024, 1, n % 9 + 1)
        date_line = DATE_FORMS[n % len(DATE_FORMS)](day, n % 3)  # minutes repeat: equal times tie
        topics = [TOPICS[n % len(TOPICS)], TOPICS[(n * 5 + 3) % len(TOPICS)]][: n % 3 + 1]
        lines = [
            "---",
            f'title: "Article {n}: café “quotes” & <b>markup</b> 🤖 {"漢字" * (n % 2)}"',
            f"publishedDateTime: {date_line}",
            f'webUrl: "https://news.example.com/{n}?q=caf%C3%A9&utm_source=x#top"',
            f"quality: {n * 37 % 100}",
            f"published: {'false' if n % 6 == 5 else 'true'}",
            "topics: " + (_escaped if n % 2 == 0 else str)(json.dumps(topics, ensure_ascii=False)),
            f"provider: {{name: Provider {n % 4} Ünï, domain: p{n % 4}.example.com}}",
        ]
        if n % 2:
            lines.append(f'excerpt: "Excerpt {n} — naïve <i>text</i> & more"')
        if n % 3 == 0:
            lines += ["related:", f'  - {{title: "Related to {n}", webUrl: "https://other.example.com/{n}"}}']
        if n % 4 == 0:
            lines += ["images:", f"  - {{url: 'https://img.example.com/{n}.png', width: 640, height: 480}}"]
        folder = "sub/" if n % 5 == 0 else ""
        suffix = ".md" if n % 7 == 0 else ".txt"
        name = "_naïve_日本" if n % 11 == 1 else f"_{n * 2654435761 % 2**32:08x}"  # file systems store bytes
        seeds[f"{folder}{n:03d}{name}{suffix}"] = "\n".join(lines + ["---", ""])
    # Duplicate links: a newer update wins, an unpublished copy loses, and of two
    # copies alike in all but the title, the one whose path sorts first ("004_<hex>" < "004_tie").
    for n, extra, name in ((1, "updatedDateTime: 2024-02-01T00:00:00Z", "dup/001.txt"),
                           (2, "published: false", "dup/002.txt"), (4, "", "004_tie.txt")):
        original = next(text for path, text in seeds.items() if path.startswith(f"{n:03d}_"))
        text = original.replace(f"Article {n}:", f"Duplicate of {n}:")
        if extra.startswith("published"):
            text = text.replace("published: true", extra)
        elif extra:
            text = text.replace("---\n", f"---\n{extra}\n", 1)
        seeds[name] = text
    seeds[REFERENCE_SEED.name] = REFERENCE_SEED.read_text(encoding="utf-8")
    return seeds


def _escaped(text: str) -> str:
    """Text with BMP characters written as JSON/YAML escapes (``\\u00e9``), as JSON serializers write them."""
    return "".join(c if ord(c) < 128 or ord(c) > 0xFFFF else f"\\u{ord(c):04x}" for c in text)


def write_seeds(folder: Path, order: list[str] | None = None) -> Path:
    """Write the seed set into ``folder``, creating files in ``order`` (default: sorted)."""
    texts = seed_texts()
    for name in order or sorted(texts):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[name], encoding="utf-8")
    return folder


def clean_env(**changes: str) -> dict[str, str]:
    """The test process's environment with the conditions this module varies set to a baseline."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "FAKETIME", "LANGUAGE") and not k.startswith("LC_")}
    env.update(TZ="UTC", LC_ALL="C.UTF-8", LANG="C.UTF-8", PYTHONHASHSEED="0")
    env.update(changes)
    return env


def cli_build(seeds: Path, out: Path, *, timezone: str = "UTC", env: dict[str, str] | None = None,
              prefix: tuple[str, ...] = (), travel: str = "", flags: tuple[str, ...] = ("--jobs", "1", "--no-cache")
              ) -> dict:
    """Build ``seeds`` into ``out`` with ``python -m feedpub build`` in a subprocess; return what it saw."""
    probe = out.with_name(out.name + ".probe.json")
    command = [*prefix, sys.executable, "-c", PROBE, str(probe), str(seeds), travel,
               "build", str(seeds), "--out", str(out), "--timezone", timezone, *FLAGS, *flags]
    result = subprocess.run(command, env=env or clean_env(), cwd=out.parent, capture_output=True, text=True,
                            errors="replace", timeout=300)  # a legacy locale's messages are not UTF-8
    assert result.returncode == 0, result.stderr
    assert "0 invalid" in result.stdout, result.stdout
    return json.loads(probe.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_seeds(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """Reference builds (TZ=UTC, C locale, hash seed 0, one job, no cache), by configured timezone."""
    builds: dict[str, tuple[dict[str, bytes], dict]] = {}

    def get(timezone: str) -> dict[str, bytes]:
        if timezone not in builds:
            out = tmp_path_factory.mktemp("reference") / "out"
            facts = cli_build(corpus, out, timezone=timezone)
            builds[timezone] = (feed_files(out), facts)
        return builds[timezone][0]

    get.facts = lambda timezone: builds[timezone][1]  # type: ignore[attr-defined]
    return get


def test_the_reference_build_exercises_what_the_variations_could_break(reference):
    """The comparison means something only if the seeds reach many files and
    the offset-less times depend on the configured zone."""
    utc, paris = reference("UTC"), reference("Europe/Paris")
    assert len(utc) > 40
    assert any(name.startswith("archive/topics/") for name in utc)
    assert sum(name.startswith("topics/topic-") and name.endswith(".json") for name in utc) == 2  # 人工知能, 🤖
    assert sorted(utc) == sorted(paris) and utc != paris
    # Seed 1 says "2024-01-02 10:01", with no offset: 10:01Z in UTC, 09:01Z in Paris.
    everything_utc, everything_paris = b"".join(utc.values()), b"".join(paris.values())
    assert b"2024-01-02T10:01:00Z" in everything_utc and b"2024-01-02T09:01:00Z" not in everything_utc
    assert b"2024-01-02T09:01:00Z" in everything_paris
    assert b"Duplicate of 1:" in everything_utc and b"Duplicate of 2:" not in everything_utc
    assert b"Article 4:" in everything_utc and b"Duplicate of 4:" not in everything_utc


@pytest.mark.parametrize("machine_tz", ["Asia/Kolkata", "America/New_York"])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Paris"])
def test_the_machine_time_zone_changes_nothing(corpus, reference, tmp_path, machine_tz, timezone):
    expected = reference(timezone)
    facts = cli_build(corpus, tmp_path / "out", timezone=timezone, env=clean_env(TZ=machine_tz))
    assert facts["utcoffset"] not in ("+0000", "-0000")
    assert facts["utcoffset"] != reference.facts(timezone)["utcoffset"]
    assert feed_files(tmp_path / "out") == expected


FAKE_CLOCKS = ["2031-05-06 07:08:09", "1999-12-31 23:59:59"]


@pytest.mark.parametrize("clock", FAKE_CLOCKS)
def test_the_clock_changes_nothing_under_faketime(corpus, reference, tmp_path, clock):
    if shutil.which("faketime") is None:
        pytest.skip("NOT TESTED: the clock under faketime: install the Debian package faketime (.ci/run does)")
    facts = cli_build(corpus, tmp_path / "out", prefix=("faketime", "-f", f"@{clock}"))
    assert time.gmtime(facts["now"]).tm_year == int(clock[:4])
    assert feed_files(tmp_path / "out") == reference("UTC")


@pytest.mark.parametrize("clock", FAKE_CLOCKS)
def test_the_clock_changes_nothing_under_time_machine(corpus, reference, tmp_path, clock):
    pytest.importorskip("time_machine", reason="NOT TESTED: the clock under time-machine: pip install -e '.[test]'")
    facts = cli_build(corpus, tmp_path / "out", travel=f"{clock}Z")
    assert facts["now"] == calendar.timegm(time.strptime(clock, "%Y-%m-%d %H:%M:%S"))
    assert feed_files(tmp_path / "out") == reference("UTC")


def installed_locales() -> list[str]:
    """Locales other than C/POSIX that this machine has: two UTF-8 ones whose dates read
    differently from English, and one with a legacy encoding (file names then decode otherwise)."""
    try:
        names = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return []
    utf8 = [n for n in names if n.lower().endswith((".utf8", ".utf-8")) and not n.lower().startswith(("c.", "posix"))]
    preferred = [n for n in utf8 if n.split(".")[0] in ("tr_TR", "de_DE")] or utf8[:2]
    legacy = [n for n in names if n in ("tr_TR", "de_DE", "tr_TR.iso88599", "de_DE.iso88591")][:1]
    return preferred[:2] + legacy


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_locale_changes_nothing(corpus, reference, tmp_path, index):
    locales = installed_locales()
    if len(locales) <= index:
        pytest.skip(f"NOT TESTED: only {len(locales)} non-C locale(s) installed ({locales}); "
                    "install locales-all (.ci/run does) to test the locale")
    name = locales[index]
    facts = cli_build(corpus, tmp_path / "out", env=clean_env(LC_ALL=name, LANG=name))
    assert facts["locale"] == name
    assert facts["month"] != reference.facts("UTC")["month"] == "March"  # the locale really speaks another language
    assert feed_files(tmp_path / "out") == reference("UTC")


def test_the_hash_seed_changes_nothing(corpus, reference, tmp_path):
    hashes = set()
    for seed in ("1", "4242"):
        facts = cli_build(corpus, tmp_path / f"out-{seed}", env=clean_env(PYTHONHASHSEED=seed))
        hashes.add(facts["hash"])
        assert feed_files(tmp_path / f"out-{seed}") == reference("UTC")
    assert len(hashes | {reference.facts("UTC")["hash"]}) == 3


def test_the_order_files_were_created_in_changes_nothing(corpus, reference, tmp_path):
    """A folder's directory order depends on the file system and on the order its files
    were created: ext4 lists by a hash of the name, tmpfs newest first. Seeds are
    written in several orders, on tmpfs too where there is one, and each folder
    listed in another order than the reference's is built."""
    names = sorted(seed_texts())
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    folders = [(tmp_path / "reversed", names[::-1]), (tmp_path / "shuffled", shuffled)]
    shm = None
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        shm = Path(tempfile.mkdtemp(prefix="feedpub-order-", dir="/dev/shm"))
        folders += [(shm / "forward", names), (shm / "reversed", names[::-1]), (shm / "shuffled", shuffled)]
    reference_order = os.listdir(corpus)
    seen = []
    try:
        for folder, order in folders:
            write_seeds(folder, order)
            if os.listdir(folder) == reference_order:
                continue  # this file system lists by name: the creation order is invisible here
            out = tmp_path / f"out-{len(seen)}"
            facts = cli_build(folder, out)
            assert facts["listdir"] == os.listdir(folder) != reference_order
            assert feed_files(out) == reference("UTC"), f"seeds created in another order ({folder}) differ"
            seen.append(facts["listdir"])
    finally:
        if shm is not None:
            shutil.rmtree(shm, ignore_errors=True)
    if not seen:
        pytest.skip("NOT TESTED: no file system here lists a folder in another order than the reference's")
    # Both ways round for the two seeds that tie on everything but their path.
    pair = [name for name in reference_order if name.startswith("004_")]
    assert {tuple(n for n in order if n.startswith("004_")) for order in seen + [reference_order]} == {
        tuple(sorted(pair)), tuple(sorted(pair, reverse=True))}


def config_for(seeds: Path, out: Path, **overrides):
    """The Config equal to FLAGS and the reference build's flags, with ``overrides``."""
    return apply_overrides(DEFAULT_CONFIG, seeds=seeds, out=out, timezone="UTC", **SETTINGS, **overrides)


_worker_pids: Path | None = None
_apply = feedpub.parallel._apply


def _recording_apply(function, chunk):
    """Wraps feedpub.parallel._apply: notes which process ran a chunk."""
    with open(_worker_pids, "a", encoding="ascii") as handle:  # type: ignore[arg-type]
        handle.write(f"{os.getpid()}\n")
    return _apply(function, chunk)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_number_of_jobs_changes_nothing(corpus, reference, tmp_path, monkeypatch, jobs):
    """With the thresholds lowered so that both seed parsing and rendering go to worker processes."""
    global _worker_pids
    _worker_pids = tmp_path / "pids"
    _worker_pids.touch()
    monkeypatch.setattr(feedpub.parallel, "_apply", _recording_apply)
    monkeypatch.setattr(feedpub.catalog, "PARALLEL_MIN_SEEDS", 1)
    monkeypatch.setattr(import_module("feedpub.build"), "PARALLEL_MIN_FEEDS", 1)  # the module, not build()
    report = build(config_for(corpus, tmp_path / "out", jobs=jobs, cache=False))
    workers = set(_worker_pids.read_text().split()) - {str(os.getpid())}
    assert bool(workers) is (jobs > 1), f"worker processes {workers} with --jobs {jobs}"
    assert report.parsed == len(seed_texts())
    assert feed_files(tmp_path / "out") == reference("UTC")


def test_the_cache_state_changes_nothing(reference, tmp_path):
    """Cold, warm (every seed from the cache), after an edit and its revert, and without a cache."""
    seeds = write_seeds(tmp_path / "seeds")
    expected = reference("UTC")
    cache = tmp_path / "cache"

    cold = build(config_for(seeds, tmp_path / "cold", cache_dir=cache))
    assert cold.parsed == len(seed_texts()) and (cache / "cache.sqlite").is_file()
    assert feed_files(tmp_path / "cold") == expected

    warm = build(config_for(seeds, tmp_path / "warm", cache_dir=cache))
    assert warm.parsed == 0  # every seed came from the cache
    assert feed_files(tmp_path / "warm") == expected

    # Edit a seed and build into the warm folder, then revert it and build again.
    edited = seeds / REFERENCE_SEED.name
    original = edited.read_bytes()
    edited.write_bytes(original.replace(b"NY civil rights", b"Edited: NY civil rights"))
    build(config_for(seeds, tmp_path / "warm", cache_dir=cache))
    assert feed_files(tmp_path / "warm") != expected
    edited.write_bytes(original)
    reverted = build(config_for(seeds, tmp_path / "warm", cache_dir=cache))
    assert reverted.written and feed_files(tmp_path / "warm") == expected

    no_cache = build(config_for(seeds, tmp_path / "none", cache_dir=tmp_path / "no-cache", cache=False))
    assert no_cache.parsed == len(seed_texts()) and not (tmp_path / "no-cache").exists()
    assert feed_files(tmp_path / "none") == expected
