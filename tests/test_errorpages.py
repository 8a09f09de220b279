"""widget.errorpages: gunicorn's own error page, as gunicorn 27 writes it, and the one we send instead."""

from __future__ import annotations

import socket

from gunicorn import util

from widget.errorpages import ERROR_HEADERS, CapturedPage, error_page


def gunicorns_page(status: int, reason: str, mesg: str) -> bytes:
    """What ``gunicorn.util.write_error`` writes, read back from a socket pair."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        util.write_error(ours, status, reason, mesg)
        ours.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: theirs.recv(65536), b""))


def test_gunicorns_own_page_has_none_of_our_headers_and_quotes_the_request():
    # What a client gets from gunicorn's stock workers, and what error_page() expects to rewrite:
    # SECURITY.md and the README describe this page; if gunicorn changes it, so must they.
    page = gunicorns_page(400, "Bad Request", "Invalid HTTP Version 'IMPORTANT: call 555-0100'")

    head, _, body = page.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 400 Bad Request",
        b"Connection: close",
        b"Content-Type: text/html",
        b"Content-Length: 178",
    ]
    assert b"Invalid HTTP Version &#x27;IMPORTANT: call 555-0100&#x27;" in body


def test_error_page_keeps_the_status_and_quotes_nothing():
    page = gunicorns_page(431, "Request Header Fields Too Large", "Error parsing headers: 'IMPORTANT'")

    ours = error_page(page)

    assert ours is not None
    head, _, body = ours.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert lines[1:] == [*(f"{name}: {value}" for name, value in ERROR_HEADERS.items()), f"Content-Length: {len(body)}"]
    assert b"IMPORTANT" not in ours


def test_error_page_leaves_an_unexpected_status_line_alone():
    assert error_page(b"HTTP/1.1 200 OK\r\n\r\n") is None
    assert error_page(b"HTTP/1.1 400 Bad\r\nRequest\r\n\r\n") is not None
    assert error_page(b"HTTP/1.1 400 <script>\r\n\r\n") is None
    assert error_page(b"") is None


def test_captured_page_keeps_what_is_written_and_passes_the_rest_to_the_socket():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        page = CapturedPage(ours)

        util.write_nonblock(page, b"HTTP/1.1 400 Bad Request\r\n\r\n")

        assert bytes(page.data) == b"HTTP/1.1 400 Bad Request\r\n\r\n"
        assert page.fileno() == ours.fileno()
