"""Whole builds of tests/fixtures/<case>/ compared with <case>/expected/.

Regenerate on purpose only: ``pytest tests/test_golden.py --update-goldens``.
"""

import shutil

import pytest

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
