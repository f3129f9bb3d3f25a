"""Builds under a low limit of open files (`ulimit -n`): the same feeds as any
build, with fewer workers and syncs, or a clear error naming the limit."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub import descriptors, writers
from feedpub.cli import cli
from feedpub.errors import WriteError

from conftest import article_fields, feed_files, write_seed

resource = pytest.importorskip("resource")
posix_only = pytest.mark.skipif(not Path("/proc/self/fd").is_dir() and not Path("/dev/fd").is_dir(),
                                reason="needs /proc/self/fd or /dev/fd")

FLAGS = ["-q", "--base-url", "https://feeds.example.org/"]


def write_corpus(seeds: Path, version: int, count: int = 120) -> None:
    """Seeds with a topic of their own and a shared one (hundreds of files to
    stage and sync); version 2 retitles every other article."""
    for n in range(count):
        title = f"Article {n} v{version if n % 2 else 1}"
        write_seed(seeds, f"{n:04d}.txt", **article_fields(n, title=title, topics=[f"Topic {n}", f"Shared {n % 7}"]))


def limited(limit: int):
    """A preexec_fn: the child may hold ``limit`` descriptors at most."""
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    return set_limit


def build_limited(project: Path, limit: int, jobs: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedpub", "build", *FLAGS, "seeds", "--out", "feeds",
                           "--cache-dir", "cache", "--jobs", str(jobs)],
                          cwd=project, preexec_fn=limited(limit), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[int, dict[str, bytes]]:
    """The feeds of each version, built in one process without a cache and without a low limit."""
    feeds = {}
    for version in (1, 2):
        project = tmp_path_factory.mktemp(f"reference{version}")
        write_corpus(project / "seeds", version)
        result = CliRunner().invoke(cli, ["build", *FLAGS, str(project / "seeds"), "--out", str(project / "feeds"),
                                          "--no-cache", "--jobs", "1"])
        assert result.exit_code == 0, result.output
        feeds[version] = feed_files(project / "feeds")
    return feeds


@posix_only
@pytest.mark.parametrize(("limit", "jobs"), [(14, 1), (16, 2), (19, 2), (19, 8), (24, 8), (24, 32), (48, 32)])
def test_a_build_under_a_low_limit_of_open_files_gives_the_same_feeds_cold_and_warm(tmp_path, reference, limit,
                                                                                   jobs):
    write_corpus(tmp_path / "seeds", 1)
    cold = build_limited(tmp_path, limit, jobs)
    assert (cold.returncode, cold.stderr) == (0, ""), cold.stderr
    assert feed_files(tmp_path / "feeds") == reference[1]
    write_corpus(tmp_path / "seeds", 2)
    warm = build_limited(tmp_path, limit, jobs)
    assert (warm.returncode, warm.stderr) == (0, ""), warm.stderr
    assert feed_files(tmp_path / "feeds") == reference[2]


@posix_only
def test_fewer_workers_than_asked_are_a_warning(tmp_path):
    write_corpus(tmp_path / "seeds", 1, count=40)
    result = subprocess.run([sys.executable, "-m", "feedpub", "build", "--base-url", "https://feeds.example.org/",
                             "seeds", "--out", "feeds", "--no-cache", "--jobs", "32"],
                            cwd=tmp_path, preexec_fn=limited(24), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: 24 open files at most")]
    assert warnings and all(line.endswith("not 32") for line in warnings), result.stderr
    assert len(warnings) == len(set(warnings))  # each said once


@posix_only
def test_too_few_descriptors_to_build_at_all_is_an_error_naming_the_limit(tmp_path):
    write_corpus(tmp_path / "seeds", 1, count=20)
    result = build_limited(tmp_path, 6, 2)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "Too many open files (at most 6 at once: raise the limit with `ulimit -n`" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_seed_that_finds_no_descriptor_free_stops_the_build_rather_than_drop_its_article(tmp_path, monkeypatch):
    write_corpus(tmp_path / "seeds", 1, count=20)
    real_open = os.open

    def open_(path, *args, **kwargs):
        if str(path).endswith("0007.txt"):
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    result = CliRunner().invoke(cli, ["build", *FLAGS, str(tmp_path / "seeds"), "--out", str(tmp_path / "feeds"),
                                      "--no-cache", "--jobs", "1"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'seeds' / '0007.txt'}: {os.strerror(errno.EMFILE)}")
    assert not (tmp_path / "feeds" / "all.atom.xml").exists()


def staged_files(tmp_path: Path, count: int) -> list[tuple[str, str]]:
    files = []
    for n in range(count):
        path = tmp_path / f".f{n}.tmp"
        path.write_bytes(b"x")
        files.append((str(path), f"f{n}"))
    return files


def test_syncs_are_done_in_the_build_thread_when_no_descriptor_is_spare(tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(writers, "spare", lambda wanted, reserved=descriptors.RESERVED: 0)
    synced = []
    monkeypatch.setattr(writers, "_sync_file", lambda path: synced.append((path, threading.current_thread())))
    files = staged_files(tmp_path, 5)
    with writers.OutputFolder(tmp_path).staged_syncs() as syncs:
        for temporary, name in files:
            syncs.start(temporary, name)
        syncs.wait()
    assert synced == [(temporary, threading.current_thread()) for temporary, _ in files]


def test_a_sync_that_finds_no_descriptor_free_is_done_again_by_wait(tmp_path, monkeypatch):
    import threading

    synced = []

    def sync_file(path: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        synced.append(path)

    monkeypatch.setattr(writers, "_sync_file", sync_file)
    files = staged_files(tmp_path, 12)
    with writers.OutputFolder(tmp_path).staged_syncs() as syncs:
        for temporary, name in files:
            syncs.start(temporary, name)
        syncs.wait()
    assert synced == [temporary for temporary, _ in files]


def test_a_sync_that_fails_otherwise_names_the_file(tmp_path, monkeypatch):
    def sync_file(path: str) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(writers, "_sync_file", sync_file)
    files = staged_files(tmp_path, 3)
    with writers.OutputFolder(tmp_path).staged_syncs() as syncs:
        for temporary, name in files:
            syncs.start(temporary, name)
        with pytest.raises(WriteError, match=f"^{tmp_path / 'f0'}: cannot write: {os.strerror(errno.EIO)}$"):
            syncs.wait()


@posix_only
def test_spare_counts_what_the_limit_leaves(monkeypatch):
    monkeypatch.setattr(descriptors, "limit", lambda: 10**6)
    room = descriptors.free()
    assert room is not None and room < 10**6
    assert descriptors.spare(5, reserved=0) == 5
    monkeypatch.setattr(descriptors, "limit", lambda: None)
    assert descriptors.free() is None and descriptors.spare(7) == 7


def test_the_reason_for_too_many_open_files_names_the_limit(monkeypatch):
    monkeypatch.setattr(descriptors, "limit", lambda: 19)
    assert descriptors.reason(OSError(errno.EMFILE, "Too many open files")) == (
        "Too many open files (at most 19 at once: raise the limit with `ulimit -n`, or use fewer --jobs)")
    assert descriptors.reason(OSError(errno.ENOSPC, "No space left on device")) == "No space left on device"
