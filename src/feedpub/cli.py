"""The command line: parse flags, call the library, print, choose the exit code.

Exit codes: 0 success; 1 problems found (--strict with seed errors, --check
with stale feeds, a failed write); 2 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from . import __version__
from .build import BuildReport, build, open_cache
from .plan import plan_build
from .render import FEED_FORMATS
from .config import Config, apply_overrides, load_config, deployment_warnings
from .errors import ConfigError, FeedpubError, OutputError
from .writers import MANIFEST_NAME

# The forms `feedpub check --format` takes (feedpub.checks.FORMATS; kept here
# so that other commands need not import the checker).
CHECK_FORMATS = ("text", "json", "github")
# A progress bar only pays for itself on long builds, and only on a terminal.
PROGRESS_MIN_SEEDS = 2000


class _ExitError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def _handle_errors() -> Iterator[None]:
    """Turn library exceptions into click errors with our exit codes, in one place."""
    try:
        yield
    except (ConfigError, OutputError) as error:
        raise _ExitError(str(error), 2) from None
    except FeedpubError as error:
        raise _ExitError(str(error), 1) from None
    except OSError as error:
        raise _ExitError(f"{error.filename or 'output'}: {error.strerror}", 1) from None


@contextlib.contextmanager
def _batch_work() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one build, check or topic
    listing. These keep a Listing (and, for a while, a cache row) per seed
    alive and make next to no cyclic garbage: peak memory is the same without
    the collector, whose full passes only walk those objects again and again,
    a tenth of an edit build of 100,000 seeds. Worker processes turn it back
    on (parallel.py), and it is restored when the command is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Every setting as a flag; each overrides its config key.
_OPTIONS = {
    "seeds": click.argument("seeds", required=False, type=click.Path(file_okay=False, path_type=Path)),
    "config_file": click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                                help="Read settings from this file instead of ./feedpub.toml"),
    "out": click.option("--out", type=click.Path(file_okay=False, path_type=Path),
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
    "cache_dir": click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                              help="Folder of the build cache  [default: .feedpub-cache]"),
}
# What reading seeds depends on, and how they are read; `check` takes only these.
_READING_OPTIONS = ("seeds", "config_file", "patterns", "timezone", "jobs", "cache", "cache_dir")


def config_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a command with the named setting flags (all of them by default)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(names or tuple(_OPTIONS)):
            command = _OPTIONS[name](command)
        return command

    return decorate


def _resolve_config(config_file: Path | None, seeds: Path | None, **overrides: Any) -> Config:
    config = load_config(config_file)
    for key in ("patterns", "topics", "exclude_topics", "formats"):
        if key in overrides:
            overrides[key] = overrides[key] or None  # an empty multiple option means "not given"
    return apply_overrides(config, seeds=seeds, **overrides)


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_MIN_SEEDS:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Reading seeds", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)  # seeds the cache answered count at once
        if done == total:
            bar.__exit__(None, None, None)

    return update


@click.group()
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish a folder of front-matter articles as RSS 2.0 and Atom 1.0 feeds."""


@cli.command("build")
@config_options()
@click.option("--strict", is_flag=True, help="Write nothing and exit 1 if any seed has an error")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list the feeds that would change")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only")
@click.option("-v", "--verbose", is_flag=True, help="Also list every file written or removed")
def build_command(strict: bool, check: bool, quiet: bool, verbose: bool, config_file: Path | None,
                  seeds: Path | None, **overrides: Any) -> None:
    """Build the overall and per-topic feeds from SEEDS (default: ./seeds).

    \b
    Example:
        feedpub build seeds --out feeds --base-url https://example.org/feeds/
        feedpub build --check        # in CI: fail when feeds/ is stale
    """
    with _handle_errors(), _batch_work():
        config = _resolve_config(config_file, seeds, **overrides)
        report = build(config, check=check, strict=strict, progress=_progress())
    _print_problems(report, quiet)
    out = config.out
    if verbose or check:
        verb = "would change" if check else "wrote"
        for path in report.written:
            click.echo(f"{verb}: {out / path}", err=check)
        for path in report.removed:
            click.echo(f"{'would remove' if check else 'removed'}: {out / path}", err=check)
        if report.manifest_changed:
            click.echo(f"{verb}: {out / MANIFEST_NAME}", err=check)
    if not quiet:
        click.echo(summary_line(report))
    if report.aborted:
        raise _ExitError(f"{len(report.errors)} seed error(s) with --strict: nothing written", 1)
    if check and report.changed:
        raise _ExitError(f"{out} is not up to date: run 'feedpub build'", 1)


@cli.command("topics")
@config_options()
def topics_command(config_file: Path | None, seeds: Path | None, **overrides: Any) -> None:
    """List each topic that gets feeds: article count, slug, display name, feed paths.

    \b
    Example:
        feedpub topics --include-unpublished
    """
    with _handle_errors(), _batch_work():
        config = _resolve_config(config_file, seeds, **overrides)
        cache = open_cache(config)
        try:
            plan = plan_build(config, _progress(), cache, config.processes)
        finally:
            if cache is not None:
                cache.close()
    for warning in deployment_warnings(config):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{'articles':>8}  {'slug':<30}  topic  (feeds)")
    for topic in plan.topics:
        paths = ", ".join(str(config.out / path) for path in plan.topic_paths(topic))
        click.echo(f"{topic.count:>8}  {topic.slug:<30}  {topic.name}  ({paths})")


@cli.command("check")
@config_options(*_READING_OPTIONS)
@click.option("--format", "format_", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="Output as text lines, one JSON document, or GitHub workflow annotations")
def check_command(format_: str, config_file: Path | None, seeds: Path | None, **overrides: Any) -> None:
    """Validate every seed without writing feeds; exit 1 if any has an error.

    Prints each problem as `path:line: level: message`, including warnings a
    build also gives, topics spelled several ways, duplicate links, and
    articles dated in the future.

    \b
    Example:
        feedpub check
        feedpub check --format github   # annotations on a pull request
    """
    from .checks import check_seeds, format_report

    with _handle_errors(), _batch_work():
        config = _resolve_config(config_file, seeds, **overrides)
        report = check_seeds(config, progress=_progress())
    click.echo(format_report(report, format_), nl=False)
    if report.errors:
        sys.exit(1)


@cli.command("serve")
@click.option("--out", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Folder to serve  [default: the configured output folder]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this file instead of ./feedpub.toml")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 to listen on")
def serve_command(out: Path | None, config_file: Path | None, port: int) -> None:
    """Serve the output folder on localhost to preview feeds in a real reader.

    Feeds get their media types (application/rss+xml, application/atom+xml,
    application/feed+json), ETag and Last-Modified. Stop with Ctrl-C.

    \b
    Example:
        feedpub build --base-url http://localhost:8000/ && feedpub serve
    """
    from .serve import make_server

    with _handle_errors():
        folder = out or load_config(config_file).out
        if not folder.is_dir():
            raise ConfigError(f"nothing to serve: {folder} does not exist; run 'feedpub build' first")
        server = make_server(folder, port)
    host, bound = server.server_address[:2]
    click.echo(f"Serving {folder} at http://{host}:{bound}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command("init")
@click.argument("folder", metavar="[DIR]", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--ci", type=click.Choice(("github",)), help="Also write a CI workflow for this service")
def init_command(folder: Path, ci: str | None) -> None:
    """Start a feedpub repository in DIR (default: .): a commented
    feedpub.toml, an example seed, .gitignore lines and, with --ci github,
    a GitHub Actions workflow. Never overwrites a file.

    \b
    Example:
        feedpub init --ci github && feedpub build
    """
    from .scaffold import init_project

    with _handle_errors():
        steps = init_project(folder, ci=ci)
    for step in steps:
        click.echo(str(step))


def summary_line(report: BuildReport) -> str:
    """One line: seeds read and what became of them, then feeds and files."""
    counts = report.counts
    seeds = (
        f"{report.read} seed{'s' if report.read != 1 else ''} read: {counts.passed} published, "
        f"{counts.unpublished} unpublished, {counts.below_quality} below min quality, "
        f"{counts.topic} outside selected topics, {report.duplicates} duplicate, {report.invalid} invalid"
    )
    if report.aborted:
        return f"{seeds}; nothing written (--strict)"
    changed = "would change" if report.check else "written"
    removed = "would be removed" if report.check else "removed"
    return (
        f"{seeds}; {report.feeds} feeds for {len(report.topics)} topics; files: "
        f"{len(report.written)} {changed}, {len(report.unchanged)} unchanged, {len(report.removed)} {removed}"
    )


def _print_problems(report: BuildReport, quiet: bool) -> None:
    for error in report.errors:
        click.echo(f"{error}", err=True)
    if quiet:
        return
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    for message in report.config_warnings:
        click.echo(f"warning: {message}", err=True)


def main() -> None:
    cli(prog_name="feedpub")
