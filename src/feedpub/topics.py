"""Topic identity and file names.

A topic is identified by its *key*: the name NFKC-normalized, case-folded, with
whitespace folded, so ``AI``, ``ai`` and `` AI `` are one topic. Its *display
name* is the spelling most seeds use. Its *slug* is the file-name part of its
feed URLs: ASCII lowercase letters, digits and hyphens, derived from the key
alone, so it never depends on which other topics exist unless two keys slug
alike (then the rule in :func:`assign_slugs` applies).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from hashlib import sha256

MAX_SLUG_LENGTH = 60
# The base of a topic's feed paths (plan.py adds the format's suffix).
TOPIC_BASE = "topics/{slug}"
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_WHITESPACE = re.compile(r"\s+")
# Names Windows refuses as file names whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10)}
# Letters NFKD does not decompose into ASCII, spelled the usual way.
_TRANSLITERATIONS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i", "ŧ": "t"}
)


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic that gets feeds: its key, display name, slug and article count."""

    key: str
    name: str
    slug: str
    count: int

    @property
    def base(self) -> str:
        return TOPIC_BASE.format(slug=self.slug)


@functools.lru_cache(maxsize=65536)
def topic_key(name: str) -> str:
    """Return the identity of a topic name; '' for a name that is only space.

    Memoized: a corpus has few distinct topic names and many uses of each."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def display_names(spellings: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map each topic key to its display name, given ``(key, spelling)`` pairs.

    The most frequent spelling wins; ties go to the smallest in code-point order,
    so the choice never depends on the order seeds are read in.
    """
    counts: Counter[tuple[str, str]] = Counter(spellings)
    best: dict[str, tuple[int, str]] = {}
    for (key, spelling), count in counts.items():
        rank = (-count, spelling)
        if key not in best or rank < best[key]:
            best[key] = rank
    return {key: spelling for key, (_, spelling) in best.items()}


def slugify(key: str) -> str:
    """Return the natural slug of a topic key, or '' when nothing ASCII is left.

    Accents are transliterated (``Café`` -> ``cafe``), every other run of
    characters becomes one hyphen, and the result is cut to MAX_SLUG_LENGTH at
    a hyphen where possible.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", key.casefold().translate(_TRANSLITERATIONS))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        cut = slug[:MAX_SLUG_LENGTH]
        slug = (cut.rsplit("-", 1)[0] if "-" in cut else cut).strip("-")
    if slug in _RESERVED:
        slug += "-topic"
    return slug


def fallback_slug(key: str, base: str = "topic") -> str:
    """A slug made unique by a short hash of the key: stable for that key forever."""
    digest = sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{base}-{digest}"


def assign_slugs(keys: Iterable[str]) -> dict[str, str]:
    """Give every topic key a unique slug.

    A key whose natural slug is empty gets ``topic-<hash>``. When several keys
    share a natural slug, one keeps it: the key that *is* that slug once spaces
    become hyphens (``machine learning`` for ``machine-learning``), else the
    smallest key; the others take ``<slug>-<hash>``. Both rules depend only on
    the set of keys, never on file order.
    """
    by_slug: dict[str, list[str]] = {}
    for key in sorted(set(keys)):
        by_slug.setdefault(slugify(key), []).append(key)
    slugs: dict[str, str] = {}
    for natural, group in by_slug.items():
        exact = [key for key in group if key.replace(" ", "-") == natural]
        keeper = (exact or group)[0] if natural else None
        for key in group:
            slugs[key] = natural if key == keeper else fallback_slug(key, natural or "topic")
    # A hashed slug equal to another topic's natural one would need a topic
    # named after a SHA-256 prefix of another; refuse rather than overwrite.
    if len(set(slugs.values())) != len(slugs):  # pragma: no cover
        raise AssertionError("topic slugs are not unique")
    return slugs
