"""Namespaced additions to feedgen's feeds: Media RSS and RFC 5005 archives.

Both go through feedgen's own extension mechanism, so namespaces are declared
once on the root element; nothing of feedgen is forked or patched.
"""

from __future__ import annotations

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.ext.media import MediaEntryExtension, MediaExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Article

ATOM_NS = "http://www.w3.org/2005/Atom"
# RFC 5005, Feed Paging and Archiving: https://www.rfc-editor.org/rfc/rfc5005
FH_NS = "http://purl.org/syndication/history/1.0"
# feedgen's extensions we use: the feed's and the entry's class of each.
_EXTENSIONS = {"dc": (DcExtension, DcEntryExtension), "media": (MediaExtension, MediaEntryExtension)}


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
    """Register feedgen's extensions ``names`` ('dc', 'media') as
    ``generator.load_extension(name, atom, rss)`` does, with the same classes.
    load_extension first tries to import ``feedgen.ext.<name>_entry``, which
    does not exist, and that failed import searches the disk on every call."""
    for name in names:
        feed_class, entry_class = _EXTENSIONS[name]
        generator.register_extension(name, feed_class, entry_class, atom=atom, rss=rss)


def register_archive_extension(generator: FeedGenerator, is_archive: bool) -> None:
    """Declare ``fh`` and add ``<fh:archive/>`` when the document is an archive page."""
    if is_archive:
        generator.register_extension("fh", _ArchiveExtension, None, atom=True, rss=True)


def set_media(entry: FeedEntry, article: Article) -> None:
    """Media RSS for the article's images: ``media:content medium="image"`` each,
    and ``media:thumbnail`` for the first. https://www.rssboard.org/media-rss

    Needs the ``media`` extension (:func:`register_extensions`). ``group=None`` keeps feedgen
    from wrapping them in ``<media:group>``, which means alternatives of one
    object, not several images. No enclosures: their length is unknown.
    """
    contents = []
    for image in article.images:
        media = {"url": image.url, "medium": "image"}
        if image.width:
            media["width"] = str(image.width)
        if image.height:
            media["height"] = str(image.height)
        contents.append(media)
    if contents:
        # Each call checks its list whole: one call for all the images.
        entry.media.content(contents, group=None)
        entry.media.thumbnail({k: v for k, v in contents[0].items() if k != "medium"}, group=None)


def insert_after(anchor: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """Create ``tag`` as a sibling right after ``anchor``, reusing the prefixes
    declared on the tree (a detached element would declare its own)."""
    element = etree.SubElement(anchor.getparent(), tag, **attributes)
    anchor.addnext(element)
    return element
