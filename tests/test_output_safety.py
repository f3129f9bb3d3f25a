"""Nothing outside the output folder is ever written, removed or locked.

The committed output folder is input a pull request can change: links inside
it, and its manifest, must not lead a build anywhere else.
"""

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub import build
from feedpub.cli import cli
from feedpub.errors import OutputError, WriteError
from feedpub.writers import LOCK_NAME, MANIFEST_NAME

from conftest import article_fields, feed_files, make_config, write_seed

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="needs POSIX symlinks")


@pytest.fixture
def project(tmp_path):
    """Seeds in two topics, built once into tmp_path/feeds, with archive pages;
    and tmp_path/outside, a folder with a precious file the build must never touch."""
    for n in range(6):
        write_seed(tmp_path / "seeds", f"{n}.txt", **article_fields(n, topics=["AI", f"Topic {n % 2}"]))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    # A name like a temporary file a killed build left: the clean-up must not reach it either.
    (outside / ".all.rss.xml.abcd1234.tmp").write_text("keep too")
    config = make_config(tmp_path, archive=True, limit=2)
    build(config)
    return tmp_path


def config_of(project: Path):
    return make_config(project, archive=True, limit=2)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, without following links."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_a_seed(project: Path) -> None:
    """Retitle the newest article, which every current feed it is in shows."""
    write_seed(project / "seeds", "5.txt", **article_fields(5, title="Retitled", topics=["AI", "Topic 1"]))


def add_to_manifest(out: Path, *entries: str) -> None:
    manifest = out / MANIFEST_NAME
    files = json.loads(manifest.read_text())["files"]
    manifest.write_text(json.dumps({"files": files + list(entries)}))


def test_a_manifest_entry_through_a_linked_folder_removes_nothing(project):
    out, outside = project / "feeds", project / "outside"
    before = snapshot(outside)
    (out / "evil").symlink_to(outside)
    add_to_manifest(out, "evil/precious.txt", "evil/.all.rss.xml.abcd1234.tmp")
    report = build(config_of(project))
    assert snapshot(outside) == before
    assert report.removed == []
    assert (out / "evil").is_symlink()  # not ours: left as it is
    assert "evil/precious.txt" not in json.loads((out / MANIFEST_NAME).read_text())["files"]


@pytest.mark.parametrize("entry", [
    "../outside/precious.txt", "topics/../../outside/precious.txt", "{outside}/precious.txt",
    "link.txt", "topics/link.txt", "nul\x00.txt", "", ".", "topics", "./all.rss.xml", "topics//ai.rss.xml",
    "a" * 5000, "topics/" + "b" * 300 + "/c.txt", "\ud800.txt",
])
def test_a_manifest_entry_is_removed_only_if_it_is_a_regular_file_inside(project, entry):
    out, outside = project / "feeds", project / "outside"
    before = snapshot(outside)
    (out / "link.txt").symlink_to(outside / "precious.txt")
    (out / "topics" / "link.txt").symlink_to(outside / "precious.txt")
    add_to_manifest(out, entry.format(outside=outside))
    report = build(config_of(project))
    assert snapshot(outside) == before and report.removed == []
    assert (out / "link.txt").is_symlink() and (out / "topics").is_dir()
    assert (out / "all.rss.xml").is_file() and (out / "topics" / "ai.rss.xml").is_file()  # no alias removed a feed


@pytest.mark.parametrize("folder", ["topics", "archive", "archive/topics", "archive/topics/ai"])
@pytest.mark.parametrize("check", [False, True])
def test_a_linked_folder_in_the_output_is_refused_naming_it(project, folder, check):
    out, outside = project / "feeds", project / "outside"
    target = outside / "moved"
    (out / folder).rename(target)  # the real files now live outside, behind a link
    (out / folder).symlink_to(target)
    before = snapshot(outside)
    edit_a_seed(project)
    config = config_of(project)
    with pytest.raises(WriteError, match=f"^{out / folder} is a symbolic link"):
        build(config, check=check)
    assert snapshot(outside) == before
    assert (out / folder).is_symlink()


@pytest.mark.parametrize("check", [False, True])
def test_a_linked_folder_in_the_output_exits_1_as_the_readme_says(project, monkeypatch, check):
    # A link found inside the output folder is a problem with its contents
    # (exit 1), not with the command line or the choice of folder (exit 2).
    out, outside = project / "feeds", project / "outside"
    (out / "topics").rename(outside / "topics")
    (out / "topics").symlink_to(outside / "topics")
    before = snapshot(outside)
    edit_a_seed(project)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["build", "-q", "--no-cache", "--archive", "--limit", "2",
                                      *(["--check"] if check else [])])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: feeds/topics is a symbolic link;")
    assert snapshot(outside) == before
    exit_codes = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split("## Exit codes")[1]
    one = next(line for line in exit_codes.splitlines() if line.startswith("| 1 |"))
    assert "a link or a file where feedpub writes inside the output folder" in one


def test_a_file_where_a_folder_goes_is_named(project):
    out = project / "feeds"
    shutil.rmtree(out / "topics")
    (out / "topics").write_text("mine")
    with pytest.raises(WriteError, match=f"^{out / 'topics'} is not a folder"):
        build(config_of(project))
    assert (out / "topics").read_text() == "mine"


def test_a_linked_lock_file_is_refused_and_its_target_never_created(project):
    out, outside = project / "feeds", project / "outside"
    (out / LOCK_NAME).unlink()
    (out / LOCK_NAME).symlink_to(outside / "created.lock")
    edit_a_seed(project)
    with pytest.raises(WriteError, match=f"^{out / LOCK_NAME} is a symbolic link"):
        build(config_of(project))
    assert not (outside / "created.lock").exists()


def test_a_lock_file_that_is_a_named_pipe_is_refused(project):
    out = project / "feeds"
    (out / LOCK_NAME).unlink()
    os.mkfifo(out / LOCK_NAME)
    edit_a_seed(project)
    with pytest.raises(WriteError, match=f"^{out / LOCK_NAME} is not a regular file"):
        build(config_of(project))


def test_a_linked_manifest_is_refused(project):
    out, outside = project / "feeds", project / "outside"
    (outside / "manifest.json").write_bytes((out / MANIFEST_NAME).read_bytes())
    (out / MANIFEST_NAME).unlink()
    (out / MANIFEST_NAME).symlink_to(outside / "manifest.json")
    before = snapshot(outside)
    with pytest.raises(WriteError, match=f"^{out / MANIFEST_NAME} is a symbolic link"):
        build(config_of(project))
    assert snapshot(outside) == before


@pytest.mark.parametrize("edit", [False, True])
def test_a_feed_file_that_is_a_link_is_replaced_not_written_through(project, edit):
    out, outside = project / "feeds", project / "outside"
    feed = out / "topics" / "ai.atom.xml"
    (outside / "target.xml").write_bytes(feed.read_bytes())  # even holding the very bytes of the feed
    feed.unlink()
    feed.symlink_to(outside / "target.xml")
    before = snapshot(outside)
    if edit:
        edit_a_seed(project)
    report = build(config_of(project))
    assert snapshot(outside) == before
    assert stat.S_ISREG(feed.lstat().st_mode) and "topics/ai.atom.xml" in report.written


def test_hard_links_are_replaced_or_unlinked_never_written_through(project):
    out, outside = project / "feeds", project / "outside"
    feed = out / "topics" / "ai.rss.xml"
    feed.unlink()
    os.link(outside / "precious.txt", feed)
    os.link(outside / "precious.txt", out / "hard.txt")
    add_to_manifest(out, "hard.txt")
    before = snapshot(outside)
    report = build(config_of(project))
    assert snapshot(outside) == before
    assert "topics/ai.rss.xml" in report.written and report.removed == ["hard.txt"]
    assert feed.stat().st_nlink == 1 and not (out / "hard.txt").exists()


def test_the_output_folder_itself_may_be_a_link(tmp_path):
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    real = tmp_path / "real-feeds"
    real.mkdir()
    (tmp_path / "feeds").symlink_to(real)
    report = build(make_config(tmp_path))
    assert "all.rss.xml" in report.written and (real / "all.rss.xml").is_file()


def test_folders_a_build_emptied_are_removed_and_no_others(project):
    out = project / "feeds"
    (out / "archive" / "mine").mkdir()  # empty, but not feedpub's to remove
    for n in (1, 3, 5):  # every article of Topic 1
        (project / "seeds" / f"{n}.txt").unlink()
    report = build(config_of(project))
    assert any(path.startswith("archive/topics/topic-1/") for path in report.removed)
    assert not (out / "archive" / "topics" / "topic-1").exists()
    assert (out / "archive" / "topics").is_dir() and (out / "archive" / "mine").is_dir()


def test_every_folder_with_a_new_or_removed_file_is_synced(project, monkeypatch):
    out = project / "feeds"
    synced = Counter()
    real_fsync = os.fsync

    def fsync(fd):
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            synced[st.st_ino] += 1
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    edit_a_seed(project)
    (project / "seeds" / "0.txt").unlink()
    report = build(config_of(project))
    changed = {os.path.dirname(path) for path in report.written + report.removed}
    assert "" in changed and "topics" in changed and "archive/topics/ai" in changed
    for folder in changed:
        assert synced[(out / folder).stat().st_ino] >= 1, folder
    assert synced[(out / "topics").stat().st_ino] == 1  # once per build, not once per file


def test_the_manifest_naming_new_files_is_synced_before_they_are_written(project, monkeypatch):
    out = project / "feeds"
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        if os.fstat(fd).st_ino == out.stat().st_ino:
            events.append("sync output folder")
        return real_fsync(fd)

    def replace(source, target, **kwargs):
        events.append(f"rename {Path(target).relative_to(out).as_posix()}")
        return real_replace(source, target, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_seed(project / "seeds", "6.txt", **article_fields(6, topics=["New Topic"]))
    report = build(config_of(project))
    new = [path for path in report.written if path.startswith("topics/new-topic.")]
    assert new and events[:2] == [f"rename {MANIFEST_NAME}", "sync output folder"]
    assert all(f"rename {path}" in events[2:] for path in new)


def test_every_written_file_is_synced_before_it_takes_its_name(project, monkeypatch):
    out = project / "feeds"
    synced, unsynced_renames = set(), []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        real_fsync(fd)
        synced.add(os.fstat(fd).st_ino)

    def replace(source, target, **kwargs):
        if os.lstat(source).st_ino not in synced:
            unsynced_renames.append(Path(target).relative_to(out).as_posix())
        return real_replace(source, target, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    edit_a_seed(project)
    write_seed(project / "seeds", "6.txt", **article_fields(6, topics=["New Topic"]))
    report = build(config_of(project))
    assert len(report.written) >= 4 and MANIFEST_NAME not in report.written
    assert unsynced_renames == []


def test_staged_files_are_synced_while_the_next_render_and_renamed_once_all_are(project, monkeypatch):
    # The disk writes a staged file while the build renders the next one; yet
    # no file takes its name before every staged file is durable.
    from feedpub.writers import OutputFolder

    first_synced = threading.Event()
    staged, synced, early_renames = [], set(), []
    real_fsync, real_replace, real_stage = os.fsync, os.replace, OutputFolder.stage_if_changed

    def fsync(fd):
        real_fsync(fd)
        synced.add(os.fstat(fd).st_ino)
        if staged and staged[0] in synced:
            first_synced.set()

    def stage(self, name, chunks):
        if staged:
            # Bounded, so that a build that syncs only at the end fails here instead of hanging.
            assert first_synced.wait(timeout=30), "the first staged file was not synced while the next rendered"
        temporary = real_stage(self, name, chunks)
        if temporary is not None:
            staged.append(os.lstat(temporary).st_ino)
        return temporary

    def replace(source, target, **kwargs):
        if os.lstat(source).st_ino in staged and not synced.issuperset(staged):
            early_renames.append(target)
        return real_replace(source, target, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(OutputFolder, "stage_if_changed", stage)
    edit_a_seed(project)
    report = build(config_of(project))
    assert len(staged) == len(report.written) >= 4
    assert early_renames == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tells staged files by /proc/self/fd")
def test_a_staged_file_that_cannot_be_synced_is_named_and_nothing_is_replaced(project, monkeypatch):
    out = project / "feeds"
    before = feed_files(out)
    edit_a_seed(project)
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode) and os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(WriteError) as caught:
        build(config_of(project))
    name, _, reason = str(caught.value).partition(": ")
    assert reason == f"cannot write: {os.strerror(errno.EIO)}"
    assert Path(name).relative_to(out).as_posix() in before
    assert feed_files(out) == before  # every old file whole, no temporary file left


def disk_full(fd, data):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_names_the_file_and_leaves_the_old_one_whole(project, monkeypatch):
    out = project / "feeds"
    before = feed_files(out)
    edit_a_seed(project)

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(WriteError) as caught:
        build(config_of(project))
    message = str(caught.value)
    name, _, reason = message.partition(": ")
    assert reason == "cannot write: No space left on device"
    assert Path(name).relative_to(out).as_posix() in before
    assert feed_files(out) == before  # every old file whole, no temporary file left


def test_a_full_disk_on_the_command_line_exits_1_naming_the_file(project, monkeypatch):
    monkeypatch.chdir(project)
    edit_a_seed(project)
    monkeypatch.setattr(os, "write", disk_full)
    result = CliRunner().invoke(cli, ["build", "-q", "--no-cache", "--archive", "--limit", "2"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: feeds/") and result.stderr.endswith(": cannot write: No space left on device\n")


@pytest.mark.parametrize("args", [["build"], ["build", "--check"], ["serve"]])
def test_an_output_folder_that_is_a_file_is_a_usage_error(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    (tmp_path / "feeds").write_text("a file")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == "Error: feeds is a file, not a folder\n"


def test_build_refuses_an_output_folder_that_is_a_file(tmp_path):
    write_seed(tmp_path / "seeds", "1.txt", **article_fields(1))
    (tmp_path / "feeds").write_text("a file")
    for check in (False, True):
        with pytest.raises(OutputError, match="feeds is a file, not a folder"):
            build(make_config(tmp_path), check=check)


LIMITED_BUILD = """
import resource, signal, sys
from feedpub.cli import main
# Writing past RLIMIT_FSIZE fails with EFBIG (once SIGXFSZ no longer kills the process): a real
# OS error in the middle of a write, as a full disk gives one.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.argv[1:] = ["build", "-q", "--no-cache", "--archive", "--limit", "2"]
main()
"""


def test_a_write_the_system_cuts_short_names_the_file_and_leaves_the_old_one(project):
    out = project / "feeds"
    before = feed_files(out)
    edit_a_seed(project)
    result = subprocess.run([sys.executable, "-c", LIMITED_BUILD, "64"], cwd=project, capture_output=True,
                            text=True)
    assert result.returncode == 1
    name, _, reason = result.stderr.removeprefix("Error: ").partition(": ")
    assert reason == f"cannot write: {os.strerror(errno.EFBIG)}\n"
    assert Path(name).relative_to("feeds").as_posix() in before
    assert feed_files(out) == before


@pytest.mark.parametrize("kind", ["folder", "named pipe"])
def test_a_feed_that_is_a_folder_or_pipe_stops_the_build_before_any_feed_changes(project, kind):
    out = project / "feeds"
    (out / "topics" / "ai.json").unlink()
    if kind == "folder":
        (out / "topics" / "ai.json").mkdir()
    else:
        os.mkfifo(out / "topics" / "ai.json")
    before = snapshot(out)
    # A new title: every feed would change, and in the order of writing ai.json comes after some.
    result = CliRunner().invoke(cli, ["build", "--archive", "--limit", "2", "--base-url", "https://feeds.example.org/",
                                      "--title", "new3", str(project / "seeds"), "--out", str(out), "--no-cache"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {out / 'topics' / 'ai.json'}: cannot write: it is a {kind}; "
                             "move it away so feedpub can write the file\n")
    assert snapshot(out) == before
    assert not list(out.rglob("*.tmp"))
