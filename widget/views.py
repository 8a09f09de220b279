"""Thin routes: validate the request, look the body up, add the headers the policy gives."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Literal, NoReturn, cast

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, NotFound, RequestHeaderFieldsTooLarge, RequestURITooLarge

from .content import SLUG_PATTERN, ArticleNotFound, Catalogue
from .embedding import BASE_HEADERS, Policy, preflight_headers, response_headers
from .fastpath import Responder
from .live import LiveContent
from .oembed import OEmbedError, oembed
from .partners import Partner
from .render import DEFAULT_THEME, KINDS, THEMES, Kind, Links, Theme, parts_of
from .serving import MAX_HEADER, MAX_PATH, MAX_QUERY, READ_HEADERS, Body
from .settings import Settings
from .table import Table, embed_key

logger = logging.getLogger(__name__)

bp = Blueprint("widgets", __name__)
_SLUG = re.compile(SLUG_PATTERN)
MAX_SLUG = 100


class BadRequest(HTTPException):
    code = 400


class NotImplementedFormat(HTTPException):
    code = 501


class NotAcceptable(HTTPException):
    code = 406


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
        raise BadRequest(_("The query string is not valid UTF-8.")) from None


@bp.get("/")
def index() -> Response:
    return _send(table().get("index"), "page")


@bp.get("/articles/<slug>")
def article(slug: str) -> Response:
    return _send(table().get("article", _checked_slug(slug)) or _missing_article(slug), "page")


@bp.get("/embed/<slug>/<kind>")
def embed(slug: str, kind: str) -> Response:
    """A widget as a whole document, for an <iframe>: ``?theme=``, ``?open=``, ``?partner=``."""
    slug, checked = _checked_slug(slug), _checked_kind(kind)
    partner = _partner()
    theme = _choice("theme", THEMES) or (partner.theme if partner else None) or DEFAULT_THEME
    open_part = request.args.get("open")
    body = table().get(*embed_key(slug, checked, theme, open_part)) if open_part != "" else None
    if body is None:
        article = catalogue().articles.get(slug) or _missing_article(slug)
        parts = parts_of(article, checked)
        raise BadRequest(
            _(
                "'%(part)s' is not a part of the %(kind)s widget; it has: %(parts)s.",
                part=_clip(open_part or ""),
                kind=checked,
                parts=", ".join(parts) or _("no parts that open"),
            )
        )
    frame_ancestors = policy().frame_ancestors(partner)
    return _send(body, "embed", frame_ancestors=frame_ancestors)


@bp.get("/fragment/<slug>/<kind>", provide_automatic_options=False)
def fragment(slug: str, kind: str) -> Response:
    """Bare markup for an include; readable cross-origin by the origins the policy admits."""
    slug, checked = _checked_slug(slug), _checked_kind(kind)
    _partner()
    return _send(table().get("fragment", slug, checked) or _missing_article(slug), "fragment")


@bp.get("/fragment/<slug>/<kind>/<part>", provide_automatic_options=False)
def fragment_part(slug: str, kind: str, part: str) -> Response:
    """One part of a widget (a section, the source list), which htmx swaps into its expander."""
    slug, checked = _checked_slug(slug), _checked_kind(kind)
    _partner()
    body = table().get("part", slug, checked, part)
    if body is None:
        article = catalogue().articles.get(slug) or _missing_article(slug)
        parts = ", ".join(parts_of(article, checked)) or _("none")
        raise NotFound(
            _(
                "The %(kind)s widget has no part '%(part)s'; its parts are: %(parts)s.",
                kind=checked,
                part=_clip(part),
                parts=parts,
            )
        )
    return _send(body, "fragment")


@bp.route("/fragment/<slug>/<kind>", methods=["OPTIONS"], endpoint="preflight")
@bp.route("/fragment/<slug>/<kind>/<part>", methods=["OPTIONS"], endpoint="preflight")
def preflight(**_: str) -> Response:
    """CORS preflight: htmx's HX-* request headers make every cross-origin request send one."""
    response = Response(status=204)
    response.headers.update(preflight_headers(policy().cors_origin(request.headers.get("Origin"))))
    return response


@bp.get("/oembed")
def oembed_view() -> Response:
    """oEmbed 1.0 provider: ``url``, ``maxwidth``, ``maxheight``, ``format`` (json or xml)."""
    try:
        answer = oembed(
            request.args, catalogue(), links(), cache_age=settings().cache_max_age, partners=policy().partners
        )
    except OEmbedError as exc:
        if exc.status == 501:
            raise NotImplementedFormat(exc.message) from None
        if exc.status == 404:
            raise NotFound(exc.message) from None
        raise BadRequest(exc.message) from None
    response = Response(answer.body, content_type=answer.content_type)
    response.headers.update(response_headers("fragment", settings().cache_max_age, links().public_url, cors="*"))
    response.add_etag()
    response.make_conditional(request)
    return response


# -- request checks -------------------------------------------------------------------------------


def _checked_slug(slug: str) -> str:
    if len(slug) > MAX_SLUG or not _SLUG.match(slug):
        raise BadRequest(
            _(
                "'%(slug)s' is not a valid article name: use lowercase letters, digits and single hyphens.",
                slug=_clip(slug),
            )
        )
    return slug


def _checked_kind(kind: str) -> Kind:
    for known in KINDS:
        if kind == known:
            return known
    raise NotFound(
        _("There is no widget '%(kind)s'. The widgets are: %(kinds)s.", kind=_clip(kind), kinds=", ".join(KINDS))
    )


def _missing_article(slug: str) -> NoReturn:
    raise ArticleNotFound(slug)


def _choice(name: str, choices: tuple[Theme, ...]) -> Theme | None:
    value = request.args.get(name)
    if value is None:
        return None
    for choice in choices:
        if value == choice:
            return choice
    raise BadRequest(
        _(
            "'%(name)s' must be one of %(choices)s, got '%(value)s'.",
            name=name,
            choices=", ".join(choices),
            value=_clip(value),
        )
    )


def _partner() -> Partner | None:
    partner_id = request.args.get("partner")
    if partner_id is None:
        return None
    partner = policy().partners.get(partner_id)
    if partner is None:
        raise BadRequest(_("There is no partner '%(partner)s'.", partner=_clip(partner_id)))
    return partner


def _clip(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _send(body: Body | None, kind: Literal["embed", "fragment", "page"], frame_ancestors: str = "*") -> Response:
    """The same answer the fast path gives (it answers most hits before Flask sees them)."""
    assert body is not None  # the index always exists; other callers raise before
    result = responder().respond(
        body,
        kind,
        method=request.method,
        origin=request.headers.get("Origin"),
        accept_encoding=request.headers.get("Accept-Encoding"),
        if_none_match=request.headers.get("If-None-Match"),
        if_modified_since=request.headers.get("If-Modified-Since"),
        frame_ancestors=frame_ancestors,
    )
    if result is None:
        raise NotAcceptable(_("No encoding you accept is available: this server sends br, gzip or identity."))
    response = Response(result.payload, status=result.status)
    response.headers.clear()
    response.headers.extend(result.headers)
    if request.method == "HEAD" and result.status == 200:
        # Flask would otherwise replace the length of the body HEAD does not send.
        response.headers["Content-Length"] = dict(result.headers)["Content-Length"]
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """Alive: the process answers."""
    return _json({"status": "ok"})


@bp.get("/readyz")
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
            response_headers("fragment-error", settings().cache_max_age, links().public_url, cors=cors)
        )
    else:
        frame_ancestors = policy().frame_ancestors()
        response.headers.update(
            response_headers("error", settings().cache_max_age, links().public_url, frame_ancestors=frame_ancestors)
        )
    response.headers.update(extra or {})
    return response


@bp.app_errorhandler(ArticleNotFound)
def article_not_found(exc: ArticleNotFound) -> Response:
    return _error(404, _("Article not found"), _("There is no article '%(slug)s'.", slug=_clip(exc.slug)))


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
    if code == 404:
        return str(_("There is nothing at '%(path)s'.", path=_clip(request.path)))
    if code == 405:
        return str(_("'%(method)s' is not allowed here; widgets answer GET and HEAD.", method=_clip(request.method)))
    return str(_("The request could not be answered."))


@bp.app_errorhandler(500)
def server_error(exc: Exception) -> Response:
    return _error(500, _("Something went wrong"), _("The widget could not be shown. Please try again later."))
