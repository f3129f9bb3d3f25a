"""The bad-input corpus (tests/fixtures/bad): every case next to good seeds.

Each case in expected.json says what must become of its file: rejected with a
message (and line), published (maybe with a warning), left unpublished, or
dropped as a duplicate. Whatever the case, every good seed is published and
every feed written parses and stays inside the output folder.
"""

import json
import re
import shutil
from pathlib import Path

import pytest

from feedpub import build
from feedpub.checks import check_seeds, format_report
from feedpub.seeds import MAX_SEED_BYTES

from conftest import FIXTURES, assert_valid_atom, make_config, parse_feed, write_seed, article_fields

CORPUS = FIXTURES / "bad"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
GOOD_LINKS = {f"https://good.example.com/{n}" for n in (1, 2, 3)}


def test_every_case_file_has_an_expectation_and_the_reverse():
    assert sorted(p.name for p in (CORPUS / "seeds").iterdir()) == sorted(EXPECTED)


def build_with_good(tmp_path: Path, *bad: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(CORPUS / "good", seeds)
    for path in bad:
        shutil.copyfile(path, seeds / path.name)
    config = make_config(tmp_path)
    return config, build(config)


def assert_outputs_are_sound(out: Path) -> dict:
    """Every file inside ``out``, every feed parses, every Atom feed is valid."""
    root = out.resolve()
    for path in out.rglob("*"):
        assert root in path.resolve().parents
    for path in out.rglob("*.xml"):
        parse_feed(path)
        if path.name.endswith(".atom.xml"):
            assert_valid_atom(path)
    return parse_feed(out / "all.atom.xml")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_case_has_its_defined_outcome_and_loses_no_good_seed(tmp_path, name):
    expected = EXPECTED[name]
    config, report = build_with_good(tmp_path, CORPUS / "seeds" / name)
    links = {entry.link for entry in assert_outputs_are_sound(config.out).entries}
    assert GOOD_LINKS <= links
    extra = links - GOOD_LINKS
    problems = report.errors if expected["outcome"] == "error" else report.warnings
    mine = [p for p in problems if Path(p.path).name == name]
    if expected["outcome"] == "error":
        assert extra == set() and len(report.errors) == 1
        [error] = mine
        assert expected["message"] in error.message
        assert error.line == expected["line"]
        assert str(error).startswith(f"{error.path}:{error.line}: " if error.line else f"{error.path}: ")
        assert len(error.message) < 150  # a short excerpt at most, never the file
    else:
        assert report.errors == []
        assert len(extra) == (1 if expected["outcome"] == "published" else 0)
        if expected["message"]:
            assert any(expected["message"] in w.message and w.line == expected["line"] for w in mine), mine


def test_the_whole_corpus_at_once(tmp_path):
    config, report = build_with_good(tmp_path, *(CORPUS / "seeds").iterdir())
    parsed = assert_outputs_are_sound(config.out)
    published = sum(case["outcome"] == "published" for case in EXPECTED.values())
    assert len(parsed.entries) == published + len(GOOD_LINKS)
    assert report.invalid == sum(case["outcome"] == "error" for case in EXPECTED.values())
    assert report.duplicates == 1


def test_markup_in_text_is_carried_as_text(tmp_path):
    config, _ = build_with_good(tmp_path, CORPUS / "seeds" / "html-markup.txt")
    for feed in ("all.atom.xml", "all.rss.xml"):
        entry = next(e for e in parse_feed(config.out / feed).entries if "script" in e.title)
        assert entry.title == "<script>alert(1)</script> & <b>bold</b>"
        assert entry.title_detail.type == "text/plain"
    raw = (config.out / "all.rss.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "<img" not in raw


def test_hostile_topic_names_get_safe_unique_file_names(tmp_path):
    config, report = build_with_good(tmp_path, CORPUS / "seeds" / "hostile-topics.txt")
    names = sorted(p.name for p in (config.out / "topics").iterdir())
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.(rss\.xml|atom\.xml|json)", name) for name in names), names
    assert len(names) == 3 * len(report.topics)
    assert "con-topic.rss.xml" in names and "etc.rss.xml" in names
    assert list(tmp_path.glob("etc*")) == [] and not Path("/etc/feedpub").exists()


def test_an_oversized_seed_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("---\ntitle: big\nexcerpt: " + "x" * MAX_SEED_BYTES + "\n---\n")
    config, report = build_with_good(tmp_path / "build", big)
    [error] = report.errors
    assert error.message == "file too large: seeds are limited to 1024 KiB"


def test_a_symlink_out_of_the_seeds_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("---\ntitle: CI_SECRET=hunter2\nwebUrl: https://leak.example/\npublishedDateTime: 2024-01-01\n"
                      "published: true\n---\n")
    seeds = tmp_path / "build" / "seeds"
    config, _ = build_with_good(tmp_path / "build")
    (seeds / "innocent.txt").symlink_to(secret)
    (seeds / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    report = build(config)
    assert [(Path(e.path).name, e.message) for e in report.errors] == [
        ("innocent.txt", "symbolic link to a file outside the seeds folder; not followed")
    ]
    everything = b"".join(p.read_bytes() for p in config.out.rglob("*") if p.is_file())
    assert b"hunter2" not in everything and b"leak.example" not in everything


def test_check_reports_every_case_and_the_extra_checks(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(CORPUS / "good", seeds)
    for path in (CORPUS / "seeds").iterdir():
        shutil.copyfile(path, seeds / path.name)
    write_seed(seeds, "spelling.txt", **article_fields(90, topics=["good news"]))
    report = check_seeds(make_config(tmp_path))
    found = {(Path(d.path).name, d.level, d.line, d.message) for d in report.diagnostics}
    for name, case in EXPECTED.items():
        if case["message"]:
            level = "error" if case["outcome"] == "error" else "warning"
            assert any(n == name and lv == level and case["message"] in m for n, lv, _, m in found), name
    assert ("far-future.txt", "warning", 4,
            "publishedDateTime 2999-01-01T00:00:00+00:00 is in the future; it is published as dated and sorts "
            "above every current article") in found
    topics_line = (seeds / "spelling.txt").read_text().splitlines().index("topics:") + 1
    [spelling] = [d for d in report.diagnostics if d.path.endswith("spelling.txt")]
    assert (spelling.level, spelling.line) == ("warning", topics_line)
    assert spelling.message.startswith("topic 'good news' differs only in case or spacing from 'Good News' (")
    assert report.errors == sum(case["outcome"] == "error" for case in EXPECTED.values())
    github = format_report(report, "github").splitlines()
    assert "::error file=" + str(seeds / "empty-title.txt").replace(":", "%3A") + ",line=2,title=feedpub::missing title" \
        in github
    document = json.loads(format_report(report, "json"))
    assert document["errors"] == report.errors and len(document["diagnostics"]) == len(report.diagnostics)
