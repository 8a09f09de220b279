"""The app under gunicorn behind nginx's proxy_cache: cached, revalidated with 304, and updated on edit.

What an operator's cache sees: the Cache-Control, ETag and Last-Modified the app sends are enough for
a shared cache to keep bodies for max-age, revalidate them cheaply (a 304, no body), and pick up an
edited article within max-age plus the watch interval.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

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
def gunicorn(tmp_path: Path, nginx_port: int) -> Iterator[Gunicorn]:
    """The real app, as `make serve` runs it, on a copy of the sample content."""
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
