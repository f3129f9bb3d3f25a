"""feedpub: publish a folder of front-matter articles as RSS 2.0 and Atom 1.0 feeds.

The library never prints and never exits; ``feedpub.cli`` is a thin layer on top.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import BuildReport, build
from .plan import Plan, PlannedFeed, Topic, plan_build
from .collect import Collection, collect, load_seed
from .config import Config, DEFAULT_CONFIG, apply_overrides, load_config
from .errors import ConfigError, FeedpubError, OutputError, SeedError, SeedWarning
from .model import Article, Image, Provider, Related
from .render import FeedMeta, TopicRef, render_feed

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
    "OutputError",
    "Plan",
    "PlannedFeed",
    "Provider",
    "Related",
    "SeedError",
    "SeedWarning",
    "Topic",
    "TopicRef",
    "apply_overrides",
    "build",
    "collect",
    "load_config",
    "load_seed",
    "plan_build",
    "render_feed",
    "__version__",
]
