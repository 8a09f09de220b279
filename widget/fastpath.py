"""A small WSGI layer in front of Flask that answers pre-rendered bodies by lookup.

Like WhiteNoise for static files: a request for a body in the table is answered here, with every
header the policy requires, without Flask's request dispatch. Everything else (errors, bad
parameters, preflights, /oembed, health checks) falls through to Flask, whose views answer hits
with the same :class:`Responder`, so both paths send the same bytes and headers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from .embedding import Policy, response_headers, widget_cache_control
from .live import LiveContent
from .serving import (
    MAX_HEADER,
    MAX_PATH,
    MAX_QUERY,
    READ_HEADERS,
    STATUS_LINES,
    Answer,
    Body,
    Headers,
    answer,
    with_vary,
)
from .settings import Settings
from .urls import HeaderKind, Request, parse

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)


class Responder:
    """Body + request facts in, status, headers and payload out; shared by both paths."""

    def __init__(self, settings: Settings, policy: Policy, asset_origin: str) -> None:
        self.policy = policy
        self._settings = settings
        self._asset_origin = asset_origin
        self.headers = lru_cache(maxsize=256)(self._headers)

    def _headers(
        self, kind: HeaderKind, frame_ancestors: str, cors: str | None, scripts: bool, compressible: bool
    ) -> Headers:
        settings = self._settings
        headers = response_headers(
            kind,
            settings.cache_max_age,
            self._asset_origin,
            frame_ancestors=frame_ancestors,
            cors=cors,
            scripts=scripts,
            cache=widget_cache_control(settings),
        )
        return with_vary(headers, compressible)

    def respond(
        self,
        body: Body,
        kind: HeaderKind,
        *,
        method: str,
        origin: str | None,
        accept_encoding: str | None,
        if_none_match: str | None,
        if_modified_since: str | None,
        frame_ancestors: str = "*",
    ) -> Answer:
        """The answer: a 200 or a 304, in the best coding the client accepts (identity if none)."""
        cors = self.policy.cors_origin(origin) if kind == "fragment" else None
        headers = self.headers(kind, frame_ancestors, cors, body.scripts, body.compressible)
        return answer(
            body,
            headers,
            method=method,
            accept_encoding=accept_encoding,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )


class FastPath:
    """WSGI middleware: table hits answered here, the rest handed to ``app``."""

    def __init__(self, app: WSGIApplication, live: LiveContent, responder: Responder) -> None:
        self.app = app
        self.live = live
        self.responder = responder
        partners = responder.policy.partners
        # Widget URLs are few and asked for again and again: reading one back from the cache takes
        # 0.14 us, parsing it anew (and building its frozen key) 5 to 7 us (timeit), more than the
        # rest of a hit.
        self._parse = lru_cache(maxsize=4096)(lambda path, query: parse(path, query, partners))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if (method == "GET" or method == "HEAD") and _within_limits(environ):
            try:
                found = self.lookup(environ.get("PATH_INFO") or "/", environ.get("QUERY_STRING", ""))
            except Exception:
                # A body rendered on request failed (a bug, not bad input): Flask tries again and, if
                # it fails again, answers with its error page and every header, not a bare 500.
                logger.exception("Rendering %s failed", environ.get("PATH_INFO"))
                found = None
            if found is not None:
                body, kind, frame_ancestors = found
                result = self.responder.respond(
                    body,
                    kind,
                    method=method,
                    origin=environ.get("HTTP_ORIGIN"),
                    accept_encoding=environ.get("HTTP_ACCEPT_ENCODING"),
                    if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
                    if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
                    frame_ancestors=frame_ancestors,
                )
                start_response(STATUS_LINES[result.status], result.headers)
                return [result.payload]
        return self.app(environ, start_response)

    def lookup(self, path: str, query: str) -> tuple[Body, HeaderKind, str] | None:
        """The body a URL names, its header kind and frame-ancestors; None for anything else.

        The URL is read by the same :func:`widget.urls.parse` as the Flask views read it, so any
        request this refuses, Flask refuses too, and answers with its error page.
        """
        policy = self.responder.policy
        request = self._parse(path, query)
        if not isinstance(request, Request):
            return None
        key = request.key
        body = self.live.snapshot.table.get(key)
        if body is None:
            return None
        return body, key.HEADERS, policy.frame_ancestors(request.partner) if key.HEADERS == "embed" else "*"


def _within_limits(environ: WSGIEnvironment) -> bool:
    """Anything longer than a widget URL or header needs is Flask's to refuse (414, 431)."""
    if len(environ.get("PATH_INFO", "")) > MAX_PATH or len(environ.get("QUERY_STRING", "")) > MAX_QUERY:
        return False
    for name in READ_HEADERS:
        value = environ.get(name)
        if value is not None and len(value) > MAX_HEADER:
            return False
    return True


__all__ = ["FastPath", "Responder"]
