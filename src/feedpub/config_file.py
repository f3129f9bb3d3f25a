"""Find the config file and read its TOML, strictly.

Settings live in ``feedpub.toml``, or in the ``[tool.feedpub]`` table of a
``pyproject.toml``. The file must be UTF-8 TOML; anything else is a
ConfigError naming the file (and the line, where there is one). What the keys
mean and which values they take is config.py's business.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_FILE = "feedpub.toml"
PYPROJECT_FILE = "pyproject.toml"


def find_config_file(folder: Path) -> Path | None:
    """The config file that applies in ``folder``: feedpub.toml, else a pyproject.toml
    with a ``[tool.feedpub]`` table, else None."""
    candidate = folder / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = folder / PYPROJECT_FILE
    if pyproject.is_file() and feedpub_table(pyproject, read_toml(pyproject)) is not None:
        return pyproject
    return None


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in ``path``. It must be UTF-8 (TOML 1.0 says so); a
    UTF-8 byte-order mark, which some Windows editors write, is accepted."""
    if sys.version_info >= (3, 11):  # imported here: most builds have no config file
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: the file is UTF-16; TOML files must be UTF-8, so save it as UTF-8")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8 (byte offset {error.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def feedpub_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The ``[tool.feedpub]`` table of a pyproject.toml's ``data``, or None without one."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table ([tool]), not {_toml_type(tool)}")
    table = tool.get("feedpub")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.feedpub must be a table ([tool.feedpub]), not {_toml_type(table)}")
    return table


def _toml_type(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a float", list: "an array"}
    return names.get(type(value), f"a {type(value).__name__}")
