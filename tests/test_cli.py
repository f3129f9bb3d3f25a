import json
import sys

import click
import pytest
from click.testing import CliRunner

from feedpub.cli import cli

from conftest import article_fields, write_seed

WARNING = (
    "warning: base_url is not set: feeds link to themselves at http://localhost:8000/; set base_url "
    "(or --base-url) to the public URL where the output folder is served before publishing\n"
)


NO_FILE = "no file matches the patterns '*.text', so no seed is read (a build empties every feed)"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working directory with ./seeds holding two good seeds, one per topic."""
    monkeypatch.chdir(tmp_path)
    write_seed(tmp_path / "seeds", "a.txt", **article_fields(1, topics=["AI"]))
    write_seed(tmp_path / "seeds", "b.txt", **article_fields(2, topics=["Robotics"], published=False))
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_build_prints_one_summary_line_and_the_deployment_warning(project):
    result = run("build")
    assert result.exit_code == 0
    assert result.stdout == (
        "2 seeds read: 1 published, 1 unpublished, 0 below min quality, 0 outside selected topics, "
        "0 duplicate, 0 invalid; 6 feeds for 1 topics; files: 8 written, 0 unchanged, 0 removed\n"
    )
    assert result.stderr == WARNING
    assert sorted(p.relative_to(project).as_posix() for p in (project / "feeds").rglob("[!.]*.*")) == [
        "feeds/all.atom.xml", "feeds/all.json", "feeds/all.rss.xml", "feeds/feeds.opml", "feeds/index.html",
        "feeds/topics/ai.atom.xml", "feeds/topics/ai.json", "feeds/topics/ai.rss.xml",
    ]


def test_bad_seed_is_reported_on_stderr_and_the_build_goes_on(project):
    write_seed(project / "seeds", "bad.txt", text="---\ntitle: x\nwebUrl: https://x.example/\n---\n")
    result = run("build", "--base-url", "https://feeds.example.org/")
    assert result.exit_code == 0
    assert result.stderr == "seeds/bad.txt: missing date: set publishedDateTime, e.g. 2021-01-26T21:12:00Z\n"
    assert "1 published" in result.stdout and "1 invalid" in result.stdout


def test_many_problems_are_printed_in_order_a_thousand_lines_a_write(project, monkeypatch):
    """An echo per line cost a build of 1,000,000 web seeds, half of them
    bad, seconds; the lines and their order stay the same."""
    for n in range(2500):
        write_seed(project / "seeds", f"bad{n:04d}.txt", text="---\ntitle: x\nwebUrl: https://x.example/\n---\n")
    echoes = []
    real_echo = click.echo
    monkeypatch.setattr(click, "echo", lambda *args, **kwargs: echoes.append(args) or real_echo(*args, **kwargs))
    result = run("build", "-q", "--jobs", "1")
    missing = "missing date: set publishedDateTime, e.g. 2021-01-26T21:12:00Z"
    assert result.stderr.splitlines() == [f"seeds/bad{n:04d}.txt: {missing}" for n in range(2500)]
    assert len(echoes) == 3


def test_strict_exits_1_and_writes_nothing(project):
    write_seed(project / "seeds", "bad.txt", text="---\ntitle: [x\n---\n")
    result = run("build", "--strict", "-q")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        result.stderr.splitlines()[0],
        "Error: 1 seed error(s) with --strict: nothing written",
    ]
    assert result.stderr.startswith("seeds/bad.txt:3: invalid YAML in front matter")
    assert not (project / "feeds").exists()


def test_check_exits_1_listing_stale_feeds_then_0_when_current(project):
    result = run("build", "--check", "-q")
    assert result.exit_code == 1
    assert "would change: feeds/all.rss.xml\n" in result.stderr
    assert result.stderr.endswith("Error: feeds is not up to date: run 'feedpub build'\n")
    assert not (project / "feeds").exists()
    assert run("build", "-q").exit_code == 0
    result = run("build", "--check")
    assert result.exit_code == 0
    assert "files: 0 would change, 8 unchanged, 0 would be removed" in result.stdout


def test_verbose_lists_files_and_flags_override_config(project):
    (project / "feedpub.toml").write_text('include_unpublished = true\nlimit = 1\n')
    result = run("build", "-v", "--title", "Flagged")
    assert result.exit_code == 0
    assert "wrote: feeds/topics/robotics.atom.xml\n" in result.stdout
    assert b"<title>Flagged: Robotics</title>" in (project / "feeds/topics/robotics.rss.xml").read_bytes()
    assert (project / "feeds/all.rss.xml").read_bytes().count(b"<item>") == 1


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (["build"], "limt = 3\n", "unknown key 'limt' (did you mean 'limit'?)"),
        (["build", "--timezone", "Nowhere/Town"], "", "unknown timezone 'Nowhere/Town'"),
        (["build", "missing-folder"], "", "seeds folder not found: missing-folder"),
        (["build", "--out", "seeds"], "", "is the seeds folder or inside it"),
        # The cache holds unpublished seeds' text: it must never land where the feeds are published.
        (["build"], 'cache_dir = "feeds"\n', "cache_dir feeds is the output folder feeds or inside it"),
        (["build", "--out", "public"], 'cache_dir = "public/cache"\n',
         "cache_dir public/cache is the output folder public or inside it"),
        (["topics", "--cache-dir", "feeds/.cache"], "", "cache_dir feeds/.cache is the output folder feeds"),
        (["check", "--cache-dir", "feeds"], "", "cache_dir feeds is the output folder feeds or inside it"),
        (["topics", "--config", "nope.toml"], "", "config file not found: nope.toml"),
    ],
)
def test_configuration_errors_exit_2(project, args, config, message):
    if config:
        (project / "feedpub.toml").write_text(config)
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and message in result.stderr


def test_a_cache_folder_inside_the_output_folder_is_refused_before_anything_is_written(project):
    result = run("build", "--cache-dir", "feeds/cache")
    assert result.exit_code == 2 and not (project / "feeds").exists()
    assert run("build", "--cache-dir", "feeds/cache", "--no-cache").exit_code == 0  # no cache, nothing to leak
    assert not (project / "feeds" / "cache").exists()


@pytest.mark.parametrize("quiet", [False, True])
def test_a_cache_dir_that_is_a_file_builds_without_the_cache_with_a_warning(project, quiet):
    (project / "not-a-folder").write_text("mine")
    (project / "feedpub.toml").write_text('cache_dir = "not-a-folder"\nbase_url = "https://f.example/"\n')
    result = run("build", *(["-q"] if quiet else []))
    assert result.exit_code == 0 and (project / "feeds" / "all.rss.xml").is_file()
    expected = ("warning: cache_dir not-a-folder is not a folder: building without the cache; "
                "set cache = false (--no-cache) to build without one on purpose\n")
    assert result.stderr == ("" if quiet else expected)
    assert (project / "not-a-folder").read_text() == "mine"
    assert run("build", "--no-cache").stderr == ""


def test_a_build_interrupted_by_ctrl_c_exits_1_saying_aborted(project, monkeypatch):
    import feedpub.cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(feedpub.cli, "build", interrupted)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 1 and result.stderr.endswith("Aborted!\n") and result.stdout == ""


def test_usage_errors_exit_2(project):
    result = run("build", "--limit", "-1")
    assert result.exit_code == 2 and "Invalid value for '--limit'" in result.stderr


def test_topics_lists_count_slug_name_and_paths(project):
    result = run("topics", "--include-unpublished", "--base-url", "https://f.example/", "--feed-format", "rss",
                 "--feed-format", "atom")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "articles  slug                            topic  (feeds)",
        "       1  ai                              AI  (feeds/topics/ai.rss.xml, feeds/topics/ai.atom.xml)",
        "       1  robotics                        Robotics  (feeds/topics/robotics.rss.xml, feeds/topics/robotics.atom.xml)",
    ]
    assert result.stderr == ""


def test_python_dash_m_runs_the_cli(project):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "feedpub", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("feedpub, version ")


def test_check_prints_path_line_level_message_and_exits_1_on_errors(project):
    write_seed(project / "seeds", "bad.txt", text="---\ntitle: x\nwebUrl: javascript:alert(1)\npublishedDateTime: 2024-01-01\n---\n")
    write_seed(project / "seeds", "odd.txt", **article_fields(3, topics=["ai"], published="yes"))
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "seeds/bad.txt:3: error: no usable link: webUrl 'javascript:alert(1)' is not an absolute http(s) URL",
        "seeds/odd.txt:7: warning: published must be true or false, not 'yes'; treated as unpublished",
        "seeds/odd.txt:11: warning: topic 'ai' differs only in case or spacing from 'AI' (1 seed(s)); feeds call it 'AI'",
        "4 seeds checked: 1 errors, 2 warnings",
    ]
    assert not (project / "feeds").exists()


def test_check_exits_0_with_warnings_only_and_speaks_github_and_json(project):
    write_seed(project / "seeds", "odd.txt", **article_fields(3, topics="AI"))
    result = run("check", "--format", "github")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "::warning file=seeds/odd.txt,line=11,title=feedpub::topics is a single string, not a list; read as one topic",
        "3 seeds checked: 0 errors, 1 warnings",
    ]
    result = run("check", "--format", "json")
    document = json.loads(result.stdout)
    assert document == {
        "seeds": 3, "errors": 0, "warnings": 1,
        "diagnostics": [{"path": "seeds/odd.txt", "line": 11, "level": "warning",
                         "message": "topics is a single string, not a list; read as one topic"}],
    }


def test_progress_bar_only_on_a_terminal_and_only_for_long_builds(monkeypatch, capsys):
    import io

    from feedpub import cli as cli_module

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert cli_module._progress() is None  # not a terminal
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", terminal)
    update = cli_module._progress()
    update(1, 10)  # a short build: no bar
    assert terminal.getvalue() == ""
    total = cli_module.PROGRESS_MIN_SEEDS
    for done in range(1, total + 1):
        update(done, total)
    assert "Reading seeds" in terminal.getvalue()


def test_progress_bar_counts_seeds_the_cache_answered(monkeypatch):
    import io

    from feedpub import cli as cli_module

    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", terminal)
    update = cli_module._progress()
    total = cli_module.PROGRESS_MIN_SEEDS * 2
    for done in range(total - 10, total + 1):  # all but 10 came from the cache
        update(done, total)
    assert "100%" in terminal.getvalue()


def test_check_formats_in_the_cli_are_those_the_checker_knows():
    from feedpub import checks
    from feedpub import cli as cli_module

    assert cli_module.CHECK_FORMATS == checks.FORMATS


@pytest.mark.parametrize("command", [["build"], ["build", "--check"], ["topics"], ["check"]])
def test_commands_pause_the_garbage_collector_only_while_they_run(project, monkeypatch, command):
    import gc

    from feedpub import cli as cli_module

    seen = []
    real = cli_module._resolve_config

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_module, "_resolve_config", spy)
    run(*command)
    assert seen == [False] and gc.isenabled()


def test_the_garbage_collector_comes_back_after_an_error():
    import gc

    from feedpub import cli as cli_module

    with pytest.raises(ValueError):
        with cli_module._batch_work():
            raise ValueError
    assert gc.isenabled()


def test_worker_processes_run_with_the_garbage_collector_on():
    import gc

    from feedpub.parallel import ordered_map

    gc.disable()
    try:
        states = list(ordered_map(_collector_on, list(range(40)), processes=2, minimum=1))
    finally:
        gc.enable()
    assert states == [True] * 40


def _collector_on(_: int) -> bool:
    import gc

    return gc.isenabled()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_forked_workers_never_walk_what_they_inherit():
    """A worker's collector leaves the parent's objects alone (they were frozen
    when it forked), and the parent's collector gets them back."""
    import gc

    from feedpub.parallel import ordered_map

    inherited = [(str(n), n) for n in range(20_000)]  # tracked objects, as a Listing per seed is
    gc.disable()
    try:
        frozen = list(ordered_map(_frozen_in_worker, list(range(40)), processes=2, minimum=1))
    finally:
        gc.enable()
    assert min(frozen) >= len(inherited)
    assert gc.get_freeze_count() == 0


def _frozen_in_worker(_: int) -> int:
    import gc

    return gc.get_freeze_count()


def test_quiet_builds_draw_no_progress_bar_on_a_terminal(project, monkeypatch):
    import io

    from feedpub import cli as cli_module

    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli_module._progress(quiet=True) is None
    assert cli_module._progress(quiet=False) is not None
    monkeypatch.undo()
    monkeypatch.chdir(project)
    asked = []
    real = cli_module._progress
    monkeypatch.setattr(cli_module, "_progress", lambda *args, **kwargs: asked.append((args, kwargs)) or real())
    for command in (["build", "-q"], ["topics", "-q"], ["build"], ["topics"]):
        assert run(*command).exit_code == 0
    assert [(args or (kwargs.get("quiet"),))[0] for args, kwargs in asked] == [True, True, False, False]


def test_topics_takes_quiet_like_build_and_drops_the_warnings(project):
    loud, quiet = run("topics"), run("topics", "-q")
    assert (loud.exit_code, quiet.exit_code) == (0, 0)
    assert loud.stderr == WARNING and quiet.stderr == ""
    assert quiet.stdout == loud.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "Bad\x01title"], "title holds the character U+0001 at position 4"),
        (["--description", "a\ufffe"], "description holds the character U+FFFE"),
        (["--author", "\x1b[31mred"], "author holds the character U+001B"),
        (["--language", "en\x00"], "language holds the character U+0000"),
        (["--language", "English"], "language must be a language tag"),
        (["--timezone", "America"], "unknown timezone 'America'"),
        (["--timezone", "../../../../etc/passwd"], "unknown timezone"),
        (["--base-url", "https://ex.org/feeds/?a=1"], "has a query"),
        (["--base-url", "https://ex.org/feeds/#a"], "has a fragment"),
        (["--base-url", "https://ex.org/my feeds/"], "holds a space"),
        (["--site-url", "ftp://ex.org/"], "is not an absolute http(s) URL"),
        (["--hub", "https://hub.example/ x"], "holds a space"),
        (["-j", "99999999999999999999"], "jobs must be 0 (one per core) to 256"),
        (["--pattern", "**/*.txt"], "patterns match file names"),
    ],
)
def test_bad_settings_exit_2_before_anything_is_written(project, args, message):
    result = run("build", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (project / "feeds").exists()


def test_an_unexpected_exception_is_one_line_asking_for_a_report_and_exit_3(project, monkeypatch):
    from feedpub import __version__
    from feedpub import cli as cli_module
    from feedpub.cli_errors import EXIT_BUG

    def broken(*args, **kwargs):
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr(cli_module, "build", broken)
    result = run("build")
    assert result.exit_code == EXIT_BUG == 3
    assert result.stderr == (f"Error: internal error: ValueError: boom. This is a bug in feedpub {__version__}; "
                             "please report this (run again with -v for the traceback)\n")
    verbose = run("build", "-v")
    assert verbose.exit_code == 3
    assert verbose.stderr.startswith("Traceback (most recent call last):\n")
    assert 'raise ValueError("boom' in verbose.stderr
    assert verbose.stderr.endswith("please report this\n")


def test_an_os_error_outside_the_library_is_a_message_and_exit_1(project, monkeypatch):
    from feedpub import cli as cli_module

    def broken(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "feeds/all.rss.xml")

    monkeypatch.setattr(cli_module, "build", broken)
    result = run("build")
    assert (result.exit_code, result.stderr) == (1, "Error: feeds/all.rss.xml: Permission denied\n")


def test_a_topic_or_pattern_that_matches_nothing_is_a_warning_with_a_suggestion(project):
    prefix = "seeds: warning: "
    for _ in range(2):  # the second build replays the first from the cache, warnings included
        result = run("build", "--topic", "A.I", "--exclude-topic", "Robotcs", "--exclude-topic", "Zebra")
        assert result.exit_code == 0
        assert [line for line in result.stderr.splitlines() if line.startswith(prefix)] == [
            prefix + "no seed has the topic 'A.I' given to --topic (did you mean 'AI'?)",
            prefix + "no seed has the topic 'Robotcs' given to --exclude-topic (did you mean 'Robotics'?)",
            prefix + "no seed has the topic 'Zebra' given to --exclude-topic",
        ]
    assert run("build", "--topic", " ai ", "--exclude-topic", "ROBOTICS").stderr == WARNING  # keys, not spellings
    result = run("build", "--pattern", "*.text", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    result = run("build", "--pattern", "*.text")
    assert result.stderr.splitlines()[0] == prefix + NO_FILE
    topics = run("topics", "--topic", "Robotic")
    assert topics.stderr.splitlines()[0] == prefix + "no seed has the topic 'Robotic' given to --topic " \
                                                     "(did you mean 'Robotics'?)"


def test_index_page_says_the_language_of_the_feeds(project):
    from lxml import html as lxml_html

    assert run("build", "--language", "de-CH", "-q").exit_code == 0
    page = lxml_html.parse(str(project / "feeds" / "index.html")).getroot()
    assert page.get("lang") == "de-CH"
    feed = json.loads((project / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert feed["language"] == page.get("lang")


def test_opml_passes_the_w3c_validators_outline_rules(project):
    """The rules of the W3C Feed Validation Service (rubys/feedvalidator,
    src/feedvalidator/opml.py): an outline with more than one attribute,
    one of them a feed attribute, needs a type (MissingOutlineType); an
    rss outline needs xmlUrl and title; every outline needs text."""
    from lxml import etree

    assert run("build", "-q").exit_code == 0
    root = etree.parse(str(project / "feeds" / "feeds.opml")).getroot()
    outlines = root.findall(".//outline")
    feed_attributes = {"description", "htmlUrl", "language", "title", "version", "xmlUrl"}
    for outline in outlines:
        attributes = set(outline.attrib)
        assert "text" in attributes
        if "type" not in attributes:
            assert len(attributes) == 1 or not attributes & feed_attributes, etree.tostring(outline)
        else:
            assert outline.get("type") == "rss" and {"xmlUrl", "title"} <= attributes
    [folder] = [outline for outline in outlines if len(outline)]
    assert folder.get("text") == "Topics" and [o.get("title") for o in folder] == ["feedpub: AI"]


def test_a_raw_control_character_is_reported_on_its_line_in_one_line(project):
    write_seed(project / "seeds", "c.txt", text="---\ntitle: x\nexcerpt: a\x01b\nwebUrl: https://x.example/\n---\n")
    expected = "seeds/c.txt:3: invalid YAML in front matter: unacceptable character U+0001 " \
               "(control characters are not allowed)"
    assert run("build", "-q", "--no-cache").stderr == expected + "\n"
    assert run("check").stdout.splitlines()[0] == expected.replace(": invalid", ": error: invalid", 1)


def test_workers_that_cannot_start_leave_the_work_to_one_process(project, monkeypatch):
    import os

    from feedpub import catalog

    started = []
    real_fork = os.fork

    def fork():
        if started:  # the first worker starts, the second cannot
            raise BlockingIOError(11, "Resource temporarily unavailable")
        pid = real_fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(catalog, "PARALLEL_MIN_SEEDS", 1)
    result = run("build", "-j", "3", "--no-cache")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == ("warning: cannot start 3 worker processes "
                                             "(Resource temporarily unavailable); working in one process")
    assert "1 published" in result.stdout and "1 unpublished" in result.stdout
    assert started
    for pid in started:  # ended and waited for: not even a zombie is left
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert run("build", "-j", "3", "--no-cache", "-q").stderr == ""


@pytest.mark.parametrize("args", [["--out", "a\x00b"], ["--cache-dir", "a\x00b"], ["--config", "a\x00b"], ["a\x00b"]])
def test_a_nul_in_a_path_flag_is_a_usage_error(project, args):
    result = CliRunner().invoke(cli, ["build", *args])
    assert result.exit_code == 2 and "holds a NUL character, which no path can hold" in result.stderr


def test_a_worker_process_that_dies_is_a_message_and_exit_1(project, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from feedpub import cli as cli_module

    def broken(*args, **kwargs):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(cli_module, "build", broken)
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr == ("Error: a worker process died (killed, or out of memory?) and the build stopped; "
                             "run it again, with fewer --jobs if this recurs\n")


def test_check_warns_too_when_the_patterns_match_no_file(project):
    result = run("check", "--pattern", "*.text")
    assert result.exit_code == 0
    # A diagnostic like any other: counted, and in every format.
    assert result.stdout == "seeds: warning: " + NO_FILE + "\n0 seeds checked: 0 errors, 1 warnings\n"
    document = json.loads(run("check", "--pattern", "*.text", "--format", "json").stdout)
    assert document["warnings"] == 1 and document["diagnostics"][0]["message"] == NO_FILE
    assert NO_FILE in run("check", "--pattern", "*.text", "--format", "github").stdout


def test_check_quiet_prints_errors_only_except_as_json(project):
    write_seed(project / "seeds", "bad.txt", text="---\ntitle: x\nwebUrl: javascript:alert(1)\npublishedDateTime: 2024-01-01\n---\n")
    write_seed(project / "seeds", "odd.txt", **article_fields(3, topics=["ai"], published="yes"))
    full = run("check")
    errors = [line for line in full.stdout.splitlines() if ": error: " in line]
    assert errors and len(errors) < len(full.stdout.splitlines()) - 1  # there are warnings to drop
    quiet = run("check", "-q")
    assert (quiet.exit_code, quiet.stdout.splitlines(), quiet.stderr) == (1, errors, "")
    github = run("check", "-q", "--format", "github").stdout.splitlines()
    assert len(github) == len(errors) and all(line.startswith("::error ") for line in github)
    assert run("check", "-q", "--format", "json").stdout == run("check", "--format", "json").stdout
    assert run("check", "-q", "--pattern", "*.text").stdout == ""  # a warning: not with -q


# Runs the command line on argv, then prints the modules the process imported.
WITH_MODULES = """
import atexit, sys
atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr))
from feedpub.cli import main
sys.argv[0] = "feedpub"
main()
"""
# Libraries a build loads only to read or render seeds, and what reading the
# installed libraries' versions through importlib.metadata loads with it.
NOT_NEEDED_TO_FIND_NOTHING_CHANGED = ("importlib.metadata", "email", "zipfile", "yaml", "yaml_rs", "feedgen", "lxml",
                                      "dateutil", "multiprocessing", "concurrent.futures", "feedpub.loader")


def test_a_build_that_finds_nothing_changed_imports_no_reader_renderer_or_metadata(project):
    import subprocess

    args = ["build", "-q", "--cache-dir", str(project / "cache"), "--base-url", "https://feeds.example.org/"]
    assert run(*args).exit_code == 0
    done = subprocess.run([sys.executable, "-c", WITH_MODULES, *args], capture_output=True, text=True)
    assert done.returncode == 0
    modules = set(done.stderr.split())
    assert "feedpub.build_cache" in modules  # the cache was asked
    assert sorted(modules.intersection(NOT_NEEDED_TO_FIND_NOTHING_CHANGED)) == []



def test_a_build_that_edits_one_seed_imports_no_process_or_thread_pool(project):
    """It parses the seed here and renders its few files here too; syncing
    them takes plain threads, not concurrent.futures (and logging with it)."""
    import subprocess

    args = ["build", "-q", "--cache-dir", str(project / "cache"), "--base-url", "https://feeds.example.org/"]
    assert run(*args).exit_code == 0
    write_seed(project / "seeds", "a.txt", **article_fields(1, topics=["AI"], title="Edited"))
    done = subprocess.run([sys.executable, "-c", WITH_MODULES, *args], capture_output=True, text=True)
    assert done.returncode == 0
    modules = set(done.stderr.split())
    assert "feedpub.loader" in modules and "feedgen" in modules  # it parsed and rendered
    assert sorted(modules.intersection({"concurrent.futures", "multiprocessing", "logging"})) == []
    assert "Edited" in (project / "feeds" / "all.rss.xml").read_text()

def test_the_command_line_leaves_nothing_for_the_collector_to_walk_at_exit(monkeypatch):
    """At exit, the interpreter's full collections would walk every object
    still alive, for nothing: main() freezes them first."""
    import gc

    from feedpub.cli import main

    monkeypatch.setattr(sys, "argv", ["feedpub", "--version"])
    try:
        with pytest.raises(SystemExit):
            main()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this process goes on: its objects are collected as before
