"""The change report: which feed items a build adds, removes or changes, per feed file."""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import article_fields, make_config, write_seed
from feedpub.build import build
from feedpub import changes
from feedpub.changes import diff_feed, format_changes, is_feed_file, parse_items
from feedpub.cli import cli
from feedpub.plan import SUFFIXES

build_module = importlib.import_module("feedpub.build")

FORMATS = tuple(SUFFIXES)
BASE_URL = "https://feeds.example.org/"


def run(tmp_path: Path, *args: str):
    config = ["--config", str(tmp_path / "none.toml")] if (tmp_path / "none.toml").exists() else []
    return CliRunner().invoke(cli, ["build", str(tmp_path / "seeds"), "--out", str(tmp_path / "feeds"),
                                    "--base-url", BASE_URL, "--cache-dir", str(tmp_path / "cache"),
                                    *config, *args], catch_exceptions=False)


# The scenario: seeds before and after one edited title, one removed and one added seed.
# Seed 2 alone has the topic Robots, seed 9 alone Space: one feed set goes, one comes.
BEFORE = {
    "1.txt": article_fields(1, topics=["AI"]),
    "2.txt": article_fields(2, topics=["AI", "Robots"]),
    "3.txt": article_fields(3, topics=["AI", "Space Law"]),
    "4.txt": article_fields(4, topics=["Climate"]),
}
AFTER = {
    **{name: fields for name, fields in BEFORE.items() if name != "2.txt"},
    "3.txt": article_fields(3, topics=["AI", "Space Law"], title="Article 3, retitled"),
    "9.txt": article_fields(9, topics=["Climate", "Space"]),
}


def write_seeds(tmp_path: Path, seeds: dict[str, dict]) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        if path.name not in seeds:
            path.unlink()
    for name, fields in seeds.items():
        write_seed(folder, name, **fields)


def slug(topic: str) -> str:
    return topic.lower().replace(" ", "-")


def members(seeds: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Feed base -> {link: title} of its items, worked out from the seed fields."""
    feeds: dict[str, dict[str, str]] = {"all": {}}
    for fields in seeds.values():
        feeds["all"][fields["webUrl"]] = fields["title"]
        for topic in fields["topics"]:
            feeds.setdefault(f"topics/{slug(topic)}", {})[fields["webUrl"]] = fields["title"]
    return feeds


def expected_changes() -> dict[str, dict[str, set[str]]]:
    """Feed file -> {"status", "+", "-", "~"} as the seeds say, for every file that changes."""
    before, after = members(BEFORE), members(AFTER)
    expected = {}
    for base in before.keys() | after.keys():
        old, new = before.get(base, {}), after.get(base, {})
        entry = {
            "status": "added" if base not in before else "removed" if base not in after else "changed",
            "+": set(new) - set(old),
            "-": set(old) - set(new),
            "~": {link for link in set(old) & set(new) if old[link] != new[link]},
        }
        if entry["+"] or entry["-"] or entry["~"]:
            for fmt in FORMATS:
                expected[base + SUFFIXES[fmt]] = entry
    return expected


def parse_text_report(stderr: str, out: str) -> dict[str, dict[str, set[str]]]:
    """The text report's files and the links of their items, by kind."""
    files: dict[str, dict[str, set[str]]] = {}
    current = None
    for line in stderr.splitlines():
        header = re.fullmatch(re.escape(out) + r"/(\S+): (.+)", line)
        if header:
            status = {"new feed": "added", "feed deleted": "removed"}.get(header[2], "changed")
            current = files[header[1]] = {"status": status, "+": set(), "-": set(), "~": set()}
            continue
        item = re.fullmatch(r"  ([-+~]) .*<(\S+)>(: .*)?", line)
        if item and current is not None:
            current[item[1]].add(item[2])
    return files


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """A built folder whose seeds then changed as BEFORE -> AFTER says."""
    write_seeds(tmp_path, BEFORE)
    assert run(tmp_path).exit_code == 0
    write_seeds(tmp_path, AFTER)
    return tmp_path


def test_check_lists_exactly_the_changed_items_per_feed_file(edited):
    result = run(edited, "--check")
    assert result.exit_code == 1
    expected = expected_changes()
    assert expected["topics/robots.rss.xml"]["status"] == "removed"  # the scenario covers both
    assert expected["topics/space.json"]["status"] == "added"
    assert parse_text_report(result.stderr, str(edited / "feeds")) == expected
    assert "feed deleted" in result.stderr and "new feed" in result.stderr
    # The item that changed says what changed.
    assert "title 'Article 3' -> 'Article 3, retitled'" in result.stderr


def test_check_writes_nothing_and_a_build_then_reports_the_same_with_verbose(edited):
    before = {p: p.read_bytes() for p in (edited / "feeds").rglob("*") if p.is_file()}
    run(edited, "--check")
    assert {p: p.read_bytes() for p in (edited / "feeds").rglob("*") if p.is_file()} == before
    result = run(edited, "-v")
    assert result.exit_code == 0
    assert parse_text_report(result.stderr, str(edited / "feeds")) == expected_changes()
    assert not (edited / "feeds" / "topics" / "robots.rss.xml").exists()
    again = run(edited, "-v")  # nothing changes now: no report lines at all
    assert parse_text_report(again.stderr, str(edited / "feeds")) == {}


def test_json_report_lists_the_same_changes(edited):
    report_file = edited / "report.json"
    result = run(edited, "--check", "--report", "json", "--report-file", str(report_file))
    assert result.exit_code == 1
    document = json.loads(report_file.read_text(encoding="utf-8"))
    assert document["out"] == str(edited / "feeds")
    found = {
        entry["path"]: {
            "status": entry["status"],
            "+": {item["link"] for item in entry["added"]},
            "-": {item["link"] for item in entry["removed"]},
            "~": {change["new"]["link"] for change in entry["changed"]},
        }
        for entry in document["files"]
    }
    assert found == expected_changes()
    changes = [change for entry in document["files"] for change in entry["changed"]]
    assert {tuple(change["fields"]) for change in changes} == {("title",)}
    assert {(change["old"]["title"], change["new"]["title"]) for change in changes} == {
        (BEFORE["3.txt"]["title"], AFTER["3.txt"]["title"])
    }
    assert parse_text_report(result.stderr, str(edited / "feeds")) == {}  # the report went to the file


def test_markdown_report_has_a_table_per_changed_file(edited):
    report_file = edited / "summary.md"
    run(edited, "--check", "--report", "markdown", "--report-file", str(report_file))
    text = report_file.read_text(encoding="utf-8")
    assert text.startswith("## Feed changes\n")
    kinds = {"added": "+", "removed": "-", "changed": "~"}
    found: dict[str, dict[str, set[str]]] = {}
    current = None
    for line in text.splitlines():
        header = re.fullmatch(r"### `(.+)`: (.+)", line)
        if header:
            path = header[1].removeprefix(str(edited / "feeds") + "/")
            status = {"new feed": "added", "feed deleted": "removed"}.get(header[2], "changed")
            current = found[path] = {"status": status, "+": set(), "-": set(), "~": set()}
        row = re.fullmatch(r"\| (added|removed|changed) \| (.*) \| (.*) \| (.*) \|", line)
        if row and current is not None:
            current[kinds[row[1]]].add(row[3].replace("\\", ""))
    assert found == expected_changes()
    assert "title 'Article 3' -> 'Article 3, retitled'" in text.replace("\\", "")


def test_a_normal_build_does_not_compare_feeds(edited, monkeypatch):
    calls = []

    def recording(function):
        return lambda *args: calls.append(function.__name__) or function(*args)

    monkeypatch.setattr(changes, "diff_feed", recording(diff_feed))
    # Old feeds are read for the comparison by build._old_feed (a normal build
    # may read them too, to copy unchanged items: reuse.py).
    monkeypatch.setattr(build_module, "_old_feed", recording(build_module._old_feed))
    assert run(edited).exit_code == 0
    assert run(edited, "--check", "-q").exit_code == 0
    assert calls == []
    write_seeds(edited, BEFORE)
    run(edited, "--check")  # and the patches do catch a comparison when one is asked for
    assert calls


def test_library_build_reports_changes_only_when_asked(edited):
    config = make_config(edited, seeds=edited / "seeds", out=edited / "feeds", cache_dir=edited / "cache")
    assert build(config, check=True).changes is None
    report = build(config, check=True, changes=True)
    assert {change.path for change in report.changes} == set(expected_changes())
    # Files are reported where the build decides them: written ones first, then removed ones.
    assert [c.path for c in report.changes] == [p for p in report.written + report.removed if is_feed_file(p)]


def feed_bytes(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("check", [False, True])
def test_report_file_in_a_missing_folder_is_refused_before_the_build_writes(edited, check):
    before = feed_bytes(edited / "feeds")
    report_file = edited / "missing" / "report.txt"
    result = run(edited, *(["--check"] if check else []), "--report-file", str(report_file))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --report-file {report_file}: the folder {report_file.parent} does not exist\n"
    assert feed_bytes(edited / "feeds") == before
    assert result.stdout == ""  # no summary: nothing was built


def test_report_file_in_an_unwritable_folder_is_refused_before_the_build_writes(edited, monkeypatch):
    before = feed_bytes(edited / "feeds")
    locked = edited / "locked"
    locked.mkdir(mode=0o500)
    if getattr(os, "geteuid", lambda: -1)() == 0:  # root may write anywhere: the folder says no as it would to anyone else
        access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked and access(path, mode))
    result = run(edited, "--report-file", str(locked / "report.txt"))
    assert result.exit_code == 2
    assert "cannot create a file in the folder" in result.stderr
    assert feed_bytes(edited / "feeds") == before


@pytest.mark.parametrize("name", ["all.json", "report.json", "topics/report.md"])
def test_report_file_inside_the_output_folder_is_refused(edited, name):
    out = edited / "feeds"
    before = feed_bytes(out)
    report_file = out / name
    result = run(edited, "--report", "json", "--report-file", str(report_file))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: --report-file {report_file} is inside the output folder {out}: it would "
                             f"overwrite a feed or be published with them; choose a file outside {out}\n")
    assert feed_bytes(out) == before


def test_report_file_linked_into_the_output_folder_is_refused(edited):
    link = edited / "report.json"
    link.symlink_to(edited / "feeds" / "all.json")
    before = feed_bytes(edited / "feeds")
    result = run(edited, "--report", "json", "--report-file", str(link))
    assert result.exit_code == 2
    assert "is inside the output folder" in result.stderr
    assert feed_bytes(edited / "feeds") == before


# diff_feed on its own: every format, every field.


def render_all(tmp_path: Path, seeds: dict[str, dict]) -> dict[str, bytes]:
    write_seeds(tmp_path, seeds)
    config = make_config(tmp_path, cache=False)
    build(config)
    return {fmt: (tmp_path / "feeds" / f"all{suffix}").read_bytes() for fmt, suffix in SUFFIXES.items()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_diff_names_each_changed_field(tmp_path, fmt):
    old = render_all(tmp_path / "old", {"1.txt": article_fields(1), "2.txt": article_fields(2)})
    edits = {"title": "New title", "excerpt": "New excerpt.", "publishedDateTime": "2020-05-05T05:05:00Z"}
    new = render_all(tmp_path / "new", {"1.txt": article_fields(1, **edits), "2.txt": article_fields(2)})
    path = "all" + SUFFIXES[fmt]
    change = diff_feed(path, old[fmt], new[fmt])
    assert (change.status, change.added, change.removed) == ("changed", (), ())
    [edit] = change.changed
    assert edit.new.link == article_fields(1)["webUrl"]
    assert edit.fields == ("title", "date", "summary")
    assert (edit.old.title, edit.new.title) == (article_fields(1)["title"], "New title")
    assert diff_feed(path, old[fmt], old[fmt]).changed == ()


@pytest.mark.parametrize("fmt", FORMATS)
def test_diff_of_a_new_and_of_a_deleted_feed(tmp_path, fmt):
    data = render_all(tmp_path, {"1.txt": article_fields(1), "2.txt": article_fields(2)})[fmt]
    path = "all" + SUFFIXES[fmt]
    links = [item.link for item in parse_items(path, data)]
    assert sorted(links) == sorted(article_fields(n)["webUrl"] for n in (1, 2))
    added = diff_feed(path, None, data)
    assert added.status == "added" and [item.link for item in added.added] == links
    removed = diff_feed(path, data, None)
    assert removed.status == "removed" and [item.link for item in removed.removed] == links


@pytest.mark.parametrize("old", [b"", b"<html/>", b"not xml <", b"\xff\xfe", b"[" * 100_000, b"<a>" * 100_000,
                                 b'{"items": 1}', b"[]"])
def test_an_old_file_that_is_no_feed_gives_a_note_not_a_traceback(tmp_path, old):
    data = render_all(tmp_path, {"1.txt": article_fields(1)})
    for fmt in FORMATS:
        change = diff_feed("all" + SUFFIXES[fmt], old, data[fmt])
        assert change.note and len(change.added) == 1
        assert "note:" in format_changes([change], "text")


def test_an_old_feed_with_an_external_entity_is_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    old = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
           '<rss version="2.0"><channel><item><guid>a</guid><title>&x;</title></item></channel></rss>').encode()
    [item] = parse_items("all.rss.xml", old)
    assert "SECRET" not in item.title


def test_markdown_cells_escape_what_would_break_the_table():
    from feedpub.changes import FileChange, Item

    item = Item("x", "A | B <script> *bold*\nnext", "https://e.org/?a=1&b=2", "", "")
    text = format_changes([FileChange("all.rss.xml", "added", added=(item,))], "markdown", "feeds")
    [row] = [line for line in text.splitlines() if line.startswith("| added")]
    assert row.count(" | ") == 3 and "<script>" not in row and "\n" not in row


def test_the_cli_offers_every_report_format():
    from feedpub import cli as cli_module

    assert cli_module.REPORT_FORMATS == changes.REPORT_FORMATS
