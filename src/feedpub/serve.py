"""`feedpub serve`: preview the output folder over HTTP on this machine.

Serves files with the media types feed readers expect, and with ``ETag`` and
``Last-Modified`` so a reader's conditional requests get ``304 Not Modified``.
Hidden files (the manifest, the lock) are not served. Not for production: a
static web server or CDN does that job.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import re
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG

CONTENT_TYPES = {
    ".rss.xml": "application/rss+xml; charset=utf-8",
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}


# An entity tag in an If-None-Match list, weak (W/"...") or strong (RFC 9110 8.8.3).
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def content_type(name: str) -> str:
    for suffix, media_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return media_type
    return "application/octet-stream"


class FeedRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from one folder, with feed media types and validators."""

    server_version = "feedpub"

    def send_head(self):  # type: ignore[override]
        try:
            found = self._served_file()
            if found is None:
                self.send_error(404, "Not found")
                return None
            path, data, stat = found
        except (OSError, ValueError):
            # A name too long for the file system (ENAMETOOLONG), a NUL byte
            # (ValueError), a file gone or unreadable meanwhile: nothing to serve.
            self.send_error(404, "Not found")
            return None
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        modified = formatdate(int(stat.st_mtime), usegmt=True)
        if self._not_modified(etag, int(stat.st_mtime)):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("Content-Type", content_type(path.name))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return io.BytesIO(data)

    def _served_file(self) -> tuple[Path, bytes, os.stat_result] | None:
        """The file the request names, its bytes and its stat; None for a
        hidden name (the manifest, the lock), a missing file, and any path
        through a symbolic link inside the folder: `feeds/evil -> /` must not
        serve the machine's files. Every component is checked with lstat, and
        the file itself is opened without following a link, so a link swapped
        in meanwhile fails too."""
        root = Path(self.directory)
        path = Path(self.translate_path(self.path))  # normalized: never above the root
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            return None
        for depth in range(1, len(relative.parts) + 1):
            if S_ISLNK(os.lstat(root.joinpath(*relative.parts[:depth])).st_mode):
                return None
        if S_ISDIR(os.lstat(path).st_mode):
            path = path / "index.html"
        # O_NONBLOCK: opening a FIFO put there must not hang the request (fstat then refuses it).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as file:
            stat = os.fstat(file.fileno())
            if not S_ISREG(stat.st_mode):
                return None
            return path, file.read(), stat

    def _not_modified(self, etag: str, mtime: int) -> bool:
        # RFC 9110 13.1.2/13.1.3: If-None-Match wins over If-Modified-Since.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return if_none_match.strip() == "*" or etag in if_none_match_tags(if_none_match)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
                if since.tzinfo is None:
                    # No zone (or "-0000"): HTTP dates are GMT (RFC 9110 5.6.7), not this machine's local time.
                    since = since.replace(tzinfo=timezone.utc)
                return mtime <= since.timestamp()
            except (TypeError, ValueError, OverflowError):
                return False
        return False

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        if not getattr(self.server, "quiet", False) and os.environ.get("FEEDPUB_SERVE_QUIET") != "1":
            super().log_message(format, *args)


def if_none_match_tags(header: str) -> set[str]:
    """The opaque tags an If-None-Match header lists, weak or not, as strong tags
    (``W/"x"`` and ``"x"`` both give ``"x"``): RFC 9110 13.1.2 compares them
    with the weak comparison, where only the opaque part counts."""
    return {match.group(1) for match in _ENTITY_TAG.finditer(header)}


def make_server(
    folder: Path, port: int = 8000, host: str = "127.0.0.1", quiet: bool = False
) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``folder`` on ``host:port`` (port 0: any free port);
    ``quiet`` logs no requests. Raises OSError when the port is taken."""
    handler = partial(FeedRequestHandler, directory=str(folder.resolve()))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.quiet = quiet  # type: ignore[attr-defined]
    return server
