"""oEmbed 1.0, provider side: a widget URL in, a ``rich`` response holding an <iframe> out.

Follows https://oembed.com (section 2, "Providers"). No Flask here: the view hands in the query
parameters and turns :class:`OEmbedError` into an error response with its status.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit
from xml.sax.saxutils import escape

from .content import Article, Catalogue
from .partners import Partners
from .render import FRAME_HEIGHTS
from .urls import ArticlePage, Embed, Fragment, Links, Refusal, Theme, Widget, parse, query_params, theme_of

MAX_URL_LENGTH: Final = 2000
MAX_DIMENSION: Final = 10000
DEFAULT_WIDTH: Final = 600
# A narrow frame wraps text onto more lines; past 2.5x the default height the reader scrolls inside.
MAX_HEIGHT_FACTOR: Final = 2.5
JSON_TYPE: Final = "application/json"
XML_TYPE: Final = "text/xml; charset=utf-8"
LABELS: Final[dict[Widget, str]] = {
    "takeaway": "Key takeaway",
    "comparison": "Comparison table",
    "sources": "Sources",
    "sections": "Article sections",
}
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_DIMENSION = re.compile(r"[0-9]{1,6}")
# Whitespace and controls: urlsplit() silently drops tabs and newlines, so a URL holding them
# would resolve to a path other than the one a reader sees.
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
# Characters XML 1.0 cannot carry at all, even escaped; a YAML "\x01" escape could put one in a title.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class OEmbedError(Exception):
    """A request we cannot answer; ``status`` is the HTTP status the spec asks for."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class OEmbedResponse:
    body: str
    content_type: str


@dataclass(frozen=True, slots=True)
class _Target:
    """The widget a consumer's URL names."""

    article: Article
    kind: Widget
    theme: Theme | None


def oembed(
    params: Mapping[str, str],
    catalogue: Catalogue,
    links: Links,
    cache_age: int,
    provider_name: str = "Health Widgets",
    partners: Partners | None = None,
) -> OEmbedResponse:
    """Answer an oEmbed request, or raise :class:`OEmbedError` with its status (400, 404 or 501)."""
    url = params.get("url", "")
    if not url.strip():
        raise OEmbedError(400, "The 'url' parameter is required: the address of the article or widget to embed.")
    if len(url) > MAX_URL_LENGTH:
        raise OEmbedError(400, f"The 'url' parameter may be at most {MAX_URL_LENGTH:,} characters, got {len(url):,}.")
    response_format = params.get("format", "json")
    if response_format not in ("json", "xml"):
        raise OEmbedError(501, f"The format '{_clip(response_format)}' is not supported; use 'json' or 'xml'.")
    maxwidth = _dimension(params, "maxwidth")
    maxheight = _dimension(params, "maxheight")
    target = _resolve(url, catalogue, links, partners or Partners.empty())
    if target is None:
        raise OEmbedError(404, f"There is nothing that can be embedded at '{_clip(url)}'.")

    width, height = frame_size(target.kind, maxwidth, maxheight)
    fields: dict[str, str | int] = {
        "type": "rich",
        "version": "1.0",
        "title": target.article.title,
        "provider_name": provider_name,
        "provider_url": links.home(),
        "cache_age": cache_age,
        "html": _iframe(target, links, width, height),
        "width": width,
        "height": height,
    }
    if response_format == "xml":
        return OEmbedResponse(_xml(fields), XML_TYPE)
    return OEmbedResponse(json.dumps(fields), JSON_TYPE)


def frame_size(kind: Widget, maxwidth: int | None = None, maxheight: int | None = None) -> tuple[int, int]:
    """The iframe's width and height in CSS pixels, within the consumer's maxima."""
    width = min(DEFAULT_WIDTH, maxwidth) if maxwidth else DEFAULT_WIDTH
    base = FRAME_HEIGHTS[kind]
    height = base
    if width < DEFAULT_WIDTH:
        scaled = -(-base * DEFAULT_WIDTH // width)  # ceiling, in integers
        height = min(scaled, int(base * MAX_HEIGHT_FACTOR))
    if maxheight:
        height = min(height, maxheight)
    return width, height


def _dimension(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    # Digits only (no sign, space or Unicode digits), and few enough that int() is cheap.
    value = int(raw) if _DIMENSION.fullmatch(raw) else 0
    if not 1 <= value <= MAX_DIMENSION:
        raise OEmbedError(
            400, f"The '{name}' parameter must be a whole number from 1 to {MAX_DIMENSION}, got '{_clip(raw)}'."
        )
    return value


def _resolve(url: str, catalogue: Catalogue, links: Links, partners: Partners) -> _Target | None:
    """The widget ``url`` names, if it is one of ours and exists; None otherwise."""
    if _UNSAFE_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
        ours = urlsplit(links.public_url)
        if _origin(parts) != _origin(ours) or parts.username is not None or parts.password is not None:
            return None
    except ValueError:  # a malformed port or IPv6 host
        return None
    base = ours.path.rstrip("/")
    if not parts.path.startswith(base + "/"):
        return None
    # A trailing slash is how URLs are often pasted; the server itself answers only without it.
    path = parts.path[len(base) :]
    # The path alone names the widget: a pasted URL's query only styles it (an unknown theme is
    # dropped rather than refusing the embed).
    parsed = parse(path.removesuffix("/") if len(path) > 1 else path, {}, partners)
    if isinstance(parsed, Refusal):
        return None
    key = parsed.key
    if not isinstance(key, ArticlePage | Embed | Fragment):
        return None
    article = catalogue.articles.get(key.slug)
    if article is None:
        return None
    widget: Widget = "takeaway" if isinstance(key, ArticlePage) else key.widget
    return _Target(article, widget, theme_of(query_params(parts.query) or {}))


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    # Scheme and host compare case-insensitively (RFC 3986 section 6.2.2.1); an explicit default
    # port is the same origin as none (section 6.2.3).
    scheme = parts.scheme.lower()
    port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _iframe(target: _Target, links: Links, width: int, height: int) -> str:
    src = links.widget("embed", target.article.slug, target.kind)
    if target.theme:
        src += f"?theme={target.theme}"
    attributes = {
        "src": src,
        "title": f"{LABELS[target.kind]}: {target.article.title}",
        "width": str(width),
        "height": str(height),
        "loading": "lazy",
        "style": "border:0",
    }
    return (
        "<iframe "
        + " ".join(f'{name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())
        + "></iframe>"
    )


def _xml(fields: Mapping[str, str | int]) -> str:
    elements = "".join(f"<{name}>{escape(_NOT_XML.sub('', str(value)))}</{name}>" for name, value in fields.items())
    return f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<oembed>{elements}</oembed>'


def _clip(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


__all__ = ["OEmbedError", "OEmbedResponse", "frame_size", "oembed"]
