"""The fast path (widget/fastpath.py): table hits answered by lookup, everything else handed on.

Each test puts a :class:`FastPath` in front of a stand-in for Flask that says it was called, with
the open app's own content and responder, so "answered without Flask" is something a test sees.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import pytest
from flask import Flask

from tests.stack import Reply, call, call_wsgi, environ_for
from widget.fastpath import FastPath, Responder
from widget.live import LiveContent
from widget.serving import MAX_HEADER, MAX_PATH, MAX_QUERY
from widget.urls import BodyKey

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

SLUG = "lupus-numbness"
EMBED = f"/embed/{SLUG}/takeaway"
FRAGMENT = f"/fragment/{SLUG}/takeaway"
BEHIND = b"answered behind the fast path"
# What a browser, a partner page and a shared cache rely on in a widget's answer.
HIT_HEADERS = (
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Content-Security-Policy",
    "Cache-Control",
    "Vary",
    "ETag",
    "Last-Modified",
    "Content-Type",
    "Content-Length",
)


@dataclass
class Behind:
    """A stand-in for what the fast path wraps: it records each path it is handed."""

    paths: list[str] = field(default_factory=list)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.paths.append(environ["PATH_INFO"])
        start_response("418 I'm a teapot", [("Content-Type", "text/plain")])
        return [BEHIND]


@dataclass(frozen=True)
class FailingTable:
    """A table whose every body fails to render, as a bug in a template would make it."""

    def get(self, key: BodyKey) -> None:
        raise RuntimeError(f"cannot render {key}")


@dataclass(frozen=True)
class FailingSnapshot:
    table: FailingTable = FailingTable()


@dataclass(frozen=True)
class FailingLive:
    snapshot: FailingSnapshot = FailingSnapshot()


def fast_path(app: Flask, behind: Behind, live: object = None) -> FastPath:
    """The open app's fast path (its content unless ``live`` stands in), in front of ``behind``."""
    responder: Responder = app.extensions["widget.responder"]
    return FastPath(behind, cast(LiveContent, live or app.extensions["widget.live"]), responder)


def ask(wsgi: FastPath, path: str, **request: object) -> Reply:
    return call_wsgi(wsgi, environ_for(path, **request))  # type: ignore[arg-type]


@pytest.mark.parametrize("path", [EMBED, FRAGMENT, f"/fragment/{SLUG}/sections/overview"])
def test_hit_is_answered_without_flask_with_every_header(open_app, path):
    behind = Behind()

    reply = ask(fast_path(open_app, behind), path)

    assert behind.paths == []
    assert reply.status == 200
    assert [name for name in HIT_HEADERS if reply.header(name) is None] == []
    assert reply.header("Content-Length") == str(len(reply.body))
    assert reply.text.count(SLUG) >= 1


@pytest.mark.parametrize("path", [EMBED, FRAGMENT])
def test_hit_answers_the_bytes_and_headers_flask_answers(open_app, path):
    headers = {"Accept-Encoding": "gzip", "Origin": "https://partner.example"}

    fast = ask(fast_path(open_app, Behind()), path, headers=headers)
    flask = call(open_app, path, headers=headers, flask_only=True)

    assert (fast.status, fast.headers, fast.body) == (flask.status, flask.headers, flask.body)


def test_head_answers_the_headers_of_get_without_a_body(open_app):
    behind = Behind()
    wsgi = fast_path(open_app, behind)

    get = ask(wsgi, EMBED)
    head = ask(wsgi, EMBED, method="HEAD")

    assert behind.paths == []
    assert head.status == 200
    assert head.headers == get.headers
    assert head.body == b""


def test_a_current_etag_gets_304_without_a_body(open_app):
    behind = Behind()
    wsgi = fast_path(open_app, behind)
    etag = ask(wsgi, EMBED).header("ETag")
    assert etag is not None

    reply = ask(wsgi, EMBED, headers={"If-None-Match": etag})

    assert behind.paths == []
    assert reply.status == 304
    assert reply.body == b""
    assert reply.header("ETag") == etag
    assert reply.header("Content-Length") is None


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", "/embed/no-such-article/takeaway", ""),
        ("GET", f"/embed/{SLUG}/nope", ""),
        ("GET", EMBED, "theme=purple"),
        ("GET", "/oembed", f"url=https://widgets.example.org{EMBED}"),
        ("GET", "/healthz", ""),
        ("GET", "/static/widget.css", ""),
        ("POST", EMBED, ""),
        ("OPTIONS", FRAGMENT, ""),
    ],
)
def test_a_miss_falls_through_untouched(open_app, method, path, query):
    behind = Behind()

    reply = ask(fast_path(open_app, behind), path, method=method, query=query)

    assert behind.paths == [path]
    assert (reply.status, reply.body) == (418, BEHIND)


@pytest.mark.parametrize(
    "request_parts",
    [
        {"headers": {"Accept-Encoding": "g" * (MAX_HEADER + 1)}},
        {"headers": {"If-None-Match": '"' + "a" * MAX_HEADER + '"'}},
        {"query": "theme=dark&" + "x" * MAX_QUERY},
    ],
    ids=["accept-encoding", "if-none-match", "query"],
)
def test_a_request_over_the_limits_falls_through_to_be_refused(open_app, request_parts):
    behind = Behind()

    reply = ask(fast_path(open_app, behind), EMBED, **request_parts)

    assert behind.paths == [EMBED]
    assert reply.status == 418


def test_a_path_over_the_limit_falls_through_to_be_refused(open_app):
    behind = Behind()
    path = "/embed/" + "a" * MAX_PATH + "/takeaway"

    reply = ask(fast_path(open_app, behind), path)

    assert behind.paths == [path]
    assert reply.status == 418


def test_a_render_that_fails_falls_through_and_is_logged(open_app, caplog):
    behind = Behind()
    caplog.set_level(logging.ERROR, logger="widget.fastpath")

    reply = ask(fast_path(open_app, behind, FailingLive()), EMBED)

    assert behind.paths == [EMBED]
    assert reply.status == 418
    assert [record.getMessage() for record in caplog.records] == [f"Rendering {EMBED} failed"]
