"""Articles as plain JSON records, for the cache and for worker processes.

JSON, never pickle: a cache restored in CI can come from an untrusted branch,
and loading it must not be able to run code. A record that does not have
exactly the expected shape is rejected (ValueError), and the seed is read again.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hashlib import blake2b
from .model import Article, Image, Provider, Related

# Part of the cache's stamp: raise it when records change shape, and when
# normalizing reads a seed differently (2: dates no longer take parts from the
# clock; 3: surrogate-pair escapes are characters, long strings are checked for
# YAML 1.1 types; 4: one URL rule, feedpub.urls, refuses links with userinfo,
# bad ports, bad '%' escapes and characters RFC 3986 does not allow; numbers
# and true/false in text fields warn; 5: day/month-order numeric dates and
# contradicting weekdays are refused, utc/gmt in any case and UT are read), or
# cached rows keep the old reading.
RECORD_VERSION = 5


# One encoder for every record: json.dumps with options builds a new one per call.
# ASCII-only output (non-ASCII as \uXXXX escapes) encodes faster than UTF-8 text,
# and an ASCII str costs nothing to pickle, hash or hand to sqlite. A record is
# lists made here from an Article, never circular: checking costs 8% of encoding.
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False)


def article_to_record(article: Article) -> str:
    """The article as compact ASCII JSON, without its source path (which
    depends on where feedpub runs, not on the seed)."""
    return _ENCODER.encode(
        [
            RECORD_VERSION,
            article.id,
            article.title,
            article.link,
            article.summary,
            int(article.published_at.timestamp()),
            int(article.updated_at.timestamp()),
            article.published,
            article.quality,
            article.heat,
            [article.provider.name, article.provider.domain] if article.provider else None,
            list(article.topics),
            [[i.url, i.width, i.height] for i in article.images],
            [[r.title, r.link] for r in article.related],
            article.category,
            article.kind,
        ]
    )


def record_digest(record: str) -> str:
    return blake2b(record.encode("ascii"), digest_size=10).hexdigest()


def record_to_article(record: str, source: str) -> Article:
    """Rebuild the Article of ``record``; raise ValueError if it is not one."""
    try:
        (version, id_, title, link, summary, published, updated, is_published, quality, heat, provider, topics,
         images, related, category, kind) = json.loads(record)
        if version != RECORD_VERSION:
            raise ValueError("record version")
        article = Article(
            id=_str(id_),
            title=_str(title),
            link=_str(link),
            summary=_str(summary),
            published_at=_time(published),
            updated_at=_time(updated),
            published=_bool(is_published),
            quality=_int_or_none(quality),
            heat=_int_or_none(heat),
            provider=Provider(_str(provider[0]), _str(provider[1])) if provider is not None else None,
            topics=tuple(_str(t) for t in topics),
            images=tuple(Image(_str(u), _int_or_none(w), _int_or_none(h)) for u, w, h in images),
            related=tuple(Related(_str(t), _str(u)) for t, u in related),
            category=_str(category),
            kind=_str(kind),
            source=source,
        )
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, OSError) as error:
        raise ValueError(f"not an article record: {error}") from None
    return article


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def _int_or_none(value: Any) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError("expected a whole number")
    return value


def _time(value: Any) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected seconds")
    return datetime.fromtimestamp(value, timezone.utc)
