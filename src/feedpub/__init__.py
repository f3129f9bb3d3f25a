"""feedpub: publish a folder of front-matter articles as RSS 2.0 and Atom 1.0 feeds.

The library never prints and never exits; ``feedpub.cli`` is a thin layer on top.
"""

from __future__ import annotations

from .build import BuildReport, build
from .config import DEFAULT_CONFIG, Config, apply_overrides, load_config
from .errors import ConfigError, FeedpubError, OutputError, SeedError, SeedWarning, WriteError
from .model import Article, Image, Listing, Provider, Related
from .plan import Plan, PlannedFeed, Topic, plan_build
from .render import FeedMeta, TopicRef, render_feed
from .version import __version__

# The full-article collector (every seed as an Article, through PyYAML, in one
# process: a reference reading for tools and tests) loads on first use, so a
# build with nothing to parse never imports the YAML libraries.
_LAZY = {"Collection": "collect", "collect": "collect", "load_seed": "collect"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'feedpub' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


__all__ = [
    "Article",
    "BuildReport",
    "Collection",
    "Config",
    "ConfigError",
    "DEFAULT_CONFIG",
    "FeedMeta",
    "FeedpubError",
    "Image",
    "Listing",
    "OutputError",
    "Plan",
    "PlannedFeed",
    "Provider",
    "Related",
    "SeedError",
    "SeedWarning",
    "Topic",
    "TopicRef",
    "WriteError",
    "apply_overrides",
    "build",
    "collect",
    "load_config",
    "load_seed",
    "plan_build",
    "render_feed",
    "__version__",
]
