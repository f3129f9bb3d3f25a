"""The benchmark runs as docs/performance.md says and checks its own output."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent.parent / "benchmarks" / "bench.py"


def test_the_benchmark_prints_its_table_and_checks_the_output(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH), "--sizes", "40", "--corpora", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for profile in ("plain", "web"):
        rows = [line for line in result.stdout.splitlines() if line.startswith(f"| {profile} | 40 | (")]
        steps = [row.split("|")[3].strip() for row in rows]
        assert [step[:3] for step in steps] == ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)"]
        assert "fresh checkout" in steps[5] and "--limit 0" in steps[6]
        assert rows[0].rstrip().endswith("| 1.000 |")  # every figure is a ratio to the floor
        stages = [line for line in result.stdout.splitlines() if line.startswith(f"| {profile} | 40 | ") and "%" in line]
        assert len(stages) == 1  # the per-stage table: one row a profile, with the fast-path share
    assert "output identical to a --jobs 1 --no-cache build: yes" in result.stdout
    assert (tmp_path / "corpus-40" / ".complete").exists()
    assert (tmp_path / "corpus-web-40" / ".complete").exists()


def test_a_huge_size_skips_the_floor_and_compares_cold_with_the_smaller_size(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH), "--sizes", "20,30", "--huge-from", "30", "--profile", "web",
                             "--corpora", str(tmp_path), "--stage-seeds", "20"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    steps = [line.split("|")[3].strip()[:3] for line in result.stdout.splitlines() if line.startswith("| web | 30 | (")]
    assert steps == ["(b)", "(c)", "(d)", "(e)", "(f)"]
    assert "| web | 30 | cold = " in result.stdout and "the cold build of 20 seeds" in result.stdout


WATCH_BENCH = BENCH.parent / "watch_bench.py"


def test_the_watch_benchmark_prints_its_rows_and_checks_the_output(tmp_path):
    result = subprocess.run([sys.executable, str(WATCH_BENCH), "40", "--edits", "1", "--profile", "plain",
                             "--corpora", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| plain | 40 | (")]
    assert [row.split("|")[3].strip()[:3] for row in rows] == ["(d)", "(w)", "(w)"]
    assert rows[0].rstrip().endswith("| 1.00 |")  # (w) is a share of (d)
    assert "output identical to a --jobs 1 --no-cache build: yes" in result.stdout
