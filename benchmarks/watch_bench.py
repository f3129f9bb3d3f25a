"""Time one edited seed: `feedpub serve --watch`'s rebuild vs a `feedpub build`.

    python benchmarks/watch_bench.py                 # 10,000 seeds
    python benchmarks/watch_bench.py 1000 --edits 5

On a copy of a generated corpus (see bench.py), with bench.py's settings:
(w) the time from writing the edit to the end of the rebuild it triggers,
inside one running watch_and_build (as serve --watch runs it), and (d) a
`feedpub build` process run after the same kind of edit, as bench.py's row
(d). Each edit changes the title of the newest published seed, so feeds must
change. Prints the median of --edits edits for each. At the end the watched
output must be byte-identical to a --jobs 1 --no-cache build, or it fails.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench import SETTINGS, _differs, corpus, newest_seed  # noqa: E402


def edit(seed: Path, n: int) -> None:
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace('title: "', f'title: "Edit {n}: ', 1), encoding="utf-8")


def watched_edits(seeds: Path, out: Path, cache: Path, edits: int) -> list[tuple[float, float]]:
    """Seconds from each edit to the end of its rebuild, in one watching process,
    and of the rebuild alone."""
    from feedpub.cli import _resolve_config
    from feedpub.watch import Rebuild, watch_and_build

    overrides = {"out": out, "cache_dir": cache, "min_quality": 50, "limit": 50,
                 "base_url": "https://feeds.example.org/"}
    config = _resolve_config(None, seeds, **overrides)
    done: list[tuple[float, Rebuild]] = []
    arrived = threading.Condition()

    def record(rebuild: Rebuild) -> None:
        with arrived:
            done.append((time.perf_counter(), rebuild))
            arrived.notify()

    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_build, args=(config, None, lambda: config, record, stop, True))
    watcher.start()
    seed = newest_seed(seeds)
    seconds = []
    try:
        with arrived:  # the build at start
            arrived.wait_for(lambda: done, timeout=600)
        for n in range(edits + 1):  # the first edit warms up and is not counted
            time.sleep(0.5)  # let the watcher settle, as between a user's edits
            before = len(done)
            started = time.perf_counter()
            edit(seed, n)
            with arrived:
                if not arrived.wait_for(lambda: len(done) > before, timeout=600):
                    raise SystemExit("no rebuild within 10 minutes")
            ended, rebuild = done[before]
            if rebuild.error is not None:
                raise SystemExit(f"rebuild failed: {rebuild.error}")
            seconds.append((ended - started, rebuild.seconds))
    finally:
        stop.set()
        watcher.join()
    return seconds[1:]


def cli_edits(seeds: Path, out: Path, cache: Path, edits: int) -> list[float]:
    """Seconds of a `feedpub build` process after each edit (cache warm)."""
    command = [sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(out), "--cache-dir", str(cache),
               *SETTINGS]
    subprocess.run(command, check=True)
    seed = newest_seed(seeds)
    times = []
    for n in range(edits):
        edit(seed, n)
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--corpora", type=Path, default=HERE)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix=f"feedpub-watch-{args.count}-"))
    try:
        for name in ("cli", "watch"):
            shutil.copytree(corpus(args.count, args.corpora), work / name / "seeds",
                            ignore=shutil.ignore_patterns(".complete"))
        cli = cli_edits(work / "cli" / "seeds", work / "cli" / "feeds", work / "cli" / "cache", args.edits)
        watched = watched_edits(work / "watch" / "seeds", work / "watch" / "feeds", work / "watch" / "cache",
                                args.edits)
        reference = work / "reference"
        subprocess.run([sys.executable, "-m", "feedpub", "build", str(work / "watch" / "seeds"), "--out",
                        str(reference), "--jobs", "1", "--no-cache", *SETTINGS], check=True)
        compare = filecmp.dircmp(work / "watch" / "feeds", reference, ignore=[".feedpub.lock"])
        if compare.left_only or compare.right_only or _differs(compare):
            raise SystemExit(f"watched output differs from a --jobs 1 --no-cache build: {work}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.count:,} seeds, one seed edited, median of {args.edits}:")
    print(f"  (d) feedpub build process:            {statistics.median(cli) * 1000:7.0f} ms")
    print(f"  (w) serve --watch, edit to rebuilt:   {statistics.median(w for w, _ in watched) * 1000:7.0f} ms"
          f"  (the rebuild alone: {statistics.median(b for _, b in watched) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
