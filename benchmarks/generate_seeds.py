"""Write N realistic, deterministic seed files for timing feedpub.

    python benchmarks/generate_seeds.py 10000 benchmarks/corpus-10k

Seeds follow the reference seed's field mix and size (about 3.3 KB: provider,
images, AMP links, 0-4 related articles with their own provider and image, an
opaque `secured` blob), with Zipf-like topic popularity over 40 topics, 1-4
topics per article, about 80% published, quality 0-100, a little Unicode and
about 0.5% duplicate links. The same N and --seed always give the same bytes.

Two profiles. ``plain`` (the default) writes tidy seeds: quoted ASCII URLs,
text of plain words. ``web`` writes what seeds from the web look like: about
60% of links carry query strings (``?id=1&utm_source=x&q=a+b``) and
fragments, 30% percent-encoded non-ASCII paths, titles and excerpts hold
``&``, ``: ``, ``#``, quotes, ``@handles``, ``|``, ``>``, emoji and CJK, and
each string is written the way some tool would: plain where YAML allows it,
single-quoted, double-quoted, or as JSON (``ensure_ascii``, so emoji become
surrogate-pair escapes such as ``\\ud83d\\ude80``).
"""

from __future__ import annotations

import argparse
import base64
import json
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


def article_draws(rng: random.Random, n: int, start: datetime) -> tuple[list[str], datetime, int, tuple[str, str]]:
    """What both profiles draw first, in this order (the plain profile's bytes
    depend on it): topics, publication time, link number, provider."""
    weights = [1 / (rank + 1) for rank in range(len(TOPICS))]
    topics = sorted(set(rng.choices(TOPICS, weights, k=rng.randint(1, 4))), key=TOPICS.index)
    when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 3))
    link_id = n if rng.random() > 0.005 else max(0, n - rng.randint(1, 50))
    provider = rng.choice(PROVIDERS)
    return topics, when, link_id, provider


def seed_text(rng: random.Random, n: int, start: datetime) -> str:
    topics, when, link_id, provider = article_draws(rng, n, start)
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


# The web profile's material: what real titles, excerpts and links hold.
WEB_WORDS = (*WORDS, "AT&T", "Q&A:", "#1", "@reuters", "C++", "a|b", "->", "5>3", "“smart”", "'quoted'",
                     "\"air\"", "100%", "naïve", "北京", "人工知能", "🔥", "🚀", "👍🏽", "e.g.", "vs.", "—")
WEB_TITLE_SHAPES = ("{a}: {b}", "{a} | {site}", "{a} & {b}", "#{tag} {a}", "{a} — @{handle} says {b}",
                    "\"{a}\" {b}", "{a} > {b}", "{a} 🔥 {b}", "{a}（{cjk}）", "{a}")
PATH_WORDS = ("café", "économie", "straße", "東京", "北京", "niño", "smörgåsbord", "naïve")
TRACKERS = ("utm_source=rss&utm_medium=feed", "utm_source=twitter&utm_campaign=spring+sale", "fbclid=IwAR3x",
            "ref=homepage&src=top%20stories", "ncid=rss&.tsrc=rss", "cmpid=org=ngs::mc=rss")
PLAIN_SAFE = __import__("re").compile(r"[A-Za-z][A-Za-z0-9 ,.()'/-]*[A-Za-z0-9.)]")
YAML11_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}


def web_text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WEB_WORDS, k=rng.randint(low, high)))


def web_title(rng: random.Random) -> str:
    shape = rng.choice(WEB_TITLE_SHAPES)
    return shape.format(a=web_text(rng, 2, 5).capitalize(), b=web_text(rng, 2, 5), site=rng.choice(PROVIDERS)[0],
                        tag=rng.choice(SLUG_WORDS), handle=rng.choice(("nytimes", "AP", "dev_news", "j.doe")),
                        cjk=rng.choice(("东京", "人工知能", "경제")))


def web_url(rng: random.Random, host: str, n: int) -> str:
    """A link as the web has them: percent-encoded paths, query strings, fragments."""
    from urllib.parse import quote

    words = rng.choices(SLUG_WORDS, k=rng.randint(3, 7))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), quote(rng.choice(PATH_WORDS)))
    url = f"https://{host}/{rng.choice(('news', 'world/europe', 'tech/ai', '2024/05/17'))}/{'-'.join(words)}-{n}"
    if rng.random() < 0.6:
        url += f"?id={n}&{rng.choice(TRACKERS)}"
        if rng.random() < 0.3:
            url += "&q=" + quote(rng.choice(PATH_WORDS)) + "+" + rng.choice(SLUG_WORDS)
    if rng.random() < 0.15:
        url += "#" + rng.choice(("top", "comments", "section-2", "m=1&x=2"))
    return url


def yaml_string(rng: random.Random, text: str) -> str:
    """``text`` as some tool would write it: plain where YAML 1.1 and 1.2 read
    it as this text, else single-quoted, double-quoted or as JSON."""
    style = rng.random()
    if style < 0.35 and PLAIN_SAFE.fullmatch(text) and text.lower() not in YAML11_WORDS:
        return text
    if style < 0.55:
        return "'" + text.replace("'", "''") + "'"
    if style < 0.8:
        return json.dumps(text, ensure_ascii=False)
    return json.dumps(text)  # ensure_ascii: emoji as surrogate-pair escapes


def web_seed_text(rng: random.Random, n: int, start: datetime) -> str:
    """A seed with the fields of :func:`seed_text` and the shapes of the web."""
    topics, when, link_id, provider = article_draws(rng, n, start)
    url = web_url(random.Random(link_id), PROVIDERS[link_id % len(PROVIDERS)][1], link_id)
    say = lambda text: yaml_string(rng, text)  # noqa: E731
    related = []
    for k in range(rng.choice((0, 1, 2, 2, 2, 3, 3, 4))):
        link = web_url(rng, "related.example.com", n * 10 + k)
        image = (f"    images:\n      - url: {say(f'https://media.related.example.com/i/{n}-{k}.jpg?w=640&q=80')}\n"
                 f"        width: 640\n        height: 360\n        isCached: true\n") if rng.random() < 0.6 else ""
        related.append(f"""  - title: {say(web_title(rng))}
    excerpt: {say(web_text(rng, 20, 40) + '.')}
    publishedDateTime: {(when - timedelta(days=k + 1)).strftime('%Y-%m-%dT%H:%M:00Z')}
    webUrl: {say(link)}
    ampWebUrl: {say(link + ('&' if '?' in link else '?') + 'amp=1')}
    type: article
    provider:
      name: {say(rng.choice(('Related Source', 'R&D Weekly', 'Le Café: Tech')))}
      domain: related.example.com
    quality: {rng.randint(0, 100)}
{image}""")
    topic_lines = "".join(f"  - {say(topic)}\n" for topic in topics)
    image_url = f"https://cdn.example.com/img/{n}.jpg" + ("?w=1200&h=630&fit=crop" if rng.random() < 0.5 else "")
    return f"""---
category: news
title: {say(web_title(rng))}
excerpt: {say(web_text(rng, 25, 45) + '.')}
publishedDateTime: {when.strftime('%Y-%m-%dT%H:%M:00Z')}
originalUrl: {say(url)}
webUrl: {say(url)}
ampWebUrl: {say(url + ('&' if '?' in url else '?') + 'outputType=amp')}
cdnAmpWebUrl: {say(cdn_amp(url))}
type: article
quality: {rng.randint(0, 100)}
heat: {rng.choice([-1, rng.randint(0, 1000)])}
published: {"true" if rng.random() < 0.8 else "false"}

provider:
  name: {say(provider[0])}
  domain: {provider[1]}

topics:
{topic_lines}
images:
  - url: {say(image_url)}
    width: {rng.choice([600, 800, 1200])}
    height: {rng.choice([336, 450, 630])}
    isCached: true

related:
{"".join(related) or "  []"}
secured: "{base64.b64encode(rng.randbytes(240)).decode()}"
---
"""


PROFILES = {"plain": seed_text, "web": web_seed_text}


def generate(count: int, out: Path, seed: int = 1, first: int = 0, profile: str = "plain") -> None:
    """Write ``count`` seeds numbered from ``first`` into ``out``."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 1, tzinfo=timezone.utc)
    out.mkdir(parents=True, exist_ok=True)
    write = PROFILES[profile]
    for n in range(first, first + count):
        name = f"{n:06d}_{rng.getrandbits(64):016x}.txt"
        (out / name).write_text(write(rng, n, start), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad", type=int, default=0, help="also write this many broken seeds")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="plain",
                        help="plain: tidy seeds; web: query strings, escapes, JSON-written strings")
    args = parser.parse_args()
    generate(args.count, args.out, args.seed, profile=args.profile)
    for n in range(args.bad):
        (args.out / f"bad_{n:04d}.txt").write_text(BAD_SEEDS[n % len(BAD_SEEDS)], encoding="utf-8")


if __name__ == "__main__":
    main()
