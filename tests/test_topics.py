import re

import pytest

from hypothesis import given, strategies as st

from feedpub.topics import assign_slugs, display_names, fallback_slug, slugify, topic_key

SAFE_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def test_one_topic_whatever_its_case_or_spacing():
    assert topic_key("AI") == topic_key("ai") == topic_key(" AI ") == topic_key("ａｉ") == "ai"
    assert topic_key("Computer   Vision") == topic_key("computer vision")
    assert topic_key(" \t ") == ""


def test_display_name_is_the_most_used_spelling_then_the_smallest():
    pairs = [("ai", "ai"), ("ai", "AI"), ("ai", "AI"), ("ml", "ML"), ("ml", "ml")]
    assert display_names(pairs) == {"ai": "AI", "ml": "ML"}
    assert display_names(reversed(pairs)) == {"ai": "AI", "ml": "ML"}


def test_slugs_are_ascii_with_accents_transliterated():
    assert slugify(topic_key("Computer Vision")) == "computer-vision"
    assert slugify(topic_key("Café Société")) == "cafe-societe"
    assert slugify(topic_key("Straße")) == "strasse"
    assert slugify(topic_key("C++ / Rust")) == "c-rust"
    assert slugify(topic_key("../../etc")) == "etc"
    assert slugify(topic_key("CON")) == "con-topic"


def test_names_that_slug_to_nothing_get_a_stable_hashed_slug():
    assert slugify(topic_key("人工知能")) == ""
    assert assign_slugs([topic_key("人工知能")]) == {"人工知能": fallback_slug("人工知能")}
    assert re.fullmatch(r"topic-[0-9a-f]{8}", fallback_slug("人工知能"))
    assert assign_slugs(["🤖", ".."]) == {"🤖": fallback_slug("🤖"), "..": fallback_slug("..")}


def test_long_names_are_cut_at_a_word_boundary():
    slug = slugify(topic_key("word " * 60))
    assert len(slug) <= 60 and not slug.endswith("-") and slug.startswith("word-word")


def test_collisions_resolve_by_the_keys_alone():
    keys = ["c++", "c#", "c"]
    expected = {"c": "c", "c#": fallback_slug("c#", "c"), "c++": fallback_slug("c++", "c")}
    assert assign_slugs(keys) == expected
    assert assign_slugs(reversed(keys)) == expected
    # Without an exact match, the smallest key keeps the natural slug.
    assert assign_slugs(["c++", "c#"]) == {"c#": "c", "c++": fallback_slug("c++", "c")}
    # "machine learning" is exactly "machine-learning" once spaces become hyphens.
    assert assign_slugs(["machine-learning!", "machine learning"])["machine learning"] == "machine-learning"


@given(st.lists(st.text(), max_size=12))
def test_any_names_get_unique_safe_slugs(names):
    keys = {topic_key(name) for name in names} - {""}
    slugs = assign_slugs(keys)
    assert set(slugs) == keys
    assert len(set(slugs.values())) == len(keys)
    for slug in slugs.values():
        assert SAFE_SLUG.fullmatch(slug) and len(slug) <= 69
    assert assign_slugs(sorted(keys, reverse=True)) == slugs


@given(st.text())
def test_topic_key_is_idempotent(name):
    assert topic_key(topic_key(name)) == topic_key(name)


def longest_word_prefix(words, limit=60):
    """The most whole words, joined by hyphens, that fit in ``limit`` characters."""
    best = ""
    for n in range(1, len(words) + 1):
        candidate = "-".join(words[:n])
        if len(candidate) <= limit:
            best = candidate
    return best


@pytest.mark.parametrize("lengths", [(5, 9, 13, 20, 11, 7), (59, 3), (30, 29, 4), (61,), (20, 20, 18, 1)])
def test_a_slug_over_sixty_characters_is_cut_after_its_last_whole_word(lengths):
    words = ["abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123"[:n] for n in lengths]
    slug = slugify(" ".join(words))
    # The cut looks for a hyphen in the first 60 characters, so a word ending
    # exactly at 60 goes too. Slugs are URLs subscribers hold: pinned as is.
    assert slug == (longest_word_prefix(words, 59) or "-".join(words)[:60])


def test_a_slug_of_exactly_sixty_characters_is_kept_whole():
    words = ["a" * 29, "b" * 30]  # 29 + 1 + 30 = 60
    assert slugify(" ".join(words)) == "-".join(words)
    assert slugify("c" * 60) == "c" * 60 and slugify("c" * 61) == "c" * 60


def test_separators_fold_to_one_hyphen_and_never_lead_or_trail():
    assert slugify("--a  b__c..d--") == "a-b-c-d"
    assert slugify("ÀÉÎ øœæ ß") == "aei-ooeae-ss"
    assert slugify("lpt1") == "lpt1-topic" and slugify("lpt10") == "lpt10" and slugify("com9") == "com9-topic"


def test_topic_keys_fold_width_case_and_every_kind_of_space():
    assert topic_key("Ｍａｃｈｉｎｅ\u00a0\tLEARNING\n") == "machine learning"
    assert topic_key("STRASSE") == topic_key("straße")  # casefold, not lower


def test_display_name_counts_spellings_across_keys_independently():
    pairs = [("ml", "ML")] * 2 + [("ml", "Ml")] * 3 + [("ai", "AI")]
    assert display_names(pairs) == {"ml": "Ml", "ai": "AI"}
    assert display_names([]) == {}


def test_the_keeper_of_a_shared_slug_is_the_exact_key_even_when_it_is_not_the_smallest():
    keys = ["a b", "(a) b", "a.b"]  # all slug to "a-b"; "(a) b" is the smallest key
    assert min(keys) == "(a) b" and {slugify(key) for key in keys} == {"a-b"}
    slugs = assign_slugs(keys)
    assert slugs["a b"] == "a-b"
    assert slugs["(a) b"] == fallback_slug("(a) b", "a-b") and slugs["a.b"] == fallback_slug("a.b", "a-b")
    # Empty natural slugs never keep anything, even alone in their group.
    assert assign_slugs(["!!"]) == {"!!": fallback_slug("!!", "topic")}
