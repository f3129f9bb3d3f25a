"""Namespaced additions to feedgen's feeds: Dublin Core's creator, Media RSS
and RFC 5005 archives.

All go through feedgen's own extension mechanism, so namespaces are declared
once on the root element (by feedgen's feed extensions); nothing of feedgen
is forked or patched. An entry's extensions are our own, with the bytes of
feedgen's, which cost much more per item than what feedpub writes needs.
"""

from __future__ import annotations

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.dc import DcExtension
from feedgen.ext.media import MEDIA_NS, MediaExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Article, Image

ATOM_NS = "http://www.w3.org/2005/Atom"
# RFC 5005, Feed Paging and Archiving: https://www.rfc-editor.org/rfc/rfc5005
FH_NS = "http://purl.org/syndication/history/1.0"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
MEDIA_CONTENT, MEDIA_THUMBNAIL = f"{{{MEDIA_NS}}}content", f"{{{MEDIA_NS}}}thumbnail"


class _DcEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """An item's ``dc:creator``s, the one Dublin Core element feedpub
    writes, with the bytes feedgen's DcEntryExtension gives them. Used in
    its place because that one looks up each of the fifteen Dublin Core
    elements in every item, a sixth of the cost of an RSS item."""

    def __init__(self) -> None:
        self.creators: list[str] = []

    def extend_rss(self, item: etree._Element) -> etree._Element:
        for creator in self.creators:
            etree.SubElement(item, DC_CREATOR).text = creator
        return item

    extend_atom = extend_rss


class _MediaEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """An item's images as Media RSS: ``media:content medium="image"`` each,
    then ``media:thumbnail`` for the first, with the bytes feedgen's
    MediaEntryExtension gives them (its attributes in its order, only those
    with a value; ``group=None``: no ``<media:group>``). Used in its place
    because that one checks the keys of every dict it is given and tries
    fourteen attributes on each element."""

    def __init__(self) -> None:
        self.images: tuple[Image, ...] = ()

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for image in self.images:
            _set_image(etree.SubElement(entry, MEDIA_CONTENT), image, medium="image")
        if self.images:
            _set_image(etree.SubElement(entry, MEDIA_THUMBNAIL), self.images[0])
        return entry

    extend_rss = extend_atom


def _set_image(element: etree._Element, image: Image, medium: str = "") -> None:
    if image.url:
        element.set("url", image.url)
    if medium:
        element.set("medium", medium)
    if image.height:
        element.set("height", str(image.height))
    if image.width:
        element.set("width", str(image.width))


# The extensions we use: the feed's class of each (feedgen's, which
# declares the namespace), and the entry's.
_EXTENSIONS = {"dc": (DcExtension, _DcEntryExtension), "media": (MediaExtension, _MediaEntryExtension)}


class _ArchiveExtension(BaseExtension):  # type: ignore[misc]
    """Marks a feed document as a complete archive page: ``<fh:archive/>``."""

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        etree.SubElement(feed, f"{{{FH_NS}}}archive")
        return feed

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        etree.SubElement(feed.find("channel"), f"{{{FH_NS}}}archive")
        return feed


def register_extensions(generator: FeedGenerator, *names: str, atom: bool, rss: bool) -> None:
    """Register the extensions ``names`` ('dc', 'media') as
    ``generator.load_extension(name, atom, rss)`` registers feedgen's: with
    feedgen's class for the feed, and ours, with the same bytes, for each
    entry. load_extension first tries to import ``feedgen.ext.<name>_entry``,
    which does not exist, and that failed import searches the disk on every call."""
    for name in names:
        feed_class, entry_class = _EXTENSIONS[name]
        generator.register_extension(name, feed_class, entry_class, atom=atom, rss=rss)


def register_archive_extension(generator: FeedGenerator, is_archive: bool) -> None:
    """Declare ``fh`` and add ``<fh:archive/>`` when the document is an archive page."""
    if is_archive:
        generator.register_extension("fh", _ArchiveExtension, None, atom=True, rss=True)


def set_creator(entry: FeedEntry, name: str) -> None:
    """The item's ``dc:creator`` (needs the ``dc`` extension, :func:`register_extensions`)."""
    entry.dc.creators.append(name)


def set_media(entry: FeedEntry, article: Article) -> None:
    """Media RSS for the article's images (see _MediaEntryExtension).
    https://www.rssboard.org/media-rss

    Needs the ``media`` extension (:func:`register_extensions`). Several
    images are not wrapped in ``<media:group>``, which means alternatives of
    one object, not several images. No enclosures: their length is unknown.
    """
    entry.media.images = article.images


def insert_after(anchor: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """Create ``tag`` as a sibling right after ``anchor``, reusing the prefixes
    declared on the tree (a detached element would declare its own)."""
    element = etree.SubElement(anchor.getparent(), tag, **attributes)
    anchor.addnext(element)
    return element
