"""ordered_map: results in task order from worker processes, failures raised, no process left behind."""

import os
import sys
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from pathlib import Path

import pytest

from feedpub import parallel
from feedpub.parallel import ordered_map

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def square(n: int) -> int:
    return n * n


def fail_on_77(n: int) -> int:
    if n == 77:
        raise ValueError(f"no {n}")
    return n


def ignores_ctrl_c(n: int) -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def die_on_50(n: int) -> int:
    if n == 50:
        os._exit(3)
    return n


def call(task) -> object:
    return task[0](task[1])


def no_children_left() -> bool:
    """True when this process has no child, running or a zombie."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def children() -> set[int]:
    """The processes this one forked and has not waited for (Linux)."""
    return {int(pid) for pid in (Path("/proc/self/task") / str(os.getpid()) / "children").read_text().split()}


def wait_for(pids: set[int]) -> None:
    """Wait for ``pids`` to exit (forever, should one never exit)."""
    for pid in pids:
        with suppress(ChildProcessError):  # waited for already, by the next map
            os.waitpid(pid, 0)


@linux_only
def test_a_finished_map_leaves_its_workers_to_exit_and_a_later_one_waits_for_them():
    assert list(ordered_map(square, list(range(64)), 2, minimum=1)) == [square(n) for n in range(64)]
    parallel._reap(block=True)  # what a later map does, and the exit of this process
    assert no_children_left()


@pytest.mark.parametrize("count", [1, 7, 100, 1001])
@pytest.mark.parametrize("processes", [2, 3])
def test_results_come_in_task_order_whatever_the_chunks(count, processes, monkeypatch):
    monkeypatch.setattr(parallel, "IN_FLIGHT", 1)  # chunks taken back while others still run
    tasks = list(range(count))
    assert list(ordered_map(square, tasks, processes, minimum=1)) == [square(n) for n in tasks]


def test_what_the_function_raises_is_raised_when_its_task_comes_up():
    results = ordered_map(fail_on_77, list(range(200)), 2, minimum=1)
    taken = []
    with pytest.raises(ValueError, match="no 77"):
        for result in results:
            taken.append(result)
    assert taken == list(range(len(taken))) and len(taken) <= 77


@linux_only
def test_a_worker_that_dies_breaks_the_map_and_leaves_no_process():
    with pytest.raises(BrokenProcessPool):
        list(ordered_map(die_on_50, list(range(200)), 2, minimum=1))
    assert no_children_left()


@linux_only
def test_a_map_given_up_halfway_ends_its_workers():
    results = ordered_map(square, list(range(5000)), 2, minimum=1)
    assert next(results) == 0
    results.close()
    assert no_children_left()


@linux_only
def test_forked_workers_inherit_their_tasks_rather_than_unpickling_them():
    # A lambda does not pickle: only the numbers of the chunks go to a forked worker.
    tasks = [(lambda n: n + 1, n) for n in range(300)]
    assert list(ordered_map(call, tasks, 2, minimum=1)) == list(range(1, 301))


def nested_map(n: int) -> int:
    return n


@linux_only
def test_a_map_ends_its_workers_while_another_map_runs(monkeypatch):
    """Workers forked for a second map inherit the first map's pipes: the
    first still ends its own workers when it is done (a build in each of two
    threads)."""
    monkeypatch.setattr(parallel, "IN_FLIGHT", 1)
    outer = ordered_map(square, list(range(64)), 2, minimum=1)
    first = next(outer)
    outer_workers = children()
    inner = ordered_map(nested_map, list(range(64)), 2, minimum=1)
    assert next(inner) == 0  # its workers are forked now, holding the outer map's pipes
    assert [first, *outer] == [square(n) for n in range(64)]
    wait_for(outer_workers)  # they exit while the inner map's workers run on
    assert list(inner) == list(range(1, 64))
    parallel._reap(block=True)
    assert no_children_left()


@linux_only
def test_workers_ignore_ctrl_c_which_the_build_process_handles_by_stopping_them():
    import signal

    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    assert all(ordered_map(ignores_ctrl_c, list(range(100)), 2, 1))
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # this process's own is untouched


# A worker that fails before it serves anything (here: as with too many open
# files) must exit, not go on running the code it was forked from.
_FAILS_AT_START = """
import os
from feedpub import parallel

def fail(*args):
    raise OSError(24, "Too many open files")

parallel._serve_forked = fail
parent = os.getpid()
try:
    print(sum(parallel.ordered_map(abs, list(range(-1000, 1000)), 2, 1)))
except Exception as error:
    print(type(error).__name__)
print("done in", "the parent" if os.getpid() == parent else "a worker", flush=True)
"""


@linux_only
def test_a_worker_that_fails_before_serving_exits_and_never_runs_the_code_it_was_forked_from():
    import subprocess

    result = subprocess.run([sys.executable, "-c", _FAILS_AT_START], capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == ["BrokenProcessPool", "done in the parent"], result.stderr


def worker_pid(n: int) -> int:
    return os.getpid()


@linux_only
def test_a_pool_whose_pipes_run_out_of_descriptors_starts_again_with_half_as_many(monkeypatch):
    import errno

    started = []
    forked = parallel._Forked

    def few_descriptors(function, tasks, size, processes):
        started.append(processes)
        if processes > 2:
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        return forked(function, tasks, size, processes)

    monkeypatch.setattr(parallel, "_Forked", few_descriptors)
    pids = set(ordered_map(worker_pid, list(range(400)), 8, minimum=1))
    parallel._reap(block=True)
    assert started == [8, 4, 2]
    assert os.getpid() not in pids  # in workers (which of the two ran what is up to them)
    assert no_children_left()


@linux_only
def test_a_map_with_no_descriptor_spare_for_workers_runs_here(monkeypatch, recwarn):
    from feedpub import descriptors

    monkeypatch.setattr(descriptors, "spare", lambda wanted, reserved=descriptors.RESERVED: 1)
    assert set(ordered_map(worker_pid, list(range(100)), 4, minimum=1)) == {os.getpid()}
    assert no_children_left()
