"""`feedpub check` reads seeds as a build does (in worker processes, through
the fast path, from the build cache) and says exactly what reading every seed
with PyYAML alone says: the same diagnostics, with the same lines."""

import shutil
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feedpub import build
from feedpub.catalog import PARALLEL_MIN_SEEDS
from feedpub.checks import FUTURE_GRACE, CheckReport, Diagnostic, check_seeds
from feedpub.collect import collect
from feedpub.topics import display_names, topic_key

from conftest import FIXTURES, article_fields, make_config, write_seed

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_seeds import BAD_SEEDS, generate  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Enough seeds for worker processes, with every kind of diagnostic check
    gives: broken seeds, fix-ups, duplicate links, future dates and topics
    spelled several ways, most of them in seeds the fast path reads."""
    seeds = tmp_path_factory.mktemp("corpus") / "seeds"
    generate(PARALLEL_MIN_SEEDS + 50, seeds, seed=5)
    for n, text in enumerate(BAD_SEEDS):
        (seeds / f"bad_{n}.txt").write_text(text, encoding="utf-8")
    for path in (FIXTURES / "bad" / "seeds").iterdir():
        shutil.copyfile(path, seeds / f"case_{path.name}")
    write_seed(seeds, "future/a.txt", **article_fields(901, publishedDateTime="2999-01-01T00:00:00Z"))
    write_seed(seeds, "future/b.txt", **article_fields(902, publishedDateTime="2026-01-01T00:59:00Z"))  # in the grace
    write_seed(seeds, "future/c.txt", **article_fields(903, publishedDateTime="2026-01-01T01:00:01Z"))
    for n, spelling in enumerate(["good news", "Good News", "Good News", "GOOD  news", "good news"]):
        write_seed(seeds, f"spelling/{n}.txt", **article_fields(910 + n, topics=["AI", spelling]))
    return seeds


def config_for(tmp_path: Path, seeds: Path, **overrides):
    config = make_config(tmp_path, **overrides)
    return type(config)(**{**{f: getattr(config, f) for f in config.__slots__}, "seeds": seeds})


def check_with_pyyaml_alone(config, now: datetime) -> CheckReport:
    """What check said when it read every seed with PyYAML in one process."""
    uses = defaultdict(list)
    extra = []

    def inspect(front, article):
        for name in article.topics:
            uses[topic_key(name)].append((name, front.path, front.line_of("topics")))
        if article.published_at > now + FUTURE_GRACE:
            extra.append(Diagnostic(
                front.path, front.line_of("publishedDateTime"), "warning",
                f"publishedDateTime {article.published_at.isoformat()} is in the future; "
                "it is published as dated and sorts above every current article",
            ))

    collection = collect(config.seeds, config.patterns, config.tzinfo, inspect=inspect)
    report = CheckReport(read=collection.read)
    report.diagnostics.extend(Diagnostic(e.path, e.line, "error", e.message) for e in collection.errors)
    report.diagnostics.extend(Diagnostic(w.path, w.line, "warning", w.message) for w in collection.warnings)
    report.diagnostics.extend(extra)
    names = display_names((key, spelling) for key, group in uses.items() for spelling, _, _ in group)
    for key, group in uses.items():
        spellings = Counter(spelling for spelling, _, _ in group)
        if len(spellings) > 1:
            report.diagnostics.extend(
                Diagnostic(path, line, "warning",
                           f"topic {spelling!r} differs only in case or spacing from {names[key]!r} "
                           f"({spellings[names[key]]} seed(s)); feeds call it {names[key]!r}")
                for spelling, path, line in group if spelling != names[key])
    report.diagnostics.sort(key=lambda d: (d.path, d.line or 0))
    return report


@pytest.fixture(scope="module")
def expected(corpus, tmp_path_factory):
    report = check_with_pyyaml_alone(config_for(tmp_path_factory.mktemp("expected"), corpus), NOW)
    kinds = Counter(d.message.split(" ")[0] for d in report.diagnostics)
    assert kinds["publishedDateTime"] >= 2 and kinds["topic"] >= 3 and report.errors > len(BAD_SEEDS)
    assert any("duplicate of" in d.message for d in report.diagnostics)
    return report


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("cache", [False, True])
def test_check_says_what_pyyaml_alone_says(corpus, expected, tmp_path, jobs, cache):
    config = config_for(tmp_path, corpus, jobs=jobs, cache=cache)
    report = check_seeds(config, now=NOW)
    assert report.read == expected.read
    assert report.diagnostics == expected.diagnostics
    again = check_seeds(config, now=NOW)  # from the cache the first one filled, if there is one
    assert again.diagnostics == expected.diagnostics


def test_check_fills_the_cache_that_a_build_then_reads(corpus, tmp_path):
    config = config_for(tmp_path, corpus, jobs=2, cache=True)
    check_seeds(config, now=NOW)
    assert build(config).parsed == 0
