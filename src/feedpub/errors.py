"""Every error feedpub raises or reports derives from :class:`FeedpubError`."""

from __future__ import annotations

from dataclasses import dataclass


class FeedpubError(Exception):
    """Base class for all feedpub errors."""


class FeedpubWarning(UserWarning):
    """Something went otherwise than asked but the work was done (e.g. in one process, not several)."""


class ConfigError(FeedpubError):
    """The configuration or the command line asks for something impossible."""


class OutputError(FeedpubError):
    """The output folder cannot be written safely."""


def _location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else path


def printable(text: str) -> str:
    """``text`` safe to print or to write as UTF-8, on one line: the bytes of a
    file name that is not UTF-8 (lone surrogates, PEP 383) shown as ``\\xe9``
    escapes, and control characters and line breaks (a file name may hold a
    newline) as ``\\n``, ``\\x1b`` and the like."""
    if not text.isascii():
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate no file name gives: its code point
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.translate(_CONTROLS)


# C0 and C1 controls, DEL and the Unicode line and paragraph separators.
_CONTROLS = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


class SeedError(FeedpubError):
    """A seed that cannot be published; collected as a value, not raised through a build."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(path, message, line)
        self.path = path
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return printable(f"{_location(self.path, self.line)}: {self.message}")


@dataclass(frozen=True, slots=True)
class SeedWarning:
    """Something in a seed that was published anyway, after a documented fix-up."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return printable(f"{_location(self.path, self.line)}: warning: {self.message}")


class WriteError(FeedpubError):
    """A file in the output folder could not be written, removed or locked."""
