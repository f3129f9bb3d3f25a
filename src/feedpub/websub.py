"""Tell a WebSub hub which feeds changed, so subscribers need not wait for their next poll.

WebSub (https://www.w3.org/TR/websub/) leaves how a publisher notifies its hub
to the hub. Common practice, from PubSubHubbub 0.3 on, is a POST of
``application/x-www-form-urlencoded`` ``hub.mode=publish`` with ``hub.url``
naming the changed topic; newer hubs (websubhub.com, websub.rocks) read
``hub.topic`` and still accept ``hub.url``. Each request carries both, with the
same URL, so every hub finds the name it reads. One request per feed URL: not
every hub accepts several ``hub.url`` in one request.

Nothing here prints: :func:`ping_hub` returns one PingResult per URL and the
CLI decides what to say.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .version import __version__
from .changes import is_feed_file

DEFAULT_TIMEOUT = 10.0
# Seconds to wait before each retry: a hub that is restarting gets a second and a third chance.
RETRY_DELAYS = (0.5, 1.0)
USER_AGENT = f"feedpub/{__version__} (WebSub publisher)"
# Only what a subscriber subscribes to: RFC 5005 archive pages are reached by following links.
ARCHIVE_FOLDER = "archive/"


@dataclass(frozen=True, slots=True)
class PingResult:
    """The outcome of notifying ``hub`` that ``url`` changed.

    ``status`` is the HTTP status of the last attempt (0 when no response came
    at all); ``error`` says what went wrong, empty on success; ``attempts``
    counts the requests sent.
    """

    hub: str
    url: str
    status: int
    attempts: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def feed_urls(feeds_url: str, paths: Iterable[str]) -> list[str]:
    """Public URLs of the subscribable feed files among ``paths`` (relative to the
    output folder served at ``feeds_url``): no index.html, OPML or archive pages."""
    return [feeds_url + path for path in paths if is_feed_file(path) and not path.startswith(ARCHIVE_FOLDER)]


def ping_hub(
    hub: str,
    urls: Sequence[str],
    timeout: float = DEFAULT_TIMEOUT,
    delays: Sequence[float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[PingResult]:
    """POST ``hub.mode=publish`` to ``hub`` for each of ``urls``; one result per URL.

    Each request waits at most ``timeout`` seconds. A request the hub may
    answer next time (no connection, a timeout, 429 or 5xx) is retried after
    each of ``delays`` in turn (RETRY_DELAYS by default; ``sleep`` waits);
    another status outside 2xx is final. A redirect is an error too: following
    it would turn the POST into a GET. When a URL still fails after its
    retries, the hub is taken to be down and the remaining URLs are not sent
    (attempts 0): a build with hundreds of changed feeds must not wait for a
    dead hub hundreds of times. Never raises for what the network or the hub does.
    """
    if urllib.parse.urlsplit(hub).scheme not in ("http", "https"):  # urllib would open file: URLs too
        return [PingResult(hub, url, 0, 0, "the hub must be an http(s) URL") for url in urls]
    delays = RETRY_DELAYS if delays is None else delays
    opener = urllib.request.build_opener(_NoRedirect)
    results: list[PingResult] = []
    for url in urls:
        if results and _is_transient(results[-1]):
            results.append(PingResult(hub, url, 0, 0, f"not sent: the hub failed for {results[-1].url}"))
            continue
        results.append(_publish(opener, hub, url, timeout, delays, sleep))
    return results


def _is_transient(result: PingResult) -> bool:
    """True for a failure the hub itself caused, which the next request would meet too."""
    return not result.ok and (result.attempts == 0 or result.status in (0, 429) or result.status >= 500)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as the HTTP error it is for a publish request."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _publish(opener: urllib.request.OpenerDirector, hub: str, url: str, timeout: float, delays: Sequence[float],
             sleep: Callable[[float], None]) -> PingResult:
    status, error, attempts = 0, "", 0
    for delay in (None, *delays):
        if delay is not None:
            sleep(delay)
        attempts += 1
        status, error = _post(opener, hub, url, timeout)
        if not error or not _is_transient(PingResult(hub, url, status, attempts, error)):
            break
    return PingResult(hub, url, status, attempts, error)


def _post(opener: urllib.request.OpenerDirector, hub: str, url: str, timeout: float) -> tuple[int, str]:
    """One publish request: (HTTP status or 0, error message or '')."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.topic": url, "hub.url": url}).encode("ascii")
    request = urllib.request.Request(hub, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": USER_AGENT,
    })
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:  # urlopen raises for 4xx and 5xx
        error.close()
        return error.code, f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        reason = error.reason
        return 0, f"timed out after {timeout:g} s" if isinstance(reason, TimeoutError) else f"{reason}"
    except TimeoutError:  # a response that started and then stalled
        return 0, f"timed out after {timeout:g} s"
    except (OSError, http.client.HTTPException) as error:  # a reset connection, a garbled answer
        return 0, str(error) or type(error).__name__
    if not 200 <= status < 300:
        return status, f"HTTP {status}"
    return status, ""
