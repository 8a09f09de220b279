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
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

from .content import Article, Catalogue
from .heights import Heights, load_heights
from .origins import DEFAULT_PORTS
from .partners import Partner, Partners
from .urls import (
    WIDGET_LABELS,
    ArticlePage,
    Embed,
    Fragment,
    Links,
    Refusal,
    Theme,
    Widget,
    parse,
    query_params,
    theme_of,
)

MAX_URL_LENGTH: Final = 2000
MAX_DIMENSION: Final = 10000
DEFAULT_WIDTH: Final = 600
# Measured once per process: the figures are in the repository, next to the module.
HEIGHTS: Final = load_heights()
JSON_TYPE: Final = "application/json"
XML_TYPE: Final = "text/xml; charset=utf-8"
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
    """Answer an oEmbed request, or raise :class:`OEmbedError` with its status (400, 404 or 501).

    ``partners`` resolves a ``partner`` in the pasted URL, whose default theme applies when the URL
    names none; without it, a URL naming a partner is answered as if it named none.
    """
    url = params.get("url", "")
    if not url.strip():
        raise OEmbedError(400, "The 'url' parameter is required: the address of the article or widget to embed.")
    if len(url) > MAX_URL_LENGTH:
        raise OEmbedError(400, f"The 'url' parameter may be at most {MAX_URL_LENGTH:,} characters, got {len(url):,}.")
    response_format = params.get("format", "json")
    if response_format not in ("json", "xml"):
        raise OEmbedError(501, "The 'format' parameter must be 'json' or 'xml'; no other format is supported.")
    maxwidth = _dimension(params, "maxwidth")
    maxheight = _dimension(params, "maxheight")
    target = _resolve(url, catalogue, links, partners or Partners.empty())
    if target is None:
        raise OEmbedError(
            404, "The 'url' parameter names nothing that can be embedded: give the address of one of our articles."
        )

    partner = _partner(url, partners)
    width, height = frame_size(target.kind, maxwidth, maxheight)
    fields: dict[str, str | int] = {
        "type": "rich",
        "version": "1.0",
        "title": target.article.title,
        "provider_name": provider_name,
        "provider_url": links.home(),
        "cache_age": cache_age,
        "html": embed_html(target, links, width, height, partner),
        "width": width,
        "height": height,
    }
    if response_format == "xml":
        return OEmbedResponse(_xml(fields), XML_TYPE)
    return OEmbedResponse(json.dumps(fields), JSON_TYPE)


def frame_size(
    kind: Widget, maxwidth: int | None = None, maxheight: int | None = None, heights: Heights = HEIGHTS
) -> tuple[int, int]:
    """The iframe's width and height in CSS pixels, within the consumer's maxima.

    The width is the consumer's ``maxwidth`` up to the widest frame the widget uses (past it the
    widget keeps its own maximum width); the height is the widget's measured height at that width,
    so the whole closed widget shows even where nothing resizes the frame.
    """
    width = min(maxwidth or DEFAULT_WIDTH, heights.max_width)
    height = heights.at(kind, width)
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
        raise OEmbedError(400, f"The '{name}' parameter must be a whole number from 1 to {MAX_DIMENSION}.")
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


def _partner(url: str, partners: Partners | None) -> Partner | None:
    """The partner the pasted URL names (``?partner=``, first value); 404 for one that is not declared."""
    query = urlsplit(url).query
    partner_id = next((value for name, value in parse_qsl(query) if name == "partner"), None)
    if partner_id is None or partners is None:
        return None
    partner = partners.get(partner_id)
    if partner is None:
        raise OEmbedError(
            404, "The URL's 'partner' names no declared partner: remove it from the URL or use a declared one."
        )
    return partner


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    # Scheme and host compare case-insensitively (RFC 3986 section 6.2.2.1); an explicit default
    # port is the same origin as none (section 6.2.3).
    scheme = parts.scheme.lower()
    port = parts.port if parts.port is not None else DEFAULT_PORTS.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def embed_html(target: _Target, links: Links, width: int, height: int, partner: Partner | None = None) -> str:
    """A blockquote holding a real link to the article, then the iframe: the shape WordPress keeps.

    WordPress keeps, from a provider it discovered, only ``<blockquote>`` with ``<a href>`` and an
    ``<iframe>`` with src, width, height, frameborder, marginwidth, marginheight, scrolling and
    title (``wp_filter_oembed_result``); the blockquote is what its readers see until the frame
    reports its height, and what a reader without frames gets. The style is for every other
    consumer: no border, never wider than the column, and Chromium's auto-height.
    """
    article = target.article
    query = [("partner", partner.id)] if partner else []
    theme = target.theme or (partner.theme if partner else None)
    if theme:
        query.append(("theme", theme))
    src = links.widget("embed", article.slug, target.kind) + ("?" + urlencode(query) if query else "")
    attributes = {
        "src": src,
        "title": f"{WIDGET_LABELS[target.kind]}: {article.title}",
        "width": str(width),
        "height": str(height),
        "frameborder": "0",
        "marginwidth": "0",
        "marginheight": "0",
        # Opening an expander makes any widget taller than the height measured closed: where no
        # script resizes the frame, the reader must still reach the rest, so never "no".
        "scrolling": "auto",
        "loading": "lazy",
        "style": frame_style(height),
    }
    link = f'<a href="{_attr(links.article(article.slug))}">{html.escape(article.title, quote=False)}</a>'
    frame = "<iframe " + " ".join(f'{name}="{_attr(value)}"' for name, value in attributes.items()) + "></iframe>"
    return f"<blockquote>{link}</blockquote>{frame}"


def frame_style(height: int) -> str:
    """The iframe's style: no border, never wider than the column, and auto-height where the browser has it.

    ``frame-sizing: content-height`` sizes the frame to the framed document (which opts in with its
    responsive-embedded-sizing meta) only when the frame's height is auto. Chromium, the one browser
    with it, also has ``calc-size()``, which the others drop as invalid: they keep ``height`` in px.
    """
    return f"border:0;max-width:100%;height:{height}px;height:calc-size(auto,size);frame-sizing:content-height"


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _xml(fields: Mapping[str, str | int]) -> str:
    elements = "".join(f"<{name}>{escape(_NOT_XML.sub('', str(value)))}</{name}>" for name, value in fields.items())
    return f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<oembed>{elements}</oembed>'


__all__ = ["HEIGHTS", "OEmbedError", "OEmbedResponse", "embed_html", "frame_size", "frame_style", "oembed"]
