"""The command line's one error boundary, in the manner of pypa/build's
``_handle_build_error``: every exception becomes a message and an exit code.

Library errors map to 1 (problems found) or 2 (usage or configuration); an
exception nobody expected is a bug (3): one line asking for a report, and the
traceback only with -v. The library's FeedpubWarnings become ``warning: ...``
lines on stderr, unless -q.
"""

from __future__ import annotations

import contextlib
import errno
import sys
import warnings
from typing import Any, Iterator

import click

from .descriptors import reason
from .errors import ConfigError, FeedpubError, FeedpubWarning, OutputError
from .version import __version__

# Exit code of an unexpected exception: a bug, told apart from problems found (1)
# and usage errors (2).
EXIT_BUG = 3
# Where a command's -v and -q flags are kept for the error boundary and the
# warning display (ctx.meta is shared by a command's context and its parent's).
VERBOSE = "feedpub.verbose"
QUIET = "feedpub.quiet"


class ExitError(click.ClickException):
    """A message for stderr and the exit code that ends the command."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def handle_errors(ctx: click.Context) -> Iterator[None]:
    """The one error boundary: turn every exception into a message and an exit
    code (README, "Exit codes"). Library errors map to 1 or 2; an exception
    nobody expected is a bug: one line asking for a report, and the
    traceback only with -v."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except (ConfigError, OutputError) as error:
        raise ExitError(str(error), 2) from None
    except FeedpubError as error:
        raise ExitError(str(error), 1) from None
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise  # stdout closed (`feedpub topics | head`): click ends quietly
        raise ExitError(f"{error.filename or 'output'}: {reason(error)}", 1) from None
    except MemoryError:
        raise ExitError("out of memory: try fewer --jobs, or a smaller --limit", 1) from None
    except Exception as error:  # noqa: BLE001 - the boundary of last resort
        if _is_broken_pool(error):
            raise ExitError(
                "a worker process died (killed, or out of memory?) and the build stopped; "
                "run it again, with fewer --jobs if this recurs", 1
            ) from None
        if ctx.meta.get(VERBOSE):
            import traceback  # only for a bug

            click.echo("".join(traceback.format_exception(error)), err=True, nl=False)
        first_line = (str(error).splitlines() or [""])[0][:200]
        raise ExitError(
            f"internal error: {type(error).__name__}: {first_line}. This is a bug in feedpub {__version__}; "
            f"please report this{'' if ctx.meta.get(VERBOSE) else ' (run again with -v for the traceback)'}",
            EXIT_BUG,
        ) from None


def _is_broken_pool(error: Exception) -> bool:
    # Looked up, not imported: only a build that started workers has loaded it.
    futures = sys.modules.get("concurrent.futures")
    return futures is not None and isinstance(error, futures.BrokenExecutor)


class CommandGroup(click.Group):
    """The command group: every command runs inside the error boundary, and
    the library's FeedpubWarnings (e.g. worker processes that could not
    start) are shown as `warning: ...` lines on stderr, unless -q."""

    def invoke(self, ctx: click.Context) -> Any:
        def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if not issubclass(category, FeedpubWarning):
                shown(message, category, *args, **kwargs)
            elif not ctx.meta.get(QUIET):
                click.echo(f"warning: {message}", err=True)

        with warnings.catch_warnings():  # restores showwarning and the filters afterwards
            shown = warnings.showwarning
            warnings.showwarning = show
            warnings.simplefilter("always", FeedpubWarning)
            with handle_errors(ctx):
                return super().invoke(ctx)
