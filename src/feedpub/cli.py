"""The command line: parse flags, call the library, print, choose the exit code.

Exit codes: 0 success; 1 problems found (--strict with seed errors, --check
with stale feeds, a failed write); 2 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from . import __version__
from .build import BuildReport, build, plan_build
from .config import Config, apply_overrides, load_config, deployment_warnings
from .errors import ConfigError, FeedpubError, OutputError
from .writers import MANIFEST_NAME

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


def config_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The settings every command takes; each overrides the config file."""
    options = [
        click.argument("seeds", required=False, type=click.Path(file_okay=False, path_type=Path)),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Read settings from this file instead of ./feedpub.toml"),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                     help="Write feeds into this folder  [default: feeds]"),
        click.option("--pattern", "patterns", multiple=True, metavar="GLOB",
                     help="Seed file name pattern; repeat for several  [default: *.txt, *.md]"),
        click.option("--include-unpublished", is_flag=True, default=None,
                     help="Publish seeds whose published flag is not true"),
        click.option("--min-quality", type=click.IntRange(0, 100), metavar="N",
                     help="Drop articles whose quality is below N"),
        click.option("--topic", "topics", multiple=True, metavar="NAME",
                     help="Only articles with this topic, and only its feeds; repeatable"),
        click.option("--exclude-topic", "exclude_topics", multiple=True, metavar="NAME",
                     help="Drop articles with this topic; repeatable"),
        click.option("--limit", type=click.IntRange(0), metavar="N", help="Items per feed, 0 for all  [default: 50]"),
        click.option("--base-url", metavar="URL", help="Public URL where the output folder is served"),
        click.option("--site-url", metavar="URL", help="The site the feeds belong to  [default: base URL]"),
        click.option("--title", help="Title of the overall feed; topic feeds add their topic"),
        click.option("--description", help="Description of the overall feed"),
        click.option("--language", metavar="CODE", help="Language code of the feeds  [default: en]"),
        click.option("--author", help="Publisher named as the feeds' author  [default: title]"),
        click.option("--timezone", metavar="ZONE", help="Time zone of seed times without an offset  [default: UTC]"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _resolve_config(config_file: Path | None, seeds: Path | None, **overrides: Any) -> Config:
    config = load_config(config_file)
    for key in ("patterns", "topics", "exclude_topics"):
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
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    return update


@click.group()
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish a folder of front-matter articles as RSS 2.0 and Atom 1.0 feeds."""


@cli.command("build")
@config_options
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
    with _handle_errors():
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
@config_options
def topics_command(config_file: Path | None, seeds: Path | None, **overrides: Any) -> None:
    """List each topic that gets feeds: article count, slug, display name, feed paths.

    \b
    Example:
        feedpub topics --include-unpublished
    """
    with _handle_errors():
        config = _resolve_config(config_file, seeds, **overrides)
        plan = plan_build(config, _progress())
    for warning in deployment_warnings(config):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{'articles':>8}  {'slug':<30}  topic  (feeds)")
    for topic in plan.topics:
        paths = ", ".join(str(config.out / path) for path in topic.paths())
        click.echo(f"{topic.count:>8}  {topic.slug:<30}  {topic.name}  ({paths})")


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
        f"{seeds}; {report.feeds} feeds for {len(report.topics)} topics: "
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
