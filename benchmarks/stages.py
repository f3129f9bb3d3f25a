"""Where a cold seed's time goes: µs per seed for each stage of a worker.

    python benchmarks/stages.py benchmarks/corpus-10000 [--limit 2000]

Runs the stages :func:`feedpub.catalog.load_task` runs for every seed, one at
a time in this process, and times each: read (open, stat, read), hash,
cut (the front matter as bytes; the body decoded), guard (the checks on the bytes),
parse (yaml-rs), guard on values, normalize, record (JSON and its digest),
and fallback: the PyYAML path for seeds the fast path does not vouch for,
spread over all seeds. `bench.py` prints this table next to its timings, so a
slowdown is found by reading a table, not by profiling.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timezone
from pathlib import Path

STAGES = ("read", "hash", "cut", "guard", "parse", "guard values", "normalize", "record", "fallback (PyYAML)")


def stage_costs(folder: Path, limit: int = 0) -> tuple[dict[str, float], int, int]:
    """(µs per seed for each stage, seeds timed, seeds that took the fast path)."""
    paths = sorted(str(path) for path in folder.rglob("*.txt"))
    if limit:
        paths = paths[:limit]
    clock = time.perf_counter_ns
    # A first pass over a few seeds imports and warms up what the stages use.
    for timed in (paths[:20], paths):
        spent, fast = _time_stages(folder, timed, clock)
    return spent, len(paths), fast


def _time_stages(folder: Path, paths: list[str], clock) -> tuple[dict[str, float], int]:
    from feedpub import loader
    from hashlib import blake2b
    from feedpub.normalize import normalize_article
    from feedpub.records import article_to_record, record_digest
    from feedpub.seeds import FrontMatter, SeedError, read_seed_file

    spent = dict.fromkeys(STAGES, 0)
    fast = 0
    for path in paths:
        t0 = clock()
        try:
            raw, _ = read_seed_file(path, str(folder), path)
        except SeedError:
            continue
        t1 = clock()
        blake2b(raw, digest_size=16).hexdigest()
        t2 = clock()
        block = loader._front_matter_bytes(raw)
        if block is not None:
            raw[len(block) + 3:].decode("utf-8", "replace")  # the body, which must be text
        t3 = clock()
        alike = block is not None and loader._syntax_reads_alike(block)
        t4 = clock()
        try:
            data = loader._parse_fast(block) if alike and loader.yaml_rs is not None else None
        except ValueError:
            data = None
        t5 = clock()
        values = isinstance(data, dict) and loader._values_read_alike(data)
        t6 = clock()
        article = None
        if values:
            notes: list = []
            try:
                article = normalize_article(FrontMatter(path, data, {}), timezone.utc, notes)
            except SeedError:
                article = None
            article = None if notes else article
        t7 = clock()
        if article is None:  # the fast path does not vouch: what the build then pays
            try:
                article, _ = loader.load_bytes(raw, path, timezone.utc, fast=False)
            except SeedError:
                article = None
        else:
            fast += 1
        t8 = clock()
        if article is not None:
            record_digest(article_to_record(article))
        t9 = clock()
        for stage, took in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t9 - t8,
                                        t8 - t7)):
            spent[stage] += took
    count = max(len(paths), 1)
    return {stage: took / count / 1000 for stage, took in spent.items()}, fast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="time only the first N seeds")
    args = parser.parse_args()
    costs, count, fast = stage_costs(args.folder, args.limit)
    print(f"{count:,} seeds, {fast:,} on the fast path")
    for stage, micros in costs.items():
        print(f"{stage:>20}  {micros:7.1f} µs")
    print(f"{'total':>20}  {sum(costs.values()):7.1f} µs")


if __name__ == "__main__":
    sys.exit(main())
