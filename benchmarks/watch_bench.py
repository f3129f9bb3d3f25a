"""Time one edited seed: `feedpub serve --watch`'s rebuild vs a `feedpub build`.

    python benchmarks/watch_bench.py                 # 10,000 web seeds, 7 edits
    python benchmarks/watch_bench.py 1000 --edits 5 --profile plain

On a copy of a generated corpus (see bench.py), with bench.py's settings:
(d) a `feedpub build` process run after editing one seed, as bench.py's row
(d), and (w) the time from writing the same kind of edit to the end of the
rebuild it triggers, inside one running watch_and_build (as serve --watch
runs it), on a second copy; the two alternate, so that both see the same
load. Each edit changes the title of the newest published seed, so feeds
must change. Prints bench.py's table, with the median of --edits edits for
each row and (w) also as a share of (d). At the end the watched output must
be byte-identical to a --jobs 1 --no-cache build, or it fails.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench import SETTINGS, _differs, compile_feedpub, corpus, edit_title, newest_seed  # noqa: E402


@dataclass(frozen=True)
class Round:
    """One edit timed each way, in seconds: the `feedpub build` process (wall,
    and the CPU its process used), and in the watching process, from the
    edit to the end of its rebuild (wall), the rebuild alone (wall) and the
    CPU the rebuild took (its thread's: one edit starts no worker process)."""

    process: float
    process_cpu: float
    watch: float
    rebuild: float
    rebuild_cpu: float


def cli_build(seeds: Path, out: Path, cache: Path) -> Callable[[], tuple[float, float]]:
    """Run one `feedpub build` process on ``seeds``, with bench.py's settings;
    gives its wall and CPU seconds."""
    command = [sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(out), "--cache-dir", str(cache),
               *SETTINGS]

    def run() -> tuple[float, float]:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(command)}")
        return time.perf_counter() - started, usage.ru_utime + usage.ru_stime

    return run


def interleaved_edits(work: Path, edits: int) -> list[Round]:
    """For each of ``edits`` rounds, one edit timed each way, one right after
    the other so that both see the same load."""
    from feedpub import build
    from feedpub.cli import _batch_work, _resolve_config
    from feedpub.watch import Rebuild, watch_and_build

    cpu: list[float] = []

    def run_build(config, **options):  # as serve --watch builds: with the garbage collector paused
        started = time.thread_time()
        try:
            with _batch_work():
                return build(config, **options)
        finally:
            cpu.append(time.thread_time() - started)

    run_cli = cli_build(work / "cli" / "seeds", work / "cli" / "feeds", work / "cli" / "cache")
    run_cli()  # cold, to fill the cache
    overrides = {"out": work / "watch" / "feeds", "cache_dir": work / "watch" / "cache", "min_quality": 50,
                 "limit": 50, "base_url": "https://feeds.example.org/"}
    config = _resolve_config(None, work / "watch" / "seeds", **overrides)
    done: list[tuple[float, Rebuild]] = []
    arrived = threading.Condition()

    def record(rebuild: Rebuild) -> None:
        with arrived:
            done.append((time.perf_counter(), rebuild))
            arrived.notify()

    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_build, args=(config, None, lambda: config, record, stop, True, run_build))
    watcher.start()
    seeds = {name: newest_seed(work / name / "seeds") for name in ("cli", "watch")}
    rounds = []
    try:
        with arrived:  # the build at start
            arrived.wait_for(lambda: done, timeout=600)
        for n in range(edits + 1):  # the first round warms up and is not counted
            # Let the watcher settle (it checks its scan once a rebuild is done), as between a user's edits.
            time.sleep(0.5)
            edit_title(seeds["cli"])
            process, process_cpu = run_cli()
            time.sleep(0.5)
            before = len(done)
            started = time.perf_counter()
            edit_title(seeds["watch"])
            with arrived:
                if not arrived.wait_for(lambda: len(done) > before, timeout=600):
                    raise SystemExit("no rebuild within 10 minutes")
            ended, rebuild = done[before]
            if rebuild.error is not None:
                raise SystemExit(f"rebuild failed: {rebuild.error}")
            rounds.append(Round(process, process_cpu, ended - started, rebuild.seconds, cpu[-1]))
    finally:
        stop.set()
        watcher.join()
    return rounds[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--edits", type=int, default=7)
    parser.add_argument("--profile", choices=("plain", "web"), default="web", help="seed profile (bench.py)")
    parser.add_argument("--corpora", type=Path, default=HERE)
    args = parser.parse_args()
    compile_feedpub()
    work = Path(tempfile.mkdtemp(prefix=f"feedpub-watch-{args.count}-"))
    try:
        for name in ("cli", "watch"):
            shutil.copytree(corpus(args.count, args.corpora, args.profile), work / name / "seeds",
                            ignore=shutil.ignore_patterns(".complete"))
        rounds = interleaved_edits(work, args.edits)
        reference = work / "reference"
        subprocess.run([sys.executable, "-m", "feedpub", "build", str(work / "watch" / "seeds"), "--out",
                        str(reference), "--jobs", "1", "--no-cache", *SETTINGS], check=True)
        compare = filecmp.dircmp(work / "watch" / "feeds", reference, ignore=[".feedpub.lock"])
        if compare.left_only or compare.right_only or _differs(compare):
            raise SystemExit(f"watched output differs from a --jobs 1 --no-cache build: {work}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    def median(field: str) -> float:
        return statistics.median(getattr(one, field) for one in rounds)

    process = median("process")
    rows = [("(d) feedpub build process, one seed edited", process, median("process_cpu")),
            ("(w) serve --watch, from the edit to the rebuild's end", median("watch"), None),
            ("(w) of which the rebuild", median("rebuild"), median("rebuild_cpu"))]
    print(f"feedpub watch benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d')}, median of {args.edits} edits")
    print("| profile | seeds | step | wall (s) | CPU (s) | × (d) wall |")
    print("|---|---:|---|---:|---:|---:|")
    for name, wall, cpu in rows:
        cpu_text = "" if cpu is None else f"{cpu:.3f}"
        print(f"| {args.profile} | {args.count:,} | {name} | {wall:.3f} | {cpu_text} | {wall / process:.2f} |")
    print("output identical to a --jobs 1 --no-cache build: yes")


if __name__ == "__main__":
    main()
