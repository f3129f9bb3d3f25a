"""The README and docs/ document what the CLI, the config and CI really do, and their links resolve."""

import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest

from feedpub.cli import cli
from feedpub.config import Config

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
ARCHITECTURE = (DOCS / "architecture.md").read_text(encoding="utf-8")
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
FENCE = re.compile(r"^ *```.*?^ *```", re.M | re.S)


def section(text: str, heading: str) -> str:
    """The text under a heading line, up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n")
    next_heading = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, start + len(heading) + 1)
    return text[start:next_heading.start() if next_heading else len(text)]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_option_of_every_command_is_in_the_configuration_reference(command):
    assert f"### `feedpub {command}" in README, f"feedpub {command} has no section in README.md"
    reference = section(CONFIGURATION, f"## `feedpub {command}`")
    for param in cli.commands[command].params:
        if param.param_type_name == "option":
            for flag in [*param.opts, *param.secondary_opts]:
                assert f"`{flag}" in reference, f"feedpub {command} {flag} is not in docs/configuration.md"
        else:  # an argument, by the name its usage line shows
            assert f"`{(param.metavar or param.name.upper()).strip('[]')}" in reference
    assert cli.commands[command].help, f"feedpub {command} has no help text"


@pytest.mark.parametrize("key", [field.name for field in dataclasses.fields(Config)])
def test_every_config_key_is_documented(key):
    example = section(CONFIGURATION, "## The config file")
    assert re.search(rf"^{key} = ", example, re.M), f"{key} is not in the example of docs/configuration.md"
    table = section(CONFIGURATION, "## `feedpub build`")
    assert re.search(rf"^\|(?:[^|\\]|\\.)*\| `{key}` \|", table, re.M), f"{key} has no flag row in docs/configuration.md"
    assert re.search(rf"^# {key} = ", (ROOT / "feedpub.example.toml").read_text(encoding="utf-8"), re.M)


def test_architecture_lists_every_module_once():
    package = ROOT / "src" / "feedpub"
    modules = sorted(path.relative_to(package).as_posix() for path in package.rglob("*.py"))
    listed = re.findall(r"^\| `([\w/]+\.py)` \|", section(ARCHITECTURE, "## Modules"), re.M)
    assert sorted(listed) == modules


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    commands = re.findall(r"```sh\n(python3 -m venv .*)\n```", README)
    assert len(commands) == 2
    install_and_build, install_and_test = commands
    assert install_and_build.endswith("feedpub build")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()
    assert "feedpub build --check" in ci


def test_the_readme_stays_a_users_page():
    assert len(README.splitlines()) <= 300


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            anchor = github_anchor(match[1])
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    text = re.sub(r"`[^`\n]*`", "", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    for link in relative_links(page):
        file, _, anchor = link.partition("#")
        target = (page.parent / file).resolve() if file else page
        assert target.exists(), f"{page.name}: {link} leads to no file"
        if anchor:
            assert target.suffix == ".md", f"{page.name}: {link} has an anchor into a file that is not markdown"
            assert anchor in anchors(target), f"{page.name}: {link} leads to no heading"


def test_the_anchor_rule_is_githubs():
    assert github_anchor("`feedpub build [SEEDS]`") == "feedpub-build-seeds"
    assert github_anchor("The cache, the snapshot and the fast path") == "the-cache-the-snapshot-and-the-fast-path"
    assert github_anchor("Writing, clean-up and CI") == "writing-clean-up-and-ci"
    assert github_anchor("index.html") == "indexhtml"
