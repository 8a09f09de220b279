"""Thin routes: read the URL with widget.urls, look the body up, add the headers the policy gives."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import NoReturn, cast

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import (
    HTTPException,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
    abort,
)

from .content import Catalogue
from .embedding import BASE_HEADERS, Policy, oembed_headers, preflight_headers, response_headers
from .fastpath import Responder
from .live import LiveContent
from .oembed import OEmbedError, oembed
from .serving import MAX_HEADER, MAX_PATH, MAX_QUERY, READ_HEADERS, Body, fresh
from .settings import Settings
from .table import Table
from .urls import BAD_QUERY, KEY_TYPES, NOT_FOUND, SERVICES, BodyKey, Links, Refusal, Request, missing, parse

logger = logging.getLogger(__name__)

bp = Blueprint("widgets", __name__)


def settings() -> Settings:
    return cast(Settings, current_app.extensions["widget.settings"])


def live() -> LiveContent:
    return cast(LiveContent, current_app.extensions["widget.live"])


def table() -> Table:
    return live().snapshot.table


def responder() -> Responder:
    return cast(Responder, current_app.extensions["widget.responder"])


def links() -> Links:
    return cast(Links, current_app.extensions["widget.links"])


def catalogue() -> Catalogue:
    return live().snapshot.catalogue


def policy() -> Policy:
    return responder().policy


@bp.before_app_request
def check_request() -> None:
    """Refuse what no widget URL needs, before any view reads it (gunicorn has its own limits too)."""
    environ = request.environ
    if len(environ.get("PATH_INFO", "")) > MAX_PATH or len(environ.get("QUERY_STRING", "")) > MAX_QUERY:
        raise RequestURITooLarge(_("The address is too long: widget URLs are short."))
    if any(len(environ.get(name, "")) > MAX_HEADER for name in READ_HEADERS):
        raise RequestHeaderFieldsTooLarge(_("A request header is too large."))
    try:
        environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        refuse(BAD_QUERY)


def body() -> Response:
    """Every pre-rendered body: the fast path answers most hits before Flask sees them; this answers
    the rest (a body rendered on request that failed there) and explains every miss."""
    environ = request.environ
    parsed = parse(environ.get("PATH_INFO") or "/", environ.get("QUERY_STRING", ""), policy().partners)
    if isinstance(parsed, Refusal):
        refuse(parsed)
    key = parsed.key
    found = table().get(key)
    if found is None:
        refuse(missing(key, catalogue()))
    return _send(found, parsed)


def preflight(**_: str) -> Response:
    """CORS preflight: htmx's HX-* request headers make every cross-origin request send one."""
    response = Response(status=204)
    response.headers.update(preflight_headers(policy().cors_origin(request.headers.get("Origin"))))
    return response


def rule_of(key_type: type[BodyKey]) -> str:
    """The Werkzeug rule of a kind of key: its path, each field a plain segment (parse() checks them)."""
    return "/" + "/".join(s if isinstance(s, str) else f"<{s.name}>" for s in key_type.PATH)


for _key_type in KEY_TYPES:
    _cors = _key_type.HEADERS == "fragment"
    bp.add_url_rule(
        rule_of(_key_type),
        f"body-{_key_type.ROUTE}",
        lambda **_: body(),
        methods=["GET"],
        provide_automatic_options=not _cors,
    )
    if _cors:
        bp.add_url_rule(rule_of(_key_type), f"preflight-{_key_type.ROUTE}", preflight, methods=["OPTIONS"])


@bp.get(SERVICES["oembed"])
def oembed_view() -> Response:
    """oEmbed 1.0 provider: ``url``, ``maxwidth``, ``maxheight``, ``format`` (json or xml)."""
    try:
        answer = oembed(request.args, catalogue(), links(), settings().cache_max_age, partners=policy().partners)
    except OEmbedError as exc:
        abort(exc.status, exc.message)
    response = Response(answer.body, content_type=answer.content_type)
    response.headers.update(oembed_headers(settings().cache_max_age, settings().asset_origin))
    response.add_etag()
    # Not make_conditional: its parse_date lets an OverflowError through (a year like 99999999999999999999).
    # An oEmbed answer has no Last-Modified, so only the ETag can make it a 304.
    if fresh(response.headers.getlist("ETag"), None, request.headers.get("If-None-Match"), None):
        response.status_code = 304
    return response


# -- answering ------------------------------------------------------------------------------------


def refuse(refusal: Refusal) -> NoReturn:
    """Raise the HTTP error a refusal names, its sentence in the reader's language."""
    abort(refusal.status, _(refusal.message, **refusal.params))


def _send(body: Body, parsed: Request) -> Response:
    """The same answer the fast path gives."""
    key = parsed.key
    frame_ancestors = policy().frame_ancestors(parsed.partner) if key.HEADERS == "embed" else "*"
    result = responder().respond(
        body,
        key.HEADERS,
        method=request.method,
        origin=request.headers.get("Origin"),
        accept_encoding=request.headers.get("Accept-Encoding"),
        if_none_match=request.headers.get("If-None-Match"),
        if_modified_since=request.headers.get("If-Modified-Since"),
        frame_ancestors=frame_ancestors,
    )
    response = Response(result.payload, status=result.status)
    response.headers.clear()
    response.headers.extend(result.headers)
    if request.method == "HEAD" and result.status == 200:
        # Flask would otherwise replace the length of the body HEAD does not send.
        response.headers["Content-Length"] = dict(result.headers)["Content-Length"]
    return response


@bp.get(SERVICES["healthz"])
def healthz() -> Response:
    """Alive: the process answers."""
    return _json({"status": "ok"})


@bp.get(SERVICES["readyz"])
def readyz() -> Response:
    """Ready: content loaded, which version, when, and what the last load or reload reported."""
    snapshot = live().snapshot
    return _json(
        {
            "status": "ready",
            "articles": len(snapshot.catalogue.articles),
            "bodies": len(snapshot.table),
            # All of them when the catalogue was rendered whole; else those rendered since, as cached.
            "prerendered": snapshot.table.prerendered,
            "rendered": snapshot.table.rendered,
            "render_cache_bytes": snapshot.table.cached_bytes,
            "version": snapshot.version,
            "loaded_at": snapshot.loaded_at.isoformat(),
            "reloads": live().reloads,
            "errors": [str(p) for p in snapshot.errors],
            "warnings": [str(p) for p in snapshot.problems if p.severity == "warning"],
        }
    )


def _json(data: Mapping[str, object]) -> Response:
    response = Response(json.dumps(data, indent=2) + "\n", mimetype="application/json")
    response.headers.update(BASE_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


# -- errors: a small, styled message in the shape the request asked for ---------------------------


def _error(status: int, heading: str, message: str, extra: Mapping[str, str] | None = None) -> Response:
    """Render the message per request: it names what the reader asked for, escaped by the template."""
    fragment = request.path.startswith("/fragment/")
    html = render_template(
        "errors/error.html",
        layout="_fragment.html" if fragment else "_document.html",
        links=links(),
        status=status,
        heading=heading,
        message=message,
    )
    response = Response(html, status=status, mimetype="text/html")
    if fragment:
        cors = policy().cors_origin(request.headers.get("Origin"))
        response.headers.update(
            response_headers(
                "fragment-error", settings().cache_max_age, settings().asset_origin, cors=cors, status=status
            )
        )
    else:
        frame_ancestors = policy().frame_ancestors()
        response.headers.update(
            response_headers(
                "error",
                settings().cache_max_age,
                settings().asset_origin,
                frame_ancestors=frame_ancestors,
                status=status,
            )
        )
    response.headers.update(extra or {})
    return response


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    names = {
        400: _("Bad request"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        414: _("Address too long"),
        431: _("Request header too large"),
        501: _("Not implemented"),
    }
    custom = exc.description and exc.description != type(exc).description
    message = exc.description if custom else _default_message(code)
    allow = exc.get_response().headers.get("Allow") if code == 405 else None
    return _error(code, names.get(code, exc.name), str(message), {"Allow": allow} if allow else None)


def _default_message(code: int) -> str:
    # Never the request's own words: an error page on our domain must not publish them.
    if code == 404:
        return str(_(NOT_FOUND.message))
    if code == 405:
        return str(_("This method is not allowed here; widgets answer GET and HEAD."))
    return str(_("The request could not be answered."))


@bp.app_errorhandler(500)
def server_error(exc: Exception) -> Response:
    return _error(500, _("Something went wrong"), _("The widget could not be shown. Please try again later."))
