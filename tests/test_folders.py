"""A seeds folder as folders really are: links, special files, unreadable and
over-long paths, names that are not UTF-8. No traceback, no hang, and the
cache never answers differently from a build without it.

What could hang (named pipes) or print (file names) runs in a child process
with a timeout; what needs a user whom permissions bind runs as `nobody`."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from datetime import timezone
from pathlib import Path
from typing import Callable

import pytest

from feedpub import build
from feedpub.checks import check_seeds, format_report
from feedpub.collect import collect
from feedpub.config import apply_overrides

from conftest import article_fields, feed_files, make_config, write_seed

TESTS = Path(__file__).parent
CLI = [sys.executable, "-m", "feedpub"]
BASE_URL = "https://feeds.example.org/"
# Time enough for a loaded machine; what blocks would take forever.
TIMEOUT = 120
# A name that is not UTF-8, as os gives it (PEP 383): b"caf\xe9.txt".
NOT_UTF8 = os.fsdecode(b"caf\xe9.txt")


def outcome(config, cache: bool) -> dict:
    """What a build and a check of ``config`` report and write, with or without the cache."""
    config = apply_overrides(config, cache=cache)
    report = build(config)
    checked = format_report(check_seeds(config), "text")
    return {
        "files": feed_files(config.out),
        "errors": [str(e) for e in report.errors],
        "warnings": [str(w) for w in report.warnings],
        "counts": (report.read, report.invalid, report.duplicates, report.counts),
        "check": checked,
    }


def project(tmp_path: Path) -> Path:
    """seeds/ with a plain seed, a secret, a subfolder with its own seed and
    a link to the secret (inside the seeds folder, outside the subfolder)."""
    seeds = tmp_path / "seeds"
    write_seed(seeds, "a.txt", **article_fields(1, topics=["Plain"]))
    write_seed(seeds, "secret.txt", **article_fields(2, title="CI_SECRET=hunter2", topics=["Secret"]))
    write_seed(seeds, "sub/own.txt", **article_fields(3, topics=["Own"]))
    (seeds / "sub" / "link.txt").symlink_to("../secret.txt")
    return seeds


def _move_out_and_link(seeds: Path) -> None:
    # Same inode, size and times as the file the cache knows: only that it is a link now differs.
    outside = seeds.parent / "outside"
    outside.mkdir(exist_ok=True)
    (seeds / "sub" / "own.txt").rename(outside / "own.txt")
    (seeds / "sub" / "own.txt").symlink_to(outside / "own.txt")


def _retarget(seeds: Path) -> None:
    (seeds / "sub" / "link.txt").unlink()
    (seeds / "sub" / "link.txt").symlink_to("../a.txt")


def _odd_files(seeds: Path) -> None:
    (seeds / "self.txt").symlink_to("self.txt")
    (seeds / "gone.txt").symlink_to("nothing-here.txt")
    (seeds / "folder.txt").symlink_to("sub", target_is_directory=True)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(seeds / "socket.txt"))
    write_seed(seeds, NOT_UTF8, **article_fields(4, topics=["Caf\u00e9"]))


def _remove_odd_files(seeds: Path) -> None:
    for name in ("self.txt", "gone.txt", "folder.txt", "socket.txt"):
        (seeds / name).unlink()


# Each step changes the folder (or which folder is built) and says which folder to build.
STEPS: list[tuple[str, Callable[[Path], None], str]] = [
    ("first build", lambda seeds: None, "seeds"),
    ("the subfolder alone: its link leads out", lambda seeds: None, "seeds/sub"),
    ("the whole folder again: the link is a duplicate", lambda seeds: None, "seeds"),
    ("a seed replaced by a link out, same inode", _move_out_and_link, "seeds"),
    ("a link pointed elsewhere", _retarget, "seeds"),
    ("link loops, dangling links, a socket, a name that is not UTF-8", _odd_files, "seeds"),
    ("the same, warm", lambda seeds: None, "seeds"),
    ("the odd files gone", _remove_odd_files, "seeds"),
    ("the subfolder alone again", lambda seeds: None, "seeds/sub"),
]


def test_a_cached_build_equals_an_uncached_one_after_every_folder_change(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # messages name seeds relative to here, as the CLI shows them
    seeds = project(tmp_path)
    cached = make_config(tmp_path / "cached", jobs=1)
    plain = make_config(tmp_path / "plain", jobs=1)
    for step, change, root in STEPS:
        change(seeds)
        with_cache = outcome(apply_overrides(cached, seeds=Path(root)), cache=True)
        without = outcome(apply_overrides(plain, seeds=Path(root)), cache=False)
        assert with_cache == without, step
    # The last step built seeds/sub, whose link leads out: the secret is not in any feed.
    assert not any(b"hunter2" in data for data in with_cache["files"].values())
    assert with_cache["errors"] == ["seeds/sub/link.txt: symbolic link to a file outside the seeds folder; not followed",
                                    "seeds/sub/own.txt: symbolic link to a file outside the seeds folder; not followed"]


def _random_change(rng: random.Random, seeds: Path) -> str:
    """One random change to the folder, in words: seeds written, deleted,
    touched or made links (in, out, moved out with their inode), odd files."""
    folders = [seeds, seeds / "sub"]
    present = sorted(p for folder in folders for p in folder.glob("*.txt") if not p.is_symlink() and p.is_file())
    links = sorted(p for folder in folders for p in folder.glob("*.txt") if p.is_symlink())
    place = rng.choice(folders) / f"s{rng.randrange(6)}.txt"
    action = rng.choice(["write", "write", "delete", "touch", "link in", "link out", "move out", "unlink", "odd"])
    if action == "write" or not present and action in ("delete", "touch", "move out", "link in"):
        if place.is_symlink():
            place.unlink()
        write_seed(place.parent, place.name, **article_fields(rng.randrange(4), title=f"v{rng.randrange(1000)}"))
        return f"write {place}"
    if action == "delete":
        target = rng.choice(present)
        target.unlink()
        return f"delete {target}"
    if action == "touch":
        target = rng.choice(present)
        os.utime(target, ns=(rng.randrange(10**18), rng.randrange(10**18)))
        return f"touch {target}"
    if action in ("link in", "link out"):
        if place.exists() or place.is_symlink():
            place.unlink()
        target = rng.choice(present) if action == "link in" else seeds.parent / "outside" / "o.txt"
        if action == "link out":
            write_seed(target.parent, target.name, **article_fields(rng.randrange(4), title="outside"))
        place.symlink_to(os.path.relpath(target, place.parent))
        return f"{place} -> {target}"
    if action == "move out":
        target = rng.choice(present)
        moved = seeds.parent / "outside" / f"moved{rng.randrange(10**6)}.txt"
        moved.parent.mkdir(exist_ok=True)
        target.rename(moved)
        target.symlink_to(moved)
        return f"move out {target}"
    if action == "unlink" and links:
        target = rng.choice(links)
        target.unlink()
        return f"unlink {target}"
    odd = seeds / f"odd{rng.randrange(3)}.txt"
    if odd.exists() or odd.is_symlink():
        odd.unlink()
        return f"remove {odd}"
    odd.symlink_to(rng.choice([odd.name, "nowhere.txt", "sub"]))
    return f"odd link {odd}"


# Seeds whose sequences found a stale cache answer in the code before links were parsed on every build.
@pytest.mark.parametrize("seed", [1, 3, 4])
def test_a_cached_build_equals_an_uncached_one_over_random_changes(tmp_path, monkeypatch, seed):
    monkeypatch.chdir(tmp_path)
    rng = random.Random(seed)
    seeds = project(tmp_path)
    cached = make_config(tmp_path / "cached", jobs=1)
    plain = make_config(tmp_path / "plain", jobs=1)
    history = []
    for _ in range(12):
        history.append(_random_change(rng, seeds))
        root = Path(rng.choice(["seeds", "seeds", "seeds/sub"]))
        with_cache = outcome(apply_overrides(cached, seeds=root), cache=True)
        without = outcome(apply_overrides(plain, seeds=root), cache=False)
        assert with_cache == without, (root, history)


def test_links_loops_and_special_files_are_one_warning_each_and_the_rest_is_published(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seeds = project(tmp_path)
    _odd_files(seeds)
    report = build(make_config(tmp_path))
    assert sorted(str(w) for w in report.warnings) == [
        "seeds/folder.txt: warning: not a regular file (symbolic link to a folder); skipped",
        "seeds/gone.txt: warning: symbolic link that leads nowhere (No such file or directory); skipped",
        "seeds/self.txt: warning: symbolic link that leads nowhere (Too many levels of symbolic links); skipped",
        "seeds/socket.txt: warning: not a regular file (a socket); skipped",
        "seeds/sub/link.txt: warning: duplicate of seeds/secret.txt (same link "
        f"{article_fields(2)['webUrl']}); skipped",
    ]
    assert report.errors == []
    assert report.counts.passed == 4  # a, secret, sub/own, and the seed whose name is not UTF-8


def test_the_library_collector_reports_the_folder_as_a_build_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seeds = project(tmp_path)
    _odd_files(seeds)
    _move_out_and_link(seeds)
    config = make_config(tmp_path)
    report = build(config)
    collection = collect(Path("seeds"), config.patterns, timezone.utc)
    assert [str(e) for e in collection.errors] == [str(e) for e in report.errors] != []
    assert [str(w) for w in collection.warnings] == [str(w) for w in report.warnings]
    assert len(collection.articles) == report.counts.passed


def _nest(root: Path, names: list[str], seed: bytes) -> None:
    """Make folders ``names``, each inside the last, below ``root``, however
    long the path gets (each step relative to an open folder), with a seed
    called s.txt in each."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            file = os.open("s.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(file, seed)
            os.close(file)
    finally:
        os.close(fd)


@pytest.mark.skipif(not hasattr(os, "pathconf"), reason="no path limit to ask the system for")
def test_paths_over_the_system_limit_are_one_warning_each(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seeds = tmp_path / "seeds"
    write_seed(seeds, "a.txt", **article_fields(1))
    limit = os.pathconf(seeds, "PC_PATH_MAX")
    # Folders of 200 bytes until a path reaches the limit: the last s.txt that
    # fits is published, the next folder is skipped with a warning.
    depth = (limit - len(os.fsencode(str(seeds)))) // 201 + 2
    seed = "---\ntitle: Deep\nwebUrl: https://deep.example/\npublishedDateTime: 2024-02-01\npublished: true\n---\n"
    _nest(seeds, ["d" * 200] * depth, seed.encode())
    report = build(make_config(tmp_path))
    assert report.errors == []
    # The first folder over the limit, and the s.txt next to it if its path is over too.
    skipped = [w for w in report.warnings if "duplicate" not in w.message]
    assert 1 <= len(skipped) <= 2
    for warning in skipped:
        assert warning.message == "path longer than the system allows; skipped"
        assert len(os.fsencode(os.path.abspath(warning.path))) >= limit
    assert report.counts.passed == 2  # a.txt, and one s.txt (the others duplicate it)


# ---- in a child process: what could hang, and what is printed ----


def run(args: list, cwd: Path, user: list[str] = (), **kwargs) -> subprocess.CompletedProcess:
    """Run ``args`` in ``cwd`` under a timeout; output as bytes, to check its encoding."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONPATH": str(TESTS.parent / "src")}
    return subprocess.run([*user, *args], cwd=cwd, capture_output=True, timeout=TIMEOUT, env=env, **kwargs)


def assert_clean(done: subprocess.CompletedProcess) -> tuple[str, str]:
    """The output as text, after checking it is valid UTF-8 (no lone
    surrogate, escaped or raw) and holds no traceback."""
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return out, err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipes_and_links_to_them_are_skipped_never_opened_to_wait(tmp_path):
    seeds = project(tmp_path)
    build_command = [*CLI, "build", "--base-url", BASE_URL]
    assert run(build_command, tmp_path).returncode == 0  # warm from here: a new pipe must show on a warm build too
    os.mkfifo(seeds / "pipe.txt")
    (seeds / "sub" / "to-pipe.txt").symlink_to("../pipe.txt")
    (seeds / "zero.txt").symlink_to("/dev/zero")
    skipped = ["seeds/pipe.txt: warning: not a regular file (a named pipe); skipped",
               "seeds/sub/to-pipe.txt: warning: not a regular file (symbolic link to a named pipe); skipped"]
    if _can_make_devices(seeds / "zero-device.txt"):
        skipped.append("seeds/zero-device.txt: warning: not a regular file (a character device); skipped")
    done = run(build_command, tmp_path)
    out, err = assert_clean(done)
    assert done.returncode == 0, err
    assert err.splitlines() == [
        "seeds/zero.txt: symbolic link to a file outside the seeds folder; not followed",
        *skipped,
        f"seeds/sub/link.txt: warning: duplicate of seeds/secret.txt (same link {article_fields(2)['webUrl']}); skipped",
    ]
    assert "3 published" in out
    done = run([*CLI, "check"], tmp_path)
    out, _ = assert_clean(done)
    assert set(skipped) <= set(out.splitlines())
    assert out.splitlines()[-1] == f"5 seeds checked: 1 errors, {len(skipped) + 1} warnings"


def _can_make_devices(path: Path) -> bool:
    """Make ``path`` a character device like /dev/zero, where the system lets us (root, outside most containers)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (OSError, AttributeError):
        return False
    return True


def test_names_that_are_not_utf8_are_read_and_shown_escaped(tmp_path):
    # The project folder, the seeds and the output folder all have a byte that is not UTF-8 in their names.
    home = Path(os.fsdecode(bytes(tmp_path) + b"/proj\xe9"))
    seeds = home / "seeds"
    write_seed(seeds, NOT_UTF8, **article_fields(1, topics=["Caf\u00e9"]))
    write_seed(seeds, "dup.txt", **article_fields(1, title="Copy"))
    write_seed(seeds, os.fsdecode(b"bad\xff.txt"), text="no front matter")
    out_folder = os.fsencode("feeds") + b"\xe9"
    for attempt in ("cold", "warm"):
        done = run([*CLI, "build", "--base-url", BASE_URL, "--out", out_folder], home)
        out, err = assert_clean(done)
        assert done.returncode == 0, (attempt, err)
        assert err.splitlines() == [
            "seeds/bad\\xff.txt:1: no front matter: the file must start with a '---' line",
            "seeds/dup.txt: warning: duplicate of seeds/caf\\xe9.txt "
            f"(same link {article_fields(1)['webUrl']}); skipped",
        ], attempt
        assert "1 published" in out
    touched = run([*CLI, "build", "--base-url", BASE_URL, "--out", out_folder, "-v", "--title", "Other"], home)
    out, _ = assert_clean(touched)
    assert "wrote: feeds\\xe9/all.atom.xml" in out.splitlines()  # the byte, as messages show it
    feeds = home / os.fsdecode(out_folder)
    assert b"Article 1" in (feeds / "all.atom.xml").read_bytes()
    (feeds / ".feedpub-manifest.json").read_bytes().decode("utf-8")  # valid UTF-8: no lone surrogate
    for form in ("text", "json", "github"):
        done = run([*CLI, "check", "--format", form], home)
        out, _ = assert_clean(done)
        assert done.returncode == 1
        assert "bad\\xff.txt" in out.replace("\\\\", "\\"), form


# ---- as a user whom permissions bind ----

AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

# Builds with and without the cache after each permission change, as the user
# running it; prints what each reported.
PERMISSIONS_SCRIPT = """
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from conftest import article_fields, make_config, write_seed
from test_folders import outcome
from feedpub.config import apply_overrides

home = Path.cwd()
seeds = home / "seeds"
for n, name in enumerate(["a.txt", "b.txt", "sub/c.txt"]):
    write_seed(seeds, name, **article_fields(n, topics=[f"T{n}"]))
steps = [
    ("b unreadable", lambda: os.chmod(seeds / "b.txt", 0)),
    ("b readable again", lambda: os.chmod(seeds / "b.txt", 0o644)),
    ("b unreadable after a good build", lambda: os.chmod(seeds / "b.txt", 0)),
    ("sub unreadable", lambda: os.chmod(seeds / "sub", 0)),
    ("sub listed but not entered", lambda: os.chmod(seeds / "sub", 0o644)),
    ("all readable", lambda: (os.chmod(seeds / "sub", 0o755), os.chmod(seeds / "b.txt", 0o644))),
]
results = []
for step, change in steps:
    change()
    reports = [outcome(apply_overrides(make_config(home / kind, jobs=1), seeds=Path("seeds")), cache=kind == "cached")
               for kind in ("cached", "plain")]
    for report in reports:
        report["files"] = sorted(report["files"])
        report["counts"] = repr(report["counts"])
    results.append([step, *reports])
print(json.dumps(results))
"""


def _as_a_user_whom_permissions_bind() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores file permissions, and setpriv (util-linux) is not here to run as nobody")
    return AS_NOBODY


def test_unreadable_seeds_and_folders_are_reported_never_cached(tmp_path):
    user = _as_a_user_whom_permissions_bind()
    # A folder of its own under the system's temporary folder: pytest's tmp_path is private to its user.
    home = Path(tempfile.mkdtemp(prefix="feedpub-permissions-"))
    try:
        home.chmod(0o777)
        done = run([sys.executable, "-c", PERMISSIONS_SCRIPT, str(TESTS)], home, list(user))
        assert done.returncode == 0, done.stderr.decode()
        results = {step: (cached, plain) for step, cached, plain in json.loads(done.stdout)}
    finally:
        for folder, _, _ in os.walk(home):
            os.chmod(folder, 0o755)
        shutil.rmtree(home)
    for step, (cached, plain) in results.items():
        assert cached == plain, step
    unreadable = "seeds/b.txt: cannot read file: Permission denied"
    assert results["b unreadable"][0]["errors"] == [unreadable]
    assert results["b readable again"][0]["errors"] == []
    assert "topics/t1.atom.xml" in results["b readable again"][0]["files"]
    assert results["b unreadable after a good build"][0]["errors"] == [unreadable]
    cached = results["sub unreadable"][0]
    assert cached["warnings"] == ["seeds/sub: warning: cannot read folder: Permission denied; its seeds are skipped"]
    assert "topics/t0.atom.xml" in cached["files"] and "topics/t2.atom.xml" not in cached["files"]
    assert results["all readable"][0]["errors"] == results["all readable"][0]["warnings"] == []


def test_a_link_to_a_folder_outside_is_skipped_with_a_warning_like_one_inside(tmp_path, monkeypatch):
    """Links to folders are never followed, wherever they lead: not a seed and
    not an error (a build with --strict still writes)."""
    monkeypatch.chdir(tmp_path)
    seeds = project(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (seeds / "out.txt").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (seeds / "up.txt").symlink_to("..", target_is_directory=True)
    report = build(make_config(tmp_path), strict=True)
    assert report.errors == [] and not report.aborted
    assert sorted(str(w) for w in report.warnings if "folder" in str(w)) == [
        "seeds/out.txt: warning: not a regular file (symbolic link to a folder); skipped",
        "seeds/up.txt: warning: not a regular file (symbolic link to a folder); skipped",
    ]


def test_a_file_name_with_a_line_break_is_one_escaped_line_in_messages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seeds = project(tmp_path)
    (seeds / "two\nlines.txt").write_text("no front matter\n", encoding="utf-8")
    (seeds / "esc\x1b[31m.txt").write_text("", encoding="utf-8")
    report = build(make_config(tmp_path))
    shown = sorted(str(error) for error in report.errors)
    assert [line.split(":")[0] for line in shown] == ["seeds/esc\\x1b[31m.txt", "seeds/two\\nlines.txt"]
    assert all("\n" not in line and "\x1b" not in line for line in shown)
