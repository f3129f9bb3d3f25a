"""Differential test: the yaml-rs fast path and PyYAML give the same Articles.

PyYAML is the reference. Over the whole generated benchmark corpus and a
hypothesis strategy of scalars YAML 1.1 and 1.2 read differently, every seed
must give the same Article and warnings, or the same error, either way.
"""

import sys
from datetime import timezone
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import feedpub.loader as loader
from feedpub.errors import SeedError

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from generate_seeds import BAD_SEEDS, generate  # noqa: E402

pytestmark = pytest.mark.skipif(loader.yaml_rs is None, reason="yaml-rs is not installed on this platform")



def outcome(text: str, fast: bool):
    try:
        article, warnings = loader.load_text(text, "seed.txt", timezone.utc, fast=fast)
        return article, [str(w) for w in warnings]
    except SeedError as error:
        return str(error)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    generate(400, folder, seed=3)
    return [path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())] + BAD_SEEDS


def test_the_generated_corpus_reads_the_same_either_way(corpus):
    for text in corpus:
        assert outcome(text, fast=True) == outcome(text, fast=False)


def test_the_fast_path_is_really_taken_for_ordinary_seeds(corpus):
    taken = sum(loader._load_fast(text.encode("utf-8"), "seed.txt", timezone.utc) is not None for text in corpus[:400])
    assert taken >= 390  # otherwise the test above compares PyYAML with itself


# Plain scalars YAML 1.1 (PyYAML) and 1.2 (yaml-rs) may type differently, and
# other constructs where the two paths could part ways.
TRICKY = [
    "yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "True", "FALSE", "~", "null", "Null", "",
    "012", "0o12", "0x1F", "0b101", "1_000", "12:30", "1:30:15", "190:20:30.15", "1e3", "1.5e3", "1.5e+3", "1.",
    ".5", "-0", "+12", ".inf", "-.Inf", ".NaN", "<<", "=", "2021-1-5", "2021-01-05", "2021-01-05 10:00:00",
    "2021-01-05T10:00:00.123+05:30", "2021-01-05t10:00:00z", "10:00", "'012'", '"yes"', "!!str 012", "!!int '7'",
    "&a 5", "*a", "[1, 2]", "{a: 1}", "- x", "a: b", "'quoted # not a comment'", "x # comment", "0.0.1",
    "2021-13-45", "2021-02-30 10:00:00", "1e999", "0x", "0b", "-", ":", "::", "a:b", "日本", "emoji 🚀", "\u00a0nbsp", "tab\there", "1,000", "50%", "@at", "`tick", "|", ">", "? key",
    # YAML 1.1's other line breaks, and tabs where PyYAML refuses them.
    "a\u2028b", "a\x85b", "a\u2029 b", "x\n\t", "a\n\t\n  b", "\t",
    # Indicators in flow sequences (topics: [..., AI]), byte-order marks.
    ":x", "?x", "x:y", "https://u.example/p", "a\ufeffb", "\ufeff",
]
FIELDS = ["title", "excerpt", "quality", "heat", "published", "category", "type", "webUrl", "originalUrl",
          "publishedDateTime", "updatedDateTime", "unknown"]


# A key may be spelt in ways that still name the field: the guard must see
# through all of them.
KEY_SPELLINGS = ["{}", "{} ", '"{}"', "'{}'", '"\\x{:02x}{}"']


def spell(draw, key: str) -> str:
    form = draw(st.sampled_from(KEY_SPELLINGS))
    return form.format(ord(key[0]), key[1:]) if "x" in form else form.format(key)


@st.composite
def tricky_seed(draw):
    lines = {"title": "Base title", "webUrl": "https://x.example/a", "publishedDateTime": "2024-01-01T00:00:00Z",
             "published": "true", "quality": "50"}
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True)):
        lines[field] = draw(st.sampled_from(TRICKY))
    text = "---\n" + "".join(f"{spell(draw, key)}: {value}\n" for key, value in lines.items())
    if draw(st.booleans()):
        text += f"topics: [{draw(st.sampled_from(TRICKY))}, AI]\n"
    if draw(st.booleans()):
        text += (f"provider:\n  name: {draw(st.sampled_from(TRICKY))}\n  domain: x.example\n"
                 f"images:\n  - url: https://i.example/1.png\n    {spell(draw, 'width')}: {draw(st.sampled_from(TRICKY))}\n")
    if draw(st.booleans()):
        text += f"related:\n  - title: {draw(st.sampled_from(TRICKY))}\n    webUrl: https://r.example/1\n    quality: 012\n"
    return text + "---\n"


@given(tricky_seed())
def test_tricky_scalars_read_the_same_either_way(text):
    assert outcome(text, fast=True) == outcome(text, fast=False)


# An ordinary seed with every construct the fast path takes, and characters
# where YAML 1.1 and 1.2, or libyaml and yaml-rs, have been found to part ways.
ORDINARY = """---
title: "Model naïve study 🚀"
excerpt: Rights market 東京, city.
publishedDateTime: 2022-06-16T04:26:00Z
webUrl: "https://dailyplanet.example/news/article/1.php"
type: article
quality: 48
heat: 205
published: true
provider:
  name: Daily Planet
  domain: dailyplanet.example
topics: [AI, Climate]
images:
  - url: "https://cdn.example.com/img/1.jpg"
    width: 1200
    height: 630
related:
  - title: 'Other story'
    webUrl: https://x.example/2
secured: "74/A+UBDe"
---
"""
SPLICED = ["\t", "\x85", "\u2028", "\u2029", "\ufeff", "\u00a0", "\x0b", "\r", "\x7f", "\x00", "#", ":", "-", "?", ",", "[",
           "]", "{", "}", "&", "*", "!", "|", ">", "'", '"', "\\", "%", "@", "`", " ", "\n", "\n  ", "é", "🚀", "0", "y",
           "\\ud83d\\ude80", "\\x41", "\\/"]


@given(st.lists(st.tuples(st.integers(4, len(ORDINARY) - 5), st.sampled_from(SPLICED)), min_size=1, max_size=3))
def test_an_ordinary_seed_with_characters_spliced_in_reads_the_same_either_way(splices):
    text = ORDINARY
    for position, piece in sorted(splices, reverse=True):
        text = text[:position] + piece + text[position:]
    assert outcome(text, fast=True) == outcome(text, fast=False)


def test_the_ordinary_seed_takes_the_fast_path():
    assert loader._load_fast(ORDINARY.encode("utf-8"), "seed.txt", timezone.utc) is not None


@pytest.mark.parametrize("line", [
    "quality : 012", '"quality": 012', "'quality': 012", '"\\x71uality": 012', "quality: 1e3", "quality:\n  012",
    "images:\n  - url: https://i.example/1.png\n    width : 012",
    "images:\n  - url: https://i.example/1.png\n    \"wid\\x74h\": 0o12",
])
def test_integers_spelt_unusually_read_the_same_either_way(line):
    text = ("---\ntitle: T\nwebUrl: https://x.example/a\npublishedDateTime: 2024-01-01T00:00:00Z\n"
            f"published: true\n{line}\n---\n")
    assert outcome(text, fast=True) == outcome(text, fast=False)


@pytest.mark.parametrize("line", [
    "title: foo\u2028bar", "title: foo\x85bar", "title: foo\u2029bar",  # a line break to PyYAML only
    "title: x\n\t", "title: a\n\t\n  b", "topics:\n  -\tx", "provider:\n  name: a\n\t",  # tabs PyYAML refuses
])
def test_yaml_1_1_line_breaks_and_tabs_read_the_same_either_way(line):
    text = f"---\n{line}\nwebUrl: https://x.example/a\npublishedDateTime: 2024-01-01T00:00:00Z\npublished: true\n---\n"
    assert isinstance(outcome(text, fast=False), str)  # PyYAML refuses each of them
    assert outcome(text, fast=True) == outcome(text, fast=False)


@pytest.mark.parametrize("line", [
    "topics: [planet.example, :012]", "topics: [a, ?b]", "topics: [https://a.example/x, b]", "secured: [a, :b]",
    "topics: [a,\n  b: c]", "topics: [a, b\n  ]",  # PyYAML's flow context: ':' and '?' are indicators
    "\ufeffpublished: true", "excerpt: a\ufeffb",  # a byte-order mark inside the text
    'excerpt: "\\ud83d\\ude80"', 'excerpt: "\\U0000D800"',  # surrogates as escapes: libyaml refuses them
    ": x", ":", "x:\n  :", "provider:\n  name: P\n:  domain: d",  # an empty key: libyaml refuses it
    "topics: [AI, ! |b]", "topics: [AI,! >b]",  # a lone '!' tag before a block scalar indicator in a flow
])
def test_flow_indicators_byte_order_marks_surrogates_and_empty_keys_read_the_same_either_way(line):
    text = f"---\ntitle: T\n{line}\nwebUrl: https://x.example/a\npublishedDateTime: 2024-01-01T00:00:00Z\n---\n"
    assert outcome(text, fast=True) == outcome(text, fast=False)


def test_the_keys_the_guard_skips_are_ones_pyyaml_reads_as_strings():
    typed = [key for key in loader._FORMAT_KEYS if loader._PYYAML_IMPLICIT.fullmatch(key)]
    assert typed == [] and "quality" in loader._FORMAT_KEYS


def test_without_yaml_rs_everything_goes_through_pyyaml(monkeypatch, corpus):
    monkeypatch.setattr(loader, "yaml_rs", None)
    for text in corpus[:20]:
        assert outcome(text, fast=True) == outcome(text, fast=False)


@pytest.fixture(scope="module")
def web_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    generate(300, folder, seed=5, profile="web")
    return [path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())]


def test_seeds_shaped_like_the_web_read_the_same_either_way(web_corpus):
    """Query strings, percent escapes, @handles, '&', '|' and '>' in text,
    strings written plain, quoted or as JSON: the guard judges indicators by
    where they stand, so such text takes the fast path, and reads the same."""
    taken = 0
    for text in web_corpus:
        assert outcome(text, fast=True) == outcome(text, fast=False)
        taken += loader._load_fast(text.encode("utf-8"), "seed.txt", timezone.utc) is not None
    assert taken >= len(web_corpus) // 4  # else this compares PyYAML with itself


# An indicator where a node starts: the guard sends the seed to PyYAML. Inside
# text (after a letter, a digit, '=' or '/') it is text to both parsers.
NODE_STARTS = ["title: &a x", "title: *a", "title: !t x", "title: ! x", "title: @x", "title: `x", "title: %x",
               "topics:\n  - &a AI", "topics:\n  -   @AI", "topics: [a, &b c]", "topics: [a,@b]", "topics: [a, |b]",
               "topics: [a, > b]", "title: x\n  &cont", "title: x\n@cont", "title:@x"]
IN_TEXT = ["title: AT&T & co", "title: a @b c", "title: 5 > 3 | 4", "title: \"x @y\"",
           "webUrl: https://x.example/a?b=1&c=%C3%A9#d", "title: it's 100% *so* !cool `code`"]


@pytest.mark.parametrize("line", NODE_STARTS)
def test_an_indicator_where_a_node_starts_goes_to_pyyaml(line):
    block = f"\n{line}\n".encode()
    assert not loader._syntax_reads_alike(block)


@pytest.mark.parametrize("line", IN_TEXT)
def test_an_indicator_inside_text_keeps_the_fast_path(line):
    text = "---\nwebUrl: https://x.example/a\npublishedDateTime: 2024-01-01T00:00:00Z\ntitle: t\n---\n"
    key = line.split(":")[0]
    text = "\n".join(row for row in text.split("\n") if not row.startswith(key + ":")).replace("---\n", f"---\n{line}\n", 1)
    assert loader._syntax_reads_alike(f"\n{line}\n".encode())
    assert outcome(text, fast=True) == outcome(text, fast=False)
