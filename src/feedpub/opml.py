"""OPML 2.0 subscription list of every feed: one import subscribes a reader to
the overall feed and every topic. http://opml.org/spec2.opml
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

OPML_PATH = "feeds.opml"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed to subscribe to: its title and URL, and the site it belongs to."""

    title: str
    xml_url: str
    html_url: str


def render_opml(title: str, owner: str, overall: Subscription, topics: Sequence[Subscription]) -> bytes:
    """The subscription list: the overall feed, then a "Topics" folder of the topic feeds.

    Every feed appears once, in one format (a reader subscribed to the same
    topic in RSS and Atom would show every item twice). ``type="rss"`` is what
    OPML 2.0 subscription lists use for any feed format.
    """
    from lxml import etree  # only when an OPML file is rendered

    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    if owner:
        etree.SubElement(head, "ownerName").text = owner
    body = etree.SubElement(root, "body")
    _outline(body, overall)
    if topics:
        # A folder is an outline with only `text`: the W3C Feed Validation
        # Service warns MissingOutlineType on an outline with a title (or
        # any feed attribute) but no type, and no type fits a folder.
        # Readers show the folder by its text (https://opml.org/spec2.opml).
        folder = etree.SubElement(body, "outline", text="Topics")
        for subscription in topics:
            _outline(folder, subscription)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _outline(parent: Any, subscription: Subscription) -> None:
    from lxml import etree

    etree.SubElement(
        parent,
        "outline",
        type="rss",
        text=subscription.title,
        title=subscription.title,
        xmlUrl=subscription.xml_url,
        htmlUrl=subscription.html_url,
    )
