"""Map a function over tasks in worker processes, in order, when it pays.

Processes, not threads: parsing and rendering are CPU-bound Python, and
feedgen switches the process-wide locale while it formats RSS dates.
"""

from __future__ import annotations

import gc
import sys
import warnings
from collections import deque
from itertools import islice
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence, TypeVar

from .errors import FeedpubWarning

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

T = TypeVar("T")
# Chunks per process submitted ahead of the one whose results are being taken.
IN_FLIGHT = 8
R = TypeVar("R")


def ordered_map(function: Callable[[T], R], tasks: Sequence[T], processes: int, minimum: int) -> Iterator[R]:
    """``map(function, tasks)``, spread over ``processes`` when there are at
    least ``minimum`` tasks. Results come back in task order, so the outcome
    never depends on the number of processes. ``function`` must be a module-level
    function and tasks plain data (they are pickled)."""
    if processes <= 1 or len(tasks) < minimum:
        yield from map(function, tasks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork starts a worker in milliseconds, with everything already imported.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    # Chunks of up to 256 tasks: each chunk costs the parent a future, a pickle
    # and a wake-up (64 cost a 10k-seed build 20% more parent time); at least
    # 8 chunks per process, so the last ones do not leave a process idle.
    size = max(1, min(256, len(tasks) // (processes * 8)))
    context = multiprocessing.get_context(method)
    chunks = batched(tasks, size)
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_start_worker)
    try:
        # The first submit starts every worker (with fork; with spawn, as
        # needed), so this is where a system out of processes says so.
        pending = _start(pool, function, chunks, processes * IN_FLIGHT)
    except OSError as error:
        # Workers that did start wait on a queue nobody will write to, and
        # the interpreter would wait for them at exit: end them, then do the
        # work here. Results do not depend on the number of processes.
        pool.shutdown(wait=False, cancel_futures=True)
        _end_workers(set(multiprocessing.active_children()) - before)
        warnings.warn(f"cannot start {processes} worker processes ({error.strerror or error}); "
                      "working in one process", FeedpubWarning, stacklevel=2)
        yield from map(function, tasks)
        return
    with pool:
        # A bounded number of chunks in flight, topped up as results are
        # taken: results the caller has not taken cannot pile up in memory,
        # and the workers never wait for the caller to drain a batch.
        while pending:
            results = pending.popleft().result()
            chunk = next(chunks, None)
            if chunk is not None:
                pending.append(pool.submit(_apply, function, chunk))
            yield from results


def _start(pool: Executor, function: Callable[[T], R], chunks: Iterator[list[T]], count: int) -> deque[Future]:
    """Submit the first ``count`` chunks, which starts the workers.

    A forked worker turns its collector on (_start_worker), and its first
    passes would walk every object it inherits (a Listing, a task and a path
    per seed: millions at 1,000,000 seeds), writing to each, so copying the
    parent's memory page by page. Objects frozen while it forks are never
    walked in it; the parent's own collector gets them back right after.
    """
    gc.freeze()
    try:
        return deque(pool.submit(_apply, function, chunk) for chunk in islice(chunks, count))
    finally:
        gc.unfreeze()


def _end_workers(workers: set) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join()


def _apply(function: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [function(task) for task in chunk]


def _start_worker() -> None:
    # A forked worker inherits the parent's collector state, which the
    # command line pauses (cli._batch_work): a worker parses or renders
    # thousands of things and wants its collector.
    gc.enable()
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the build process dies, even by
    SIGKILL; otherwise workers wait forever on a queue nobody writes to."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import os
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
