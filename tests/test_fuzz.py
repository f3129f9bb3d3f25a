"""Fuzzing the seed loader: any bytes give an Article or a SeedError, nothing else.

Each input goes through the loader builds use (``loader.load_bytes`` with the
yaml-rs fast path), which must agree with the PyYAML path (``fast=False``),
and through ``read_front_matter`` (what ``feedpub check`` reads).
CI runs a bounded number of examples (a few seconds). For a long run:
``python -m pytest tests/test_fuzz.py --hypothesis-profile=fuzz`` (20,000 examples each).
"""

from datetime import timezone

from hypothesis import given, strategies as st

from feedpub.errors import SeedError
from feedpub.loader import load_article, load_bytes
from feedpub.seeds import parse_front_matter, read_front_matter

# Characters that mean something to YAML or to the front-matter split.
YAML_ALPHABET = "-:[]{},&*!|>'\"#%@`?\n\t \\abcxyz019.+~\ufeff\r\x00\x07é東🚀"
KEYS = ["title", "webUrl", "originalUrl", "publishedDateTime", "updatedDateTime", "topics", "quality",
        "published", "provider", "images", "related", "excerpt", "name", "url", "<<"]
# Pieces of seeds: escapes (surrogate pairs and halves among them), quotes,
# indicators, indentation and values YAML 1.1 and 1.2 type differently.
PIECES = ["\\ud83d\\udd25", "\\uD83D\\uDD25", "\\ud83d", "\\udd25", "\\U0001F525", "\\", "\\\\", "\\n", '"', "'",
          ": ", ":", "\n", "\n  ", "\n  - ", "- ", "#", " #", "|", ">", "[", "]", ", ", "&a ", "*a", "!", "? ",
          "title", "topics", "quality", "webUrl: https://x.example/a", "https://x.example/?a=1&b=2#c", "yes", "012",
          "1:00", "1e3", "~", "2024-01-01", "é", "🔥", " ", "x"]


def check_error(error: SeedError) -> None:
    assert error.path == "fuzz.txt" and error.message
    assert error.line is None or error.line >= 1
    assert len(error.message) < 300


def outcome(raw: bytes, fast: bool):
    """What the loader makes of ``raw``: the article and its warnings, or the SeedError."""
    try:
        article, warnings = load_bytes(raw, "fuzz.txt", timezone.utc, fast=fast)
        return article, [str(warning) for warning in warnings]
    except SeedError as error:
        check_error(error)
        return str(error)


def load(text: str) -> None:
    """Anything but a SeedError fails the test, and both YAML paths must agree."""
    raw = text.encode("utf-8", "surrogatepass")
    assert outcome(raw, fast=True) == outcome(raw, fast=False)
    try:
        parse_front_matter(text, "fuzz.txt")
    except SeedError as error:
        check_error(error)


@given(st.binary(max_size=400))
def test_any_bytes_on_disk(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzz.txt"
    path.write_bytes(data)
    results = []
    for fast in (True, False):
        try:
            article, warnings = load_article(path, folder, "fuzz.txt", timezone.utc, fast=fast)
            results.append((article, [str(warning) for warning in warnings]))
        except SeedError as error:
            check_error(error)
            results.append(str(error))
    assert results[0] == results[1] == outcome(data, fast=True)
    try:
        read_front_matter(path, folder, "fuzz.txt")
    except SeedError as error:
        check_error(error)


@given(st.text(alphabet=YAML_ALPHABET, max_size=300))
def test_yaml_shaped_text_after_the_opening_line(body):
    load("---\n" + body + "\n---\n")


@given(st.lists(st.tuples(st.sampled_from(KEYS), st.text(alphabet=YAML_ALPHABET, max_size=40)), max_size=12))
def test_seed_shaped_front_matter(pairs):
    load("---\n" + "".join(f"{key}: {value}\n" for key, value in pairs) + "---\n")


@given(st.lists(st.sampled_from(PIECES), max_size=6),
       st.dictionaries(st.sampled_from(["excerpt", "category", "topics", "provider", "images", "related", "secured"]),
                       st.lists(st.sampled_from(PIECES), max_size=8), max_size=4))
def test_a_valid_seed_with_pieces_in_its_values(title, values):
    load("---\nwebUrl: https://x.example/a\npublishedDateTime: 2024-01-01T00:00:00Z\ntitle: T" + "".join(title) + "\n"
         + "".join(f"{key}: {''.join(value)}\n" for key, value in values.items()) + "---\n")
