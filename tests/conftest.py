"""Shared helpers: writing seeds, building into a temporary folder, reading feeds back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from lxml import etree

from feedpub import Config, DEFAULT_CONFIG, apply_overrides
from feedpub.writers import LOCK_NAME

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
ATOM_SCHEMA = etree.RelaxNG(etree.parse(str(TESTS / "schemas" / "atom.rng")))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite tests/fixtures/*/expected from the current output instead of comparing",
    )


def seed_text(**fields: Any) -> str:
    """A seed file's text: the fields as YAML front matter."""
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) + "---\n"


def article_fields(n: int, **overrides: Any) -> dict[str, Any]:
    """Fields of a valid, published article number ``n``; later n is newer."""
    fields: dict[str, Any] = {
        "title": f"Article {n}",
        "excerpt": f"Excerpt of article {n}.",
        "publishedDateTime": f"2024-01-{n % 28 + 1:02d}T{n % 24:02d}:00:00Z",
        "webUrl": f"https://news.example.com/articles/{n}",
        "quality": 80,
        "published": True,
        "provider": {"name": "Example News", "domain": "news.example.com"},
        "topics": ["AI"],
    }
    fields.update(overrides)
    return fields


def write_seed(folder: Path, name: str, text: str | bytes | None = None, **fields: Any) -> Path:
    """Write one seed under ``folder`` (created if needed) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    content = seed_text(**fields) if text is None else text
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def make_config(tmp_path: Path, **overrides: Any) -> Config:
    """A config reading ``tmp_path/seeds`` and writing ``tmp_path/feeds``."""
    base = apply_overrides(DEFAULT_CONFIG, seeds=tmp_path / "seeds", out=tmp_path / "feeds",
                           base_url="https://feeds.example.org/", cache_dir=tmp_path / ".feedpub-cache")
    return apply_overrides(base, **overrides)


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    """Parse a feed we wrote with feedparser (from bytes) and insist it is well-formed."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def assert_valid_atom(path: Path) -> None:
    """Validate an Atom file against the RFC 4287 RELAX NG schema."""
    document = etree.parse(str(path))
    assert ATOM_SCHEMA.validate(document), f"{path}: {ATOM_SCHEMA.error_log}"


def feed_files(out: Path) -> dict[str, bytes]:
    """Every file below ``out`` by relative POSIX path, but the (empty) lock file."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


# Hypothesis: a bounded run in CI; `--hypothesis-profile=fuzz` for maintainers' long runs.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "default", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# The mutation run (`--hypothesis-profile=mutation`, see pyproject.toml) runs
# these tests once per surviving mutant: a few examples each.
settings.register_profile(
    "mutation", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")
