"""Map a function over tasks in worker processes, in order, when it pays.

Processes, not threads: parsing and rendering are CPU-bound Python, and
feedgen switches the process-wide locale while it formats RSS dates.

On Linux the workers are forked (:class:`_Forked`): they inherit the tasks,
so only chunk numbers go to them and only results come back, through pipes
of their own. Elsewhere, where fork is not safe, a ProcessPoolExecutor
spawns them.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import sys
import warnings
from collections import deque
from contextlib import suppress
from itertools import islice
from typing import BinaryIO, Callable, Iterable, Iterator, Sequence, TypeVar

from .errors import FeedpubWarning

T = TypeVar("T")
# Chunks per process submitted ahead of the one whose results are being taken.
IN_FLIGHT = 8
R = TypeVar("R")


def ordered_map(function: Callable[[T], R], tasks: Sequence[T], processes: int, minimum: int,
                chunk: int | None = None) -> Iterator[R]:
    """``map(function, tasks)``, spread over ``processes`` when there are at
    least ``minimum`` tasks. Results come back in task order, so the outcome
    never depends on the number of processes. ``function`` must be a module-level
    function and tasks plain data (they are pickled where workers are not forked).
    ``chunk`` tasks go to a worker at a time (by default, a size for many
    small tasks). A worker that dies raises concurrent.futures.process.BrokenProcessPool."""
    if processes <= 1 or len(tasks) < minimum:
        yield from map(function, tasks)
        return
    processes = _affordable(processes)
    if processes <= 1:
        yield from map(function, tasks)
        return
    # Chunks of up to 256 tasks: each chunk costs the parent a message and a
    # wake-up (64 cost a 10k-seed build 20% more parent time); at least 8
    # chunks per process, so the last ones do not leave a process idle.
    size = chunk or max(1, min(256, len(tasks) // (processes * 8)))
    if sys.platform.startswith("linux"):
        yield from _forked_map(function, tasks, processes, size)
    else:
        yield from _pool_map(function, tasks, processes, size)


def _affordable(processes: int) -> int:
    """``processes``, or fewer when each worker's pipe (and one to send
    them work) would leave the build too few file descriptors
    (descriptors.RESERVED; the two more a fork holds for a moment come out
    of those): a build under a low ``ulimit -n`` works with fewer
    processes, or in one, rather than fail with "Too many open files"."""
    from . import descriptors

    affordable = descriptors.spare(processes, reserved=descriptors.RESERVED + 1)
    if affordable >= processes:
        return processes
    message = (f"{descriptors.limit()} open files at most (ulimit -n): working in "
               f"{max(1, affordable)} process{'es' if affordable > 1 else ''}, not {processes}")
    if message not in _WARNED:
        _WARNED.add(message)  # once, not for each map of a build, nor each rebuild of `serve --watch`
        warnings.warn(message, FeedpubWarning, stacklevel=4)
    return affordable


# The warnings _affordable gave.
_WARNED: set[str] = set()


def _forked_map(function: Callable[[T], R], tasks: Sequence[T], processes: int, size: int) -> Iterator[R]:
    from .descriptors import is_exhausted

    count = -(-len(tasks) // size)
    while True:
        try:
            workers = _Forked(function, tasks, size, processes)
            break
        except OSError as error:
            if is_exhausted(error) and processes > 2:
                processes //= 2  # descriptors opened since they were counted: half as many pipes
                continue
            _cannot_start(processes, error)
            yield from map(function, tasks)
            return
    finished = False
    try:
        # A bounded number of chunks in flight, topped up as results are
        # taken: results the caller has not taken cannot pile up in memory,
        # and the workers never wait for the caller to take a batch.
        submitted = min(count, processes * IN_FLIGHT)
        workers.submit(range(submitted))
        for number in range(count):
            results = workers.result(number)
            if submitted < count:
                workers.submit((submitted,))
                submitted += 1
            yield from results
        finished = True
    finally:
        workers.close(finished)


def _pool_map(function: Callable[[T], R], tasks: Sequence[T], processes: int, size: int) -> Iterator[R]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    chunks = batched(tasks, size)
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_start_worker)
    try:
        # The first submits start the workers, so this is where a system out
        # of processes says so.
        pending = deque(pool.submit(_apply, function, chunk) for chunk in islice(chunks, processes * IN_FLIGHT))
    except OSError as error:
        # Workers that did start wait on a queue nobody will write to, and
        # the interpreter would wait for them at exit: end them, then do the
        # work here. Results do not depend on the number of processes.
        pool.shutdown(wait=False, cancel_futures=True)
        _end_workers(set(multiprocessing.active_children()) - before)
        _cannot_start(processes, error)
        yield from map(function, tasks)
        return
    with pool:
        while pending:
            results = pending.popleft().result()
            chunk = next(chunks, None)
            if chunk is not None:
                pending.append(pool.submit(_apply, function, chunk))
            yield from results


def _cannot_start(processes: int, error: OSError) -> None:
    warnings.warn(f"cannot start {processes} worker processes ({error.strerror or error}); "
                  "working in one process", FeedpubWarning, stacklevel=3)


class _Forked:
    """``processes`` workers forked from this process, each serving chunks of
    ``tasks`` (numbered from 0, ``size`` tasks each) until it is told to stop.

    Chunk numbers go to every worker through one pipe (4 bytes each: a write
    that small is atomic, and each read takes one whole number); each worker
    sends its results back, pickled, through a pipe of its own, enlarged so
    that a chunk's results fit and the worker goes on without waiting for
    this process to read them. Reading a task writes its reference counts,
    so each worker does copy the memory pages of the tasks it runs (about
    250 bytes a seed, half the tasks each with two workers), and only those.
    A forked worker turns its collector on
    (_start_worker), and its first passes would walk every object it inherits
    (a Listing, a task and a path per seed: millions at 1,000,000 seeds),
    writing to each, so copying the parent's memory page by page. Objects
    frozen while it forks are never walked in it; the parent's own collector
    gets them back right after."""

    def __init__(self, function: Callable, tasks: Sequence, size: int, processes: int) -> None:
        import select  # here, as pickle and fcntl are: a build that starts no worker never needs them

        self._pids: list[int] = []
        # Each result pipe (by descriptor): its file, and what was read from it, not yet a whole message.
        # Files (io.FileIO), not os.read and os.write: those are for seeds and feeds, and may fail as a disk does.
        self._pipes: dict[int, tuple[BinaryIO, bytearray]] = {}
        self._done: dict[int, tuple[bool, object]] = {}  # chunk number -> (ok, results or exception)
        self._poll = select.poll()  # not select.select: descriptors may be numbered past 1024
        self._commands: BinaryIO | None = None
        commands = -1
        gc.freeze()
        try:
            commands, writer = os.pipe()
            self._commands = open(writer, "wb", buffering=0)
            for _ in range(processes):
                reader, writer = os.pipe()
                self._pipes[reader] = (open(reader, "rb", buffering=0), bytearray())
                try:
                    _enlarge(writer)
                    # Ctrl-C reaches every process of the group: the build's
                    # process stops its workers (close). A worker ignores it,
                    # and is forked with it held back until then, so that it
                    # never runs this process's code on a KeyboardInterrupt.
                    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                    try:
                        pid = os.fork()
                        if pid == 0:  # the worker: it never returns from here
                            _worker_main(function, tasks, size, commands, writer,
                                         [self._commands.fileno(), *self._pipes])
                        self._pids.append(pid)  # before a Ctrl-C held back comes through: close() ends it
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, held)
                finally:
                    os.close(writer)
                self._poll.register(reader, select.POLLIN)
        except BaseException:
            self.close(finished=False)
            raise
        finally:
            gc.unfreeze()
            if commands != -1:
                os.close(commands)

    def submit(self, numbers: Iterable[int]) -> None:
        assert self._commands is not None
        try:
            _write_all(self._commands, b"".join(number.to_bytes(4, "little") for number in numbers))
        except BrokenPipeError:
            # Every worker is gone (one that failed as it started, say): not
            # EPIPE, which the command line takes for a closed stdout.
            raise _broken() from None

    def result(self, number: int) -> list:
        """The results of chunk ``number``; raises what the function raised on it."""
        while number not in self._done:
            for reader, _ in self._poll.poll():
                self._read(reader)
        ok, value = self._done.pop(number)
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]

    def _read(self, reader: int) -> None:
        import pickle

        pipe, buffer = self._pipes[reader]
        data = pipe.read(_PIPE_SIZE)
        if not data:
            raise _broken()
        buffer += data
        while len(buffer) >= _HEADER:
            number, length = int.from_bytes(buffer[:4], "little"), int.from_bytes(buffer[4:_HEADER], "little")
            if len(buffer) < _HEADER + length:
                break
            with memoryview(buffer) as view:
                self._done[number] = pickle.loads(view[_HEADER:_HEADER + length])
            del buffer[:_HEADER + length]

    def close(self, finished: bool) -> None:
        """Stop the workers: once they are idle when every result was taken,
        else at once, and wait for them. Workers stopped when idle are not
        waited for: each takes milliseconds to exit (its memory is unmapped),
        which the build need not spend doing nothing. They are waited for
        later (:func:`_reap`), at the latest when this process exits, so none
        is left behind, not even as a zombie."""
        if self._commands is not None:
            if finished:
                # One stop per worker, not only the end of the pipe: a worker
                # forked meanwhile for another map (a build in another thread)
                # holds this end open too.
                with suppress(OSError):
                    _write_all(self._commands, _STOP * len(self._pids))
            self._commands.close()  # what a worker reads then is the end of the pipe: it exits
            self._commands = None
        for pipe, _ in self._pipes.values():
            pipe.close()
        self._pipes = {}
        if finished:
            _STOPPED.extend(self._pids)
        else:
            for pid in self._pids:
                with suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
            for pid in self._pids:
                with suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        self._pids = []
        _reap()


def _broken() -> Exception:
    from concurrent.futures.process import BrokenProcessPool

    return BrokenProcessPool("A worker process was terminated abruptly")


# Workers told to stop and not yet waited for (_Forked.close).
_STOPPED: list[int] = []


def _reap(block: bool = False) -> None:
    """Wait for the stopped workers that have exited (with ``block``, for all of them)."""
    for pid in list(_STOPPED):
        try:
            done = os.waitpid(pid, 0 if block else os.WNOHANG)[0] != 0
        except ChildProcessError:  # waited for already (by another thread, say)
            done = True
        if done:
            with suppress(ValueError):
                _STOPPED.remove(pid)


atexit.register(_reap, True)


# A message from a worker: the chunk's number (4 bytes) and the pickle's length (8), then the pickle.
_HEADER = 12
# The number that tells a worker to exit.
_STOP = (2**32 - 1).to_bytes(4, "little")
# Big enough for the results of a chunk of seeds (~360 KB); Linux lets any process have pipes of 1 MB.
_PIPE_SIZE = 1 << 20


def _enlarge(pipe: int) -> None:
    import fcntl

    with suppress(OSError):  # a lower limit (/proc/sys/fs/pipe-max-size): the worker waits for the reader at times
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


def _worker_main(function: Callable, tasks: Sequence, size: int, commands: int, results: int,
                 others: list[int]) -> None:
    """A forked worker, from the fork to its exit: it serves chunks
    (:func:`_serve_forked`) and exits with os._exit, whatever happens, even
    an error before it serves any (too many open files, say): the code of
    the process it was forked from, its atexit handlers and buffered output
    are that process's. A worker that fails exits with 1; the build's
    process sees its pipe close and stops."""
    code = 1
    try:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        except ValueError:  # forked from another thread than the main one: SIGINT stays held back, ignored too
            pass
        _serve_forked(function, tasks, size, commands, results, others)
        code = 0
    finally:
        os._exit(code)


def _serve_forked(function: Callable, tasks: Sequence, size: int, commands: int, results: int,
                  others: list[int]) -> None:
    """The loop of a forked worker: run the chunks whose numbers come through
    ``commands``, send each one's results (or its exception) through ``results``,
    and return when ``commands`` is closed."""
    import pickle

    for descriptor in others:  # the parent's ends, so that a closed end reads as closed
        os.close(descriptor)
    _start_worker()
    with open(commands, "rb", buffering=0) as orders, open(results, "wb", buffering=0) as answers:
        while True:
            command = orders.read(4)
            if command is None or len(command) != 4 or command == _STOP:
                break
            number = int.from_bytes(command, "little")
            try:
                payload = pickle.dumps((True, _apply(function, tasks[number * size:(number + 1) * size])), -1)
            except Exception as error:  # the parent raises it when it takes this chunk
                payload = _pickled_error(error)
            _write_all(answers, number.to_bytes(4, "little") + len(payload).to_bytes(8, "little") + payload)


def _write_all(pipe: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[pipe.write(view) or 0:]


def _pickled_error(error: Exception) -> bytes:
    import pickle

    try:
        return pickle.dumps((False, error), -1)
    except Exception:  # an exception that does not pickle: its type and message
        return pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")), -1)


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
    SIGKILL, rather than once it asks for more work (or sends its results)
    and finds nobody there."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

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
