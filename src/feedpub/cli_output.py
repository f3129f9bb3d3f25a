"""What the command line prints about a build: problems on stderr, then one
summary line; with -v or --check, the files; the item change report.

Errors and warnings go to stderr, the summary and (in a real build) the file
list to stdout, so `feedpub build 2>/dev/null` shows what happened and a
pipe of stderr shows what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import click

from .build import BuildReport
from .cli_errors import ExitError
from .errors import ConfigError, printable
from .parallel import batched
from .writers import MANIFEST_NAME


def print_build(report: BuildReport, quiet: bool) -> None:
    """The problems of a build (errors only with ``quiet``), then its summary line."""
    print_problems(report, quiet)
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


def print_problems(report: BuildReport, quiet: bool) -> None:
    """Seed errors, then (unless ``quiet``) seed warnings and the settings' own, on stderr."""
    echo_lines(report.errors)
    if quiet:
        return
    echo_lines(report.warnings)
    for message in report.config_warnings:
        click.echo(f"warning: {message}", err=True)


def echo_lines(items: Iterable[object]) -> None:
    """Each item on a line of stderr, a thousand lines a write: an echo per
    line costs a build that reports 500,000 bad seeds two seconds."""
    for batch in batched(map(str, items), 1000):
        click.echo("".join(f"{line}\n" for line in batch), err=True, nl=False)


def print_files(report: BuildReport, out: Path, check: bool) -> None:
    """Every file written and removed, under ``out``; with ``check``, those
    that would be, on stderr, where --check reports what is stale."""
    verb = "would change" if check else "wrote"
    for path in report.written:
        click.echo(printable(f"{verb}: {out / path}"), err=check)
    for path in report.removed:
        click.echo(printable(f"{'would remove' if check else 'removed'}: {out / path}"), err=check)
    if report.manifest_changed:
        click.echo(printable(f"{verb}: {out / MANIFEST_NAME}"), err=check)


def show_changes(report: BuildReport, fmt: str, path: Path | None, out: Path) -> None:
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
        raise ExitError(f"{path}: cannot write the change report: {error.strerror or error}", 1) from None


def check_report_file(path: Path, out: Path) -> None:
    """Refuse a ``--report-file`` the build could not write, or that would
    overwrite a file in the output folder ``out``, before the build writes any
    feed: raises ConfigError (exit 2) saying why."""
    target = path.resolve()  # through links: one to a feed is refused too
    folder = out.resolve()
    if target.is_relative_to(folder):
        raise ConfigError(f"--report-file {path} is inside the output folder {out}: it would overwrite a feed "
                          f"or be published with them; choose a file outside {out}")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise ConfigError(f"--report-file {path}: the file is not writable")
        return
    parent = path.absolute().parent
    if not parent.is_dir():
        raise ConfigError(f"--report-file {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"--report-file {path}: cannot create a file in the folder {parent}")
