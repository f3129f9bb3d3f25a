from dataclasses import replace
from datetime import datetime, timezone

from feedpub.filters import FilterCounts, apply_filters, is_published, matches_topics, meets_min_quality
from feedpub.model import Article

from conftest import make_config

BASE = Article(
    id="https://x.example/1", title="T", link="https://x.example/1", summary="", published_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
    updated_at=datetime(2024, 1, 1, tzinfo=timezone.utc), published=True, quality=60, heat=None, provider=None,
    topics=("AI",), images=(), related=(), category="", kind="", source="s.txt",
)


def test_only_published_true_is_public():
    assert is_published(BASE)
    assert not is_published(replace(BASE, published=False))


def test_quality_threshold_and_articles_without_quality():
    assert meets_min_quality(BASE, 60) and not meets_min_quality(BASE, 61)
    unrated = replace(BASE, quality=None)
    assert meets_min_quality(unrated, 0) and not meets_min_quality(unrated, 1)


def test_each_article_counts_against_the_first_filter_it_fails(tmp_path):
    articles = [
        BASE,
        replace(BASE, id="2", published=False, quality=10),  # unpublished (and low): counted once
        replace(BASE, id="3", quality=10),
        replace(BASE, id="4", topics=("Politics",)),
        replace(BASE, id="5", topics=("ai", "Sponsored")),
        replace(BASE, id="6", topics=()),
    ]
    counts = FilterCounts()
    config = make_config(tmp_path, min_quality=50, topics=["AI"], exclude_topics=["sponsored"])
    kept = list(apply_filters(articles, config, counts))
    assert [a.id for a in kept] == [BASE.id]
    assert counts == FilterCounts(unpublished=1, below_quality=1, topic=3, passed=1)


def test_include_unpublished_and_no_topic_selection_keep_everything(tmp_path):
    articles = [BASE, replace(BASE, id="2", published=False), replace(BASE, id="3", topics=())]
    counts = FilterCounts()
    kept = list(apply_filters(articles, make_config(tmp_path, include_unpublished=True), counts))
    assert len(kept) == 3 and counts.passed == 3


def test_counts_add_up_over_many_articles_of_each_kind(tmp_path):
    kinds = {
        "unpublished": dict(published=False),
        "below_quality": dict(quality=10),
        "topic": dict(topics=("Politics",)),
        "passed": {},
    }
    articles = [replace(BASE, id=f"{kind}-{n}", **changes) for kind, changes in kinds.items() for n in range(3)]
    counts = FilterCounts()
    kept = list(apply_filters(articles, make_config(tmp_path, min_quality=50, exclude_topics=["politics"]), counts))
    assert counts == FilterCounts(**{kind: 3 for kind in kinds})
    assert [a.id for a in kept] == [f"passed-{n}" for n in range(3)]


def test_topics_compare_by_key_for_selection_and_exclusion():
    ai, robotics = replace(BASE, topics=("A  I",)), replace(BASE, topics=("Robotics", "ai"))
    selected, excluded = frozenset({"a i"}), frozenset({"robotics"})
    assert matches_topics(ai, selected, frozenset())
    assert not matches_topics(robotics, frozenset({"a i"}), frozenset())
    assert matches_topics(robotics, frozenset({"ai"}), frozenset())
    assert not matches_topics(robotics, frozenset(), excluded)
    assert not matches_topics(robotics, frozenset({"ai"}), excluded)  # excluded wins over selected
    assert matches_topics(ai, frozenset(), excluded)  # nothing selected: anything not excluded
    assert not matches_topics(replace(BASE, topics=()), selected, frozenset())


def test_exclusion_alone_filters_without_a_selection(tmp_path):
    articles = [BASE, replace(BASE, id="2", topics=("Sponsored",)), replace(BASE, id="3", topics=())]
    counts = FilterCounts()
    kept = list(apply_filters(articles, make_config(tmp_path, exclude_topics=["SPONSORED"]), counts))
    assert [a.id for a in kept] == [BASE.id, "3"]
    assert (counts.topic, counts.passed) == (1, 2)


def test_include_unpublished_still_applies_quality_and_topics(tmp_path):
    articles = [replace(BASE, published=False), replace(BASE, id="2", published=False, quality=10),
                replace(BASE, id="3", published=False, topics=("Other",))]
    counts = FilterCounts()
    config = make_config(tmp_path, include_unpublished=True, min_quality=50, topics=["ai"])
    assert [a.id for a in apply_filters(articles, config, counts)] == [BASE.id]
    assert counts == FilterCounts(unpublished=0, below_quality=1, topic=1, passed=1)


def test_a_quality_of_zero_is_a_quality_not_a_missing_one():
    zero = replace(BASE, quality=0)
    assert meets_min_quality(zero, 0) and not meets_min_quality(zero, 1)
    assert meets_min_quality(replace(BASE, quality=100), 100)
    assert meets_min_quality(replace(BASE, quality=None), -5)
