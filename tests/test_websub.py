"""WebSub pings, against a real HTTP server on the loopback interface that records requests."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from conftest import article_fields, write_seed
from feedpub import websub
from feedpub.cli import cli
from feedpub.plan import SUFFIXES
from feedpub.websub import feed_urls, ping_hub

BASE_URL = "https://feeds.example.org/"


@dataclass
class Hub:
    """What the test hub answers, and what it was sent."""

    url: str
    status: int = 204
    stall: bool = False  # never answer (until the test ends)
    requests: list[dict] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def topics(self) -> list[str]:
        return [request["form"]["hub.url"][0] for request in self.requests]


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    """Requests go straight to the loopback hub, whatever the environment says."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({
                "path": self.path,
                "type": self.headers["Content-Type"],
                "form": parse_qs(body.decode("ascii"), strict_parsing=True),
            })
            if state.stall:
                state.released.wait(30)
                return
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def no_waiting(monkeypatch) -> None:
    """Retries (as many) without their delays, so failing hubs cost no time."""
    monkeypatch.setattr(websub, "RETRY_DELAYS", (0.0,) * len(websub.RETRY_DELAYS))


# The CLI: which feeds are pinged, and when not at all.

SEEDS = {
    "1.txt": article_fields(1, topics=["AI"]),
    "2.txt": article_fields(2, topics=["AI", "Robots"]),
    "3.txt": article_fields(3, topics=["Climate"]),
}


def run(tmp_path: Path, hub_url: str, *args: str):
    return CliRunner().invoke(cli, [
        "build", str(tmp_path / "seeds"), "--out", str(tmp_path / "feeds"), "--base-url", BASE_URL,
        "--cache-dir", str(tmp_path / "cache"), "--hub", hub_url, *args,
    ], catch_exceptions=False)


def feeds_of(fields: dict) -> set[str]:
    """The public URLs of every feed an article is in, from its topics."""
    bases = ["all"] + [f"topics/{topic.lower()}" for topic in fields["topics"]]
    return {BASE_URL + base + suffix for base in bases for suffix in SUFFIXES.values()}


@pytest.fixture
def built(tmp_path: Path, hub: Hub) -> Path:
    for name, fields in SEEDS.items():
        write_seed(tmp_path / "seeds", name, **fields)
    result = run(tmp_path, hub.url, "--ping")
    assert result.exit_code == 0, result.output
    return tmp_path


def test_first_build_pings_every_feed_once_as_a_form_post(built, hub):
    expected = set().union(*(feeds_of(fields) for fields in SEEDS.values()))
    assert sorted(hub.topics()) == sorted(expected)
    for request in hub.requests:
        assert request["path"] == "/hub"
        assert request["type"] == "application/x-www-form-urlencoded"
        assert request["form"]["hub.mode"] == ["publish"]
        assert request["form"]["hub.topic"] == request["form"]["hub.url"]


def test_an_edit_pings_exactly_the_feeds_that_changed(built, hub):
    hub.requests.clear()
    assert run(built, hub.url, "--ping").exit_code == 0  # unchanged rebuild
    assert hub.requests == []
    edited = {**SEEDS["2.txt"], "title": "Robots, retitled"}
    write_seed(built / "seeds", "2.txt", **edited)
    assert run(built, hub.url, "--ping", "--check").exit_code == 1  # would change, but --check never pings
    assert hub.requests == []
    result = run(built, hub.url, "--ping", "-v")
    assert result.exit_code == 0
    assert sorted(hub.topics()) == sorted(feeds_of(edited))
    pinged = [line for line in result.stdout.splitlines() if line.startswith("pinged: ")]
    assert len(pinged) == len(feeds_of(edited))


def test_without_ping_no_request_is_sent(built, hub):
    hub.requests.clear()
    write_seed(built / "seeds", "9.txt", **article_fields(9))
    assert run(built, hub.url).exit_code == 0
    assert hub.requests == []


def test_ping_from_the_config_file(built, hub):
    hub.requests.clear()
    config = built / "feedpub.toml"
    config.write_text(f'ping = true\nping_timeout = 5\nhub = "{hub.url}"\n', encoding="utf-8")
    write_seed(built / "seeds", "9.txt", **article_fields(9))
    result = CliRunner().invoke(cli, [
        "build", str(built / "seeds"), "--out", str(built / "feeds"), "--base-url", BASE_URL,
        "--cache-dir", str(built / "cache"), "--config", str(config),
    ], catch_exceptions=False)
    assert result.exit_code == 0
    assert sorted(hub.topics()) == sorted(feeds_of(article_fields(9)))


def test_a_hub_answering_500_is_retried_then_a_warning_and_the_build_succeeds(built, hub, no_waiting):
    hub.requests.clear()
    hub.status = 500
    write_seed(built / "seeds", "3.txt", **{**SEEDS["3.txt"], "title": "Climate, retitled"})
    result = run(built, hub.url, "--ping")
    assert result.exit_code == 0
    changed = feeds_of(SEEDS["3.txt"])
    # One try and two retries for the first feed; then the hub counts as down.
    [first] = set(hub.topics())
    assert first in changed and hub.topics() == [first] * 3
    warning, rest = [line for line in result.stderr.splitlines() if line.startswith("warning: WebSub hub")]
    assert hub.url in warning and first in warning and "HTTP 500" in warning and "3 attempts" in warning
    assert f"{hub.url} not notified of {len(changed) - 1} more feed(s)" in rest
    assert b"Climate, retitled" in (built / "feeds" / "topics" / "climate.atom.xml").read_bytes()


def test_quiet_hides_ping_warnings_like_every_other_warning(built, hub, no_waiting):
    hub.requests.clear()
    hub.status = 500
    write_seed(built / "seeds", "3.txt", **{**SEEDS["3.txt"], "title": "Climate, retitled"})
    result = run(built, hub.url, "--ping", "-q")
    assert result.exit_code == 0 and result.stdout == ""
    assert hub.topics() and result.stderr == ""  # pinged, failed, and -q said nothing
    write_seed(built / "seeds", "9.txt", **article_fields(9))
    result = CliRunner().invoke(cli, [
        "build", str(built / "seeds"), "--out", str(built / "feeds"), "--base-url", BASE_URL,
        "--cache-dir", str(built / "cache"), "--ping", "-q",
    ], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""  # no hub: a warning too


def test_a_hub_refusing_connections_is_a_warning(tmp_path, closed_port, no_waiting):
    for name, fields in SEEDS.items():
        write_seed(tmp_path / "seeds", name, **fields)
    down = f"http://127.0.0.1:{closed_port}/hub"
    result = run(tmp_path, down, "--ping")
    assert result.exit_code == 0
    warning, rest = [line for line in result.stderr.splitlines() if line.startswith("warning: WebSub hub")]
    assert down in warning and "3 attempts" in warning
    feeds = set().union(*(feeds_of(fields) for fields in SEEDS.values()))
    assert f"{down} not notified of {len(feeds) - 1} more feed(s)" in rest
    assert (tmp_path / "feeds" / "all.rss.xml").read_bytes().count(b"<item>") == len(SEEDS)


def test_a_hub_that_never_answers_times_out(built, hub, no_waiting):
    hub.requests.clear()
    hub.stall = True
    write_seed(built / "seeds", "9.txt", **article_fields(9, topics=[]))
    result = run(built, hub.url, "--ping", "--ping-timeout", "0.2", "--feed-format", "rss")
    assert result.exit_code == 0
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning: WebSub hub")]
    assert "timed out after 0.2 s" in warning and BASE_URL + "all.rss.xml" in warning


def test_ping_without_a_hub_warns(built):
    write_seed(built / "seeds", "9.txt", **article_fields(9))
    result = CliRunner().invoke(cli, [
        "build", str(built / "seeds"), "--out", str(built / "feeds"), "--base-url", BASE_URL,
        "--cache-dir", str(built / "cache"), "--ping",
    ], catch_exceptions=False)
    assert result.exit_code == 0
    assert "no hub is set" in result.stderr


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_ping_timeout_must_be_positive(tmp_path, value):
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "--ping-timeout", value])
    assert result.exit_code == 2


# The library on its own.


def test_ping_hub_backs_off_between_retries(hub):
    hub.status = 503
    waited: list[float] = []
    [result] = ping_hub(hub.url, [BASE_URL + "all.rss.xml"], timeout=5, sleep=waited.append)
    assert waited == list(websub.RETRY_DELAYS)
    assert (result.ok, result.status, result.attempts) == (False, 503, 1 + len(websub.RETRY_DELAYS))
    assert len(hub.requests) == result.attempts


def test_a_hub_that_fails_for_good_is_not_asked_again(hub):
    hub.status = 502
    urls = [BASE_URL + name for name in ("a.json", "b.json", "c.json")]
    results = ping_hub(hub.url, urls, sleep=lambda _: None)
    assert [r.attempts for r in results] == [3, 0, 0]
    assert hub.topics() == [urls[0]] * 3
    assert all(not r.ok for r in results) and urls[0] in results[1].error


def test_a_client_error_is_final_for_that_url_only(hub):
    hub.status = 404
    urls = [BASE_URL + "a.json", BASE_URL + "b.json"]
    results = ping_hub(hub.url, urls, sleep=lambda _: pytest.fail("a 404 is not retried"))
    assert [(r.ok, r.status, r.attempts) for r in results] == [(False, 404, 1), (False, 404, 1)]
    assert hub.topics() == urls


def test_ping_hub_succeeds_at_once_on_2xx(hub):
    hub.status = 202
    waited: list[float] = []
    results = ping_hub(hub.url, [BASE_URL + "a.json", BASE_URL + "b.json"], sleep=waited.append)
    assert [(r.ok, r.status, r.attempts) for r in results] == [(True, 202, 1), (True, 202, 1)]
    assert waited == [] and hub.topics() == [BASE_URL + "a.json", BASE_URL + "b.json"]


def test_a_redirect_is_not_followed(hub):
    hub.status = 302  # no Location: even so, a POST must not become a GET elsewhere
    [result] = ping_hub(hub.url, [BASE_URL + "all.rss.xml"], delays=())
    assert (result.ok, result.status) == (False, 302)


def test_only_subscribable_feeds_are_named():
    paths = ["all.rss.xml", "all.json", "topics/ai.atom.xml", "index.html", "feeds.opml",
             "archive/all/1.rss.xml", ".feedpub-manifest.json"]
    assert feed_urls(BASE_URL, paths) == [BASE_URL + p for p in ("all.rss.xml", "all.json", "topics/ai.atom.xml")]


def test_a_hub_that_is_not_http_is_never_opened(tmp_path):
    [result] = ping_hub(tmp_path.as_uri(), [BASE_URL + "all.rss.xml"])
    assert not result.ok and result.attempts == 0


@pytest.mark.parametrize("text, message", [
    ("ping_timeout = true", "ping_timeout must be a number, not bool"),
    ('ping_timeout = "5"', "ping_timeout must be a number, not str"),
    ("ping_timeout = 0", "ping_timeout must be a number of seconds above 0"),
    ("ping_timeout = inf", "ping_timeout must be a number of seconds above 0"),
    ('ping = "yes"', "ping must be true or false, not str"),
])
def test_bad_ping_settings_are_config_errors(tmp_path, text, message):
    from feedpub.config import load_config
    from feedpub.errors import ConfigError

    config = tmp_path / "feedpub.toml"
    config.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(config)


def test_ping_settings_load_from_the_config_file(tmp_path):
    from feedpub.config import DEFAULT_CONFIG, load_config

    assert (DEFAULT_CONFIG.ping, DEFAULT_CONFIG.ping_timeout) == (False, websub.DEFAULT_TIMEOUT)
    config = tmp_path / "feedpub.toml"
    config.write_text("ping = true\nping_timeout = 2.5\n", encoding="utf-8")
    assert (load_config(config).ping, load_config(config).ping_timeout) == (True, 2.5)
