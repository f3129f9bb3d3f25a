"""`feedpub serve`, and the index page in a real browser (headless Chromium)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import etree, html as lxml_html

from feedpub import build
from feedpub.serve import make_server

from conftest import article_fields, make_config, parse_feed, write_seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
# Flags for a sandboxed, offline machine: no background traffic, fresh profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


@contextmanager
def serving(folder: Path):
    server = make_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for n, topics in enumerate((["AI", "Robotics"], ["AI"], ["Café Société"], ["人工知能"]), 1):
        write_seed(root / "seeds", f"{n}.txt", **article_fields(n, topics=topics))
    config = make_config(root)
    build(config)
    return config.out


def test_serve_sends_feed_media_types_and_validators(site, monkeypatch):
    monkeypatch.setenv("FEEDPUB_SERVE_QUIET", "1")
    with serving(site) as base:
        expected = {
            "all.rss.xml": "application/rss+xml; charset=utf-8",
            "all.atom.xml": "application/atom+xml; charset=utf-8",
            "all.json": "application/feed+json; charset=utf-8",
            "feeds.opml": "text/x-opml; charset=utf-8",
            "": "text/html; charset=utf-8",
        }
        for name, media_type in expected.items():
            status, headers, body = get(base + name)
            assert (status, headers["Content-Type"]) == (200, media_type)
            assert body == (site / (name or "index.html")).read_bytes()
        status, headers, _ = get(base + "all.atom.xml")
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert get(base + "all.atom.xml", **{"If-None-Match": etag})[0] == 304
        assert get(base + "all.atom.xml", **{"If-Modified-Since": modified})[0] == 304
        assert get(base + "all.atom.xml", **{"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
        assert get(base + ".feedpub-manifest.json")[0] == 404
        assert get(base + "missing.xml")[0] == 404
        assert get(base + "../../etc/passwd")[0] == 404


def test_serve_compares_if_none_match_weakly_as_rfc_9110_says(site, monkeypatch):
    monkeypatch.setenv("FEEDPUB_SERVE_QUIET", "1")
    with serving(site) as base:
        etag = get(base + "all.rss.xml")[1]["ETag"]
        for header in (f"W/{etag}", f'"other", W/{etag}', f'W/"other",{etag}', "*", f' {etag} '):
            assert get(base + "all.rss.xml", **{"If-None-Match": header})[0] == 304, header
        for header in ('W/"other"', '"other", W/"more"', etag[:-2] + '"', "W/"):
            assert get(base + "all.rss.xml", **{"If-None-Match": header})[0] == 200, header


@pytest.mark.parametrize("name", ["x" * 256, "a/" + "y" * 300 + ".xml", "%00.xml", "all.rss.xml%00"])
def test_serve_answers_404_to_names_the_file_system_refuses(site, monkeypatch, capfd, name):
    monkeypatch.setenv("FEEDPUB_SERVE_QUIET", "1")
    with serving(site) as base:
        assert get(base + name)[0] == 404
        assert get(base + "all.rss.xml")[0] == 200  # and goes on serving
    assert "Traceback" not in capfd.readouterr().err


def test_serve_never_follows_a_symbolic_link_inside_the_folder(site, tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDPUB_SERVE_QUIET", "1")
    folder = tmp_path / "out"
    shutil.copytree(site, folder)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.xml").write_text("secret")
    (outside / "index.html").write_text("secret")
    (folder / "evil").symlink_to("/")
    (folder / "away").symlink_to(outside)
    (folder / "secret.xml").symlink_to(outside / "secret.xml")
    (folder / "alias.atom.xml").symlink_to(folder / "all.atom.xml")  # even one that stays inside
    (folder / "topics").mkdir(exist_ok=True)
    (folder / "topics" / "up").symlink_to("..")
    os.mkfifo(folder / "pipe.xml")  # opening it must not hang the request
    with serving(folder) as base:
        for name in ("evil/etc/passwd", "evil/", "away/secret.xml", "away/", "secret.xml", "alias.atom.xml",
                     "topics/up/all.atom.xml", "pipe.xml"):
            assert get(base + name)[0] == 404, name
        assert get(base + "all.atom.xml")[0] == 200


def test_serve_reads_an_if_modified_since_without_a_zone_as_gmt(site, monkeypatch):
    monkeypatch.setenv("FEEDPUB_SERVE_QUIET", "1")
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # a local time far from GMT
    time.tzset()
    try:
        mtime = int((site / "all.atom.xml").stat().st_mtime)
        with serving(site) as base:
            for since, status in ((mtime, 304), (mtime - 3600, 200), (mtime + 3600, 304)):
                zoneless = formatdate(since, usegmt=True).removesuffix(" GMT")  # "Wed, 02 Dec 2026 06:00:00"
                for header in (zoneless, zoneless + " -0000"):
                    assert get(base + "all.atom.xml", **{"If-Modified-Since": header})[0] == status, header
    finally:
        monkeypatch.undo()
        time.tzset()


def test_serve_on_a_busy_port_names_the_port_and_exits_1(site):
    import socket

    from click.testing import CliRunner

    from feedpub.cli import cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--out", str(site), "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cannot listen on 127.0.0.1:{port}: Address already in use; "
                             "choose another --port (0 picks a free one)\n")


def test_serve_command_refuses_a_missing_folder(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from feedpub.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2 and "nothing to serve: feeds does not exist" in result.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian package 'chromium'; .ci/run installs it)")
def test_index_page_in_a_real_browser_links_to_feeds_that_parse(site, tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDPUB_SERVE_QUIET", "1")
    with serving(site) as base:
        profile = ["--user-data-dir=" + str(tmp_path / "profile")]
        dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, *profile, "--dump-dom", base],
                             capture_output=True, text=True, timeout=120, check=True).stdout
        page = lxml_html.fromstring(dom)
        assert page.findtext(".//h1") == "feedpub"
        hrefs = [a.get("href") for a in page.iter("a")] + [l.get("href") for l in page.findall(".//link")]
        local = [urljoin(base, href) for href in hrefs if urlsplit(urljoin(base, href)).netloc == urlsplit(base).netloc]
        external = [href for href in hrefs if urljoin(base, href) not in local]
        assert len(local) == 3 + 3 * 4 + 1 + 3  # overall + 4 topics in 3 formats, OPML, autodiscovery
        for url in local:
            status, headers, body = get(url)
            assert status == 200, url
            if url.endswith(".opml"):
                assert etree.fromstring(body).tag == "opml"
            elif url.endswith(".json"):  # feedparser 6.0 reads no JSON Feed
                assert json.loads(body)["items"], url
            else:
                path = tmp_path / "fetched"
                path.write_bytes(body)
                assert parse_feed(path).entries, url
        assert external and all(href.startswith("https://news.example.com/") for href in external)

        shot = tmp_path / "phone.png"
        subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, *profile, "--window-size=412,915", f"--screenshot={shot}", base],
                       capture_output=True, timeout=120, check=True)
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (412, 915)
        grey = image.convert("L")
        colours = grey.getcolors(maxcolors=256 * 256) or []
        assert len(colours) > 8, "the screenshot is blank"
        # Text is drawn in the top part: the page is not an empty white sheet.
        assert grey.crop((0, 0, 412, 300)).getextrema()[0] < 128


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
def test_ctrl_c_is_how_serve_stops_and_it_exits_0(site):
    server = subprocess.Popen([sys.executable, "-m", "feedpub", "serve", "--out", str(site), "--port", "0", "-q"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        serving = server.stderr.readline()  # printed once it listens, before it serves
        assert serving.startswith(f"Serving {site} at http://127.0.0.1:")
        server.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 0 and out == "" and "Traceback" not in err
