"""`feedpub check`: every problem in the seeds, as diagnostics, writing nothing.

Besides what a build reports (errors, fix-up warnings, duplicate links), check
looks for things that are legal but probably not meant: topics spelled several
ways, and articles dated in the future. The clock is only read here, never in
a build, so feeds stay reproducible.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from .collect import Progress, collect
from .config import Config
from .errors import ConfigError
from .model import Article
from .seeds import FrontMatter
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
        return f"{where}: {self.level}: {self.message}"


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


@dataclass(frozen=True, slots=True)
class _TopicUse:
    spelling: str
    path: str
    line: int | None


def check_seeds(config: Config, now: datetime | None = None, progress: Progress | None = None) -> CheckReport:
    """Validate every seed of ``config`` (whatever the filters) and return diagnostics."""
    if not config.seeds.is_dir():
        raise ConfigError(f"seeds folder not found: {config.seeds}")
    now = now or datetime.now(timezone.utc)
    uses: dict[str, list[_TopicUse]] = defaultdict(list)
    extra: list[Diagnostic] = []

    def inspect(front: FrontMatter, article: Article) -> None:
        for name in article.topics:
            uses[topic_key(name)].append(_TopicUse(name, front.path, front.line_of("topics")))
        if article.published_at > now + FUTURE_GRACE:
            extra.append(Diagnostic(
                front.path, front.line_of("publishedDateTime"), "warning",
                f"publishedDateTime {article.published_at.isoformat()} is in the future; "
                "it is published as dated and sorts above every current article",
            ))

    collection = collect(config.seeds, config.patterns, config.tzinfo, progress, inspect=inspect)
    report = CheckReport(read=collection.read)
    report.diagnostics.extend(Diagnostic(e.path, e.line, "error", e.message) for e in collection.errors)
    report.diagnostics.extend(Diagnostic(w.path, w.line, "warning", w.message) for w in collection.warnings)
    report.diagnostics.extend(extra)
    report.diagnostics.extend(_spelling_variants(uses))
    report.diagnostics.sort(key=lambda d: (d.path, d.line or 0))
    return report


def _spelling_variants(uses: dict[str, list[_TopicUse]]) -> list[Diagnostic]:
    """A warning on each seed that spells a topic other than the way feeds will."""
    names = display_names((key, use.spelling) for key, group in uses.items() for use in group)
    found = []
    for key, group in uses.items():
        spellings = Counter(use.spelling for use in group)
        if len(spellings) < 2:
            continue
        chosen = names[key]
        for use in group:
            if use.spelling != chosen:
                found.append(Diagnostic(
                    use.path, use.line, "warning",
                    f"topic {use.spelling!r} differs only in case or spacing from {chosen!r} "
                    f"({spellings[chosen]} seed(s)); feeds call it {chosen!r}",
                ))
    return found


def format_report(report: CheckReport, fmt: str) -> str:
    """Render ``report`` as plain text lines, a JSON document, or GitHub
    workflow commands (annotations shown inline on a pull request)."""
    if fmt == "json":
        return json.dumps(
            {"seeds": report.read, "errors": report.errors, "warnings": report.warnings,
             "diagnostics": [asdict(d) for d in report.diagnostics]},
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


def _github_annotation(diagnostic: Diagnostic) -> str:
    # https://docs.github.com/actions/reference/workflow-commands-for-github-actions
    properties = f"file={_escape(diagnostic.path, True)}"
    if diagnostic.line is not None:
        properties += f",line={diagnostic.line}"
    return f"::{diagnostic.level} {properties},title=feedpub::{_escape(diagnostic.message, False)}"


def _escape(text: str, is_property: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if is_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text
