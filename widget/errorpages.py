"""gunicorn's own error pages (400, 414, 431...), sent with our security headers and quoting nothing.

gunicorn answers a request it cannot parse before the app runs, with ``gunicorn.util.write_error``:
a fixed head (no CSP, nosniff, Referrer-Policy or Cache-Control) and a body that quotes what the
client sent, so an attacker's sentence would appear on our domain. gunicorn has no setting or hook
for that page; the worker's ``handle_error`` is the one place to change it. widget.gthread's worker
lets gunicorn write its page into a :class:`CapturedPage`, then sends :func:`error_page` instead:
the same status, our headers, and a body that names only the status. gunicorn still logs the detail.
"""

from __future__ import annotations

import re
import socket
from typing import Any, Final

from .embedding import BASE_HEADERS, FALLBACK_CSP

_STATUS_LINE: Final = re.compile(rb"HTTP/1\.[01] ([45][0-9][0-9]) ([A-Za-z][A-Za-z -]{0,40})")
# Depends on the request that failed, so no cache may keep it for another reader.
ERROR_HEADERS: Final = {
    "Connection": "close",
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    **BASE_HEADERS,
    "Content-Security-Policy": FALLBACK_CSP,
}


class CapturedPage:
    """Stands in for the client socket while gunicorn writes its error page; anything else goes to the socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.data = bytearray()

    def gettimeout(self) -> float:
        return 0.0  # gunicorn.util.write_nonblock then writes with one sendall(), here

    def sendall(self, data: bytes) -> None:
        self.data += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def error_page(written: bytes) -> bytes | None:
    """Our version of the error page gunicorn wrote, or None if its status line is not one we expect."""
    match = _STATUS_LINE.fullmatch(written.partition(b"\r\n")[0])
    if match is None:
        return None
    status = f"{match[1].decode()} {match[2].decode()}"
    body = f"<!doctype html>\n<title>{status}</title>\n<h1>{status}</h1>\n".encode()
    head = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in ERROR_HEADERS.items())]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body
