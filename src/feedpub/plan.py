"""Work out every file a build writes, before anything is written.

Output layout (subscribers depend on it; see README "URL layout")::

    all.rss.xml  all.atom.xml  all.json           every article that passes the filters
    topics/<slug>.rss.xml|.atom.xml|.json         one set per topic
    archive/all/<n>.rss.xml|.atom.xml             RFC 5005 archive pages (opt-in)
    archive/topics/<slug>/<n>.rss.xml|.atom.xml
    feeds.opml                                    subscription list of every feed
    index.html                                    a page listing them all
    .feedpub-manifest.json                        what feedpub wrote, for clean-up
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from .version import CODE_IDENTITY
from .build_cache import BuildCache
from .catalog import Catalog, Progress, build_catalog
from .config import Config
from .errors import ConfigError
from .filters import FilterCounts, apply_filters
from hashlib import blake2b
from operator import itemgetter
from .model import Article, Listing
from .opml import OPML_PATH, Subscription
from .resolver import Resolver
from .scan import SeedFiles
from .render import ArchiveLinks, FeedDates, FeedMeta, Frame, TopicRef, assemble, feed_frame, render_items
from .site_index import HEADLINES, INDEX_PATH, IndexEntry
from .topics import Topic, assign_slugs, display_names, topic_key

if TYPE_CHECKING:
    from .reuse import Layout, Reused

# The file name of a feed is its base plus the format's suffix.
SUFFIXES = {"rss": ".rss.xml", "atom": ".atom.xml", "json": ".json"}
OVERALL_BASE = "all"  # a topic's base is Topic.base (topics.TOPIC_BASE)
ARCHIVE_BASE = "archive/{feed}/{page}"
# RFC 5005 defines archives for Atom (and RSS through atom:link); JSON Feed has none.
ARCHIVE_FORMATS = ("rss", "atom")
# Articles loaded and rendered at a time: a feed of any length (--limit 0) is
# written in a bounded amount of memory.
RENDER_BATCH = 500
# Rendered items kept at a time (about 1.5 KB each), so that an article in
# several feeds of one format is rendered once for all of them.
ITEM_MEMORY = 20_000


def feed_path(base: str, fmt: str) -> str:
    return base + SUFFIXES[fmt]


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    """One feed document to write: where, in which format, with which items."""

    path: str
    fmt: str
    meta: FeedMeta
    items: tuple[Listing, ...]
    topic: Topic | None = None


class RenderedItems:
    """The bytes of items rendered in one build, by format and seed: an
    item's bytes are the same in every feed of its format (feedmeta.Frame),
    so each is rendered once. At most ITEM_MEMORY are kept, besides
    ``reused``: those an earlier build wrote (reuse.py), never rendered."""

    def __init__(self, resolver: Resolver, refs: dict[str, TopicRef],
                 reused: dict[tuple[str, str], bytes] | None = None) -> None:
        self._resolver, self._refs = resolver, refs
        self._bytes: dict[tuple[str, str], bytes] = {}
        self._reused = reused if reused is not None else {}

    def of(self, listings: Sequence[Listing], fmt: str) -> list[bytes]:
        """The items of ``listings`` in feeds ``fmt``, in order; those not
        rendered yet (nor reused) are rendered now, together."""
        reused = self._reused
        keys = [(fmt, item.source) for item in listings]
        missing = [item for item, key in zip(listings, keys) if key not in self._bytes and key not in reused]
        if missing:
            self.keep(fmt, missing, self.render(missing, fmt), listings)
        rendered = self._bytes
        return [reused[key] if key in reused else rendered[key] for key in keys]

    def fresh(self) -> RenderedItems:
        """Another RenderedItems with the same reused items, and none rendered."""
        return RenderedItems(self._resolver, self._refs, self._reused)

    def render(self, listings: Sequence[Listing], fmt: str) -> list[bytes]:
        """The items of ``listings`` in feeds ``fmt``, rendered now and not kept."""
        return render_items(self._resolver.articles(listings), fmt, self._refs)

    def keep(self, fmt: str, listings: Sequence[Listing], rendered: Sequence[bytes],
             wanted: Sequence[Listing] = ()) -> None:
        """Keep ``rendered``, the items of ``listings`` in feeds ``fmt``. When
        that would keep more than ITEM_MEMORY, the others are forgotten, but
        for those of ``wanted``."""
        if len(self._bytes) + len(listings) > ITEM_MEMORY:
            keys = {(fmt, item.source) for item in wanted}
            self._bytes = {key: data for key, data in self._bytes.items() if key in keys}
        self._bytes.update(zip([(fmt, item.source) for item in listings], rendered))


@dataclass(slots=True)
class Plan:
    """Everything a build will write, worked out before anything is written.

    Items are Listings; ``resolver`` loads their Articles when a file is rendered.
    """

    config: Config
    catalog: Catalog
    counts: FilterCounts
    listings: list[Listing]
    topics: list[Topic]
    members: dict[str, list[Listing]]
    feeds: list[PlannedFeed]
    refs: dict[str, TopicRef]
    resolver: Resolver
    items: RenderedItems = field(init=False)
    # What an earlier build wrote that this one takes as it is (see
    # reuse.py, imported only when a build renders a feed): frames by path,
    # item bytes by (format, source).
    reused_frames: dict[str, Frame] = field(init=False, default_factory=dict)
    reused_items: dict[tuple[str, str], bytes] = field(init=False, default_factory=dict)
    # The layout of each feed rendered so far (reuse.Layout), for the cache.
    layouts: dict[str, Layout] = field(init=False, default_factory=dict)
    # For fingerprints: a digest of each topic's ref, and of each feed's format and metadata.
    _ref_digests: dict[str, str] = field(init=False, default_factory=dict)
    _meta_digests: dict[str, str] = field(init=False, default_factory=dict)
    # For layouts: each items tuple's keys by its id (see item_keys), and a
    # digest of the references of each distinct tuple of topic names.
    _item_keys: dict[int, tuple[tuple[Listing, ...], tuple[str, ...]]] = field(init=False, default_factory=dict)
    _refs_codes: dict[tuple[str, ...], str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.items = RenderedItems(self.resolver, self.refs)

    def reuse(self, reused: Reused) -> None:
        """Take the frames and items of ``reused`` rather than render them."""
        self.reused_frames, self.reused_items = reused.frames, reused.items
        self.items = RenderedItems(self.resolver, self.refs, reused.items)

    def renders_nothing(self, feed: PlannedFeed) -> bool:
        """Whether the whole feed is taken from old files (:meth:`reuse`)."""
        return feed.path in self.reused_frames and all((feed.fmt, item.source) in self.reused_items
                                                       for item in feed.items)

    def outputs(self) -> Iterable[tuple[str, str, Callable[[], Iterable[bytes]]]]:
        """Every file as (path, fingerprint, render), feeds first. The
        fingerprint changes whenever the bytes could; rendering is deferred so
        unchanged files need not be rendered, and gives the bytes in chunks, so
        only a batch of one file's items is in memory at a time."""
        of_items: dict[int, str] = {}  # see _feed_fingerprint
        for feed in self.feeds:
            yield feed.path, self._feed_fingerprint(feed, of_items), lambda feed=feed: self.render_chunks(feed)
        for path, inputs, render in self._site_files():
            yield path, _fingerprint(inputs()), lambda render=render: (render(),)

    def paths(self) -> list[str]:
        """Every output path, in the order of :meth:`outputs`, without
        fingerprinting or rendering anything."""
        return [feed.path for feed in self.feeds] + [path for path, _, _ in self._site_files()]

    def _site_files(self) -> list[tuple[str, Callable[[], tuple], Callable[[], bytes]]]:
        """The files besides feeds, as (path, what its bytes depend on, render),
        both deferred: the one list :meth:`outputs` and :meth:`paths` share."""
        files = [(OPML_PATH, self._opml_args, self._opml)]
        if self.config.index_page:
            files.append((INDEX_PATH, lambda: self._index_args(digests=True), self._index))
        return files

    def articles_of(self, feed: PlannedFeed) -> list[Article]:
        return self.resolver.articles(feed.items)

    def render(self, feed: PlannedFeed) -> bytes:
        return b"".join(self.render_chunks(feed))

    def render_chunks(self, feed: PlannedFeed, frame: Frame | None = None,
                      items: RenderedItems | None = None) -> Iterator[bytes]:
        """The feed's bytes: its frame (given, or rendered now), then its
        items RENDER_BATCH at a time, from ``items`` (the plan's own by
        default), which renders those it does not hold yet."""
        frame = frame if frame is not None else self.frame(feed)
        items = items if items is not None else self.items
        batches = (feed.items[start:start + RENDER_BATCH] for start in range(0, len(feed.items), RENDER_BATCH))
        rendered = (items.of(batch, feed.fmt) for batch in batches)
        if len(feed.items) <= RENDER_BATCH:
            rendered = self._laid_out(feed, frame, rendered)
        return assemble(frame, rendered)

    def _laid_out(self, feed: PlannedFeed, frame: Frame, batches: Iterable[list[bytes]]) -> Iterator[list[bytes]]:
        """``batches`` as they are; once all are rendered, the feed's layout
        is kept in :attr:`layouts` (not when the render stops early)."""
        from .reuse import Layout, lengths_array

        lengths = lengths_array()
        for batch in batches:
            lengths.extend(map(len, batch))
            yield batch
        tail = frame.empty_tail if not lengths and frame.empty_tail is not None else frame.tail
        self.layouts[feed.path] = Layout(self.head_key(feed), len(frame.head), len(tail), self.item_keys(feed.items),
                                         lengths)

    def frame(self, feed: PlannedFeed) -> Frame:
        """The feed's document without its items (feedmeta.Frame): as an
        earlier build wrote it, when reused, or rendered now."""
        reused = self.reused_frames.get(feed.path)
        return reused if reused is not None else feed_frame(feed.meta, feed.fmt, _feed_dates(feed.items))

    def head_key(self, feed: PlannedFeed) -> str:
        """What the feed's head and tail depend on, as text: a digest of its
        format and metadata, and its dates (the newest update and
        publication), or ``-`` without items (JSON's tail differs then)."""
        if not feed.items:
            return self._meta_digest(feed) + " -"
        updated, published = max(map(_UPDATED, feed.items)), max(map(_PUBLISHED, feed.items))
        return f"{self._meta_digest(feed)} {updated} {published}"

    def item_keys(self, items: tuple[Listing, ...]) -> tuple[str, ...]:
        """What the bytes of each of ``items`` depend on, but for the format,
        as text: the article's digest, then the start of the digest of each
        of its topics' references (48 bits each: the chance that a changed
        reference keeps them is nil). Made once per items tuple, which a
        feed's formats share, and per distinct tuple of topic names."""
        known = self._item_keys.get(id(items))
        if known is not None and known[0] is items:
            return known[1]
        codes = self._refs_codes
        keys = []
        for item in items:
            code = codes.get(item.topics)
            if code is None:
                code = codes[item.topics] = "".join([self._ref_digest(topic_key(name))[:12] for name in item.topics])
            keys.append(item.digest + code)
        self._item_keys[id(items)] = (items, tuple(keys))
        return self._item_keys[id(items)][1]

    def _feed_fingerprint(self, feed: PlannedFeed, of_items: dict[int, str]) -> str:
        """The fingerprint of the feed: of its format and metadata, and of
        its items (their digests, and the references of their topics). The
        part of the items is kept in ``of_items`` by items tuple, which the
        feed's formats share (plan._feeds), so it is worked out once for them."""
        items = of_items.get(id(feed.items))
        if items is None:
            # Keys of the distinct names only: a feed's items share a few dozen.
            keys = {topic_key(name) for name in {name for item in feed.items for name in item.topics}}
            # A digest per topic, made once, rather than its name, slug and URLs
            # spelled out in every feed that lists it.
            refs = [self._ref_digest(key) for key in sorted(keys)]
            items = of_items[id(feed.items)] = _fingerprint(([item.digest for item in feed.items], refs))
        return _fingerprint((self._meta_digest(feed), items))

    def _meta_digest(self, feed: PlannedFeed) -> str:
        """A digest of the feed's format and metadata, made once for its
        fingerprint and its head's key."""
        digest = self._meta_digests.get(feed.path)
        if digest is None:
            digest = self._meta_digests[feed.path] = _fingerprint((feed.fmt, feed.meta))
        return digest

    def _ref_digest(self, key: str) -> str:
        digest = self._ref_digests.get(key)
        if digest is None:
            ref = self.refs[key]
            digest = self._ref_digests[key] = _fingerprint((key, ref.name, ref.slug, sorted(ref.urls.items())))
        return digest

    def topic_paths(self, topic: Topic) -> list[str]:
        return [feed_path(topic.base, fmt) for fmt in self.config.formats]

    def _opml_args(self) -> tuple:
        config = self.config
        preferred = config.formats[0]

        def subscription(title: str, base: str) -> Subscription:
            return Subscription(title, config.feeds_url + feed_path(base, preferred), config.home_url)

        return (
            config.title,
            config.publisher,
            subscription(config.title, OVERALL_BASE),
            [subscription(_topic_title(config, topic), topic.base) for topic in self.topics],
        )

    def _opml(self) -> bytes:
        from .opml import render_opml

        return render_opml(*self._opml_args())

    def _index_args(self, digests: bool) -> tuple:
        config = self.config

        def entry(name: str, base: str, items: Sequence[Listing]) -> IndexEntry:
            paths = {fmt: feed_path(base, fmt) for fmt in config.formats}
            newest = items[:HEADLINES]
            shown = tuple(i.digest for i in newest) if digests else tuple(self.resolver.articles(newest))
            return IndexEntry(name, len(items), paths, shown)

        return (
            config.title,
            config.description,
            entry("All articles", OVERALL_BASE, self.listings),
            [entry(topic.name, topic.base, self.members[topic.key]) for topic in self.topics],
            OPML_PATH,
            config.language,
        )

    def _index(self) -> bytes:
        from .site_index import render_index

        return render_index(*self._index_args(digests=False))


def plan_build(
    config: Config, progress: Progress | None = None, cache: BuildCache | None = None, jobs: int = 1,
    files: SeedFiles | None = None,
) -> Plan:
    """Catalog, filter and group the seeds of ``config`` into the files to write.

    ``cache`` (build_cache.open_cache; None: none) makes unchanged seeds free;
    ``jobs`` processes parse the rest. ``files``: the seeds folder's scan,
    with stats, if already taken.
    """
    if not config.seeds.is_dir():
        raise ConfigError(f"seeds folder not found: {config.seeds}")
    cache = cache if cache is not None else BuildCache(None)
    catalog = build_catalog(config.seeds, config.patterns, config.timezone, cache, jobs, progress, files)
    counts = FilterCounts()
    listings = list(apply_filters(catalog.listings, config, counts))
    topics, members, refs = group_by_topic(listings, config)
    feeds = list(_feeds(config, OVERALL_BASE, "all", listings, None))
    for topic in topics:
        feeds.extend(_feeds(config, topic.base, f"topics/{topic.slug}", members[topic.key], topic))
    resolver = Resolver(config.seeds, config.timezone, cache)
    plan = Plan(config, catalog, counts, listings, topics, members, feeds, refs, resolver)
    paths = plan.paths()
    assert len(paths) == len(set(paths)), "two files planned at one path"
    return plan


def _feed_dates(items: Sequence[Listing]) -> FeedDates:
    """render.feed_dates of the items' Articles, from their Listings: both hold
    whole seconds in UTC, so the two agree, and the head of a feed can be
    rendered before any of its articles is loaded."""
    if not items:
        return FeedDates()
    updated = max(item.updated_ts for item in items)
    published = max(item.published_ts for item in items)
    return FeedDates(datetime.fromtimestamp(updated, timezone.utc), datetime.fromtimestamp(published, timezone.utc))


_UPDATED, _PUBLISHED = itemgetter(2), itemgetter(1)  # Listing.updated_ts, Listing.published_ts


def _fingerprint(value: object) -> str:
    return blake2b(repr((CODE_IDENTITY, value)).encode("utf-8"), digest_size=16).hexdigest()


def group_by_topic(
    articles: Iterable[Listing], config: Config
) -> tuple[list[Topic], dict[str, list[Listing]], dict[str, TopicRef]]:
    """Group filtered, sorted articles by topic key.

    Only topics of articles that passed the filters exist, so nothing of an
    unpublished article, not even a topic name, reaches the output. With
    ``config.topics`` set, only those topics get feeds. Topics come back sorted
    by slug; each member list keeps the input order. The references cover
    every topic the articles carry, with feed URLs for those that have feeds.
    """
    selected = {topic_key(name) for name in config.topics}
    members: dict[str, list[Listing]] = {}
    spellings: list[tuple[str, str]] = []
    for article in articles:
        for name in article.topics:
            key = topic_key(name)
            spellings.append((key, name))
            if not selected or key in selected:
                members.setdefault(key, []).append(article)
    names = display_names(spellings)
    slugs = assign_slugs(names)
    topics = sorted(
        (Topic(key, names[key], slugs[key], len(items)) for key, items in members.items()),
        key=lambda topic: topic.slug,
    )
    refs = {key: TopicRef(names[key], slugs[key]) for key in names}
    for topic in topics:
        urls = {fmt: config.feeds_url + feed_path(topic.base, fmt) for fmt in config.formats}
        refs[topic.key] = TopicRef(topic.name, topic.slug, urls)
    return topics, members, refs


def _feeds(config: Config, base: str, archive_name: str, articles: list[Listing], topic: Topic | None):
    """The current feed in each format, and its archive pages when archiving."""
    limit = config.limit
    current = tuple(articles[:limit] if limit else articles)
    title = _topic_title(config, topic) if topic else config.title
    description = config.description if topic is None else f"{config.description} about {topic.name}"
    pages = _archive_pages(articles, limit) if config.archive else []
    for fmt in config.formats:
        archived = fmt in ARCHIVE_FORMATS and pages
        page_url = lambda page: config.feeds_url + feed_path(  # noqa: E731
            ARCHIVE_BASE.format(feed=archive_name, page=page), fmt
        )
        links = ArchiveLinks(prev=page_url(len(pages))) if archived else ArchiveLinks()
        path = feed_path(base, fmt)
        yield PlannedFeed(path, fmt, _meta(config, title, description, path, links), current, topic)
        if not archived:
            continue
        for number, items in enumerate(pages, 1):
            links = ArchiveLinks(
                is_archive=True,
                current=config.feeds_url + path,
                prev=page_url(number - 1) if number > 1 else "",
            )
            page_path = feed_path(ARCHIVE_BASE.format(feed=archive_name, page=number), fmt)
            page_title = f"{title} (archive {number})"
            yield PlannedFeed(page_path, fmt, _meta(config, page_title, description, page_path, links), items, topic)


def _archive_pages(articles: list[Listing], size: int) -> list[tuple[Listing, ...]]:
    """Full pages of ``size`` items, counted from the oldest article, each newest
    first. Only full pages exist, so a page never changes once written (unless
    one of its own articles does); the newest, partial remainder is in the
    current feed."""
    oldest_first = articles[::-1]
    full = len(oldest_first) // size
    return [tuple(oldest_first[i * size:(i + 1) * size][::-1]) for i in range(full)]


def _topic_title(config: Config, topic: Topic) -> str:
    return f"{config.title}: {topic.name}"


def _meta(config: Config, title: str, description: str, path: str, archive: ArchiveLinks) -> FeedMeta:
    return FeedMeta(
        title=title,
        description=description,
        home_url=config.home_url,
        self_url=config.feeds_url + path,
        language=config.language,
        publisher=config.publisher,
        ttl=config.ttl,
        hub=config.hub,
        icon=config.icon,
        logo=config.logo,
        archive=archive,
    )
