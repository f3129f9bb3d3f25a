import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedpub.errors import SeedError
from feedpub.scan import scan_seed_files
from feedpub.seeds import MAX_SEED_BYTES, SeedReadError, parse_front_matter, read_front_matter, read_seed_file

from conftest import FIXTURES


def test_front_matter_keys_know_their_lines():
    front = parse_front_matter("---\ntitle: T\n\nwebUrl: https://x.example/\n---\n", "s.txt")
    assert front.data == {"title": "T", "webUrl": "https://x.example/"}
    assert front.line_of("title") == 2
    assert front.line_of("webUrl") == 4


def test_bom_crlf_and_leading_blank_lines_are_accepted():
    text = "\ufeff\r\n\r\n---\r\ntitle: T\r\nquality: 5\r\n---\r\n"
    front = parse_front_matter(text, "s.txt")
    assert front.data == {"title": "T", "quality": 5}
    assert front.line_of("quality") == 5


def test_yaml_error_reports_the_line_in_the_file_not_in_the_block():
    # The fixture has two blank lines before '---'; the bad line is line 6 of the file.
    path = FIXTURES / "front-matter" / "yaml-error-line-6.txt"
    with pytest.raises(SeedError) as caught:
        read_front_matter(path, path.parent, "yaml-error-line-6.txt")
    assert caught.value.line == 6
    # libyaml ends the sentence "in this context", pure PyYAML "here".
    assert str(caught.value).startswith(
        "yaml-error-line-6.txt:6: invalid YAML in front matter: mapping values are not allowed"
    )


def test_yaml_error_names_where_an_unclosed_construct_started():
    with pytest.raises(SeedError) as caught:
        parse_front_matter("---\ntitle: fine\ntopics: [a, b\nquality: 3\n---\n", "s.txt")
    assert caught.value.line == 4
    assert caught.value.message.endswith("(while parsing a flow sequence started on line 3)")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "empty file", None),
        ("   \n\n", "empty file", None),
        ("just a body\n", "no front matter", 1),
        ("\n\ntitle: x\n", "no front matter", 3),
        ("---\ntitle: x\n", "front matter is not closed", 1),
        ("---\n---\n", "front matter is empty", 1),
        ("---\n- a\n- b\n---\n", "front matter must be a mapping of fields, not a list", 1),
        ("---\njust text\n---\n", "front matter must be a mapping of fields, not a str", 1),
    ],
)
def test_missing_or_unusable_front_matter_is_an_error_not_empty_metadata(text, message, line):
    with pytest.raises(SeedError) as caught:
        parse_front_matter(text, "s.txt")
    assert message in caught.value.message
    assert caught.value.line == line


def test_invalid_utf8_names_the_byte_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    with pytest.raises(SeedError) as caught:
        read_front_matter(path, tmp_path, "bad.txt")
    assert "byte offset 14" in caught.value.message
    assert caught.value.line == 2


def test_python_tags_are_refused_not_executed():
    with pytest.raises(SeedError) as caught:
        parse_front_matter("---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n", "s.txt")
    assert caught.value.line == 2


def test_seed_files_are_found_recursively_in_path_order(tmp_path):
    for name in ("b.txt", "a/z.md", "a/y.txt", ".hidden.txt", ".git/x.txt", "notes.json", "c.TXT"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [Path(p).relative_to(tmp_path).as_posix() for p, _ in scan_seed_files(tmp_path, ("*.txt", "*.md")).files]
    assert found == ["a/y.txt", "a/z.md", "b.txt"]


def test_symlink_outside_the_seeds_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("---\ntitle: secret\n---\n")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "link.txt").symlink_to(secret)
    with pytest.raises(SeedError, match="outside the seeds folder"):
        read_front_matter(seeds / "link.txt", seeds, "link.txt")


@pytest.mark.parametrize("size", [0, 1, 65_536, MAX_SEED_BYTES])
def test_a_seed_is_read_whole_with_the_stat_of_what_was_read(tmp_path, size):
    path = tmp_path / "s.md"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    raw, info = read_seed_file(path, tmp_path, "s.md")
    assert raw == path.read_bytes()
    stat = os.stat(path)
    assert (info.st_size, info.st_mtime_ns, info.st_ino) == (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def test_a_seed_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "s.md"
    path.write_bytes(b"x" * (MAX_SEED_BYTES + 1))
    with pytest.raises(SeedError, match="file too large"):
        read_seed_file(path, tmp_path, "s.md")


# Reads in a child process, so that a regression that blocks fails on the timeout instead of hanging the tests.
READ_IN_A_CHILD = """
import sys
from feedpub.seeds import read_seed_file
from feedpub.errors import SeedError
try:
    read_seed_file(sys.argv[1], sys.argv[2], "s.md")
except SeedError as error:
    print(type(error).__name__, error.message)
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("link", [False, True])
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path, link):
    os.mkfifo(tmp_path / "pipe")
    path = tmp_path / "s.md"
    if link:
        path.symlink_to("pipe")
    else:
        (tmp_path / "pipe").rename(path)
    done = subprocess.run([sys.executable, "-c", READ_IN_A_CHILD, str(path), str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "SeedReadError not a regular file (a named pipe); not read\n"


def test_a_link_loop_is_a_read_error_not_a_runtime_error(tmp_path):
    (tmp_path / "s.md").symlink_to("s.md")
    with pytest.raises(SeedReadError, match="^s.md: cannot read file: Too many levels of symbolic links$"):
        read_seed_file(tmp_path / "s.md", tmp_path, "s.md")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_seed_is_named_as_such_not_as_binary(tmp_path, encoding):
    from feedpub.seeds import decode_seed

    raw = ("\ufeff" if encoding.endswith("be") else "").encode(encoding) + "---\ntitle: x\n---\n".encode(encoding)
    with pytest.raises(SeedError, match="the file is UTF-16; save it as UTF-8"):
        decode_seed(raw, "seeds/x.txt")
