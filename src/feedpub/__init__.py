"""feedpub: publish a folder of front-matter articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds.

The library never prints and never exits; ``feedpub.cli`` is a thin layer on top.
"""

from __future__ import annotations

from .build import BuildReport, build
from .collect import Collection, collect, load_seed
from .config import DEFAULT_CONFIG, Config, apply_overrides, load_config
from .errors import ConfigError, FeedpubError, OutputError, SeedError, SeedWarning, WriteError
from .model import Article, Image, Listing, Provider, Related
from .plan import Plan, PlannedFeed, Topic, plan_build
from .render import FeedMeta, TopicRef, render_feed
from .version import __version__
# `collect` is the function (every seed as an Article, through PyYAML, in one
# process: the reference reading of a seeds folder), imported here so that
# the name is never the submodule of the same name. It imports no YAML
# library until it reads a seed.


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
