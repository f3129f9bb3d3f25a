"""The command line: parse flags, call the library, print, choose the exit code.

The commands are here; their flags are in cli_options.py, what they print
about a build in cli_output.py, and the error boundary that turns every
exception into a message and an exit code in cli_errors.py.

Exit codes: 0 success (and serve stopped with Ctrl-C); 1 problems found
(--strict with seed errors, --check with stale feeds, a failed write, Ctrl-C
during any other command, which click reports as "Aborted!"); 2 usage or
configuration error; 3 a bug in feedpub (an unexpected exception), reported
in one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from .version import __version__
from .build import BuildReport, build, check_output_folder, open_cache
from .plan import plan_build
from .cli_errors import CommandGroup, ExitError
from .cli_options import READING_OPTIONS, OPTIONS, PathType, config_options, quiet_option, verbose_option
from .cli_output import check_report_file, print_build, print_files, print_problems, show_changes, summary_line
from .config import Config, apply_overrides, load_config, deployment_warnings
from .errors import ConfigError
from .filters import selection_warnings
from .writers import refuse_non_folder

# The forms `feedpub check --format` takes (feedpub.checks.FORMATS; kept here
# so that other commands need not import the checker).
CHECK_FORMATS = ("text", "json", "github")
# The forms of the change report (feedpub.changes.REPORT_FORMATS, likewise).
REPORT_FORMATS = ("text", "markdown", "json")
# A progress bar only pays for itself on long builds, and only on a terminal.
PROGRESS_MIN_SEEDS = 2000


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


@click.group(cls=CommandGroup)
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish a folder of front-matter articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds."""


@cli.command("build")
@config_options()
@click.option("--strict", is_flag=True, help="Write nothing and exit 1 if any seed has an error")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list the feeds that would change")
@quiet_option()
@verbose_option("Also list every file written or removed and the feed items that changed; "
                "the traceback of an internal error")
@click.option("--report", "report_format", type=click.Choice(REPORT_FORMATS), default=None,
              help="Form of the feed item change report  [default: text]")
@click.option("--report-file", type=PathType(dir_okay=False, path_type=Path), metavar="FILE",
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
        if report_file is not None:
            check_report_file(report_file, config.out)
        report = build(config, check=check, strict=strict, progress=_progress(quiet), changes=changes)
    print_problems(report, quiet)
    out = config.out
    if verbose or check:
        print_files(report, out, check)
    if report.changes is not None and not report.aborted:
        show_changes(report, report_format or "text", report_file, out)
    if config.ping and not check:
        _ping(config, report, verbose, quiet)
    if not quiet:
        click.echo(summary_line(report))
    if report.aborted:
        raise ExitError(f"{len(report.errors)} seed error(s) with --strict: nothing written", 1)
    if check and report.changed:
        raise ExitError(f"{out} is not up to date: run 'feedpub build'", 1)


@cli.command("topics")
@config_options()
@quiet_option("Print no warnings")
@verbose_option("Show the traceback of an internal error")
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
@config_options(*READING_OPTIONS)
@click.option("--format", "format_", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="Output as text lines, one JSON document, or GitHub workflow annotations")
@quiet_option("Print errors only, without the count (text and github formats)")
@verbose_option("Show the traceback of an internal error")
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
@click.option("--out", type=PathType(file_okay=False, path_type=Path), default=None,
              help="Folder to serve (and with --watch, to build)  [default: the configured output folder]")
@config_options(*(name for name in OPTIONS if name != "out"))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 to listen on")
@click.option("--watch", is_flag=True,
              help="Build now, and again whenever a seed or the config file changes, while serving")
@quiet_option("Log no requests; with --watch, print no warnings")
@verbose_option("Show the traceback of an internal error")
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
@click.argument("folder", metavar="[DIR]", required=False, default=".", type=PathType(path_type=Path))
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
        raise ExitError(
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

    from .config_file import CONFIG_FILE, PYPROJECT_FILE
    from .watch import Rebuild, watch_and_build

    shown_warnings: list[str] | None = None  # none shown yet

    def show(rebuild: Rebuild) -> None:
        nonlocal shown_warnings
        if shown_warnings is None:  # the first build, before serving: its errors end the command
            if rebuild.error is not None:
                raise rebuild.error
            print_build(rebuild.report, quiet)
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
            print_build(report, quiet)
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
        # Without --config, the settings come from whichever of these applies when they are read.
        config_files = (config_file,) if config_file else (Path(CONFIG_FILE), Path(PYPROJECT_FILE))
        watch_and_build(config, config_files, reload, show, stop, build_first=True, run_build=run_build)
    finally:
        stop.set()
        if thread.is_alive():
            server.shutdown()


def main() -> None:
    try:
        cli(prog_name="feedpub")
    finally:
        _before_exit()


def _before_exit() -> None:
    """Spare the interpreter's shutdown its full garbage collections: the
    process ends right after this. Each of them walks, and writes to, every
    object still alive (the functions, classes and constants of every module
    imported: ~0.1 s after a cold build of 10,000 seeds), and at
    exit they find next to nothing to free. gc.freeze() moves
    every object to the permanent generation, which those collections skip.
    Objects are still freed by their reference counts at shutdown, and nothing
    of feedpub's waits for the collector: the build cache and every file are
    closed (and the output synced) before the command returns."""
    gc.freeze()
