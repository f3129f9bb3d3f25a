"""The pipeline: collect -> filter -> group -> plan -> write -> BuildReport.

Planning (everything up to "which bytes go where") is in plan.py; this module
writes the plan and reports. Nothing here prints or exits; the CLI decides
what to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .collect import Progress
from .config import Config, deployment_warnings
from .errors import OutputError, SeedError, SeedWarning
from .filters import FilterCounts
from .plan import Plan, Topic, plan_build
from .writers import (
    MANIFEST_NAME,
    is_current,
    output_lock,
    read_manifest,
    remove_stale_temporaries,
    render_manifest,
    write_if_changed,
)


@dataclass(slots=True)
class BuildReport:
    """What a build found and did. Paths are relative to the output folder.

    In check mode ``written`` and ``removed`` list what *would* change.
    """

    read: int = 0
    invalid: int = 0
    duplicates: int = 0
    counts: FilterCounts = field(default_factory=FilterCounts)
    feeds: int = 0
    topics: list[Topic] = field(default_factory=list)
    errors: list[SeedError] = field(default_factory=list)
    warnings: list[SeedWarning] = field(default_factory=list)
    config_warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    manifest_changed: bool = False
    check: bool = False
    aborted: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed or self.manifest_changed)


def build(
    config: Config,
    *,
    check: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 60.0,
) -> BuildReport:
    """Build every feed of ``config`` into ``config.out``.

    ``check`` writes nothing and reports what would change. ``strict`` writes
    nothing at all when any seed has an error. Writing happens under a lock on
    the output folder (waiting up to ``lock_timeout`` seconds for another
    build). Raises OutputError when the output folder is unsafe to write.
    """
    check_output_folder(config)
    plan = plan_build(config, progress)
    report = BuildReport(
        read=plan.collection.read,
        invalid=len(plan.collection.errors),
        duplicates=plan.collection.duplicates,
        counts=plan.counts,
        feeds=len(plan.feeds),
        topics=plan.topics,
        errors=plan.collection.errors,
        warnings=plan.collection.warnings,
        config_warnings=deployment_warnings(config),
        check=check,
    )
    if strict and report.errors:
        report.aborted = True
        return report
    if check:
        _write_outputs(config, plan, report, check=True)
    else:
        with output_lock(config.out, lock_timeout):
            for folder in sorted({(config.out / path).parent for path in plan.paths()}):
                remove_stale_temporaries(folder)
            _write_outputs(config, plan, report, check=False)
    return report


def _write_outputs(config: Config, plan: Plan, report: BuildReport, check: bool) -> None:
    previous = read_manifest(config.out)
    current = set(plan.paths())
    manifest = config.out / MANIFEST_NAME
    if not check and current - previous:
        # Name new files before creating them: a crash in between must not
        # leave a feed that no manifest owns and no later build would remove.
        report.manifest_changed = write_if_changed(manifest, render_manifest(current | previous))
    for path, render in plan.outputs():  # one at a time: one rendered file in memory
        changed = _put(config.out / path, render(), check)
        (report.written if changed else report.unchanged).append(path)
    for path in sorted(previous - current):
        target = config.out / path
        if target.is_file():
            if not check:
                target.unlink()
            report.removed.append(path)
    report.manifest_changed |= _put(manifest, render_manifest(current), check)


def check_output_folder(config: Config) -> None:
    """Refuse output folders where writing could destroy seeds or the system."""
    out, seeds = config.out.resolve(), config.seeds.resolve()
    if out == Path(out.anchor):
        raise OutputError(f"refusing to write feeds to the root folder {out}")
    if out == seeds or seeds in out.parents:
        raise OutputError(f"output folder {config.out} is the seeds folder or inside it; choose another")
    if out in seeds.parents:
        raise OutputError(f"output folder {config.out} contains the seeds folder {config.seeds}; choose another")


def _put(path: Path, data: bytes, check: bool) -> bool:
    """Write ``data`` if it differs (or, in check mode, only say whether it does)."""
    return not is_current(path, data) if check else write_if_changed(path, data)
