"""Namespaced additions to feedgen's feeds: Media RSS and RFC 5005 archives.

Both go through feedgen's own extension mechanism, so namespaces are declared
once on the root element; nothing of feedgen is forked or patched.
"""

from __future__ import annotations

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .model import Article

ATOM_NS = "http://www.w3.org/2005/Atom"
# RFC 5005, Feed Paging and Archiving: https://www.rfc-editor.org/rfc/rfc5005
FH_NS = "http://purl.org/syndication/history/1.0"


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


def register_archive_extension(generator: FeedGenerator, is_archive: bool) -> None:
    """Declare ``fh`` and add ``<fh:archive/>`` when the document is an archive page."""
    if is_archive:
        generator.register_extension("fh", _ArchiveExtension, None, atom=True, rss=True)


def set_media(entry: FeedEntry, article: Article) -> None:
    """Media RSS for the article's images: ``media:content medium="image"`` each,
    and ``media:thumbnail`` for the first. https://www.rssboard.org/media-rss

    Needs ``generator.load_extension("media")``. ``group=None`` keeps feedgen
    from wrapping them in ``<media:group>``, which means alternatives of one
    object, not several images. No enclosures: their length is unknown.
    """
    for index, image in enumerate(article.images):
        media = {"url": image.url, "medium": "image"}
        if image.width:
            media["width"] = str(image.width)
        if image.height:
            media["height"] = str(image.height)
        entry.media.content(media, group=None)
        if index == 0:
            entry.media.thumbnail({k: v for k, v in media.items() if k != "medium"}, group=None)


def insert_after(anchor: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """Create ``tag`` as a sibling right after ``anchor``, reusing the prefixes
    declared on the tree (a detached element would declare its own)."""
    element = etree.SubElement(anchor.getparent(), tag, **attributes)
    anchor.addnext(element)
    return element
