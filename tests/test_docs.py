"""The README documents what the CLI and CI really do."""

import re
from pathlib import Path

import pytest

from feedpub.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_option_of_every_command_is_in_the_readme(command):
    assert f"### `feedpub {command}" in README
    for param in cli.commands[command].params:
        for flag in param.opts if param.param_type_name == "option" else []:
            assert f"`{flag}" in README, f"feedpub {command} {flag} is not documented in README.md"
    assert cli.commands[command].help, f"feedpub {command} has no help text"


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    commands = re.findall(r"```sh\n(python3 -m venv .*)\n```", README)
    assert len(commands) == 2
    install_and_build, install_and_test = commands
    assert install_and_build.endswith("feedpub build")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()
    assert "feedpub build --check" in ci
