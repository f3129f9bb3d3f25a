"""Time feedpub on generated corpora against the PyYAML floor.

    python benchmarks/bench.py            # 1,000 and 10,000 seeds, both profiles
    python benchmarks/bench.py --full     # also 100,000 seeds (about 330 MB of seeds a profile)
    python benchmarks/bench.py --huge --profile web   # also 1,000,000 (3.3 GB; not for CI)

For each profile (generate_seeds.py: ``plain`` tidy seeds, ``web`` seeds with
the web's query strings, escapes and JSON-written strings) and size, in one
run on the same corpus: (a) the floor: read every file and parse its front
matter with PyYAML's C loader, one process; (b) `feedpub build` cold (empty
cache, empty output); (c) warm, nothing changed; (d) warm after editing one
seed (the newest article, so its feeds must change); (e) after adding 100
seeds; (f) a fresh checkout with the cache restored: every seed and feed file
rewritten with the same bytes (new mtimes and inodes, as `git clone` leaves
them), which is what CI pays on every run; (g) every article in every feed
(`--limit 0 --min-quality 0`), cold, without a cache, into another folder: its
peak RSS is what rendering the largest feeds costs. Each runs as its own
process, as a user would run it. At the end the output must be byte-identical to a `--jobs
1 --no-cache` build of the same seeds, or the benchmark fails. At 1,000,000
seeds (--huge) the floor, (g) and that comparison are skipped (an hour of
work no target needs), and cold is compared with the largest smaller size's. Then a table
of µs per seed for each stage of a cold seed (stages.py) for each profile.
Corpora are kept in benchmarks/corpus-<n> (plain) and corpus-web-<n> (not in
git; --corpora DIR puts them elsewhere) and reused.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from generate_seeds import generate  # noqa: E402
from stages import STAGES, stage_costs  # noqa: E402

# From this many seeds on, bench() skips the floor, (g) and the reference build.
HUGE = 1_000_000
SETTINGS = ["--min-quality", "50", "--limit", "50", "--base-url", "https://feeds.example.org/", "-q"]
# Step (g): the largest feeds there can be.
EVERYTHING = ["--min-quality", "0", "--limit", "0", "--base-url", "https://feeds.example.org/", "-q", "--no-cache"]
# libyaml refuses the surrogate-pair escapes JSON writers use for emoji: the
# floor turns them into one escape, as feedpub does, so it parses every seed.
FLOOR = r"""
import re, sys
from pathlib import Path
import yaml
pair = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.I)
join = lambda m: "\\U%08x" % (0x10000 + ((int(m[1], 16) - 0xD800) << 10) + int(m[2], 16) - 0xDC00)
for path in sorted(Path(sys.argv[1]).iterdir()):
    text = path.read_text(encoding="utf-8")
    yaml.load(pair.sub(join, text.split("---\n", 2)[1]), Loader=yaml.CSafeLoader)
"""


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the process and the workers it waited for)
    and peak RSS (MB, of the largest process) of a command. Files the steps
    before left unwritten to disk (a corpus just copied, say) are written
    first, so that no step pays for another's writeback in its fsyncs."""
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def corpus(count: int, corpora: Path = HERE, profile: str = "plain") -> Path:
    folder = corpora / (f"corpus-{count}" if profile == "plain" else f"corpus-{profile}-{count}")
    stamp = folder / ".complete"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {count:,} {profile} seeds in {folder} ...", file=sys.stderr)
        generate(count, folder, profile=profile)
        stamp.write_text("ok")
    return folder


def fresh_checkout(*folders: Path) -> None:
    """Rewrite every file with the same bytes, as a fresh clone leaves them:
    new mtimes and inodes, same paths (so the restored cache's keys hold)."""
    for folder in folders:
        moved = folder.with_name(folder.name + ".old")
        folder.rename(moved)
        shutil.copytree(moved, folder, copy_function=shutil.copyfile)
        shutil.rmtree(moved)


def newest_seed(folder: Path) -> Path:
    """The published seed with the latest date: editing it must change feeds."""
    best = ("", None)
    for path in folder.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        if "published: true" in text and re.search(r"^quality: ([5-9]\d|100)$", text, re.M):
            when = re.search(r"^publishedDateTime: (\S+)", text, re.M).group(1)
            best = max(best, (when, path), key=lambda pair: pair[0])
    return best[1]


def edit_title(path: Path) -> None:
    """Prefix the seed's title with 'Edited ', however the title is quoted."""
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^title: ([\"']?)", lambda m: f"title: {m[1]}Edited ", text, count=1, flags=re.M)
    assert edited != text
    path.write_text(edited, encoding="utf-8")


def bench(count: int, jobs: list[str], corpora: Path = HERE, profile: str = "plain",
          huge_from: int = HUGE) -> list[tuple[str, float, float, float, int]]:
    """Each step's (name, wall, CPU, peak RSS, seeds). From ``huge_from`` seeds on, the
    floor, step (g) and the reference build are skipped: they would take an
    hour (the reference parses every seed in one process, and (g) renders a
    million articles in every feed), and no target at that size needs them."""
    work = Path(tempfile.mkdtemp(prefix=f"feedpub-bench-{profile}-{count}-"))
    seeds = work / "seeds"
    shutil.copytree(corpus(count, corpora, profile), seeds, ignore=shutil.ignore_patterns(".complete"))
    out, cache = work / "feeds", work / "cache"
    feedpub = [sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(out), "--cache-dir", str(cache),
               *SETTINGS, *jobs]
    huge = count >= huge_from
    rows = []
    if not huge:
        rows.append(("(a) floor: read + PyYAML C parse", *run([sys.executable, "-c", FLOOR, str(seeds)]), count))
    rows.append(("(b) feedpub build, cold", *run(feedpub), count))
    rows.append(("(c) warm, nothing changed", *run(feedpub), count))
    edit_title(newest_seed(seeds))
    rows.append(("(d) warm, one seed edited", *run(feedpub), count))
    generate(100, seeds, seed=count + 7, first=count, profile=profile)
    rows.append(("(e) warm, 100 seeds added", *run(feedpub), count + 100))
    fresh_checkout(seeds, out)
    rows.append(("(f) fresh checkout, cache restored", *run(feedpub), count + 100))
    if not huge:
        everything = [sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(work / "everything"),
                      *EVERYTHING, *jobs]
        rows.append(("(g) --limit 0 --min-quality 0, cold, no cache", *run(everything), count + 100))
        reference = work / "reference"
        run([sys.executable, "-m", "feedpub", "build", str(seeds), "--out", str(reference), "--jobs", "1",
             "--no-cache", *SETTINGS])
        compare = filecmp.dircmp(out, reference, ignore=[".feedpub.lock"])
        if compare.left_only or compare.right_only or _differs(compare):
            raise SystemExit(f"output differs from a --jobs 1 --no-cache build: {work}")
    shutil.rmtree(work)
    return rows


def _differs(compare: filecmp.dircmp) -> bool:
    _, mismatch, errors = filecmp.cmpfiles(compare.left, compare.right, compare.common_files, shallow=False)
    return bool(mismatch or errors) or any(_differs(sub) or sub.left_only or sub.right_only
                                           for sub in compare.subdirs.values())


def compile_feedpub() -> None:
    """Byte-compile feedpub, as `pip install` does: an editable install run
    with PYTHONDONTWRITEBYTECODE would otherwise compile it on every build."""
    import compileall
    import importlib.util

    package = Path(importlib.util.find_spec("feedpub").origin).parent
    compileall.compile_dir(str(package), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run 100,000 seeds")
    parser.add_argument("--huge", action="store_true", help="also run 1,000,000 seeds (3.3 GB a profile)")
    parser.add_argument("--profile", choices=("plain", "web", "both"), default="both", help="seed profile(s)")
    parser.add_argument("--stage-seeds", type=int, default=2000, help="seeds timed for the stage table")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated seed counts")
    parser.add_argument("--jobs", default=None, help="pass --jobs N to feedpub (default: all cores)")
    parser.add_argument("--huge-from", type=int, default=HUGE, help=argparse.SUPPRESS)  # for tests/test_bench.py
    parser.add_argument("--corpora", type=Path, default=HERE, help="where generated corpora are kept")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")] + ([100_000] if args.full else []) \
        + ([1_000_000] if args.huge else [])
    profiles = ["plain", "web"] if args.profile == "both" else [args.profile]
    jobs = ["--jobs", args.jobs] if args.jobs else []
    compile_feedpub()
    print(f"feedpub benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| profile | seeds | step | wall (s) | CPU (s) | seeds/s | peak RSS (MB) | × floor |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for profile in profiles:
        cold: dict[int, float] = {}
        for count in sizes:
            rows = bench(count, jobs, args.corpora, profile, args.huge_from)
            floor = rows[0][1] if count < args.huge_from else None
            for name, wall, cpu, rss, seeds in rows:
                ratio = f"{wall / floor:.3f}" if floor else "–"
                print(f"| {profile} | {count:,} | {name} | {wall:.2f} | {cpu:.2f} | {seeds / wall:,.0f} | {rss:.0f} "
                      f"| {ratio} |", flush=True)
            cold[count] = rows[1 if floor else 0][1]
        for count in sizes:
            smaller = max((size for size in cold if size < count), default=None)
            if count >= args.huge_from and smaller:
                print(f"| {profile} | {count:,} | cold = {cold[count] / cold[smaller]:.1f} × the cold build of "
                      f"{smaller:,} seeds in this run (linear: {count / smaller:.0f} ×) | | | | | |")
    print("output identical to a --jobs 1 --no-cache build: yes")
    print()
    print("µs per seed for each stage of a cold seed, in one process (stages.py):")
    print()
    print("| profile | seeds | fast path | " + " | ".join(STAGES) + " | total |")
    print("|---|---:|---:|" + "---:|" * (len(STAGES) + 1))
    for profile in profiles:
        costs, timed, fast = stage_costs(corpus(sizes[0], args.corpora, profile), args.stage_seeds)
        print(f"| {profile} | {timed:,} | {fast / max(timed, 1):.0%} | "
              + " | ".join(f"{costs[stage]:.1f}" for stage in STAGES) + f" | {sum(costs.values()):.1f} |")


if __name__ == "__main__":
    main()
