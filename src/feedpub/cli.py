"""The command line: parse flags, call the library, print, choose the exit code.

Exit codes: 0 success (and serve stopped with Ctrl-C); 1 problems found
(--strict with seed errors, --check with stale feeds, a failed write, Ctrl-C
during any other command, which click reports as "Aborted!"); 2 usage or
configuration error; 3 a bug in feedpub (an unexpected exception), reported
in one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import click

from .version import __version__
from .build import BuildReport, build, check_output_folder, open_cache
from .plan import plan_build
from .render import FEED_FORMATS
from .config import Config, apply_overrides, load_config, deployment_warnings
from .errors import ConfigError, FeedpubError, FeedpubWarning, OutputError, printable
from .filters import selection_warnings
from .parallel import batched
from .writers import MANIFEST_NAME, refuse_non_folder

# The forms `feedpub check --format` takes (feedpub.checks.FORMATS; kept here
# so that other commands need not import the checker).
CHECK_FORMATS = ("text", "json", "github")
# The forms of the change report (feedpub.changes.REPORT_FORMATS, likewise).
REPORT_FORMATS = ("text", "markdown", "json")
# A progress bar only pays for itself on long builds, and only on a terminal.
PROGRESS_MIN_SEEDS = 2000


# Exit code of an unexpected exception: a bug, told apart from problems found (1)
# and usage errors (2).
EXIT_BUG = 3
# Where a command's -v and -q flags are kept for the error boundary and the
# warning display (ctx.meta is shared by a command's context and its parent's).
_VERBOSE = "feedpub.verbose"
_QUIET = "feedpub.quiet"


class _ExitError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def _handle_errors(ctx: click.Context) -> Iterator[None]:
    """The one error boundary: turn every exception into a message and an exit
    code (README, "Exit codes"). Library errors map to 1 or 2; an exception
    nobody expected is a bug: one line asking for a report, and the
    traceback only with -v."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except (ConfigError, OutputError) as error:
        raise _ExitError(str(error), 2) from None
    except FeedpubError as error:
        raise _ExitError(str(error), 1) from None
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise  # stdout closed (`feedpub topics | head`): click ends quietly
        raise _ExitError(f"{error.filename or 'output'}: {error.strerror or error}", 1) from None
    except MemoryError:
        raise _ExitError("out of memory: try fewer --jobs, or a smaller --limit", 1) from None
    except Exception as error:  # noqa: BLE001 - the boundary of last resort
        if _is_broken_pool(error):
            raise _ExitError(
                "a worker process died (killed, or out of memory?) and the build stopped; "
                "run it again, with fewer --jobs if this recurs", 1
            ) from None
        if ctx.meta.get(_VERBOSE):
            import traceback  # only for a bug

            click.echo("".join(traceback.format_exception(error)), err=True, nl=False)
        first_line = (str(error).splitlines() or [""])[0][:200]
        raise _ExitError(
            f"internal error: {type(error).__name__}: {first_line}. This is a bug in feedpub {__version__}; "
            f"please report this{'' if ctx.meta.get(_VERBOSE) else ' (run again with -v for the traceback)'}",
            EXIT_BUG,
        ) from None


def _is_broken_pool(error: Exception) -> bool:
    # Looked up, not imported: only a build that started workers has loaded it.
    futures = sys.modules.get("concurrent.futures")
    return futures is not None and isinstance(error, futures.BrokenExecutor)


class _Group(click.Group):
    """The command group: every command runs inside the error boundary, and
    the library's FeedpubWarnings (e.g. worker processes that could not
    start) are shown as `warning: ...` lines on stderr, unless -q."""

    def invoke(self, ctx: click.Context) -> Any:
        def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if not issubclass(category, FeedpubWarning):
                shown(message, category, *args, **kwargs)
            elif not ctx.meta.get(_QUIET):
                click.echo(f"warning: {message}", err=True)

        with warnings.catch_warnings():  # restores showwarning and the filters afterwards
            shown = warnings.showwarning
            warnings.showwarning = show
            warnings.simplefilter("always", FeedpubWarning)
            with _handle_errors(ctx):
                return super().invoke(ctx)


def _remember(key: str) -> Callable[[click.Context, click.Parameter, bool], bool]:
    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        ctx.meta[key] = value
        return value

    return callback


def _quiet_option(help_text: str = "Print errors only") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("-q", "--quiet", is_flag=True, help=help_text, callback=_remember(_QUIET))


def _verbose_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("-v", "--verbose", is_flag=True, help=help_text, callback=_remember(_VERBOSE))


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


class _PathType(click.Path):
    """click.Path, but a NUL character is a usage error: click's own check
    calls os.stat, which raises ValueError for it."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if "\0" in str(value):
            self.fail(f"{value!r} holds a NUL character, which no path can hold", param, ctx)
        return super().convert(value, param, ctx)


# Every setting as a flag; each overrides its config key.
_OPTIONS = {
    "seeds": click.argument("seeds", required=False, type=_PathType(file_okay=False, path_type=Path)),
    "config_file": click.option("--config", "config_file", type=_PathType(dir_okay=False, path_type=Path),
                                help="Read settings from this file instead of ./feedpub.toml"),
    "out": click.option("--out", type=_PathType(file_okay=False, path_type=Path),
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
    "cache_dir": click.option("--cache-dir", type=_PathType(file_okay=False, path_type=Path),
                              help="Folder of the build cache  [default: .feedpub-cache]"),
    "ping": click.option("--ping/--no-ping", default=None,
                         help="Notify the WebSub hub of each feed the build changed  [default: off]"),
    "ping_timeout": click.option("--ping-timeout", type=click.FloatRange(0, min_open=True), metavar="SECONDS",
                                 help="Seconds to wait for the hub's answer to each ping  [default: 10]"),
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


def _progress(quiet: bool = False) -> Callable[[int, int], None] | None:
    """A progress bar for reading seeds: on a terminal, unless -q."""
    if quiet or not sys.stderr.isatty():
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


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish a folder of front-matter articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds."""


@cli.command("build")
@config_options()
@click.option("--strict", is_flag=True, help="Write nothing and exit 1 if any seed has an error")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list the feeds that would change")
@_quiet_option()
@_verbose_option("Also list every file written or removed and the feed items that changed; "
                 "the traceback of an internal error")
@click.option("--report", "report_format", type=click.Choice(REPORT_FORMATS), default=None,
              help="Form of the feed item change report  [default: text]")
@click.option("--report-file", type=_PathType(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the change report to FILE instead of stderr")
def build_command(strict: bool, check: bool, quiet: bool, verbose: bool, report_format: str | None,
                  report_file: Path | None, config_file: Path | None, seeds: Path | None, **overrides: Any) -> None:
    """Build the overall and per-topic feeds from SEEDS (default: ./seeds).

    \b
    Example:
        feedpub build seeds --out feeds --base-url https://example.org/feeds/
        feedpub build --check        # in CI: fail when feeds/ is stale
        feedpub build --check --report markdown --report-file "$GITHUB_STEP_SUMMARY"
    """
    # The item report costs a parse of every changed feed: only when it is shown.
    changes = verbose or (check and not quiet) or report_format is not None or report_file is not None
    with _batch_work():
        config = _resolve_config(config_file, seeds, **overrides)
        report = build(config, check=check, strict=strict, progress=_progress(quiet), changes=changes)
    _print_problems(report, quiet)
    out = config.out
    if verbose or check:
        verb = "would change" if check else "wrote"
        for path in report.written:
            click.echo(printable(f"{verb}: {out / path}"), err=check)
        for path in report.removed:
            click.echo(printable(f"{'would remove' if check else 'removed'}: {out / path}"), err=check)
        if report.manifest_changed:
            click.echo(printable(f"{verb}: {out / MANIFEST_NAME}"), err=check)
    if report.changes is not None and not report.aborted:
        _show_changes(report, report_format or "text", report_file, out)
    if config.ping and not check:
        _ping(config, report, verbose, quiet)
    if not quiet:
        click.echo(summary_line(report))
    if report.aborted:
        raise _ExitError(f"{len(report.errors)} seed error(s) with --strict: nothing written", 1)
    if check and report.changed:
        raise _ExitError(f"{out} is not up to date: run 'feedpub build'", 1)


@cli.command("topics")
@config_options()
@_quiet_option("Print no warnings")
@_verbose_option("Show the traceback of an internal error")
def topics_command(quiet: bool, verbose: bool, config_file: Path | None, seeds: Path | None,
                   **overrides: Any) -> None:
    """List each topic that gets feeds: article count, slug, display name, feed paths.

    \b
    Example:
        feedpub topics --include-unpublished
    """
    with _batch_work():
        config = _resolve_config(config_file, seeds, **overrides)
        cache = open_cache(config)
        try:
            plan = plan_build(config, _progress(quiet), cache, config.processes)
        finally:
            if cache is not None:
                cache.close()
    if not quiet:
        for warning in selection_warnings(config, plan.catalog.read, plan.catalog.listings):
            click.echo(str(warning), err=True)
        for message in deployment_warnings(config):
            click.echo(f"warning: {message}", err=True)
    click.echo(f"{'articles':>8}  {'slug':<30}  topic  (feeds)")
    for topic in plan.topics:
        paths = ", ".join(str(config.out / path) for path in plan.topic_paths(topic))
        click.echo(f"{topic.count:>8}  {topic.slug:<30}  {topic.name}  ({paths})")


@cli.command("check")
@config_options(*_READING_OPTIONS)
@click.option("--format", "format_", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="Output as text lines, one JSON document, or GitHub workflow annotations")
@_quiet_option("Print errors only, without the count (text and github formats)")
@_verbose_option("Show the traceback of an internal error")
def check_command(format_: str, quiet: bool, verbose: bool, config_file: Path | None, seeds: Path | None,
                  **overrides: Any) -> None:
    """Validate every seed without writing feeds; exit 1 if any has an error.

    Prints each problem as `path:line: level: message`, including warnings a
    build also gives, topics spelled several ways, duplicate links, and
    articles dated in the future.

    \b
    Example:
        feedpub check
        feedpub check --format github   # annotations on a pull request
    """
    from .checks import CheckReport, check_seeds, format_report

    with _batch_work():
        config = _resolve_config(config_file, seeds, **overrides)
        report = check_seeds(config, progress=_progress(quiet))
    if quiet and format_ != "json":  # JSON is for programs: always complete
        errors = CheckReport(report.read, [d for d in report.diagnostics if d.level == "error"])
        lines = format_report(errors, format_).splitlines()[:-1]  # the last line is the count
        click.echo("".join(f"{line}\n" for line in lines), nl=False)
    else:
        click.echo(format_report(report, format_), nl=False)
    if report.errors:
        sys.exit(1)


@cli.command("serve")
@click.option("--out", type=_PathType(file_okay=False, path_type=Path), default=None,
              help="Folder to serve (and with --watch, to build)  [default: the configured output folder]")
@config_options(*(name for name in _OPTIONS if name != "out"))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 to listen on")
@click.option("--watch", is_flag=True,
              help="Build now, and again whenever a seed or the config file changes, while serving")
@_quiet_option("Log no requests; with --watch, print no warnings")
@_verbose_option("Show the traceback of an internal error")
def serve_command(out: Path | None, config_file: Path | None, seeds: Path | None, port: int, watch: bool,
                  quiet: bool, verbose: bool, **overrides: Any) -> None:
    """Serve the output folder on localhost to preview feeds in a real reader.

    Feeds get their media types (application/rss+xml, application/atom+xml,
    application/feed+json), ETag and Last-Modified. With --watch, SEEDS
    (default: ./seeds) are built first, with the settings and flags of
    `feedpub build`, and again on every change. Stop with Ctrl-C.

    \b
    Example:
        feedpub build --base-url http://localhost:8000/ && feedpub serve
        feedpub serve --watch --base-url http://localhost:8000/
    """
    given = {name for name, value in overrides.items() if value not in (None, ())}
    if not watch and (given or seeds is not None):
        params = click.get_current_context().command.params
        flags = [param.opts[0] for param in params if param.name in given] + (["SEEDS"] if seeds else [])
        raise click.UsageError(f"{', '.join(flags)}: build settings apply only with --watch")
    if watch:
        def settings() -> Config:
            return _resolve_config(config_file, seeds, out=out, **overrides)

        config = settings()
        check_output_folder(config)
        server = _listen(config.out, port, quiet)
        try:
            _serve_and_watch(server, config, config_file, settings, quiet)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return
    folder = out or load_config(config_file).out
    refuse_non_folder(folder)
    if not folder.is_dir():
        raise ConfigError(f"nothing to serve: {folder} does not exist; run 'feedpub build' first")
    server = _listen(folder, port, quiet)
    try:
        # Inside the try: a Ctrl-C right after the line that invites it is the normal stop too.
        _say_serving(server, folder)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _show_changes(report: BuildReport, fmt: str, path: Path | None, out: Path) -> None:
    """Write the item change report to ``path``, else to stderr when there is any change."""
    from .changes import format_changes

    assert report.changes is not None
    text = format_changes(report.changes, fmt, out.as_posix())
    if path is None:
        if report.changes:
            click.echo(text, err=True, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _ExitError(f"{path}: cannot write the change report: {error.strerror or error}", 1) from None


def _ping(config: Config, report: BuildReport, verbose: bool, quiet: bool) -> None:
    """Notify the hub of each feed the build wrote; a failure is a warning
    (none with -q, like every warning), never an exit code."""
    from .websub import feed_urls, ping_hub

    def warn(message: str) -> None:
        if not quiet:
            click.echo(f"warning: {message}", err=True)

    urls = feed_urls(config.feeds_url, report.written)
    if not urls:
        return
    if not config.hub:
        warn("ping is on but no hub is set (hub, --hub): nobody notified")
        return
    if not config.base_url:
        warn("ping needs base_url: a hub cannot fetch feeds from localhost; nobody notified")
        return
    results = ping_hub(config.hub, urls, timeout=config.ping_timeout)
    for result in results:
        if not result.ok and result.attempts:
            tries = f"{result.attempts} attempt{'s' if result.attempts != 1 else ''}"
            warn(f"WebSub hub {result.hub} not notified of {result.url}: {result.error} ({tries}); "
                 "the feeds are written")
        elif verbose and result.ok:
            click.echo(f"pinged: {result.hub} for {result.url} (HTTP {result.status})")
    unsent = [result for result in results if not result.attempts]
    if unsent:
        warn(f"WebSub hub {config.hub} not notified of {len(unsent)} more feed(s): {unsent[0].error}")


@cli.command("init")
@click.argument("folder", metavar="[DIR]", required=False, default=".", type=_PathType(path_type=Path))
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

    steps = init_project(folder, ci=ci)
    for step in steps:
        click.echo(str(step))


def _say_serving(server: Any, folder: Path) -> None:
    host, bound = server.server_address[:2]
    click.echo(f"Serving {folder} at http://{host}:{bound}/ (Ctrl-C to stop)", err=True)


def _listen(folder: Path, port: int, quiet: bool) -> Any:
    from .serve import make_server

    try:
        return make_server(folder, port, quiet=quiet)
    except OSError as error:
        raise _ExitError(
            f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}; "
            "choose another --port (0 picks a free one)", 1
        ) from None


def _serve_and_watch(server: Any, config: Config, config_file: Path | None, reload: Callable[[], Config],
                     quiet: bool) -> None:
    """Build, then serve in a thread while the main thread watches and
    rebuilds, so a request never waits for a build (files are replaced
    atomically) and Ctrl-C reaches the watcher. The first build runs once
    the watcher does, so an edit made meanwhile is not missed; its errors
    (an output folder that cannot be written) end the command."""
    import threading

    from .config import find_config_file
    from .watch import Rebuild, watch_and_build

    shown_warnings: list[str] | None = None  # none shown yet

    def show(rebuild: Rebuild) -> None:
        nonlocal shown_warnings
        if shown_warnings is None:  # the first build, before serving: its errors end the command
            if rebuild.error is not None:
                raise rebuild.error
            _print_build(rebuild.report, quiet)
            shown_warnings = rebuild.report.config_warnings
            _say_serving(server, config.out)
            thread.start()
        elif rebuild.report is not None:
            if rebuild.config.out.absolute() != config.out.absolute():
                click.echo(f"warning: the output folder is now {rebuild.config.out}, but {config.out} is "
                           "still served: restart 'feedpub serve --watch' to serve the new one", err=True)
            # The settings' own warnings once, not after every rebuild: only when they change.
            report, warned = rebuild.report, shown_warnings
            shown_warnings = report.config_warnings
            if report.config_warnings == warned:
                report = dataclasses.replace(report, config_warnings=[])
            _print_build(report, quiet)
        elif isinstance(rebuild.error, OSError):
            error = rebuild.error
            click.echo(f"error: {error.filename or 'output'}: {error.strerror or error}; "
                       "still serving the last output", err=True)
        else:
            click.echo(f"error: {rebuild.error}; still serving the last output", err=True)

    def run_build(settings: Config, **options: Any) -> BuildReport:
        with _batch_work():
            return build(settings, **options)

    thread = threading.Thread(target=server.serve_forever, name="feedpub-serve", daemon=True)
    stop = threading.Event()
    try:
        watch_and_build(config, config_file or find_config_file(Path(".")), reload, show, stop, build_first=True,
                        run_build=run_build)
    finally:
        stop.set()
        if thread.is_alive():
            server.shutdown()


def _print_build(report: BuildReport, quiet: bool) -> None:
    _print_problems(report, quiet)
    click.echo(summary_line(report))


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
    _echo_lines(report.errors)
    if quiet:
        return
    _echo_lines(report.warnings)
    for message in report.config_warnings:
        click.echo(f"warning: {message}", err=True)


def _echo_lines(items: Iterable[object]) -> None:
    """Each item on a line of stderr, a thousand lines a write: an echo per
    line costs a build that reports 500,000 bad seeds two seconds."""
    for batch in batched(map(str, items), 1000):
        click.echo("".join(f"{line}\n" for line in batch), err=True, nl=False)


def main() -> None:
    cli(prog_name="feedpub")
