"""`feedpub check`: every problem in the seeds, as diagnostics, writing nothing.

Besides what a build reports (errors, fix-up warnings, duplicate links), check
looks for things that are legal but probably not meant: topics spelled several
ways, and articles dated in the future. The clock is only read here, never in
a build, so feeds stay reproducible.

Seeds are read as a build reads them (catalog.py): in parallel, through the
fast path, and from the build cache where it still holds, so checking 100,000
seeds costs what a build costs. Only the few seeds with a diagnostic of
check's own are read again with PyYAML, for the line to point at.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .build_cache import open_cache
from .catalog import Progress, build_catalog, deduplicate
from .config import Config
from .filters import selection_warnings
from .errors import ConfigError, SeedError, printable
from .model import Listing
from .seeds import read_front_matter
from .topics import display_names, topic_key

# Clocks drift and editors schedule a little ahead; an hour is not "the future".
FUTURE_GRACE = timedelta(hours=1)
FORMATS = ("text", "json", "github")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in one seed; ``level`` is 'error' or 'warning'."""

    path: str
    line: int | None
    level: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return printable(f"{where}: {self.level}: {self.message}")


@dataclass(slots=True)
class CheckReport:
    """Every diagnostic, in seed path order, and how many seeds were read."""

    read: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(d.level == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level == "warning" for d in self.diagnostics)


def check_seeds(config: Config, now: datetime | None = None, progress: Progress | None = None) -> CheckReport:
    """Validate every seed of ``config`` (whatever the filters) and return diagnostics."""
    if not config.seeds.is_dir():
        raise ConfigError(f"seeds folder not found: {config.seeds}")
    now = now or datetime.now(timezone.utc)
    with open_cache(config) as cache:
        catalog = build_catalog(config.seeds, config.patterns, config.timezone, cache, config.processes, progress,
                                keep_duplicates=True)
    # Every article counts, duplicates too: each is a seed someone wrote.
    _, dropped = deduplicate(catalog.listings)
    lines = _KeyLines(config.seeds)
    report = CheckReport(read=catalog.read)
    report.diagnostics.extend(Diagnostic(e.path, e.line, "error", e.message) for e in catalog.errors)
    report.diagnostics.extend(Diagnostic(w.path, w.line, "warning", w.message) for w in catalog.warnings + dropped)
    report.diagnostics.extend(_future_dates(catalog.listings, now, lines))
    report.diagnostics.extend(_spelling_variants(catalog.listings, lines))
    # Patterns that match no file: a warning on the seeds folder, in every format.
    report.diagnostics.extend(Diagnostic(w.path, w.line, "warning", w.message)
                              for w in selection_warnings(config, catalog.read, ()))
    report.diagnostics.sort(key=lambda d: (d.path, d.line or 0))
    return report


def _future_dates(listings: list[Listing], now: datetime, lines: "_KeyLines") -> list[Diagnostic]:
    latest = (now + FUTURE_GRACE).timestamp()
    return [
        Diagnostic(
            listing.source, lines(listing.source, "publishedDateTime"), "warning",
            f"publishedDateTime {datetime.fromtimestamp(listing.published_ts, timezone.utc).isoformat()} is in "
            "the future; it is published as dated and sorts above every current article",
        )
        for listing in sorted(listings, key=_by_source)
        if listing.published_ts > latest
    ]


def _spelling_variants(listings: list[Listing], lines: "_KeyLines") -> list[Diagnostic]:
    """A warning on each seed that spells a topic other than the way feeds will."""
    uses: dict[str, list[tuple[str, str]]] = defaultdict(list)  # topic key: (spelling, seed)
    for listing in sorted(listings, key=_by_source):  # seed path order, as feeds name topics
        for name in listing.topics:
            uses[topic_key(name)].append((name, listing.source))
    names = display_names((key, spelling) for key, group in uses.items() for spelling, _ in group)
    found = []
    for key, group in uses.items():
        spellings = Counter(spelling for spelling, _ in group)
        if len(spellings) < 2:
            continue
        chosen = names[key]
        for spelling, source in group:
            if spelling != chosen:
                found.append(Diagnostic(
                    source, lines(source, "topics"), "warning",
                    f"topic {spelling!r} differs only in case or spacing from {chosen!r} "
                    f"({spellings[chosen]} seed(s)); feeds call it {chosen!r}",
                ))
    return found


def _by_source(listing: Listing) -> str:
    return listing.source


class _KeyLines:
    """The line of a top-level key in a seed, read again with PyYAML (the fast
    path keeps no lines), once per seed; None if the seed cannot be read now."""

    def __init__(self, root: Path) -> None:
        self._root = root.absolute()
        self._seen: dict[str, dict[str, int]] = {}

    def __call__(self, source: str, key: str) -> int | None:
        if source not in self._seen:
            try:
                self._seen[source] = read_front_matter(Path(source), self._root, source).key_lines
            except SeedError:
                self._seen[source] = {}
        return self._seen[source].get(key)


def format_report(report: CheckReport, fmt: str) -> str:
    """Render ``report`` as plain text lines, a JSON document, or GitHub
    workflow commands (annotations shown inline on a pull request)."""
    if fmt == "json":
        return json.dumps(
            {"seeds": report.read, "errors": report.errors, "warnings": report.warnings,
             "diagnostics": [_printable_fields(asdict(d)) for d in report.diagnostics]},
            indent=2, ensure_ascii=False,
        ) + "\n"
    if fmt == "github":
        lines = [_github_annotation(d) for d in report.diagnostics]
    elif fmt == "text":
        lines = [str(d) for d in report.diagnostics]
    else:
        raise ValueError(f"unknown format {fmt!r}")
    lines.append(f"{report.read} seeds checked: {report.errors} errors, {report.warnings} warnings")
    return "\n".join(lines) + "\n"


def _printable_fields(fields: dict) -> dict:
    return {key: printable(value) if isinstance(value, str) else value for key, value in fields.items()}


def _github_annotation(diagnostic: Diagnostic) -> str:
    # https://docs.github.com/actions/reference/workflow-commands-for-github-actions
    properties = f"file={_escape(printable(diagnostic.path), True)}"
    if diagnostic.line is not None:
        properties += f",line={diagnostic.line}"
    return f"::{diagnostic.level} {properties},title=feedpub::{_escape(printable(diagnostic.message), False)}"


def _escape(text: str, is_property: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if is_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text
