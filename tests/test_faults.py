"""Output stays whole under faults: SIGKILL mid-build, concurrent builds."""

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from feedpub import build
from feedpub.cli import cli
from feedpub.errors import WriteError
from feedpub.writers import LOCK_NAME, MANIFEST_NAME

from conftest import article_fields, feed_files, make_config, parse_feed, write_seed

BUILD = [sys.executable, "-m", "feedpub", "build", "-q", "--base-url", "https://feeds.example.org/"]


def write_corpus(seeds: Path, version: int, count: int = 120) -> None:
    """Seeds with two topics each; version 2 retitles everything and moves a third
    of the articles to new topics, so feeds are rewritten, added and removed."""
    for n in range(count):
        topics = [f"Topic {n}", f"Shared {n % 7}"]
        if version == 2 and n % 3 == 0:
            topics = [f"Moved {n}", f"Shared {n % 7}"]
        write_seed(seeds, f"{n:04d}.txt", **article_fields(n, title=f"Article {n} v{version}", topics=topics))


def test_sigkill_at_any_moment_leaves_every_feed_old_or_new(tmp_path):
    project = tmp_path / "project"
    write_corpus(project / "seeds", version=1)
    subprocess.run(BUILD, cwd=project, check=True)
    old = feed_files(project / "feeds")
    # The new version, built elsewhere, is what an uninterrupted build must give.
    reference = tmp_path / "reference"
    write_corpus(reference / "seeds", version=2)
    started = time.monotonic()
    subprocess.run(BUILD, cwd=reference, check=True)
    duration = time.monotonic() - started
    new = feed_files(reference / "feeds")
    write_corpus(project / "seeds", version=2)

    pristine = tmp_path / "pristine"
    shutil.copytree(project / "feeds", pristine)
    changed = {name for name in new if new[name] != old.get(name)}
    partial = 0
    rng = random.Random(20261127)
    for attempt in range(8):
        shutil.rmtree(project / "feeds")
        shutil.copytree(pristine, project / "feeds")
        process = subprocess.Popen(BUILD, cwd=project)
        time.sleep(rng.uniform(0.2, 1.0) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        files = feed_files(project / "feeds")
        present = {name: data for name, data in files.items() if not name.endswith(".tmp")}
        listed = set(json.loads(present.pop(MANIFEST_NAME))["files"])
        for name, data in present.items():
            assert data in (old.get(name), new.get(name)), f"attempt {attempt}: {name} is neither old nor new"
            if name.endswith((".xml", ".opml")):
                etree.fromstring(data)  # well-formed, not truncated
            elif name.endswith(".json"):
                json.loads(data)
            assert name in listed, f"attempt {attempt}: {name} is on disk but in no manifest"
        assert set(old) & set(new) <= set(present) | {MANIFEST_NAME}, "a feed that exists in both was lost"
        done = {name for name, data in present.items() if name in changed and data == new[name]}
        # Files are rendered to temporary files first, and replaced only once all are.
        staging = any(name.endswith(".tmp") for name in files)
        partial += staging or 0 < len(done) < len(changed)
    # At least one kill must have landed while feeds were being written.
    assert partial >= 1
    subprocess.run(BUILD, cwd=project, check=True)
    assert feed_files(project / "feeds") == new
    assert not [p for p in (project / "feeds").rglob("*.tmp")], "temporary files were not cleaned up"
    parse_feed(project / "feeds" / "all.atom.xml")


HOLD_LOCK = """
import sys, time
from pathlib import Path
from feedpub.writers import output_lock
with output_lock(Path(sys.argv[1]), timeout=0):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(out: Path, seconds: float) -> subprocess.Popen:
    """Another process (locks belong to processes) holding the output lock."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out), str(seconds)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_build_fails_clearly_when_the_lock_is_held(tmp_path):
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    config = make_config(tmp_path)
    holder = hold_lock(config.out, 30)
    try:
        with pytest.raises(WriteError, match="another feedpub build is writing to .*gave up after 0.2 s"):
            build(config, lock_timeout=0.2)
        assert not (config.out / "all.rss.xml").exists()
    finally:
        holder.kill()
        holder.wait()
    build(config, lock_timeout=5)  # released with its process: goes through
    assert (config.out / "all.rss.xml").exists()


def test_a_build_that_waited_in_vain_for_the_lock_exits_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # feedpub.build is the function (the package re-exports it); the module is in sys.modules.
    monkeypatch.setattr(sys.modules["feedpub.build"], "LOCK_TIMEOUT", 0.2)
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    holder = hold_lock(tmp_path / "feeds", 30)
    try:
        result = CliRunner().invoke(cli, ["build", "-q"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: another feedpub build is writing to feeds (it holds {Path('feeds') / LOCK_NAME}); "
        "gave up after 0.2 s\n"
    )


def test_a_second_build_waits_for_the_first(tmp_path):
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    config = make_config(tmp_path)
    holder = hold_lock(config.out, 1.0)
    started = time.monotonic()
    build(config, lock_timeout=30)
    holder.wait()
    assert time.monotonic() - started >= 0.5
    assert (config.out / "all.rss.xml").exists()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_workers_die_with_a_killed_build_and_hold_no_lock(tmp_path):
    write_corpus(tmp_path / "seeds", version=1, count=600)
    process = subprocess.Popen(BUILD + ["--jobs", "2", "--no-cache"], cwd=tmp_path)
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _children_of(process.pid, tmp_path):
        time.sleep(0.1)
    assert _children_of(process.pid, tmp_path) == []
    subprocess.run(BUILD + ["--jobs", "2"], cwd=tmp_path, check=True, timeout=120)


def _children_of(pid: int, cwd: Path) -> list[str]:
    """Processes of this test's build, still alive: its children, or orphans
    of it working in its folder (other feedpub processes may run meanwhile)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"PPid:\t{pid}\n" in status or ("PPid:\t1\n" in status and _is_worker_of(entry, pid, cwd)):
                found.append(entry.name)
    return found


def _is_worker_of(entry: Path, pid: int, cwd: Path) -> bool:
    try:
        return (b"feedpub" in (entry / "cmdline").read_bytes() and int(entry.name) > pid
                and (entry / "cwd").resolve() == cwd.resolve())
    except OSError:
        return False


def test_concurrent_builds_of_one_folder_both_finish_with_whole_feeds(tmp_path):
    write_corpus(tmp_path / "seeds", version=1, count=60)
    processes = [subprocess.Popen(BUILD, cwd=tmp_path) for _ in range(2)]
    assert [p.wait() for p in processes] == [0, 0]
    for path in (tmp_path / "feeds").rglob("*.xml"):
        parse_feed(path)
    assert (tmp_path / "feeds" / LOCK_NAME).exists()


@pytest.mark.parametrize("when", [1, 3])
def test_ctrl_c_inside_mkstemp_leaves_no_temporary_file(tmp_path, monkeypatch, when):
    # A Ctrl-C can land after mkstemp created the file and before the code
    # that would delete it holds its name: under the lock, any left is this build's.
    import tempfile

    for n in range(6):
        write_seed(tmp_path / "seeds", f"{n}.txt", **article_fields(n, topics=["AI", f"Topic {n % 2}"]))
    build(make_config(tmp_path))
    before = feed_files(tmp_path / "feeds")
    for n in range(6):
        write_seed(tmp_path / "seeds", f"{n}.txt", **article_fields(n, title=f"New {n}", topics=["AI", f"Topic {n % 2}"]))
    real_mkstemp = tempfile.mkstemp
    calls = []

    def interrupted_mkstemp(*args, **kwargs):
        calls.append(real_mkstemp(*args, **kwargs))
        if len(calls) == when:
            raise KeyboardInterrupt
        return calls[-1]

    monkeypatch.setattr(tempfile, "mkstemp", interrupted_mkstemp)
    with pytest.raises(KeyboardInterrupt):
        build(make_config(tmp_path))
    for fd, _ in calls:
        with contextlib.suppress(OSError):
            os.close(fd)
    assert [path.name for path in (tmp_path / "feeds").rglob("*.tmp")] == []
    assert feed_files(tmp_path / "feeds") == before


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_ctrl_c_to_the_process_group_aborts_without_tracebacks_or_half_feeds(tmp_path):
    # A terminal's Ctrl-C reaches the build and its workers at once.
    project = tmp_path / "project"
    write_corpus(project / "seeds", version=1, count=600)
    subprocess.run(BUILD, cwd=project, check=True)
    old = feed_files(project / "feeds")
    reference = tmp_path / "reference"
    write_corpus(reference / "seeds", version=2, count=600)
    subprocess.run(BUILD, cwd=reference, check=True)
    new = feed_files(reference / "feeds")
    write_corpus(project / "seeds", version=2, count=600)
    pristine = tmp_path / "pristine"
    shutil.copytree(project / "feeds", pristine)
    interrupted = 0
    for attempt in range(3):
        shutil.rmtree(project / "feeds")
        shutil.copytree(pristine, project / "feeds")
        # Its own process group, sent SIGINT as a whole, as a terminal's Ctrl-C does.
        process = subprocess.Popen(BUILD + ["--jobs", "2", "--no-cache"], cwd=project, start_new_session=True,
                                   stderr=subprocess.PIPE, text=True)
        # Once workers exist (the build is parsing or rendering), at some moment of their work.
        while process.poll() is None and not _workers(process.pid):
            time.sleep(0.005)
        time.sleep(random.Random(attempt).uniform(0, 0.2))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stderr, f"attempt {attempt}:\n{stderr}"
        if process.returncode == 0:
            continue  # it finished before the signal: no interrupt to check
        interrupted += 1
        assert (process.returncode, stderr.strip().splitlines()[-1:]) == (1, ["Aborted!"]), stderr
        files = feed_files(project / "feeds")
        assert not [name for name in files if name.endswith(".tmp")], "temporary files were left behind"
        files.pop(MANIFEST_NAME)  # the union of both while new feeds are written (tested above)
        for name, data in files.items():
            assert data in (old.get(name), new.get(name)), f"attempt {attempt}: {name} is neither old nor new"
        assert _children_of(process.pid, project) == [], "workers outlived the build"
    assert interrupted >= 1


def _workers(pid: int) -> bool:
    """True when process ``pid`` has children: its worker processes."""
    try:
        return bool((Path("/proc") / str(pid) / "task" / str(pid) / "children").read_text().split())
    except OSError:
        return False
