"""`feedpub init`: the files a new repository of seeds starts with.

A commented ``feedpub.toml`` with every key at its default, one example seed,
the ``.gitignore`` lines feedpub needs and, for GitHub, a workflow that checks
pull requests and builds the feeds on pushes. The templates are package data
in ``feedpub/templates/``; ``templates/feeds.yml`` is byte for byte this
repository's own ``.github/workflows/feeds.yml`` (tests/test_workflows.py).

Nothing is ever overwritten: files are created with O_EXCL, so an existing
file (or a symbolic link, even a dangling one) is left alone and reported as
skipped, and ``.gitignore`` only gets the lines it lacks appended.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import __version__
from .config import DEFAULT_CONFIG
from .config_file import CONFIG_FILE
from .errors import OutputError
from .folder_lock import LOCK_NAME

CI_SERVICES = ("github",)
# The GitHub repository (owner/name) whose composite action (action.yml at its
# root) the workflow `init` writes runs, at the tag of this feedpub version:
# `uses: feedpub/feedpub@v<version>`. A user of a fork edits that line
# (docs/ci.md, "The action").
ACTION_REPOSITORY = "feedpub/feedpub"
# This repository's workflow runs the action from its own checkout.
LOCAL_ACTION = "uses: ./\n"
EXAMPLE_SEED = "example.txt"
WORKFLOW = Path(".github", "workflows", "feeds.yml")
GITIGNORE = ".gitignore"


@dataclass(frozen=True, slots=True)
class InitStep:
    """What ``init`` did with one file: ``status`` is wrote, appended or skipped;
    ``path`` is the file as the user named it (``DIR/...``); ``reason`` says why
    a file was skipped or what was appended."""

    status: str
    path: Path
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.status} {self.path}" + (f": {self.reason}" if self.reason else "")


def gitignore_lines() -> tuple[str, ...]:
    """The .gitignore lines a feedpub repository needs: the build cache and the lock file."""
    return (f"/{DEFAULT_CONFIG.cache_dir.as_posix()}/", f"/{DEFAULT_CONFIG.out.as_posix()}/{LOCK_NAME}")


def template(name: str) -> str:
    """The text of one template shipped in feedpub/templates/."""
    return resources.files("feedpub").joinpath("templates", name).read_text(encoding="utf-8")


def github_workflow(version: str = __version__) -> str:
    """The workflow for a user's repository: this repository's own, with the
    local action replaced by feedpub's action at the tag of ``version``."""
    text = template("feeds.yml")
    assert LOCAL_ACTION in text, "templates/feeds.yml no longer uses the local action"
    return text.replace(LOCAL_ACTION, f"uses: {ACTION_REPOSITORY}@v{version}\n")


def init_project(folder: Path, ci: str | None = None) -> tuple[InitStep, ...]:
    """Write the starting files of a feedpub repository into ``folder`` (created
    if missing); never overwrite one. Returns one step per file.

    The example seed is written only into a missing or empty seeds folder, so
    ``init`` in a repository that has seeds never publishes an extra article.
    Raises OutputError when ``folder`` is not a usable folder or a file cannot
    be written.
    """
    if ci is not None and ci not in CI_SERVICES:
        raise OutputError(f"unknown CI service {ci!r}: use one of {', '.join(CI_SERVICES)}")
    _make_folder(folder)
    steps = [
        _create(folder, Path(CONFIG_FILE), template("feedpub.toml")),
        _example_seed(folder),
        _merge_gitignore(folder),
    ]
    if ci == "github":
        steps.append(_create(folder, WORKFLOW, github_workflow()))
    return tuple(steps)


def _make_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{folder}: cannot create the folder: {error.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: the folder is not writable")


def _create(folder: Path, relative: Path, text: str) -> InitStep:
    """Create ``folder/relative`` with ``text`` unless something is there already."""
    path = folder / relative
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x" is O_CREAT | O_EXCL: it fails on any existing entry, a symbolic
        # link included, so there is no moment where an existing file could be replaced.
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        return InitStep("skipped", path, "it exists; left unchanged")
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    return InitStep("wrote", path)


def _example_seed(folder: Path) -> InitStep:
    seeds = folder / DEFAULT_CONFIG.seeds
    if not os.path.lexists(seeds / EXAMPLE_SEED) and seeds.is_dir() and any(seeds.iterdir()):
        return InitStep("skipped", seeds / EXAMPLE_SEED, f"{seeds} already has files; no example added")
    return _create(folder, DEFAULT_CONFIG.seeds / EXAMPLE_SEED, template("example-seed.txt"))


def _merge_gitignore(folder: Path) -> InitStep:
    """Append the lines .gitignore lacks; a line counts as there in any of the
    spellings git treats alike here (with or without the leading or trailing /)."""
    path = folder / GITIGNORE
    if not os.path.lexists(path):
        return _create(folder, Path(GITIGNORE), "# feedpub: build cache and lock file\n"
                       + "\n".join(gitignore_lines()) + "\n")
    if not path.is_file():
        return InitStep("skipped", path, "not a regular file; left unchanged")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OutputError(f"{path}: cannot read: {error}") from None
    present = {_ignore_key(line) for line in text.splitlines()}
    missing = [line for line in gitignore_lines() if _ignore_key(line) not in present]
    if not missing:
        return InitStep("skipped", path, "it already ignores the build cache and the lock file")
    addition = ("" if not text or text.endswith("\n") else "\n") + "# feedpub: build cache and lock file\n"
    try:
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(addition + "\n".join(missing) + "\n")
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    return InitStep("appended", path, ", ".join(missing))


def _ignore_key(line: str) -> str:
    return line.strip().strip("/")
