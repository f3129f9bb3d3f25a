"""Property test of the command line: never a traceback.

Random commands (build, topics, check; serve on a busy port, so that it
ends) with random combinations of flags and config file values (odd strings, control
characters, huge numbers, bad URLs and zones, paths that are missing or are
files) over a small seeds folder: every run must end with a documented exit
code (README, "Exit codes": 0, 1 or 2; 3 is a bug) and no traceback, and a
run that exits 2 (usage or configuration error) must have written no feed.
Examples: a fifth of the profile's (60 by default; `--hypothesis-profile=fuzz`
for 4,000).
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from feedpub.cli import cli

from conftest import article_fields, write_seed

DOCUMENTED_EXIT_CODES = {0, 1, 2}
EXAMPLES = max(10, settings.default.max_examples // 5)

# Text of every kind, control characters, surrogates and U+FFFE included.
ODD_TEXT = st.text(st.characters(exclude_categories=()), max_size=12) | st.sampled_from(
    ["", " ", "\x00", "\x01x", "a\ufffeb", "\ud800", "line\nbreak", "é", "🔥", "-v", "--help", "'", '"', "\\"]
)
NUMBERS = st.integers(min_value=-3, max_value=260).map(str) | st.sampled_from(
    ["99999999999999999999", "-99999999999999999999", "1e3", "0x10", "", "seven", "1.5", "\x00"]
)
URLS = ODD_TEXT | st.sampled_from([
    "https://ex.org/feeds/", "https://ex.org/feeds/?a=1", "https://ex.org/#x", "https://ex.org/a b",
    "http://[::1", "http://x:99999/", "ftp://ex.org/", "//ex.org/", "javascript:alert(1)", "https://ex.org/\x01",
    "https://ex.org/é/", "HTTPS://EX.ORG",
])
ZONES = ODD_TEXT | st.sampled_from(
    ["UTC", "Europe/Berlin", "America", "America/", "../etc/passwd", "/etc/passwd", "Nowhere/Town", "EST5EDT", "."]
)
# Only paths inside the temporary folder (never "..", never absolute but "/",
# which feedpub must refuse as the root): the test must not write elsewhere.
FOLDERS = st.sampled_from(["feeds", "out dir", "seeds", "seeds/inner", ".", "/", "a-file", "deep/er/feeds",
                           "missing/x", "x\x01y", "nul\x00", "é"])
CACHE_FOLDERS = st.sampled_from([".feedpub-cache", "cache dir", "a-file-cache", "seeds/cache", "nul\x00cache"])
SEED_FOLDERS = st.sampled_from(["seeds", "missing", "a-file", "seeds/inner", "empty", "."])
PATTERNS = ODD_TEXT | st.sampled_from(["*.txt", "*.md", "**/*.txt", "*", "[", "*.TXT", "a/b"])
TOPIC_NAMES = ODD_TEXT | st.sampled_from(["AI", "ai", "Robotics", "Robotcs", "人工知能"])

FLAGS = {
    "--out": FOLDERS, "--pattern": PATTERNS, "--min-quality": NUMBERS, "--topic": TOPIC_NAMES,
    "--exclude-topic": TOPIC_NAMES, "--limit": NUMBERS, "--base-url": URLS, "--site-url": URLS,
    "--title": ODD_TEXT, "--description": ODD_TEXT, "--language": ODD_TEXT | st.sampled_from(["de-CH", "en"]),
    "--author": ODD_TEXT, "--timezone": ZONES, "--feed-format": st.sampled_from(["rss", "atom", "json", "xml"]),
    "--ttl": NUMBERS, "--hub": URLS, "--icon": URLS, "--logo": URLS, "-j": st.sampled_from(["0", "1", "2", "257"]),
    "--cache-dir": CACHE_FOLDERS, "--config": st.sampled_from(["feedpub.toml", "missing.toml", "pyproject.toml"]),
    "--format": st.sampled_from(["text", "json", "github", "xml"]),
}
SWITCHES = ["--include-unpublished", "--archive", "--no-archive", "--index-page", "--no-index-page", "--cache",
            "--no-cache", "--strict", "--check", "-q", "-v"]
SETTINGS = set(FLAGS) - {"--format"}
COMMANDS = {"build": SETTINGS | set(SWITCHES), "topics": SETTINGS | set(SWITCHES) - {"--strict", "--check"},
            "check": {"--pattern", "--timezone", "-j", "--cache-dir", "--config", "--cache", "--no-cache", "-q", "-v",
                      "--format"},
            # serve always gets a busy port last (see below), so that it ends instead of serving.
            "serve": {"--out", "--config", "-q", "-v"}}

# Values a config file can hold; path keys only take the safe folders above.
TOML_VALUES = st.recursive(
    st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats(allow_nan=False) | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=3), max_leaves=4,
)
KEYS = ["patterns", "title", "description", "site_url", "base_url", "language", "author", "limit", "min_quality",
        "include_unpublished", "topics", "exclude_topics", "timezone", "formats", "ttl", "hub", "icon", "logo",
        "archive", "index_page", "jobs", "cache", "limt", "colour"]
CONFIG = st.dictionaries(st.sampled_from(KEYS), TOML_VALUES, max_size=5) | st.fixed_dictionaries(
    {}, optional={"out": FOLDERS, "seeds": SEED_FOLDERS, "cache_dir": CACHE_FOLDERS})


@st.composite
def invocations(draw):
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = [command]
    for flag in draw(st.lists(st.sampled_from(sorted(COMMANDS[command])), max_size=6)):
        args.append(flag)
        if flag in FLAGS:
            args.append(draw(FLAGS[flag]))
    if command != "serve" and draw(st.booleans()):
        args.append(draw(SEED_FOLDERS))
    return args


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string, or invalid TOML for odd ones


def _project(root: Path, config: dict, raw_config: bytes | None) -> None:
    write_seed(root / "seeds", "a.txt", **article_fields(1, topics=["AI", "Robotics"]))
    write_seed(root / "seeds", "inner/b.txt", **article_fields(2, topics=["人工知能"], published=False))
    write_seed(root / "seeds", "bad.txt", text="---\ntitle: x\nexcerpt: a\x01b\n---\n")
    (root / "empty").mkdir()
    (root / "a-file").write_text("not a folder\n")
    (root / "a-file-cache").write_text("not a folder\n")
    text = "".join(f"{key} = {_toml(value)}\n" for key, value in config.items())
    (root / "feedpub.toml").write_bytes(raw_config if raw_config is not None else text.encode("utf-8", "surrogatepass"))
    (root / "pyproject.toml").write_text('[tool]\nfeedpub = "x"\n' if "colour" in config else "[tool.feedpub]\n")


def _feeds(root: Path) -> dict[str, bytes]:
    """Every feed-like file under ``root`` and its bytes (caches left out)."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            if name.endswith((".xml", ".json", ".opml", ".html")) and "cache" not in str(path.relative_to(root)):
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


@settings(max_examples=EXAMPLES, deadline=None)
@given(invocations(), CONFIG, st.none() | st.binary(max_size=40) | st.just("limit = 3\n".encode("utf-16")))
def test_any_command_line_ends_in_a_message_and_a_documented_exit_code(args, config, raw_config):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _project(root, config, raw_config)
        before = _feeds(root)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with socket.socket() as busy:
                busy.bind(("127.0.0.1", 0))
                busy.listen()
                port = ["--port", str(busy.getsockname()[1])] if args[0] == "serve" else []
                result = CliRunner().invoke(cli, args + port)
        finally:
            os.chdir(cwd)
        described = f"feedpub {args!r} with feedpub.toml {raw_config or config!r}\n{result.stderr}"
        assert result.exit_code in DOCUMENTED_EXIT_CODES, described
        assert result.exception is None or isinstance(result.exception, SystemExit), described
        assert "Traceback" not in result.stderr, described
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) <= 1, described
        if result.exit_code == 2:
            assert _feeds(root) == before, f"a usage error wrote files: {described}"
