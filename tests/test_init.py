"""`feedpub init`: a new repository that builds at once, and nothing ever overwritten."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import fields
from pathlib import Path

import click
import frontmatter
import pytest
from click.testing import CliRunner

from feedpub import DEFAULT_CONFIG
from feedpub.cli import cli
from feedpub.scaffold import (
    CI_SERVICES,
    EXAMPLE_SEED,
    WORKFLOW,
    github_workflow,
    gitignore_lines,
    template,
)
from conftest import assert_valid_atom, parse_feed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10 only
    import tomli as tomllib


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file (and symbolic link) below ``folder`` by relative path, with a hash of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(
            path.read_bytes() if not path.is_symlink() else str(path.readlink()).encode()
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def test_init_then_build_and_check_publish_the_example(tmp_path, monkeypatch):
    repo = tmp_path / "new"
    result = run("init", str(repo))
    assert result.exit_code == 0, result.output
    written = [repo / "feedpub.toml", repo / "seeds" / EXAMPLE_SEED, repo / ".gitignore"]
    assert result.stdout.splitlines() == [f"wrote {path}" for path in written]
    assert not (repo / ".github").exists()

    monkeypatch.chdir(repo)
    build = run("build")
    assert build.exit_code == 0, build.output
    # The only diagnostic is the reminder that base_url is the user's to set.
    assert build.stderr.splitlines() == [line for line in build.stderr.splitlines() if "base_url" in line]
    check = run("check")
    assert check.exit_code == 0, check.output
    assert " 0 errors, 0 warnings" in check.stdout

    seed = frontmatter.loads(template("example-seed.txt")).metadata
    overall = parse_feed(repo / "feeds" / "all.atom.xml")
    assert [entry.title for entry in overall.entries] == [seed["title"]]
    assert overall.entries[0].link == seed["webUrl"]
    assert_valid_atom(repo / "feeds" / "all.atom.xml")
    (topic,) = seed["topics"]
    topic_feed = repo / "feeds" / "topics" / f"{topic.lower().replace(' ', '-')}.rss.xml"
    assert [entry.title for entry in parse_feed(topic_feed).entries] == [seed["title"]]


def test_the_example_seed_has_the_fields_a_seed_usually_has():
    seed = frontmatter.loads(template("example-seed.txt")).metadata
    assert seed["published"] is True
    for key in ("title", "excerpt", "webUrl", "provider", "topics"):
        assert seed[key], key
    assert seed["publishedDateTime"].utcoffset() is not None  # written with an offset
    (image,) = seed["images"]
    assert image["url"].startswith("https://")


def test_rerunning_init_writes_and_overwrites_nothing(tmp_path):
    assert run("init", str(tmp_path), "--ci", "github").exit_code == 0
    before = tree_hashes(tmp_path)
    again = run("init", str(tmp_path), "--ci", "github")
    assert again.exit_code == 0
    assert tree_hashes(tmp_path) == before
    lines = again.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("skipped ") for line in lines), lines


def test_existing_files_are_left_alone_and_reported(tmp_path):
    (tmp_path / "feedpub.toml").write_text('title = "Mine"\n', encoding="utf-8")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "mine.md").write_text("---\ntitle: mine\n---\n", encoding="utf-8")
    before = tree_hashes(tmp_path)
    result = run("init", str(tmp_path))
    assert result.exit_code == 0
    assert {path: digest for path, digest in tree_hashes(tmp_path).items() if path in before} == before
    lines = result.stdout.splitlines()
    assert lines[0] == f"skipped {tmp_path / 'feedpub.toml'}: it exists; left unchanged"
    # A repository that has seeds gets no extra, published article.
    assert lines[1].startswith(f"skipped {tmp_path / 'seeds' / EXAMPLE_SEED}: ")
    assert not (tmp_path / "seeds" / EXAMPLE_SEED).exists()


def test_a_dangling_symbolic_link_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere.toml"
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "feedpub.toml").symlink_to(target)
    result = run("init", str(tmp_path / "repo"))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("skipped ")
    assert not target.exists()


@pytest.mark.parametrize("existing, ends_with_newline", [
    ("node_modules/\n.feedpub-cache/\n", True),   # one needed line there, in another spelling
    ("node_modules/", False),                     # no final newline
    ("", True),                                   # an empty file
])
def test_gitignore_gets_only_the_missing_lines_once(tmp_path, existing, ends_with_newline):
    gitignore = tmp_path / ".gitignore"
    gitignore.write_text(existing, encoding="utf-8")
    present = {line.strip().strip("/") for line in existing.splitlines()}
    missing = [line for line in gitignore_lines() if line.strip("/") not in present]

    first = run("init", str(tmp_path))
    assert first.exit_code == 0
    assert f"appended {gitignore}: {', '.join(missing)}" in first.stdout.splitlines()
    text = gitignore.read_text(encoding="utf-8")
    assert text.startswith(existing)
    assert text.splitlines()[: len(existing.splitlines())] == existing.splitlines()  # no line glued on
    for line in missing:
        assert text.splitlines().count(line) == 1

    second = run("init", str(tmp_path))
    assert gitignore.read_text(encoding="utf-8") == text
    assert f"skipped {gitignore}: it already ignores the build cache and the lock file" in second.stdout


def test_gitignore_lines_ignore_the_cache_and_the_lock_file_of_the_defaults(tmp_path):
    assert gitignore_lines() == (f"/{DEFAULT_CONFIG.cache_dir}/", f"/{DEFAULT_CONFIG.out}/.feedpub.lock")


def test_ci_github_writes_the_workflow(tmp_path):
    result = run("init", str(tmp_path), "--ci", "github")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"wrote {tmp_path / WORKFLOW}"
    assert (tmp_path / WORKFLOW).read_text(encoding="utf-8") == github_workflow()


def test_the_ci_choices_are_the_services_init_knows():
    (option,) = [param for param in cli.commands["init"].params if param.name == "ci"]
    assert tuple(option.type.choices) == CI_SERVICES


@pytest.mark.parametrize("make", ["a file", "inside a file"])
def test_an_unusable_folder_is_a_usage_error(tmp_path, make):
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    folder = blocker if make == "a file" else blocker / "repo"
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {folder}: ")
    assert "Traceback" not in result.output
    assert blocker.read_text(encoding="utf-8") == "x"


def test_the_config_template_documents_every_key_with_its_default():
    """Each key appears once as a commented `# key = default` line, and that
    default is DEFAULT_CONFIG's; with nothing uncommented, the file is the defaults."""
    text = template("feedpub.toml")
    assert tomllib.loads(text) == {}
    documented = {}
    for match in re.finditer(r"^# (\w+) = (.+)$", text, flags=re.MULTILINE):
        key, value = match.groups()
        assert key not in documented, f"{key} documented twice"
        documented[key] = tomllib.loads(f"{key} = {value}")[key]
    expected = {}
    for field in fields(DEFAULT_CONFIG):
        value = getattr(DEFAULT_CONFIG, field.name)
        expected[field.name] = (
            list(value) if isinstance(value, tuple) else value.as_posix() if isinstance(value, Path) else value
        )
    assert documented == expected
