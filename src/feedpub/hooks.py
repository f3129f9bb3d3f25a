"""`feedpub-build-hook`: `feedpub build` for pre-commit, failing when it changed files.

Formatter hooks fail when they rewrite files, so the commit stops and the
author stages the result. `feedpub build` exits 0 after writing, so this runs
`feedpub build --check` first, quietly: exit 0 (feeds current) passes at once;
exit 1 (feeds stale) runs the real build and fails; any other exit code
(a usage or configuration error) is passed on with what the check printed.
Both runs go through the click command in this process, so the hook takes
every flag `feedpub build` takes. See .pre-commit-hooks.yaml.
"""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Sequence

# `feedpub build --check` exits 1 when a feed file would change.
STALE = 1


def build_hook(argv: Sequence[str] | None = None) -> None:
    """Console script: bring the feeds up to date; exit 1 if that wrote or removed a file."""
    args = list(sys.argv[1:] if argv is None else argv)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        code = _run_feedpub(["build", "--check", *args])
    if code != STALE:
        if code:
            sys.stderr.write(captured.getvalue())
        sys.exit(code)
    code = _run_feedpub(["build", *args])
    if code == 0:
        print("feedpub-build: the feeds changed; stage them (git add) and commit again", file=sys.stderr)
    sys.exit(code or 1)


def _run_feedpub(args: list[str]) -> int:
    """Run the feedpub command line on ``args`` and return its exit code."""
    from .cli import cli

    try:
        cli.main(args, prog_name="feedpub")
    except SystemExit as exit_:  # click always ends a standalone run with SystemExit
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0
