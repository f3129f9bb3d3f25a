"""A build that would change nothing, answered from the last one.

A build's output and report depend only on its settings and its seed files,
and the cache already takes a seed whose size, mtime and inode are unchanged
as unchanged. So when the scan finds exactly the seed files of the last
successful build, with the same stats, under the same settings, and every file
that build wrote is still on disk as it left it, a new build would render
nothing and write nothing: its report is the last one's. Checking that costs
the scan and one stat per written file, instead of reading every cached seed
row and planning every feed (two thirds of a warm build of 10,000 seeds).

The snapshot is JSON in the cache, checked field by field when read; a build
that writes anything deletes it first, so a build that dies halfway leaves
none to trust.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .version import CODE_IDENTITY
from .config import Config
from .errors import SeedError, SeedWarning
from .filters import FilterCounts
from hashlib import blake2b
from .topics import Topic

if TYPE_CHECKING:
    from .build import BuildReport


def build_key(config: Config, digest: str) -> str:
    """What the last build's report holds for: feedpub, every setting but the
    number of processes (absolute paths, and the working directory that
    messages are relative to) and the seed files."""
    settings = dataclasses.replace(
        config, jobs=0, seeds=config.seeds.absolute(), out=config.out.absolute(),
        cache_dir=config.cache_dir.absolute())
    text = repr((CODE_IDENTITY, settings, os.getcwd(), digest))
    return blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def take(report: BuildReport, out: Path, paths: list[str]) -> str:
    """The snapshot of a finished build: its report and the stat of each file
    it left in ``out`` (``paths``, the manifest included)."""
    outputs = []
    for path in paths:
        stat = (out / path).stat()
        outputs.append([path, stat.st_size, stat.st_mtime_ns])
    counts = report.counts
    return json.dumps({
        "outputs": outputs,
        "read": report.read,
        "invalid": report.invalid,
        "duplicates": report.duplicates,
        "counts": [counts.unpublished, counts.below_quality, counts.topic, counts.passed],
        "feeds": report.feeds,
        "topics": [[t.key, t.name, t.slug, t.count] for t in report.topics],
        "errors": [[e.path, e.message, e.line] for e in report.errors],
        "warnings": [[w.path, w.message, w.line] for w in report.warnings],
    }, separators=(",", ":"))  # ASCII: a path that is not UTF-8 must reach sqlite as valid text


def replay(text: str, out: Path, manifest: str) -> dict[str, Any] | None:
    """The BuildReport fields a snapshot holds, if every file it lists is still
    on disk as the build left it; None if not, or if the snapshot is malformed."""
    try:
        data = json.loads(text)
        outputs = data["outputs"]
        for path, size, mtime in outputs:
            if not (_is_str(path) and _is_int(size) and _is_int(mtime)):
                return None
            try:
                stat = (out / path).stat()
            except OSError:
                return None
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                return None
        numbers = [data[key] for key in ("read", "invalid", "duplicates", "feeds")] + data["counts"]
        if len(data["counts"]) != 4 or not all(_is_int(n) for n in numbers):
            return None
        topics = [Topic(key, name, slug, count) for key, name, slug, count in data["topics"]]
        errors = [SeedError(*_message(m)) for m in data["errors"]]
        warnings = [SeedWarning(*_message(m)) for m in data["warnings"]]
        if not all(_is_str(t.key) and _is_str(t.name) and _is_str(t.slug) and _is_int(t.count) for t in topics):
            return None
    except (ValueError, TypeError, KeyError):
        return None
    return dict(
        read=data["read"], invalid=data["invalid"], duplicates=data["duplicates"],
        counts=FilterCounts(*data["counts"]), feeds=data["feeds"], topics=topics, errors=errors,
        warnings=warnings, unchanged=[path for path, _, _ in outputs if path != manifest])


def _message(value: Any) -> tuple[str, str, int | None]:
    path, message, line = value
    if not (_is_str(path) and _is_str(message) and (line is None or _is_int(line))):
        raise ValueError("malformed message")
    return path, message, line


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_int(value: Any) -> bool:
    return type(value) is int
