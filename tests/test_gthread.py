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


OUR_ERROR_HEAD = [
    "Connection: close",
    "Content-Type: text/html; charset=utf-8",
    "Cache-Control: no-store",
    "X-Content-Type-Options: nosniff",
    "Referrer-Policy: no-referrer",
    "Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'",
]


def test_over_long_request_line_gets_our_headers_and_no_echo(server):
    # gunicorn answers before the app runs; the worker rewrites its page (widget.errorpages).
    path = "/IMPORTANT:stop-your-medication-today" + "a" * 5000

    answer = exchange(server.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.decode().split("\r\n") == ["HTTP/1.1 414 URI Too Long", *OUR_ERROR_HEAD, "Content-Length: 74"]
    assert body == b"<!doctype html>\n<title>414 URI Too Long</title>\n<h1>414 URI Too Long</h1>\n<closed>"


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 60 + b"\r\n",
            "431 Request Header Fields Too Large",
        ),
        (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"b" * 9000 + b"\r\n\r\n",
            "431 Request Header Fields Too Large",
        ),
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n", "400 Bad Request"),
        (b"GET /IMPORTANT:call-555-0100 HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", "400 Bad Request"),
        (b"G(T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "400 Bad Request"),
    ],
    ids=["too-many-fields", "field-too-long", "bare-lf", "bad-version", "bad-method"],
)
def test_gunicorns_error_pages_carry_our_headers(server, request_head, status):
    answer = exchange(server.port, request_head)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.decode().split("\r\n")[:-1] == [f"HTTP/1.1 {status}", *OUR_ERROR_HEAD]
    assert body == f"<!doctype html>\n<title>{status}</title>\n<h1>{status}</h1>\n<closed>".encode()
