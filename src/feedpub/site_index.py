"""A static ``index.html`` for the output folder: what is there and how to
subscribe. One file, no JavaScript, no external assets, readable on a phone;
links to feeds are relative, so the page works wherever the folder is served.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

from .model import Article
from .render import MEDIA_TYPES

INDEX_PATH = "index.html"
FORMAT_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
HEADLINES = 3

_STYLE = """
:root { color-scheme: light dark; --muted: #6b6b6b; --line: #d0d0d0; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 46rem; padding: 1rem; font: 1rem/1.5 system-ui, sans-serif; }
h1 { font-size: 1.6rem; margin: .5rem 0 0; }
h2 { font-size: 1.15rem; margin: 0; }
p.lead, .count, .when { color: var(--muted); }
section { border-top: 1px solid var(--line); padding: .75rem 0; }
ul { padding-left: 1.1rem; margin: .4rem 0; }
.subscribe a { display: inline-block; margin: .25rem .5rem .25rem 0; padding: .2rem .6rem;
  border: 1px solid var(--line); border-radius: .4rem; text-decoration: none; }
a { overflow-wrap: anywhere; }
"""


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """A feed as the page lists it: name, article count, feed paths by format, newest articles."""

    name: str
    count: int
    paths: dict[str, str]
    newest: Sequence[Article]


def render_index(
    title: str, description: str, overall: IndexEntry, topics: Sequence[IndexEntry], opml_path: str | None,
    language: str = "en",
) -> bytes:
    """Return the page's bytes: autodiscovery links for the overall feeds, then
    the overall feed and each topic with counts, newest headlines and
    subscribe links per format. ``language`` (a language tag, as the feeds
    carry) is the page's ``lang``, which screen readers and hyphenation use."""
    discovery = "\n".join(
        f'<link rel="alternate" type="{MEDIA_TYPES[fmt]}" title="{escape(title)} ({FORMAT_LABELS[fmt]})" '
        f'href="{escape(path)}">'
        for fmt, path in overall.paths.items()
    )
    opml = (
        f'<p class="subscribe">Subscribe to everything at once: <a href="{escape(opml_path)}" '
        f'type="text/x-opml">OPML list of all feeds</a></p>'
        if opml_path
        else ""
    )
    sections = "\n".join(_section(entry) for entry in (overall, *topics))
    page = f"""<!DOCTYPE html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{discovery}
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p class="lead">{escape(description)}</p>
{opml}
</header>
<main>
{sections}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


def _section(entry: IndexEntry) -> str:
    plural = "" if entry.count == 1 else "s"
    links = " ".join(
        f'<a href="{escape(path)}" type="{MEDIA_TYPES[fmt]}">{FORMAT_LABELS[fmt]}</a>'
        for fmt, path in entry.paths.items()
    )
    headlines = "".join(
        f'<li><a href="{escape(article.link)}">{escape(article.title)}</a> '
        f'<span class="when">{article.published_at:%Y-%m-%d}</span></li>'
        for article in entry.newest
    )
    return f"""<section>
<h2>{escape(entry.name)}</h2>
<div class="count">{entry.count} article{plural}</div>
{f"<ul>{headlines}</ul>" if headlines else ""}
<div class="subscribe">Subscribe: {links}</div>
</section>"""
