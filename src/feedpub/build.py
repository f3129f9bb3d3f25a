"""The pipeline: collect -> filter -> group -> plan -> write -> BuildReport.

Nothing here prints or exits; the CLI decides what to show.

Output layout (subscribers depend on it; see README "URL layout")::

    <out>/all.rss.xml              every article that passes the filters
    <out>/all.atom.xml
    <out>/topics/<slug>.rss.xml    one pair per topic
    <out>/topics/<slug>.atom.xml
    <out>/.feedpub-manifest.json   what feedpub wrote, for clean-up
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .collect import Collection, Progress, collect
from .config import Config, deployment_warnings
from .errors import ConfigError, OutputError, SeedError, SeedWarning
from .filters import FilterCounts, apply_filters
from .model import Article
from .render import FORMATS, FeedMeta, render_feed
from .topics import assign_slugs, display_names, topic_key
from .writers import (
    MANIFEST_NAME,
    is_current,
    output_lock,
    read_manifest,
    remove_stale_temporaries,
    render_manifest,
    write_if_changed,
)

# One (format, overall path, topic path template) per output format.
FEED_PATHS = (
    ("rss", "all.rss.xml", "topics/{slug}.rss.xml"),
    ("atom", "all.atom.xml", "topics/{slug}.atom.xml"),
)
assert tuple(fmt for fmt, _, _ in FEED_PATHS) == FORMATS


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic that gets feeds: its key, display name, slug and article count."""

    key: str
    name: str
    slug: str
    count: int

    def paths(self) -> tuple[str, ...]:
        return tuple(template.format(slug=self.slug) for _, _, template in FEED_PATHS)


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    """One feed file to write: where, in which format, with which items."""

    path: str
    fmt: str
    meta: FeedMeta
    articles: tuple[Article, ...]
    topic: Topic | None = None


@dataclass(slots=True)
class Plan:
    """Everything a build will write, worked out before anything is written."""

    collection: Collection
    counts: FilterCounts
    topics: list[Topic]
    feeds: list[PlannedFeed]
    topic_names: dict[str, str]


@dataclass(slots=True)
class BuildReport:
    """What a build found and did. Paths are relative to the output folder.

    In check mode ``written`` and ``removed`` list what *would* change.
    """

    read: int = 0
    invalid: int = 0
    duplicates: int = 0
    counts: FilterCounts = field(default_factory=FilterCounts)
    feeds: int = 0
    topics: list[Topic] = field(default_factory=list)
    errors: list[SeedError] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)
    config_warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    manifest_changed: bool = False
    check: bool = False
    aborted: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed or self.manifest_changed)


def plan_build(config: Config, progress: Progress | None = None) -> Plan:
    """Collect, filter and group the seeds of ``config`` into the feeds to write."""
    if not config.seeds.is_dir():
        raise ConfigError(f"seeds folder not found: {config.seeds}")
    collection = collect(config.seeds, config.patterns, config.tzinfo, progress)
    counts = FilterCounts()
    articles = list(apply_filters(collection.articles, config, counts))
    topics, members, topic_names = group_by_topic(articles, config)
    feeds = []
    for fmt, overall_path, _ in FEED_PATHS:
        feeds.append(_planned(config, fmt, overall_path, articles, None))
    for topic in topics:
        for (fmt, _, _), path in zip(FEED_PATHS, topic.paths()):
            feeds.append(_planned(config, fmt, path, members[topic.key], topic))
    paths = [feed.path for feed in feeds]
    assert len(paths) == len(set(paths)), "two feeds planned at one path"
    return Plan(collection, counts, topics, feeds, topic_names)


def group_by_topic(
    articles: Iterable[Article], config: Config
) -> tuple[list[Topic], dict[str, list[Article]], dict[str, str]]:
    """Group filtered, sorted articles by topic key.

    Only topics of articles that passed the filters exist, so nothing of an
    unpublished article, not even a topic name, reaches the output. With
    ``config.topics`` set, only those topics get feeds. Topics come back sorted
    by slug; each member list keeps the input order.
    """
    selected = {topic_key(name) for name in config.topics}
    members: dict[str, list[Article]] = {}
    spellings: list[tuple[str, str]] = []
    for article in articles:
        for name in article.topics:
            key = topic_key(name)
            spellings.append((key, name))
            if not selected or key in selected:
                members.setdefault(key, []).append(article)
    names = display_names(spellings)
    slugs = assign_slugs(members)
    topics = sorted(
        (Topic(key, names[key], slugs[key], len(items)) for key, items in members.items()),
        key=lambda topic: topic.slug,
    )
    return topics, members, names


def build(
    config: Config,
    *,
    check: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 60.0,
) -> BuildReport:
    """Build every feed of ``config`` into ``config.out``.

    ``check`` writes nothing and reports what would change. ``strict`` writes
    nothing at all when any seed has an error. Writing happens under a lock on
    the output folder (waiting up to ``lock_timeout`` seconds for another
    build). Raises OutputError when the output folder is unsafe to write.
    """
    check_output_folder(config)
    plan = plan_build(config, progress)
    report = BuildReport(
        read=plan.collection.read,
        invalid=len(plan.collection.errors),
        duplicates=plan.collection.duplicates,
        counts=plan.counts,
        feeds=len(plan.feeds),
        topics=plan.topics,
        errors=plan.collection.errors,
        warnings=plan.collection.warnings,
        config_warnings=deployment_warnings(config),
        check=check,
    )
    if strict and report.errors:
        report.aborted = True
        return report
    if check:
        _write_outputs(config, plan, report, check=True)
    else:
        with output_lock(config.out, lock_timeout):
            for folder in {config.out, *((config.out / feed.path).parent for feed in plan.feeds)}:
                remove_stale_temporaries(folder)
            _write_outputs(config, plan, report, check=False)
    return report


def _write_outputs(config: Config, plan: Plan, report: BuildReport, check: bool) -> None:
    previous = read_manifest(config.out)
    current = {feed.path for feed in plan.feeds}
    manifest = config.out / MANIFEST_NAME
    if not check and current - previous:
        # Name new files before creating them: a crash in between must not
        # leave a feed that no manifest owns and no later build would remove.
        report.manifest_changed = write_if_changed(manifest, render_manifest(current | previous))
    for feed in plan.feeds:  # one at a time: only one rendered feed in memory
        data = render_feed(feed.articles, feed.meta, feed.fmt, plan.topic_names)
        changed = _put(config.out / feed.path, data, check)
        (report.written if changed else report.unchanged).append(feed.path)
    for path in sorted(previous - current):
        target = config.out / path
        if target.is_file():
            if not check:
                target.unlink()
            report.removed.append(path)
    report.manifest_changed |= _put(manifest, render_manifest(current), check)


def check_output_folder(config: Config) -> None:
    """Refuse output folders where writing could destroy seeds or the system."""
    out, seeds = config.out.resolve(), config.seeds.resolve()
    if out == Path(out.anchor):
        raise OutputError(f"refusing to write feeds to the root folder {out}")
    if out == seeds or seeds in out.parents:
        raise OutputError(f"output folder {config.out} is the seeds folder or inside it; choose another")
    if out in seeds.parents:
        raise OutputError(f"output folder {config.out} contains the seeds folder {config.seeds}; choose another")


def _put(path: Path, data: bytes, check: bool) -> bool:
    """Write ``data`` if it differs (or, in check mode, only say whether it does)."""
    return not is_current(path, data) if check else write_if_changed(path, data)


def _planned(config: Config, fmt: str, path: str, articles: list[Article], topic: Topic | None) -> PlannedFeed:
    items = tuple(articles[: config.limit] if config.limit else articles)
    title = config.title if topic is None else f"{config.title}: {topic.name}"
    description = config.description if topic is None else f"{config.description} about {topic.name}"
    meta = FeedMeta(
        title=title,
        description=description,
        home_url=config.home_url,
        self_url=config.feeds_url + path,
        language=config.language,
        publisher=config.publisher,
    )
    return PlannedFeed(path, fmt, meta, items, topic)
