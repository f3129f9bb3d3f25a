"""The pre-commit hooks, run by the real pre-commit in a repository of seeds.

The hooks repository is a snapshot of this working tree committed to a
temporary git repository. pre-commit installs it with pip (from PyPI) into a
virtual environment of its own, which takes most of a minute. `try-repo`, the
way to try hooks before adding them, does that on every call (it uses a new
store each time), so it runs once, with every hook; the other runs use
`pre-commit run` with a config naming the same repository and commit, and
share one store in a temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from feedpub.hooks import build_hook
from feedpub.scaffold import EXAMPLE_SEED, init_project

ROOT = Path(__file__).parent.parent
GIT_IDENTITY = ["-c", "user.name=feedpub tests", "-c", "user.email=tests@example.org", "-c", "commit.gpgsign=false"]


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(folder), *GIT_IDENTITY, *args],
                            check=True, capture_output=True, text=True)
    return result.stdout


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> tuple[Path, str]:
    """This working tree (tracked and new files, not ignored ones) committed to a
    fresh repository: its path and commit."""
    snapshot = tmp_path_factory.mktemp("hooks-repo")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet staged is listed too
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture()
def seeds_repo(tmp_path: Path) -> Path:
    """A user's repository as `feedpub init` makes it, committed."""
    repo = tmp_path / "site"
    init_project(repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)


def run_hook(repo: Path, hook: str, hooks_repo: tuple[Path, str], home: Path) -> subprocess.CompletedProcess[str]:
    """`pre-commit run HOOK --all-files` with the hooks repository at its commit."""
    path, commit = hooks_repo
    config = repo.parent / "pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": str(path), "rev": commit, "hooks": [{"id": hook}]}]}),
                      encoding="utf-8")
    return pre_commit(repo, home, "run", hook, "--all-files", "--config", str(config))


def bad_seed_text(seeds_repo: Path) -> str:
    """The example seed with a link no feed may carry: an error."""
    good = (seeds_repo / "seeds" / EXAMPLE_SEED).read_text(encoding="utf-8")
    return good.replace("https://example.org/articles/hello-feedpub", "javascript:alert(1)")


@pytest.mark.slow
def test_try_repo_runs_both_hooks_and_both_fail_on_a_new_bad_seed(seeds_repo, hooks_repo, tmp_path):
    (seeds_repo / "seeds" / "bad.txt").write_text(bad_seed_text(seeds_repo), encoding="utf-8")
    git(seeds_repo, "add", "-A")
    path, commit = hooks_repo
    result = pre_commit(seeds_repo, tmp_path / "home", "try-repo", str(path), "--ref", commit, "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    statuses = {line.split(".")[0]: line.rsplit(".", 1)[-1] for line in result.stdout.splitlines() if "...." in line}
    assert statuses == {"feedpub check": "Failed", "feedpub build": "Failed"}, result.stdout
    assert "seeds/bad.txt:" in result.stdout  # the check names the seed
    assert (seeds_repo / "feeds" / "all.atom.xml").is_file()  # the build wrote the feeds


def test_the_hooks_file_declares_both_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"feedpub-check", "feedpub-build"}
    for hook in hooks.values():
        assert hook["pass_filenames"] is False
        assert hook["files"].startswith("^(seeds/")


@pytest.mark.slow
def test_check_hook_fails_on_a_bad_seed_and_passes_when_it_is_fixed(seeds_repo, hooks_repo, pre_commit_home):
    bad = seeds_repo / "seeds" / "bad.txt"
    good = (seeds_repo / "seeds" / EXAMPLE_SEED).read_text(encoding="utf-8")
    bad.write_text(bad_seed_text(seeds_repo), encoding="utf-8")
    git(seeds_repo, "add", "-A")

    failed = run_hook(seeds_repo, "feedpub-check", hooks_repo, pre_commit_home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "seeds/bad.txt:" in failed.stdout and "error:" in failed.stdout

    bad.write_text(good.replace("hello-feedpub", "second-article"), encoding="utf-8")
    git(seeds_repo, "add", "-A")
    passed = run_hook(seeds_repo, "feedpub-check", hooks_repo, pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr


@pytest.mark.slow
def test_build_hook_fails_when_it_wrote_feeds_then_passes(seeds_repo, hooks_repo, pre_commit_home):
    first = run_hook(seeds_repo, "feedpub-build", hooks_repo, pre_commit_home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "stage them" in first.stdout
    assert (seeds_repo / "feeds" / "all.atom.xml").is_file()

    second = run_hook(seeds_repo, "feedpub-build", hooks_repo, pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr

    # An edited seed makes the feeds stale again.
    seed = seeds_repo / "seeds" / EXAMPLE_SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("Hello from feedpub", "Hello again"),
                    encoding="utf-8")
    git(seeds_repo, "add", "-A")
    third = run_hook(seeds_repo, "feedpub-build", hooks_repo, pre_commit_home)
    assert third.returncode == 1, third.stdout + third.stderr
    assert "Hello again" in (seeds_repo / "feeds" / "all.atom.xml").read_text(encoding="utf-8")


def test_build_hook_exit_codes_in_process(tmp_path, monkeypatch, capsys):
    """The console script itself: 1 when it wrote, 0 when current, 2 passed on."""
    init_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as wrote:
        build_hook([])
    assert wrote.value.code == 1
    assert "stage them" in capsys.readouterr().err
    assert (tmp_path / "feeds" / "all.atom.xml").is_file()
    with pytest.raises(SystemExit) as current:
        build_hook([])
    assert current.value.code == 0
    assert capsys.readouterr() == ("", "")  # a passing hook is silent
    with pytest.raises(SystemExit) as usage:
        build_hook(["--limit", "x"])
    assert usage.value.code == 2
    assert "--limit" in capsys.readouterr().err
