"""The app under gunicorn behind nginx's proxy_cache: cached, revalidated with 304, and updated on edit.

What an operator's cache sees: the Cache-Control, ETag and Last-Modified the app sends are enough for
a shared cache to keep bodies for max-age, revalidate them cheaply (a 304, no body), and pick up an
edited article within max-age plus the watch interval.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest

from tests.nginx import Fetched, Nginx, fetch, free_port, nginx_binary, running_nginx, stop_process, wait_for_port
from tests.support import ARTICLES
from widget.settings import PROJECT_ROOT

MAX_AGE = 2
WATCH_INTERVAL = 1
# nginx keeps expiry times in whole seconds, so an entry may live up to a second past max-age.
CLOCK_SLACK = 1
MARGIN = 5
READY_TIMEOUT = 30.0
PATH = "/fragment/lupus-numbness/takeaway"
TAKEAWAY_START = "Yes. When lupus leads to numbness"


@dataclass(frozen=True, slots=True)
class Gunicorn:
    port: int
    access_log: Path  # its stdout: one JSON line per request
    content_dir: Path

    def statuses(self, path: str) -> list[int]:
        records = [json.loads(line) for line in self.access_log.read_text(encoding="utf-8").splitlines() if line]
        return [record["status"] for record in records if record.get("path") == path]


@pytest.fixture
def gunicorn(request: pytest.FixtureRequest, tmp_path: Path, nginx_port: int) -> Iterator[Gunicorn]:
    """The real app, as `make serve` runs it, on a copy of the sample content.

    Parametrize it indirectly with a dict of more WIDGET_* variables (for example the policy).
    """
    content_dir = tmp_path / "articles"
    shutil.copytree(ARTICLES, content_dir)
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("WIDGET_")}
    env.update(
        WIDGET_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        WIDGET_CONTENT_DIR=str(content_dir),
        WIDGET_PUBLIC_URL=f"http://127.0.0.1:{nginx_port}",
        WIDGET_CACHE_MAX_AGE=str(MAX_AGE),
        WIDGET_CACHE_S_MAXAGE=str(MAX_AGE),
        WIDGET_CACHE_STALE_WHILE_REVALIDATE="0",
        WIDGET_WATCH_INTERVAL=str(WATCH_INTERVAL),
    )
    env.update(getattr(request, "param", {}))
    stdout, stderr = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [Path(sys.executable).with_name("gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    try:
        wait_for_port(port, READY_TIMEOUT, process, stderr, "gunicorn")
        wait_until(lambda: fetch(port, "/readyz").status == 200, READY_TIMEOUT, "gunicorn's /readyz")
        yield Gunicorn(port, stdout, content_dir)
    finally:
        stop_process(process)


@pytest.fixture
def nginx_port() -> int:
    nginx_binary()  # fail before starting gunicorn when nginx is missing
    return free_port()


@pytest.fixture
def proxy(tmp_path: Path, nginx_port: int, gunicorn: Gunicorn) -> Iterator[Nginx]:
    """nginx in front of gunicorn, caching what the app's Cache-Control allows and revalidating it."""
    prefix = tmp_path / "nginx"
    http = f"""\
    proxy_cache_path {prefix / "cache"} levels=1:2 keys_zone=widgets:1m max_size=10m inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{nginx_port};
        location / {{
            proxy_pass http://127.0.0.1:{gunicorn.port};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache widgets;
            proxy_cache_revalidate on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}"""
    with running_nginx(prefix, http, nginx_port) as server:
        yield server


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass  # not listening yet
        time.sleep(interval)
    pytest.fail(f"Gave up waiting for {what} after {timeout} s.", pytrace=False)


def poll(proxy: Nginx, until: Callable[[Fetched], bool], timeout: float) -> Fetched:
    """Request PATH through the proxy until ``until(answer)``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = proxy.get(PATH)
        if until(answer):
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"After {timeout} s, {PATH} still answers X-Cache-Status {answer.header('X-Cache-Status')}.")
        time.sleep(0.2)


def test_proxy_caches_then_revalidates_with_304(proxy, gunicorn):
    first = proxy.get(PATH)
    second = proxy.get(PATH)

    assert first.status == second.status == 200
    assert first.header("X-Cache-Status") == "MISS"
    assert second.header("X-Cache-Status") == "HIT"
    assert second.body == first.body
    assert first.header("Cache-Control") == f"public, max-age={MAX_AGE}, s-maxage={MAX_AGE}, stale-if-error=86400"

    after = poll(proxy, lambda answer: answer.header("X-Cache-Status") != "HIT", MAX_AGE + CLOCK_SLACK + MARGIN)

    assert after.header("X-Cache-Status") == "REVALIDATED"
    assert after.status == 200
    assert after.body == first.body
    wait_until(lambda: 304 in gunicorn.statuses(PATH), MARGIN, f"a 304 for {PATH} in gunicorn's access log")
    assert gunicorn.statuses(PATH)[:2] == [200, 304]  # one full answer, then only the revalidation


def test_proxy_shows_an_edited_article_within_max_age(proxy, gunicorn):
    article = gunicorn.content_dir / "lupus-numbness.md"
    marker = f"Edited {time.time_ns()}."
    text = article.read_text(encoding="utf-8")
    assert TAKEAWAY_START in text
    cached = proxy.get(PATH)
    assert cached.status == 200
    assert marker.encode() not in cached.body

    article.write_text(text.replace(TAKEAWAY_START, f"Yes. {marker} When lupus leads to numbness"), encoding="utf-8")
    updated = poll(
        proxy, lambda answer: marker.encode() in answer.body, MAX_AGE + WATCH_INTERVAL + CLOCK_SLACK + MARGIN
    )

    assert updated.status == 200
    # Expired, asked again, and given the new body (a 200, not a 304: its ETag changed).
    assert updated.header("X-Cache-Status") == "EXPIRED"


# -- one client's headers never change what the next client gets ---------------------------------

OVERFLOWING_DATE = "Fri, 04 Dec 99999999999999999999 02:21:13 GMT"
PARTNER_ORIGIN = "http://localhost:8001"  # in the repo's partners.toml
# What an attacker may send before a reader asks for the same URL through the same cache.
HOSTILE: tuple[dict[str, str], ...] = (
    {"Accept-Encoding": "identity;q=0"},
    {"Accept-Encoding": "*;q=0"},
    {"Accept-Encoding": "identity;q=0, *;q=0"},
    {"Accept-Encoding": "br;q=0, gzip;q=0, identity;q=0"},
    {"Accept-Encoding": "gzip;q=nan, br;q=2"},
    {"Accept-Encoding": ",;,;=;q"},
    {"Accept-Encoding": "deflate, zstd"},
    {"Accept-Encoding": "gzip, " * 1000},
    {"If-None-Match": "*"},
    {"If-None-Match": '"x", W/"y", *'},
    {"If-None-Match": "W/"},
    {"If-None-Match": ",,," * 1000},
    {"If-Modified-Since": OVERFLOWING_DATE},
    {"If-Modified-Since": "Mon, 01 Jan 99999 00:00:00 GMT"},
    {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"},
    {"If-Modified-Since": "yesterday"},
    {"If-Range": OVERFLOWING_DATE, "Range": "bytes=0-9"},
    {"Range": "bytes=99999999999999999999-"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": f"{PARTNER_ORIGIN}.evil.example"},
    {"Origin": "<hw-probe>"},
    {"Origin": "x" * 7000},
    {"HX-Request": "true"},
    {"HX-Request": "x" * 8000},
    {"HX-Current-URL": "javascript:alert(1)", "HX-Target": "<hw-probe>", "HX-Boosted": "true"},
    {"Accept-Encoding": "identity;q=0", "Origin": "https://evil.example", "If-None-Match": "*"},
)
# The readers: a client with no preferences, a browser, and a partner page's script.
READERS: tuple[dict[str, str], ...] = (
    {},
    {"Accept-Encoding": "gzip, deflate, br, zstd"},
    {"Accept-Encoding": "gzip", "Origin": PARTNER_ORIGIN},
)
POISON_PATHS = (PATH, "/embed/lupus-numbness/takeaway?theme=dark", "/articles/lupus-numbness")


def seen(answer: Fetched) -> tuple[object, ...]:
    """What a reader gets, decoded: status, the headers that matter to a page, and the text."""
    body = answer.body
    if answer.header("Content-Encoding") == "br":
        body = brotli.decompress(body)
    elif answer.header("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    names = ("Content-Type", "Cache-Control", "Content-Security-Policy", "Access-Control-Allow-Origin")
    return (answer.status, *(answer.header(name) for name in names), body)


@pytest.mark.parametrize("gunicorn", [{"WIDGET_EMBED_POLICY": "partners"}], indirect=True)
def test_no_request_poisons_the_cache_for_the_next_reader(proxy, gunicorn):
    expected = {
        (path, i): seen(fetch(gunicorn.port, path, reader)) for path in POISON_PATHS for i, reader in enumerate(READERS)
    }
    assert {answer[0] for answer in expected.values()} == {200}
    assert expected[(PATH, 2)][4] == PARTNER_ORIGIN  # the partner's script may read the fragment
    failures = []

    for path in POISON_PATHS:
        for hostile in HOSTILE:
            attack = proxy.get(path, hostile)
            for i, reader in enumerate(READERS):
                got = proxy.get(path, reader)
                if seen(got) != expected[(path, i)]:
                    sent = {name: value[:40] for name, value in hostile.items()}
                    failures.append(
                        f"{path} after {sent} ({attack.status}): reader {reader} got {got.status} "
                        f"{got.header('X-Cache-Status')}, Cache-Control {got.header('Cache-Control')!r}"
                    )

    assert not failures, "\n".join(failures)
