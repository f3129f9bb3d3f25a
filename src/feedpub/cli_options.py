"""The command line's options: every setting as a flag that overrides its
config key, path arguments that refuse a NUL, and -q/-v, which the error
boundary reads too (cli_errors.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from .cli_errors import QUIET, VERBOSE
from .render import FEED_FORMATS


def _remember(key: str) -> Callable[[click.Context, click.Parameter, bool], bool]:
    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        ctx.meta[key] = value
        return value

    return callback


def quiet_option(help_text: str = "Print errors only") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-q/--quiet, remembered for the warning display."""
    return click.option("-q", "--quiet", is_flag=True, help=help_text, callback=_remember(QUIET))


def verbose_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-v/--verbose, remembered for the error boundary (a bug's traceback)."""
    return click.option("-v", "--verbose", is_flag=True, help=help_text, callback=_remember(VERBOSE))


class PathType(click.Path):
    """click.Path, but a NUL character is a usage error: click's own check
    calls os.stat, which raises ValueError for it."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if "\0" in str(value):
            self.fail(f"{value!r} holds a NUL character, which no path can hold", param, ctx)
        return super().convert(value, param, ctx)


# Every setting as a flag; each overrides its config key.
OPTIONS = {
    "seeds": click.argument("seeds", required=False, type=PathType(file_okay=False, path_type=Path)),
    "config_file": click.option("--config", "config_file", type=PathType(dir_okay=False, path_type=Path),
                                help="Read settings from this file instead of ./feedpub.toml"),
    "out": click.option("--out", type=PathType(file_okay=False, path_type=Path),
                        help="Write feeds into this folder  [default: feeds]"),
    "patterns": click.option("--pattern", "patterns", multiple=True, metavar="GLOB",
                             help="Seed file name pattern; repeat for several  [default: *.txt, *.md]"),
    "include_unpublished": click.option("--include-unpublished", is_flag=True, default=None,
                                        help="Publish seeds whose published flag is not true"),
    "min_quality": click.option("--min-quality", type=click.IntRange(0, 100), metavar="N",
                                help="Drop articles whose quality is below N"),
    "topics": click.option("--topic", "topics", multiple=True, metavar="NAME",
                           help="Only articles with this topic, and only its feeds; repeatable"),
    "exclude_topics": click.option("--exclude-topic", "exclude_topics", multiple=True, metavar="NAME",
                                   help="Drop articles with this topic; repeatable"),
    "limit": click.option("--limit", type=click.IntRange(0), metavar="N",
                          help="Items per feed, 0 for all  [default: 50]"),
    "base_url": click.option("--base-url", metavar="URL", help="Public URL where the output folder is served"),
    "site_url": click.option("--site-url", metavar="URL", help="The site the feeds belong to  [default: base URL]"),
    "title": click.option("--title", help="Title of the overall feed; topic feeds add their topic"),
    "description": click.option("--description", help="Description of the overall feed"),
    "language": click.option("--language", metavar="CODE", help="Language code of the feeds  [default: en]"),
    "author": click.option("--author", help="Publisher named as the feeds' author  [default: title]"),
    "timezone": click.option("--timezone", metavar="ZONE",
                             help="Time zone of seed times without an offset  [default: UTC]"),
    "formats": click.option("--feed-format", "formats", multiple=True, type=click.Choice(FEED_FORMATS),
                            help="Feed format to write; repeatable  [default: rss, atom, json]"),
    "ttl": click.option("--ttl", type=click.IntRange(0), metavar="MINUTES",
                        help="RSS ttl: minutes readers may cache a feed, 0 for none"),
    "hub": click.option("--hub", metavar="URL", help="WebSub hub the feeds announce"),
    "icon": click.option("--icon", metavar="URL", help="Small square feed icon (Atom icon, JSON favicon)"),
    "logo": click.option("--logo", metavar="URL", help="Feed logo image (RSS image, Atom logo, JSON icon)"),
    "archive": click.option("--archive/--no-archive", default=None,
                            help="Also write RFC 5005 archive pages of older items"),
    "index_page": click.option("--index-page/--no-index-page", default=None,
                               help="Write index.html listing every feed  [default: on]"),
    "jobs": click.option("--jobs", "-j", type=click.IntRange(0), metavar="N",
                         help="Processes that parse seeds, 0 for one per core  [default: 0]"),
    "cache": click.option("--cache/--no-cache", default=None,
                          help="Reuse what earlier builds learned about unchanged seeds  [default: on]"),
    "cache_dir": click.option("--cache-dir", type=PathType(file_okay=False, path_type=Path),
                              help="Folder of the build cache  [default: .feedpub-cache]"),
    "ping": click.option("--ping/--no-ping", default=None,
                         help="Notify the WebSub hub of each feed the build changed  [default: off]"),
    "ping_timeout": click.option("--ping-timeout", type=click.FloatRange(0, min_open=True), metavar="SECONDS",
                                 help="Seconds to wait for the hub's answer to each ping  [default: 10]"),
}
# What reading seeds depends on, and how they are read; `check` takes only these.
READING_OPTIONS = ("seeds", "config_file", "patterns", "timezone", "jobs", "cache", "cache_dir")


def config_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a command with the named setting flags (all of them by default)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(names or tuple(OPTIONS)):
            command = OPTIONS[name](command)
        return command

    return decorate
