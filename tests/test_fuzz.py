"""Fuzzing the seed loader: any bytes give an Article or a SeedError, nothing else.

CI runs a bounded number of examples (a few seconds). For a long run:
``python -m pytest tests/test_fuzz.py --hypothesis-profile=fuzz`` (20,000 examples each).
"""

from datetime import timezone

from hypothesis import given, strategies as st

from feedpub.errors import SeedError
from feedpub.normalize import normalize_article
from feedpub.seeds import parse_front_matter, read_front_matter

# Characters that mean something to YAML or to the front-matter split.
YAML_ALPHABET = "-:[]{},&*!|>'\"#%@`?\n\t \\abcxyz019.+~\ufeff\r\x00\x07é東🚀"
KEYS = ["title", "webUrl", "originalUrl", "publishedDateTime", "updatedDateTime", "topics", "quality",
        "published", "provider", "images", "related", "excerpt", "name", "url", "<<"]


def load(text: str) -> None:
    try:
        normalize_article(parse_front_matter(text, "fuzz.txt"), timezone.utc, [])
    except SeedError as error:
        assert error.path == "fuzz.txt" and error.message
        assert error.line is None or error.line >= 1
        assert len(error.message) < 300


@given(st.binary(max_size=400))
def test_any_bytes_on_disk(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "fuzz.txt"
    path.write_bytes(data)
    try:
        front = read_front_matter(path, folder, "fuzz.txt")
        normalize_article(front, timezone.utc, [])
    except SeedError as error:
        assert error.message


@given(st.text(alphabet=YAML_ALPHABET, max_size=300))
def test_yaml_shaped_text_after_the_opening_line(body):
    load("---\n" + body + "\n---\n")


@given(st.lists(st.tuples(st.sampled_from(KEYS), st.text(alphabet=YAML_ALPHABET, max_size=40)), max_size=12))
def test_seed_shaped_front_matter(pairs):
    load("---\n" + "".join(f"{key}: {value}\n" for key, value in pairs) + "---\n")
