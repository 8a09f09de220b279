"""gunicorn's gthread worker, except that its event loop reads each request head before a thread gets it.

gunicorn 27's gthread worker hands a connection to a thread as soon as its first byte arrives, and
the thread then reads the head with blocking reads and no deadline: a client that sends a byte every
few seconds keeps the thread forever, and threads x workers such clients stop the server. gunicorn
has no setting for it (``timeout`` watches the worker's main loop, ``keepalive`` idle connections,
the 5 s first-byte wait ends at the first byte). Here the main loop, which already waits on idle
connections without a thread, also collects every head: a thread only ever sees a complete head,
and a head not complete within :data:`HEAD_TIMEOUT` seconds has its connection closed. gunicorn's
own error pages go out with our security headers (widget.errorpages).
Covered: HTTP/1.x over plain TCP, gunicorn's own parser then reading the bytes collected here.
Not covered (left to gunicorn's own worker): TLS, HTTP/2, the uwsgi protocol.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from .errorpages import CapturedPage, error_page

# Seconds a client has to send a whole request head. A browser or proxy sends it in one packet; the
# margin is for slow links. Shorter than nginx's 60 s client_header_timeout because a connection
# waiting here counts against the worker's worker_connections, which bounds what a worker accepts.
HEAD_TIMEOUT = 10.0
# The head ends at its first empty line (RFC 9112 section 2.1). gunicorn's parser rejects a bare LF.
HEAD_END = b"\r\n\r\n"
READ_SIZE = 64 * 1024


@dataclass(slots=True)
class _Head:
    """What a connection has sent of its next request head, and until when it may send the rest."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)


class HeadFirstWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gthread with request heads read by the event loop; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heads: dict[Any, _Head] = {}  # connections whose head is being collected
        self._ready: dict[Any, bytes] = {}  # complete heads, until the thread that takes them
        # Past this many bytes the head goes to the parser anyway, which answers 400 or 431 (its limits).
        self._max_head = max(
            READ_SIZE,
            self.cfg.limit_request_line + self.cfg.limit_request_fields * (self.cfg.limit_request_field_size + 2),
        )

    def _reads_heads(self, conn: Any) -> bool:
        cfg = self.cfg
        return bool(
            not cfg.is_ssl
            and getattr(cfg, "protocol", "http") == "http"
            and getattr(cfg, "http2_cleartext", "off") == "off"
            and not conn.is_http2
        )

    def enqueue_req(self, conn: Any) -> None:
        """Give ``conn`` to a thread once its head is complete; until then, wait for it in the event loop."""
        if conn in self._ready or not self._reads_heads(conn):
            super().enqueue_req(conn)
            return
        head = _Head(time.monotonic() + HEAD_TIMEOUT)
        if conn.parser is not None:
            # Bytes read ahead on a kept-alive connection (a pipelined request) come first.
            head.data += conn.parser.unreader.take_buffered()
        if not self._complete(conn, head):
            conn.sock.setblocking(False)
            self._heads[conn] = head
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_head_readable, conn))

    def _on_head_readable(self, conn: Any, sock: socket.socket) -> None:
        head = self._heads[conn]
        try:
            data = sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self.poller.unregister(sock)
        del self._heads[conn]
        if not data:
            self._drop(conn)
            return
        head.data += data
        if not self._complete(conn, head):
            self._heads[conn] = head
            self.poller.register(sock, selectors.EVENT_READ, partial(self._on_head_readable, conn))

    def _complete(self, conn: Any, head: _Head) -> bool:
        """Hand the head to a thread if it is complete (or too long for the parser): True if handed."""
        if HEAD_END not in head.data and len(head.data) <= self._max_head:
            return False
        self._ready[conn] = bytes(head.data)
        conn.data_ready = True  # the bytes are here, not on the socket: skip gthread's wait for them
        super().enqueue_req(conn)
        return True

    def _drop(self, conn: Any) -> None:
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Also close the connections whose head is late (the main loop calls this about once a second)."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [conn for conn, head in self._heads.items() if head.deadline <= now]:
            del self._heads[conn]
            with contextlib.suppress(KeyError, ValueError, OSError):  # already gone
                self.poller.unregister(conn.sock)
            self._drop(conn)

    def handle(self, conn: Any) -> Any:
        """Runs in a thread: put the collected head back in front of the parser, then serve as gthread does."""
        data = self._ready.pop(conn, None)
        if data is not None:
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(data)
        return super().handle(conn)

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        """gunicorn's answer to a request it could not read (or to a crash), with our headers (widget.errorpages)."""
        page = CapturedPage(client)
        super().handle_error(req, page, addr, exc)
        if not page.data:
            return
        try:
            util.write_nonblock(client, error_page(bytes(page.data)) or bytes(page.data))
        except OSError:
            self.log.debug("Failed to send error message.")  # as gunicorn does: the client is gone

    def _keepalive_after(self, conn: Any, keepalive: bool) -> bool:
        """Close a connection whose request sent a body instead of draining it in this thread.

        The app reads no request body (GET, HEAD and OPTIONS only), and gthread's drain of an unread one
        holds the thread for up to 5 s of a slow client's bytes.
        """
        mesg = conn.parser.mesg
        if keepalive and mesg is not None and _has_body(mesg.headers):
            return False
        return bool(super()._keepalive_after(conn, keepalive))


def _has_body(headers: list[tuple[str, str]]) -> bool:
    for name, value in headers:
        if name == "TRANSFER-ENCODING" or (name == "CONTENT-LENGTH" and value.strip() != "0"):
            return True
    return False
