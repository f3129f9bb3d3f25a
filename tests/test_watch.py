"""`feedpub serve --watch` and feedpub.watch, with real file watching and real HTTP.

Waits are bounded polls (a condition checked every 0.1 s, failing after
DEADLINE seconds), never fixed sleeps that a loaded machine could outrun.
"""

import filecmp
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

import feedparser
import pytest

from feedpub import build
from feedpub.config import DEFAULT_CONFIG, apply_overrides, load_config
from feedpub import watch
from feedpub.scan import scan_seed_files
from feedpub.watch import LiveScan, Rebuild, watch_and_build

from conftest import article_fields, make_config, seed_text, write_seed

# Seconds any one expected event may take on a loaded CI machine.
DEADLINE = 60.0


def wait_for(condition: Callable[[], object], what: str) -> object:
    """Poll ``condition`` until it returns something true; fail after DEADLINE seconds."""
    give_up = time.monotonic() + DEADLINE
    while time.monotonic() < give_up:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"not within {DEADLINE:.0f} s: {what}")


class Lines:
    """The lines a stream gives, read by a thread as they come."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)

    def matching(self, pattern: str) -> list[str]:
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return [line for line in self.lines if re.search(pattern, line)]


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except (urllib.error.URLError, OSError):
        return None


def served_titles(url: str) -> list[str] | None:
    data = fetch(url)
    return None if data is None else [entry.title for entry in feedparser.parse(data).entries]


@pytest.fixture
def project(tmp_path):
    """A repository with three seeds and a feedpub.toml."""
    for n in (1, 2, 3):
        write_seed(tmp_path / "seeds", f"{n}.md", **article_fields(n))
    (tmp_path / "feedpub.toml").write_text('base_url = "http://127.0.0.1/"\n', encoding="utf-8")
    return tmp_path


def test_serve_watch_rebuilds_on_edits_and_keeps_serving_through_bad_seeds_and_config(project):
    command = [sys.executable, "-m", "feedpub", "serve", "--watch", "--port", "0", "-q"]
    server = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        out, err = Lines(server.stdout), Lines(server.stderr)
        serving = wait_for(lambda: err.matching(r"^Serving .* at http://127\.0\.0\.1:\d+/"), "the Serving line")
        feed = re.search(r"http://127\.0\.0\.1:\d+/", serving[0]).group() + "all.atom.xml"
        wait_for(lambda: out.matching(r"^3 seeds read: 3 published"), "the summary of the build at start")
        assert "Article 2" in served_titles(feed)

        write_seed(project / "seeds", "2.md", **article_fields(2, title="Edited while serving"))
        wait_for(lambda: "Edited while serving" in (served_titles(feed) or []), "the edited title served")
        wait_for(lambda: len(out.matching(r"^3 seeds read: 3 published.*; files: [1-9]\d* written")) == 2,
                 "the rebuild's summary")

        write_seed(project / "seeds", "3.md", text="---\ntitle: [unclosed\n---\n")
        wait_for(lambda: err.matching(r"3\.md:\d+: "), "the broken seed's error")
        wait_for(lambda: out.matching(r"^3 seeds read: 2 published.* 1 invalid"), "a summary with the error")
        assert served_titles(feed) == ["Edited while serving", "Article 1"]  # what `feedpub build` gives

        (project / "feedpub.toml").write_text("limt = 3\n", encoding="utf-8")
        wait_for(lambda: err.matching(r"^error: .*feedpub\.toml: unknown key 'limt'.*still serving"),
                 "the config error")
        assert served_titles(feed) == ["Edited while serving", "Article 1"]
        write_seed(project / "seeds", "3.md", **article_fields(3, title="Mended"))  # the last good config applies
        wait_for(lambda: "Mended" in (served_titles(feed) or []), "a rebuild after the config error")

        (project / "feedpub.toml").write_text('base_url = "http://127.0.0.1/"\nlimit = 1\n', encoding="utf-8")
        wait_for(lambda: served_titles(feed) == ["Mended"], "the new config in force")
        (project / "feedpub.toml").write_text('base_url = "http://127.0.0.1/"\nout = "site"\n', encoding="utf-8")
        wait_for(lambda: err.matching(r"^warning: the output folder is now .*site, but feeds is still served"),
                 "the warning that the served folder is not the one built")
        assert (project / "site" / "all.atom.xml").is_file() and served_titles(feed) == ["Mended"]
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = server.wait(timeout=DEADLINE)
        finally:
            server.kill()
    assert code == 0
    assert not [line for line in out.matching(".") + err.matching(".") if "Traceback" in line]


def test_sigterm_stops_serve_watch(project):
    server = subprocess.Popen([sys.executable, "-m", "feedpub", "serve", "--watch", "--port", "0", "-q"],
                              cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        err = Lines(server.stderr)
        wait_for(lambda: err.matching("^Serving "), "the Serving line")
        server.terminate()
        server.wait(timeout=DEADLINE)
    finally:
        server.kill()
    assert server.returncode is not None


class Watching:
    """watch_and_build in a thread, recording every Rebuild."""

    def __init__(self, config, config_files=None, load=None) -> None:
        self.rebuilds: list[Rebuild] = []
        self.stop = threading.Event()
        self.config = config
        self.thread = threading.Thread(
            target=watch_and_build,
            args=(config, config_files, load or (lambda: config), self.rebuilds.append, self.stop), daemon=True)

    def __enter__(self) -> "Watching":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive(), "the watcher did not stop"

    def ready(self, seeds: Path) -> None:
        """Touch a seed until a rebuild shows the watcher runs (it starts in its thread)."""
        def rebuilt() -> bool:
            write_seed(seeds, "1.md", **article_fields(1))
            time.sleep(0.2)
            return bool(self.rebuilds)
        wait_for(rebuilt, "a first rebuild")


def test_a_burst_of_100_writes_gives_one_or_two_rebuilds_that_match_a_fresh_build(tmp_path):
    write_seed(tmp_path / "seeds", "1.md", **article_fields(1))
    config = make_config(tmp_path)
    build(config)
    with Watching(config) as watching:
        watching.ready(tmp_path / "seeds")
        texts = {tmp_path / "seeds" / f"{n}.md": seed_text(**article_fields(n, topics=[f"T{n % 7}"]))
                 for n in range(2, 102)}
        for path, text in texts.items():  # as fast as a `git checkout` writes them
            path.write_text(text, encoding="utf-8")
        burst = set(texts)
        wait_for(lambda: any(r.report and r.report.read == 101 for r in watching.rebuilds), "all 101 seeds built")
        time.sleep(2 * 1.6)  # twice watchfiles' longest grouping: any further rebuild would have come by now
        after = [r for r in watching.rebuilds if burst & set(r.paths)]
    assert 1 <= len(after) <= 2, [len(r.paths) for r in after]
    assert set().union(*(r.paths for r in after)) == burst
    assert all(r.error is None for r in watching.rebuilds)
    fresh = apply_overrides(config, out=tmp_path / "fresh", cache=False)
    build(fresh)
    names = sorted(p.relative_to(fresh.out) for p in fresh.out.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(config.out) for p in config.out.rglob("*") if p.is_file())
    assert len(names) > 10
    assert filecmp.cmpfiles(fresh.out, config.out, [str(n) for n in names], shallow=False)[0] == [str(n) for n in names]


def test_files_outside_the_seed_patterns_trigger_no_rebuild(tmp_path):
    write_seed(tmp_path / "seeds", "1.md", **article_fields(1))
    config = make_config(tmp_path)
    build(config)
    with Watching(config) as watching:
        watching.ready(tmp_path / "seeds")
        (tmp_path / "seeds" / ".drafts").mkdir()
        for name in (".1.md.swp", "1.md~", "notes.docx", "1.MD", ".drafts/3.md"):
            (tmp_path / "seeds" / name).write_text("x")
        write_seed(tmp_path / "seeds", "2.md", **article_fields(2))  # and then a real one
        wait_for(lambda: any(r.report and r.report.read == 2 for r in watching.rebuilds), "the new seed built")
    seen = {path.name for rebuild in watching.rebuilds for path in rebuild.paths}
    assert seen == {"1.md", "2.md"}


def test_build_settings_without_watch_are_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from feedpub.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--out", str(tmp_path), "--limit", "3", "--topic", "AI"])
    assert result.exit_code == 2
    assert "Error: --topic, --limit: build settings apply only with --watch" in result.stderr


def test_serve_watch_with_an_output_folder_it_must_not_write_exits_2_before_serving(project):
    from click.testing import CliRunner

    from feedpub.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--watch", "--port", "0", str(project / "seeds"),
                                      "--out", str(project / "seeds" / "feeds")])
    assert result.exit_code == 2
    assert "is the seeds folder or inside it" in result.stderr and "Serving" not in result.stderr


def test_one_edit_gives_one_rebuild_and_no_second_one_from_the_check_of_the_scan(tmp_path):
    for n in (1, 2):
        write_seed(tmp_path / "seeds", f"{n}.md", **article_fields(n))
    config = make_config(tmp_path)
    build(config)
    with Watching(config) as watching:
        watching.ready(tmp_path / "seeds")
        edited = write_seed(tmp_path / "seeds", "2.md", **article_fields(2, title="Edited"))
        wait_for(lambda: any(edited.absolute() in r.paths for r in watching.rebuilds), "the edit's rebuild")
        time.sleep(1.0)  # five of the watcher's idle ticks: the full scan that checks the rebuild has run
    assert [r for r in watching.rebuilds if not r.paths] == []
    assert "Edited" in (config.out / "all.atom.xml").read_text(encoding="utf-8")


def test_a_change_no_event_reported_is_built_once_the_scan_is_checked(tmp_path):
    # The watcher never reports files in the cache folder, but a seed put there is
    # read by a build like any other: a stand-in for an event the watcher lost.
    write_seed(tmp_path / "seeds", "1.md", **article_fields(1))
    config = make_config(tmp_path, cache_dir=tmp_path / "seeds" / "store")
    build(config)
    with Watching(config) as watching:
        watching.ready(tmp_path / "seeds")
        write_seed(tmp_path / "seeds" / "store", "2.md", **article_fields(2, title="Unreported"))
        write_seed(tmp_path / "seeds", "1.md", **article_fields(1, title="Reported"))
        wait_for(lambda: any(r.report and r.report.read == 2 for r in watching.rebuilds), "the unreported seed built")
    assert "Unreported" in (config.out / "all.atom.xml").read_text(encoding="utf-8")


@pytest.fixture
def counted_scans(monkeypatch):
    """How many full scans feedpub.watch has taken."""
    calls = []

    def scan(*args, **kwargs):
        calls.append(args)
        return scan_seed_files(*args, **kwargs)

    monkeypatch.setattr(watch, "scan_seed_files", scan)
    return calls


def test_the_live_scan_follows_edits_additions_and_removals_without_a_full_scan(tmp_path, counted_scans):
    seeds = tmp_path / "seeds"
    for n, name in enumerate(("1.md", "b/2.md", "b/c/3.txt", "a.md")):
        write_seed(seeds, name, **article_fields(n))
    config = make_config(tmp_path)
    root = seeds.absolute()
    scan = LiveScan()
    assert scan.after(config, ()) == scan_seed_files(root, config.patterns) and len(counted_scans) == 1
    write_seed(seeds, "b/2.md", **article_fields(2, title="A longer title than before"))
    write_seed(seeds, "b/0.md", **article_fields(5))  # new, and sorts before b/2.md
    write_seed(seeds, "b/c/4.md", **article_fields(4))
    (seeds / "1.md").unlink()
    paths = [root / "b" / "2.md", root / "b" / "0.md", root / "b" / "c" / "4.md", root / "1.md"]
    assert scan.after(config, paths) == scan_seed_files(root, config.patterns)
    assert len(counted_scans) == 1
    assert not scan.missed_changes()  # which takes the full scan that checks it
    assert len(counted_scans) == 2


def test_the_live_scan_takes_a_full_scan_for_folders_links_and_other_kinds_of_file(tmp_path, counted_scans):
    seeds = tmp_path / "seeds"
    for n in (1, 2):
        write_seed(seeds, f"{n}.md", **article_fields(n))
    config = make_config(tmp_path)
    root = seeds.absolute()
    scan = LiveScan()
    scan.after(config, ())
    write_seed(seeds / "moved-in", "3.md", **article_fields(3))
    (seeds / "folder.md").mkdir()
    steps = [
        [root / "moved-in"],  # a folder of seeds: what is in it, only a scan tells
        [root / "folder.md"],  # a folder named like a seed
        [root / "notes.docx"],  # not a seed's name
        [tmp_path.absolute() / "elsewhere.md"],  # not in the seeds folder
    ]
    for n, paths in enumerate(steps, 2):
        assert scan.after(config, paths) == scan_seed_files(root, config.patterns)
        assert len(counted_scans) == n, paths
    (seeds / "2.md").unlink()
    (seeds / "2.md").symlink_to(root / "1.md")
    assert scan.after(config, [root / "2.md"]) == scan_seed_files(root, config.patterns)
    assert scan.files.links and len(counted_scans) == 6
    write_seed(seeds, "1.md", **article_fields(1, title="Edited"))
    assert scan.after(config, [root / "1.md"]) == scan_seed_files(root, config.patterns)
    assert len(counted_scans) == 7  # the last scan found a link: no updating it


def test_the_live_scan_finds_what_the_events_did_not_tell(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.md", **article_fields(1))
    config = make_config(tmp_path)
    root = seeds.absolute()
    scan = LiveScan()
    scan.after(config, ())
    assert not scan.missed_changes()  # a full scan needs no check
    write_seed(seeds, "1.md", **article_fields(1, title="Told"))
    write_seed(seeds, "2.md", **article_fields(2))  # no event names it
    assert scan.after(config, [root / "1.md"]) != scan_seed_files(root, config.patterns)
    assert scan.missed_changes()
    assert scan.after(config, ()) == scan_seed_files(root, config.patterns)
    assert not scan.missed_changes()


def built_titles(config) -> list[str]:
    return [entry.title for entry in feedparser.parse((config.out / "all.atom.xml").read_bytes()).entries]


@pytest.mark.parametrize("how", ["copied back", "renamed back", "replaced at once"])
def test_a_seeds_folder_removed_and_put_back_is_watched_again(tmp_path, how):
    seeds = tmp_path / "seeds"
    for n in (1, 2):
        write_seed(seeds, f"{n}.md", **article_fields(n))
    config = make_config(tmp_path)
    build(config)
    with Watching(config) as watching:
        watching.ready(seeds)
        if how == "replaced at once":  # a new folder (a new inode) at the same path, maybe with no event between
            shutil.copytree(seeds, tmp_path / "copy")
            shutil.rmtree(seeds)
            (tmp_path / "copy").rename(seeds)
        else:
            if how == "copied back":
                shutil.copytree(seeds, tmp_path / "copy")
                shutil.rmtree(seeds)
            else:
                seeds.rename(tmp_path / "away")
            wait_for(lambda: any("seeds folder not found" in str(r.error) for r in watching.rebuilds),
                     "the error while the folder is gone")
            (tmp_path / ("copy" if how == "copied back" else "away")).rename(seeds)
        for title in ("Edited once back", "Edited again"):
            write_seed(seeds, "2.md", **article_fields(2, title=title))
            wait_for(lambda: title in built_titles(config), f"the rebuild after {title!r}")
    assert watching.rebuilds[-1].error is None and watching.rebuilds[-1].report.read == 2


@pytest.fixture
def in_project(tmp_path, monkeypatch):
    """tmp_path as the working directory, with two seeds and their feeds built:
    what `feedpub serve --watch` without --config watches."""
    monkeypatch.chdir(tmp_path)
    for n in (1, 2):
        write_seed(tmp_path / "seeds", f"{n}.md", **article_fields(n))
    return tmp_path


def watching_the_project(config) -> Watching:
    """Watching as the CLI does without --config: both config files, and the settings read again from the one that applies."""
    return Watching(config, (Path("feedpub.toml"), Path("pyproject.toml")), load=load_config)


def test_a_config_file_deleted_then_created_again_is_read_and_watched_again(in_project):
    toml = in_project / "feedpub.toml"
    toml.write_text('title = "One"\n', encoding="utf-8")
    config = load_config()
    build(config)
    with watching_the_project(config) as watching:
        watching.ready(in_project / "seeds")
        toml.unlink()
        wait_for(lambda: watching.rebuilds[-1].config.title == DEFAULT_CONFIG.title, "the defaults in force")
        for title in ("Two", "Three"):  # created again, then edited
            toml.write_text(f'title = "{title}"\n', encoding="utf-8")
            wait_for(lambda: watching.rebuilds[-1].config.title == title, f"title {title!r} in force")
    assert all(r.error is None for r in watching.rebuilds)


def test_a_feedpub_toml_created_next_to_the_pyproject_toml_in_use_takes_over(in_project):
    (in_project / "pyproject.toml").write_text('[tool.feedpub]\ntitle = "From pyproject"\n', encoding="utf-8")
    config = load_config()
    build(config)
    assert config.title == "From pyproject"
    with watching_the_project(config) as watching:
        watching.ready(in_project / "seeds")
        (in_project / "feedpub.toml").write_text('title = "From feedpub.toml"\n', encoding="utf-8")
        wait_for(lambda: watching.rebuilds[-1].config.title == "From feedpub.toml", "feedpub.toml in force")


def test_a_link_that_led_nowhere_is_built_once_its_target_appears(tmp_path):
    seeds = tmp_path / "seeds"
    write_seed(seeds, "1.md", **article_fields(1))
    (seeds / "2.md").symlink_to(seeds.absolute() / ".drafts" / "2.md")  # no event in a hidden folder
    config = make_config(tmp_path)
    build(config)
    with Watching(config) as watching:
        watching.ready(seeds)
        write_seed(seeds / ".drafts", "2.md", **article_fields(2, title="Target appeared"))
        wait_for(lambda: "Target appeared" in built_titles(config), "the link's seed built")
