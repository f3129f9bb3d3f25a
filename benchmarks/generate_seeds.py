"""Write N realistic, deterministic seed files for timing feedpub.

    python benchmarks/generate_seeds.py 10000 benchmarks/corpus-10k

Seeds follow the reference seed's field mix and size (about 3.3 KB: provider,
images, AMP links, 0-4 related articles with their own provider and image, an
opaque `secured` blob), with Zipf-like topic popularity over 40 topics, 1-4
topics per article, about 80% published, quality 0-100, a little Unicode and
about 0.5% duplicate links. The same N and --seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

TOPICS = [
    "AI", "Computer Vision", "Robotics", "Climate", "Energy", "Space", "Health", "Biotech", "Privacy",
    "Security", "Cloud", "Open Source", "Python", "Rust", "Databases", "Chips", "Quantum", "Startups",
    "Policy", "Elections", "Finance", "Crypto", "Mobility", "Cities", "Education", "Science", "Music",
    "Film", "Games", "Sports", "Food", "Travel", "Design", "Photography", "Books", "Café Culture",
    "人工知能", "Ökonomie", "Media", "Work",
]
PROVIDERS = [("Example News", "news.example.com"), ("Daily Planet", "dailyplanet.example"),
             ("Gazette", "gazette.example.org"), ("Tech Wire", "techwire.example.net")]
WORDS = ("facial recognition ban civil rights city officials technology data model open report "
         "study market growth policy “quoted” café naïve 東京 🚀 security network").split()

SLUG_WORDS = [word for word in WORDS if word.isascii() and word.isalpha()]

# Broken seeds for --bad: each kind a build must report and skip.
BAD_SEEDS = [
    "---\ntitle: [unclosed\n---\n",
    "no front matter at all\n",
    "---\ntitle: No link\npublishedDateTime: 2024-01-01\n---\n",
    "---\ntitle: Bad date\nwebUrl: https://bad.example/1\npublishedDateTime: someday\n---\n",
]


def cdn_amp(url: str) -> str:
    host, _, path = url.removeprefix("https://").partition("/")
    return f"https://{host.replace('.', '-')}.cdn.ampproject.org/c/s/{host}/{path}"


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize()


def related_text(rng: random.Random, n: int, k: int, when: datetime) -> str:
    """One related article with the reference seed's fields; some have an image."""
    url = f"https://related.example.com/public-safety/{n}-{k}-{'-'.join(rng.choices(SLUG_WORDS, k=rng.randint(4, 8)))}.html"
    image = f"""    images:
      - url: "https://media.related.example.com/images/{n}-{k}.jpg"
        width: {rng.choice([640, 939, 1200])}
        height: {rng.choice([360, 630, 675])}
        isCached: true
""" if rng.random() < 0.6 else ""
    return f"""  - title: "{sentence(rng, 5, 11)}"
    excerpt: "{sentence(rng, 20, 40)}."
    publishedDateTime: {(when - timedelta(days=k + 1)).strftime('%Y-%m-%dT%H:%M:00Z')}
    webUrl: "{url}"
    ampWebUrl: "{url}?AMP"
    cdnAmpWebUrl: "{cdn_amp(url)}?AMP"
    type: article
    provider:
      name: Related Source
      domain: related.example.com
    quality: {rng.randint(0, 100)}
{image}"""


def seed_text(rng: random.Random, n: int, start: datetime) -> str:
    weights = [1 / (rank + 1) for rank in range(len(TOPICS))]
    topics = sorted(set(rng.choices(TOPICS, weights, k=rng.randint(1, 4))), key=TOPICS.index)
    when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 3))
    link_id = n if rng.random() > 0.005 else max(0, n - rng.randint(1, 50))
    provider = rng.choice(PROVIDERS)
    title = sentence(rng, 5, 11)
    excerpt = sentence(rng, 25, 45) + "."
    secured = base64.b64encode(rng.randbytes(240)).decode()
    url = f"https://{PROVIDERS[link_id % len(PROVIDERS)][1]}/news/article/{link_id}.php"
    related = "".join(related_text(rng, n, k, when) for k in range(rng.choice((0, 1, 2, 2, 2, 3, 3, 4))))
    topic_lines = "".join(f"  - {topic}\n" for topic in topics)
    return f"""---
category: news
title: "{title}"
excerpt: "{excerpt}"
publishedDateTime: {when.strftime('%Y-%m-%dT%H:%M:00Z')}
originalUrl: "{url}"
webUrl: "{url}"
ampWebUrl: "{url.replace('/article/', '/amp/')}"
cdnAmpWebUrl: "{cdn_amp(url.replace('/article/', '/amp/'))}"
type: article
quality: {rng.randint(0, 100)}
heat: {rng.choice([-1, rng.randint(0, 1000)])}
published: {"true" if rng.random() < 0.8 else "false"}

provider:
  name: {provider[0]}
  domain: {provider[1]}

topics:
{topic_lines}
images:
  - url: "https://cdn.example.com/img/{n}.jpg"
    width: {rng.choice([600, 800, 1200])}
    height: {rng.choice([336, 450, 630])}
    isCached: true

related:
{related or "  []"}
secured: "{secured}"
---
"""


def generate(count: int, out: Path, seed: int = 1, first: int = 0) -> None:
    """Write ``count`` seeds numbered from ``first`` into ``out``."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 1, tzinfo=timezone.utc)
    out.mkdir(parents=True, exist_ok=True)
    for n in range(first, first + count):
        name = f"{n:06d}_{rng.getrandbits(64):016x}.txt"
        (out / name).write_text(seed_text(rng, n, start), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad", type=int, default=0, help="also write this many broken seeds")
    args = parser.parse_args()
    generate(args.count, args.out, args.seed)
    for n in range(args.bad):
        (args.out / f"bad_{n:04d}.txt").write_text(BAD_SEEDS[n % len(BAD_SEEDS)], encoding="utf-8")


if __name__ == "__main__":
    main()
