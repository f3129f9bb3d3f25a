import re
from pathlib import Path

import pytest

from feedpub.config import DEFAULT_CONFIG, apply_overrides, deployment_warnings, find_config_file, load_config
from feedpub.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_file_means_documented_defaults_and_a_deployment_warning(tmp_path):
    config = load_config(cwd=tmp_path)
    assert config == DEFAULT_CONFIG
    assert (config.limit, config.min_quality, config.timezone, config.patterns) == (50, 0, "UTC", ("*.txt", "*.md"))
    assert config.feeds_url == "http://localhost:8000/"
    [warning] = deployment_warnings(config)
    assert "base_url is not set" in warning


def test_feedpub_toml_paths_resolve_against_its_folder(tmp_path):
    write(tmp_path / "feedpub.toml", 'seeds = "content"\nout = "public/feeds"\nbase_url = "https://x.example/f"\n')
    config = load_config(cwd=tmp_path)
    assert config.seeds == tmp_path / "content" and config.out == tmp_path / "public" / "feeds"
    assert config.base_url == "https://x.example/f/"  # feed paths are joined onto it
    assert deployment_warnings(config) == []


def test_pyproject_tool_table_is_used_only_when_present(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config_file(tmp_path) is None
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.feedpub]\nlimit = 7\n')
    assert load_config(cwd=tmp_path).limit == 7
    write(tmp_path / "feedpub.toml", "limit = 9\n")
    assert load_config(cwd=tmp_path).limit == 9  # feedpub.toml wins


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min_qualty = 3\n", "unknown key 'min_qualty' (did you mean 'min_quality'?)"),
        ("colour = 1\n", "unknown key 'colour'"),
        ('limit = "50"\n', "limit must be an integer, not str"),
        ("limit = true\n", "limit must be an integer, not bool"),
        ("topics = [1]\n", "topics must be a list of strings"),
        ("limit = -1\n", "limit must be 0 (no limit) or more"),
        ("min_quality = 101\n", "min_quality must be between 0 and 100"),
        ('timezone = "Mars/Olympus"\n', "unknown timezone 'Mars/Olympus'"),
        ('base_url = "feeds/"\n', "base_url 'feeds/' is not an absolute http(s) URL"),
        ('title = "a\\u0001b"\n', "title holds the character U+0001 at position 2: feeds cannot hold it; remove it"),
        ('title = "a\\uFFFE"\n', "title holds the character U+FFFE at position 2"),
        ('author = "line\\none"\n', "author holds the character U+000A at position 5: a one-line setting"),
        ('description = "\\u001b[31m"\n', "description holds the character U+001B at position 1"),
        ('language = "en\\u0000"\n', "language holds the character U+0000"),
        ('language = "english language"\n', "language must be a language tag such as 'en'"),
        ('language = ""\n', "language must be a language tag"),
        ('timezone = "America"\n', "unknown timezone 'America'"),  # a folder of zones
        ('timezone = "../../etc/passwd"\n', "unknown timezone '../../etc/passwd'"),
        # The machine's own zone, or a file of it: the feeds would depend on where they are built.
        ('timezone = "localtime"\n', "timezone 'localtime' is not an IANA zone name and depends on the machine"),
        ('timezone = "LocalTime"\n', "is not an IANA zone name"),
        ('timezone = "posixrules"\n', "is not an IANA zone name"),
        ('timezone = "right/UTC"\n', "is not an IANA zone name"),
        ('timezone = "/etc/localtime"\n', "unknown timezone '/etc/localtime'"),
        ('timezone = "/usr/share/zoneinfo/Europe/Berlin"\n', "unknown timezone '/usr/share/zoneinfo/"),
        ('base_url = "https://ex.org/feeds/?a=1"\n', "base_url 'https://ex.org/feeds/?a=1' has a query (?...)"),
        ('base_url = "https://ex.org/feeds?"\n', "has a query"),
        ('base_url = "https://ex.org/feeds/#top"\n', "has a fragment (#...)"),
        ('base_url = "https://ex.org/my feeds/"\n', "holds a space or a control character"),
        ('site_url = "https://ex.org/a\\tb"\n', "site_url 'https://ex.org/a\\tb' holds a space"),
        ('hub = "https://[::1/"\n', "hub 'https://[::1/' has a host in brackets that is not an IPv6 address"),
        ('icon = "https://ex.org:99999/i.png"\n', "icon 'https://ex.org:99999/i.png' has the port '99999'"),
        # The rule seed links follow (feedpub.urls), for every URL setting.
        ('base_url = "https://ex.org/<script>/"\n', "base_url 'https://ex.org/<script>/' holds the character '<'"),
        ('base_url = "https://ex.org/\\"q/"\n', "holds the character '\"'"),
        ('base_url = "https://ex.org/%zz/"\n', "has a '%' not followed by two hex digits"),
        ('site_url = "https://ex.org\\\\@evil/"\n', "holds the character '\\\\'"),
        ('hub = "https://user:pw@ex.org/"\n', "hub 'https://***@ex.org/' has a user name or password"),
        ('logo = "https://:80/l.png"\n', "has no host"),
        ('logo = "//ex.org/logo.png"\n', "logo '//ex.org/logo.png' is not an absolute http(s) URL"),
        ("jobs = 99999999999999999999\n", "jobs must be 0 (one per core) to 256"),
        ("jobs = 257\n", "jobs must be 0 (one per core) to 256, not 257"),
        ('patterns = ["**/*.txt"]\n', "pattern '**/*.txt' has a '/': patterns match file names"),
        ('patterns = [""]\n', "patterns must be file name patterns such as '*.txt', not ''"),
        ('out = "a\\u0000b"\n', "out must be a path without NUL characters"),
        ('title = " "\n', "title must not be empty"),
        ("limit = [\n", "invalid TOML"),
    ],
)
def test_bad_settings_are_errors_that_name_the_key(tmp_path, text, message):
    path = write(tmp_path / "feedpub.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [("title", "T\x00"), ("description", "\ud800"), ("author", "\x85"), ("language", "de\x7f"),
     ("timezone", "Europe"), ("timezone", "UTC\x00"), ("base_url", "https://ex.org/?q"), ("jobs", 10**20),
     ("base_url", "https://ex.org/<script>/"), ("base_url", "https://ex.org\\@evil/"),
     ("base_url", "https://user:pw@ex.org/"), ("base_url", "https://ex.org/%zz/")],
)
def test_bad_flags_are_config_errors_too(key, value):
    with pytest.raises(ConfigError, match=key if key != "timezone" else "unknown timezone"):
        apply_overrides(DEFAULT_CONFIG, **{key: value})


def test_good_settings_pass_untouched():
    config = apply_overrides(
        DEFAULT_CONFIG, title="Caf\u00e9 \U0001f525 news", description="Two\nlines\tand a tab", language="zh-Hant-TW",
        site_url="https://ex.org/?lang=de#top", icon="https://ex.org/i.png?v=2", timezone="America/New_York",
        jobs=256, patterns=("*.txt", "[0-9]*.md"),
    )
    assert (config.title, config.language, config.site_url) == ("Caf\u00e9 \U0001f525 news", "zh-Hant-TW",
                                                                 "https://ex.org/?lang=de#top")


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT+5", "America/Port-au-Prince", "America/Argentina/Buenos_Aires"])
def test_iana_zone_names_of_every_shape_are_accepted(zone):
    assert apply_overrides(DEFAULT_CONFIG, timezone=zone).timezone == zone


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("limit = 3\n".encode("utf-16"), "the file is UTF-16; TOML files must be UTF-8"),
        (b"title = 'caf\xe9'\n", ":1: not valid UTF-8 (byte offset 12); save it as UTF-8"),
    ],
)
def test_a_config_file_that_is_not_utf8_is_named(tmp_path, raw, message):
    path = tmp_path / "feedpub.toml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}") and message in str(caught.value)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "feedpub.toml"
    path.write_bytes("\ufefflimit = 3\n".encode("utf-8"))
    assert load_config(path).limit == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool]\nfeedpub = "x"\n', "tool.feedpub must be a table ([tool.feedpub]), not a string"),
        ("tool = 3\n", "'tool' must be a table ([tool]), not an integer"),
        ('tool = "feedpub"\n', "'tool' must be a table ([tool]), not a string"),
    ],
)
def test_a_pyproject_whose_tool_feedpub_is_not_a_table_is_named(tmp_path, text, message):
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path)
    assert str(caught.value) == f"{path}: {message}"


def test_flags_win_over_the_file_and_unset_flags_do_not(tmp_path):
    path = write(tmp_path / "feedpub.toml", 'limit = 5\ntitle = "From file"\ntopics = ["AI"]\n')
    config = apply_overrides(load_config(path), limit=10, title=None, topics=None, out="elsewhere")
    assert (config.limit, config.title, config.topics, config.out) == (10, "From file", ("AI",), Path("elsewhere"))


def test_a_named_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_the_shipped_example_config_documents_every_key_and_loads(tmp_path):
    text = (Path(__file__).parent.parent / "feedpub.example.toml").read_text(encoding="utf-8")
    for field in DEFAULT_CONFIG.__dataclass_fields__:
        assert f"\n# {field} = " in text, f"{field} is not documented in feedpub.example.toml"
    settings = [line[2:] for line in text.splitlines() if re.match(r"# [a-z_]+ = ", line)]
    config = load_config(write(tmp_path / "feedpub.toml", "\n".join(settings)))
    assert config.seeds == tmp_path / "seeds" and config.limit == DEFAULT_CONFIG.limit


def test_an_author_of_blanks_falls_back_to_the_title():
    from feedpub.config import DEFAULT_CONFIG, apply_overrides

    assert apply_overrides(DEFAULT_CONFIG, author="   ", title="News").publisher == "News"
