"""widget.gthread under a real gunicorn (gunicorn.conf.py) on 127.0.0.1: heads read by the event loop."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator

import pytest

from loadtest.server import Gunicorn, Options, running_gunicorn
from tests.support import ARTICLES
from widget.gthread import HEAD_TIMEOUT

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    work = tmp_path_factory.mktemp("gthread")
    shutil.copytree(ARTICLES, work / "articles")
    with running_gunicorn("gthread", work / "articles", work, watch_interval=0, options=Options(workers=1)) as gunicorn:
        yield gunicorn


def exchange(port: int, *parts: bytes, pause: float = 0.0, wait: float = 3.0) -> bytes:
    """Send ``parts`` (``pause`` s apart) on one connection; everything read until it closes or ``wait`` s pass."""
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        for part in parts:
            sock.sendall(part)
            time.sleep(pause)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                received += b"<closed>"
                break
            received += chunk
    return bytes(received)


def test_pipelined_requests_are_both_answered(server):
    answer = exchange(server.port, HEALTHZ + HEALTHZ, wait=1.0)

    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 2
    assert not answer.endswith(b"<closed>")


def test_head_sent_in_pieces_is_answered(server):
    answer = exchange(server.port, b"GET /heal", b"thz HTTP/1.1\r\nHost: 127.0.0.1\r", b"\n\r\n", pause=0.3, wait=1.0)

    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")


def test_second_request_on_a_kept_alive_connection_is_answered(server):
    answer = exchange(server.port, HEALTHZ, HEALTHZ, pause=1.5, wait=1.0)

    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 2


def test_request_with_a_body_is_answered_then_closed(server):
    # The body is never sent whole: draining it would hold a thread.
    head = b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nabc"

    answer = exchange(server.port, head, wait=3.0)

    assert answer.startswith(b"HTTP/1.1 405 METHOD NOT ALLOWED\r\n")
    assert answer.endswith(b"<closed>")


def test_head_never_completed_is_closed_after_the_timeout(server):
    started = time.monotonic()

    answer = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: a", wait=HEAD_TIMEOUT + 3)

    assert answer == b"<closed>"
    assert HEAD_TIMEOUT - 0.5 <= time.monotonic() - started <= HEAD_TIMEOUT + 2


def test_over_long_request_line_gets_gunicorns_own_414_page(server):
    # gunicorn answers this before the app runs (5014 bytes: the whole request line): none of the app's headers (CSP, nosniff, Referrer-Policy).
    # SECURITY.md and the README say a front proxy adds them; this pins what gunicorn itself sends.
    path = b"/" + b"a" * 5000

    answer = exchange(server.port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 414 URI Too Long",
        b"Connection: close",
        b"Content-Type: text/html",
        b"Content-Length: 165",
    ]
    assert b"Request Line is too large (5014 &gt; 4094)" in body
    assert body.endswith(b"</html>\n<closed>")


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 60 + b"\r\n", b"HTTP/1.1 431 "),
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"b" * 9000 + b"\r\n\r\n", b"HTTP/1.1 431 "),
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n", b"HTTP/1.1 400 "),
    ],
    ids=["too-many-fields", "field-too-long", "bare-lf"],
)
def test_gunicorns_own_error_pages_carry_none_of_our_headers(server, request_head, status):
    answer = exchange(server.port, request_head)

    head = answer.partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(status.lower())
    for name in (b"content-security-policy", b"x-content-type-options", b"referrer-policy"):
        assert name not in head
