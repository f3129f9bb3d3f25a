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
        ('base_url = "feeds/"\n', "base_url must be an absolute http(s) URL"),
        ('title = " "\n', "title must not be empty"),
        ("limit = [\n", "invalid TOML"),
    ],
)
def test_bad_settings_are_errors_that_name_the_key(tmp_path, text, message):
    path = write(tmp_path / "feedpub.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)


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
