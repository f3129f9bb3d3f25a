"""How many more files a build may open, and what to say when it may not.

A process may hold at most ``ulimit -n`` file descriptors (RLIMIT_NOFILE),
which some containers and CI runners set as low as 20 or so. Everything a
build does at once holds some: each worker process a pipe, each background
sync of a staged file one, staging a file two (the new file and the old one
it is compared with). parallel.py and writers.py ask :func:`spare` before
they start more of those, and do with fewer (down to none: the work is then
done in the build's own thread) rather than fail with "Too many open files".
"""

from __future__ import annotations

import errno
import os

# Descriptors each pool of workers or threads leaves to the rest of the
# build: staging a file (2), importing a module, a lock, the cache's journal.
RESERVED = 6


def limit() -> int | None:
    """The most descriptors this process may hold (``ulimit -n``); None when
    unlimited or not known (Windows has no such limit)."""
    try:
        import resource
    except ImportError:
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def free() -> int | None:
    """How many more descriptors this process may open now; None when not
    known (no limit, or no /proc/self/fd or /dev/fd to list them). A new
    descriptor takes the lowest free number, and fails (EMFILE) when that is
    the limit or more: descriptors numbered past the limit (inherited from a
    shell, say) take no room under it, those below do."""
    most = limit()
    if most is None:
        return None
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            numbers = os.listdir(folder)
        except OSError as error:
            if is_exhausted(error):
                return 0  # not even one left to list them with
            continue
        # Less one: the listing's own descriptor, closed now, was among them.
        return most - (sum(1 for number in numbers if int(number) < most) - 1)
    return None


def spare(wanted: int, reserved: int = RESERVED) -> int:
    """How many of ``wanted`` things holding a descriptor each may start
    now, leaving ``reserved`` descriptors free (0 when none may); ``wanted``
    when that is not known."""
    room = free()
    return wanted if room is None else max(0, min(wanted, room - reserved))


def is_exhausted(error: OSError) -> bool:
    """True when ``error`` says this process (EMFILE) or the system (ENFILE)
    has no file descriptor left: nothing is wrong with the file."""
    return error.errno in (errno.EMFILE, errno.ENFILE)


def reason(error: OSError) -> str:
    """What went wrong, for a message: the system's words, and for too many
    open files the limit and how to raise it."""
    text = error.strerror or str(error)
    most = limit()
    if error.errno == errno.EMFILE and most is not None:
        text += f" (at most {most} at once: raise the limit with `ulimit -n`, or use fewer --jobs)"
    return text
