"""Fields docs/seeds.md says are never read (`secured`, `ampWebUrl`, `cdnAmpWebUrl`,
anything unknown, and the same inside `provider`, `images[]` and `related[]`)
never reach an output file, nor the build cache.

Every such field holds a unique random marker. Every byte written is searched
for each marker's random core, case-insensitively: XML and JSON escaping,
percent-encoding and slugs keep an alphanumeric core as it is (or lower it).
Seeds come with and without an excerpt (JSON's content_text then falls back to
the title), with and without related items, providers and images.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from feedpub import build, plan_build

from conftest import article_fields, feed_files, make_config, write_seed


class Markers:
    """Unique values, one per planted field, each recorded with the place it was planted."""

    def __init__(self) -> None:
        self.planted: dict[str, str] = {}

    def __call__(self, where: str, form: str = "text") -> str:
        core = "zq" + secrets.token_hex(10)
        self.planted[core] = where
        if form == "url":
            return f"https://amp.example.com/{core}?x={core}&y=1"
        if form == "plain":  # so that some seeds take the fast YAML path
            return core
        # Characters that each output format escapes its own way around the core.
        return f"{core} <&\"'é🔒>"


def seed_fields(n: int, markers: Markers, *, excerpt: bool, related: bool, extras: bool) -> dict[str, Any]:
    def mark(where: str, form: str = "plain" if n % 2 else "text") -> str:
        return markers(where, form)

    fields = article_fields(n, topics=["AI", f"Topic {n % 3}"])
    if not excerpt:
        del fields["excerpt"]
    fields.update(
        secured=mark(f"{n}: secured"),
        ampWebUrl=mark(f"{n}: ampWebUrl", "url"),
        cdnAmpWebUrl=mark(f"{n}: cdnAmpWebUrl", "url"),
        internalNote=mark(f"{n}: unknown field"),
        provider={"name": "Example News", "domain": "news.example.com", "secured": mark(f"{n}: provider.secured"),
                  "token": mark(f"{n}: provider unknown")},
    )
    if extras:
        fields["images"] = [{"url": f"https://img.example.com/{n}.png", "width": 10, "height": 10, "isCached": True,
                             "secured": mark(f"{n}: images[].secured")}]
        fields["category"], fields["type"], fields["heat"] = "news", "article", 5
    if related:
        fields["related"] = [
            {
                "title": f"Related {n}",
                "webUrl": f"https://other.example.com/{n}",
                # Of a related article only its title and link are kept.
                "excerpt": mark(f"{n}: related[].excerpt"),
                "ampWebUrl": mark(f"{n}: related[].ampWebUrl", "url"),
                "cdnAmpWebUrl": mark(f"{n}: related[].cdnAmpWebUrl", "url"),
                "secured": mark(f"{n}: related[].secured"),
                "quality": 59,
                "provider": {"name": "Other", "domain": "other.example.com", "secured": mark(f"{n}: related provider")},
                "images": [{"url": f"https://img.example.com/r{n}.png", "secured": mark(f"{n}: related image")}],
            },
            {"title": f"Related {n} via originalUrl", "webUrl": "javascript:alert(1)",
             "originalUrl": f"https://other.example.com/o{n}", "secured": mark(f"{n}: related[1].secured")},
        ]
    return fields


@pytest.fixture
def planted(tmp_path) -> Markers:
    """Eight seeds: every combination of excerpt, related items and images/extras."""
    mark = Markers()
    for n in range(8):
        fields = seed_fields(n, mark, excerpt=bool(n & 1), related=bool(n & 2), extras=bool(n & 4))
        write_seed(tmp_path / "seeds", f"{n}.txt", **fields)
    # The repository's reference seed's secured value, and one seed whose private fields come first.
    write_seed(tmp_path / "seeds", "first.txt", text=(
        "---\n"
        f"secured: {json.dumps(mark('first: secured before the title'), ensure_ascii=False)}\n"
        f"ampWebUrl: {json.dumps(mark('first: ampWebUrl before webUrl', 'url'))}\n"
        "title: Private fields first\n"
        "publishedDateTime: 2024-02-01T00:00:00Z\n"
        "webUrl: https://news.example.com/first\n"
        "published: true\n"
        "---\n"
    ))
    return mark


def leaks(data: bytes, markers: Markers) -> list[str]:
    text = data.decode("utf-8", "replace").lower()
    return [where for core, where in markers.planted.items() if core in text]


@pytest.mark.parametrize("archive", [False, True])
def test_never_read_fields_reach_no_output_file(tmp_path, planted, archive):
    config = make_config(tmp_path, archive=archive, limit=2 if archive else 50)
    report = build(config)
    assert report.counts.passed == 9 and not report.errors
    files = feed_files(config.out)
    # The build wrote what the promise is about: every kind of file, related links, fallbacks.
    kinds = {name.rsplit("/", 1)[-1].split(".", 1)[-1] for name in files}
    assert {"rss.xml", "atom.xml", "json", "opml", "html", "feedpub-manifest.json"} <= kinds
    assert any(name.startswith("archive/") for name in files) is archive
    everything = b"".join(files.values())
    assert b"https://other.example.com/o2" in everything  # related[] read, through its originalUrl fallback
    assert b'"content_text": "Private fields first"' in files["all.json"]  # no excerpt: the title
    assert len(planted.planted) > 80
    for name, data in files.items():
        assert not leaks(data, planted), f"{name} holds never-read fields: {leaks(data, planted)}"


def test_never_read_fields_are_not_in_articles_nor_the_cache(tmp_path, planted):
    config = make_config(tmp_path)
    build(config)
    for path in sorted(config.cache_dir.rglob("*")):
        if path.is_file():
            assert not leaks(path.read_bytes(), planted), f"{path}: {leaks(path.read_bytes(), planted)}"
    plan = plan_build(make_config(tmp_path, cache=False))
    articles = plan.resolver.articles([item for feed in plan.feeds for item in feed.items])
    assert len({article.id for article in articles}) == 9
    assert not leaks(repr(articles).encode(), planted)


def test_the_reference_seeds_secured_value_reaches_no_output(tmp_path):
    reference = Path(__file__).parent / "fixtures" / "reference" / "seeds" / "000_77bf33f9c013f39a.txt"
    text = reference.read_text(encoding="utf-8")
    write_seed(tmp_path / "seeds", reference.name, text=text)
    build(make_config(tmp_path, include_unpublished=True, archive=True, limit=1))
    everything = b"".join(feed_files(tmp_path / "feeds").values())
    assert b"NY civil rights" in everything
    for line in text.splitlines():
        key, _, value = line.strip().partition(": ")
        if key in ("secured", "ampWebUrl", "cdnAmpWebUrl"):
            core = value.strip('"').encode()
            assert core not in everything, f"{key} of the reference seed leaked"
