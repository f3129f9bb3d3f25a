"""Collect every seed under a folder into normalized, de-duplicated articles.

Errors are values: a seed that cannot be read or normalized becomes a SeedError
in the result and the rest go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Callable

from .errors import SeedError, SeedWarning
from .model import Article
from .normalize import normalize_article
from .catalog import deduplicate
from .scan import display_cut, scan_seed_files
from .seeds import FrontMatter, read_front_matter

Progress = Callable[[int, int], None]  # (seeds done, seeds in all)
Inspect = Callable[[FrontMatter, Article], None]


@dataclass(slots=True)
class Collection:
    """What the seeds folder holds: articles newest first, plus every problem found."""

    articles: list[Article] = field(default_factory=list)
    errors: list[SeedError] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)
    read: int = 0
    duplicates: int = 0


def load_seed(
    path: Path,
    root: Path,
    tz: tzinfo,
    warnings: list[SeedWarning],
    inspect: Inspect | None = None,
    display: str | None = None,
) -> Article:
    """Read and normalize one seed file; raise SeedError when it cannot be published.

    ``inspect``, if given, sees the front matter next to the article made of it;
    ``display`` is the path messages show (default: the path as given).
    """
    display = display or str(path)
    front = read_front_matter(path, root, display)
    article = normalize_article(front, tz, warnings)
    if inspect is not None:
        inspect(front, article)
    return article


def collect(
    root: Path,
    patterns: tuple[str, ...],
    tz: tzinfo,
    progress: Progress | None = None,
    inspect: Inspect | None = None,
) -> Collection:
    """Read every seed under ``root`` matching ``patterns``.

    Articles come back sorted newest first (ties by id), with one article per
    link: see :func:`deduplicate` for which one is kept.
    """
    result = Collection()
    root = root.absolute()
    cut = display_cut(root)
    scan = scan_seed_files(root, patterns, with_stat=False)
    paths = [path for path, _ in scan.files]
    result.warnings.extend(scan.warnings)
    articles: list[Article] = []
    for done, path in enumerate(paths, 1):
        result.read += 1
        try:
            articles.append(load_seed(Path(path), root, tz, result.warnings, inspect, path[cut:]))
        except SeedError as error:
            result.errors.append(error)
        except Exception as error:  # one seed must never stop the build
            detail = str(error)[:200]  # bounded: an exception may quote the seed
            result.errors.append(SeedError(path[cut:], f"unexpected {type(error).__name__}: {detail}"))
        if progress is not None:
            progress(done, len(paths))
    result.articles, dropped = deduplicate(articles)
    result.duplicates = len(dropped)
    result.warnings.extend(dropped)
    result.articles.sort(key=Article.sort_key)
    return result
