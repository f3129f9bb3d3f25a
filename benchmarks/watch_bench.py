"""Time one edited seed: `feedpub serve --watch`'s rebuild vs a `feedpub build`.

    python benchmarks/watch_bench.py                 # 10,000 seeds
    python benchmarks/watch_bench.py 1000 --edits 5

On a copy of a generated corpus (see bench.py), with bench.py's settings:
(w) the time from writing the edit to the end of the rebuild it triggers,
inside one running watch_and_build (as serve --watch runs it), and (d) a
`feedpub build` process run after the same kind of edit, as bench.py's row
(d), on a second copy; the two alternate, so that both see the same load. Each edit changes the title of the newest published seed, so feeds must
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
from typing import Callable

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from bench import SETTINGS, _differs, corpus, newest_seed  # noqa: E402


def edit(seed: Path, n: int) -> None:
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace('title: "', f'title: "Edit {n}: ', 1), encoding="utf-8")


def cli_build(seeds: Path, out: Path, cache: Path) -> Callable[[], None]:
    """Run one `feedpub build` process on ``seeds``, with bench.py's settings."""
    command = [sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(out), "--cache-dir", str(cache),
               *SETTINGS]
    return lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def interleaved_edits(work: Path, edits: int) -> tuple[list[float], list[tuple[float, float]]]:
    """For each of ``edits`` rounds, one edit timed each way, one right after
    the other so that both see the same load: seconds of the `feedpub build`
    process, and seconds from the edit to the end of its rebuild in one
    watching process (with the rebuild's own seconds)."""
    from feedpub import build
    from feedpub.cli import _batch_work, _resolve_config
    from feedpub.watch import Rebuild, watch_and_build

    def run_build(config):  # as serve --watch builds: with the garbage collector paused
        with _batch_work():
            return build(config)

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
    cli_seconds, watch_seconds = [], []
    try:
        with arrived:  # the build at start
            arrived.wait_for(lambda: done, timeout=600)
        for n in range(edits + 1):  # the first round warms up and is not counted
            edit(seeds["cli"], n)
            started = time.perf_counter()
            run_cli()
            cli_seconds.append(time.perf_counter() - started)
            time.sleep(0.5)  # let the watcher settle, as between a user's edits
            before = len(done)
            started = time.perf_counter()
            edit(seeds["watch"], n)
            with arrived:
                if not arrived.wait_for(lambda: len(done) > before, timeout=600):
                    raise SystemExit("no rebuild within 10 minutes")
            ended, rebuild = done[before]
            if rebuild.error is not None:
                raise SystemExit(f"rebuild failed: {rebuild.error}")
            watch_seconds.append((ended - started, rebuild.seconds))
    finally:
        stop.set()
        watcher.join()
    return cli_seconds[1:], watch_seconds[1:]


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
        cli, watched = interleaved_edits(work, args.edits)
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
