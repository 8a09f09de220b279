"""Thin routes: look the body up, add the headers the policy gives, answer errors in kind."""

from __future__ import annotations

import logging
import re
from typing import Literal, cast

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, NotFound

from .content import SLUG_PATTERN, ArticleNotFound
from .embedding import response_headers
from .render import KINDS, Links, Mode
from .settings import Settings
from .table import Body, Table

logger = logging.getLogger(__name__)

bp = Blueprint("widgets", __name__)
_SLUG = re.compile(SLUG_PATTERN)
MAX_SLUG = 100


class BadRequest(HTTPException):
    code = 400


def settings() -> Settings:
    return cast(Settings, current_app.extensions["widget.settings"])


def table() -> Table:
    return cast(Table, current_app.extensions["widget.table"])


def links() -> Links:
    return cast(Links, current_app.extensions["widget.links"])


@bp.get("/")
def index() -> Response:
    return _send(table().index(), "page")


@bp.get("/articles/<slug>")
def article(slug: str) -> Response:
    body = table().article(_checked_slug(slug))
    if body is None:
        raise ArticleNotFound(slug)
    return _send(body, "page")


@bp.get("/<any(embed, fragment):mode>/<slug>/<kind>")
def widget(mode: Mode, slug: str, kind: str) -> Response:
    """A widget as a whole document (``embed``, for an <iframe>) or bare markup (``fragment``)."""
    slug = _checked_slug(slug)
    if kind not in KINDS:
        raise NotFound(
            _("There is no widget '%(kind)s'. The widgets are: %(kinds)s.", kind=_clip(kind), kinds=", ".join(KINDS))
        )
    body = table().widget(mode, slug, kind)
    if body is None:
        raise ArticleNotFound(slug)
    return _send(body, mode)


def _checked_slug(slug: str) -> str:
    if len(slug) > MAX_SLUG or not _SLUG.match(slug):
        raise BadRequest(
            f"'{_clip(slug)}' is not a valid article name: use lowercase letters, digits and single hyphens."
        )
    return slug


def _clip(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _send(body: Body, kind: Literal["embed", "fragment", "page"]) -> Response:
    response = Response(body.data, mimetype="text/html")
    response.headers.update(response_headers(kind, settings().cache_max_age, links().public_url))
    response.set_etag(body.etag)
    response.make_conditional(request)
    return response


# -- errors: a small, styled message in the shape the request asked for ---------------------------


def _error_mode() -> Literal["embed", "fragment"]:
    return "fragment" if request.path.startswith("/fragment/") else "embed"


def _error(status: int, heading: str, message: str) -> Response:
    """Render the message per request: it names what the reader asked for, escaped by the template."""
    mode = _error_mode()
    layout = "_fragment.html" if mode == "fragment" else "_document.html"
    html = render_template(
        "errors/error.html",
        layout=layout,
        links=links(),
        status=status,
        heading=heading,
        message=message,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers.update(response_headers("error", settings().cache_max_age, links().public_url))
    if mode == "fragment":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.app_errorhandler(ArticleNotFound)
def article_not_found(exc: ArticleNotFound) -> Response:
    return _error(404, _("Article not found"), _("There is no article '%(slug)s'.", slug=_clip(exc.slug)))


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    names = {400: _("Bad request"), 404: _("Not found"), 405: _("Method not allowed")}
    custom = exc.description and exc.description != type(exc).description
    message = exc.description if custom else _default_message(code)
    response = _error(code, names.get(code, exc.name), str(message))
    if code == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def _default_message(code: int) -> str:
    if code == 404:
        return str(_("There is nothing at '%(path)s'.", path=_clip(request.path)))
    if code == 405:
        return str(_("'%(method)s' is not allowed here; widgets answer GET and HEAD.", method=_clip(request.method)))
    return str(_("The request could not be answered."))


@bp.app_errorhandler(500)
def server_error(exc: Exception) -> Response:
    return _error(500, _("Something went wrong"), _("The widget could not be shown. Please try again later."))
