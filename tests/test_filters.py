from dataclasses import replace
from datetime import datetime, timezone

from feedpub.filters import FilterCounts, apply_filters, is_published, meets_min_quality
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
