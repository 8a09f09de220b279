"""The partner sites the browser tests embed widgets on: small pages generated per request.

Two of these run in a test session, each on its own loopback port (so each is its own origin):
``good``, whose origin the widget server's partners file declares, and ``stranger``, which nobody
declared. Every page follows a recipe from the README's Embedding section, for one widget of one
widget server (one per embed policy):

    /<policy>/<way>/<slug>/<kind>[?theme=light|dark|auto]

``way`` is one of

- ``iframe``: the iframe embed code (with ``?partner=<id>`` when the site has an id), and a link to
  the article under it, which is what a reader has when the frame is refused;
- ``include``: the htmx include, with htmx loaded from the widget server and the ``htmx-config``
  the README asks for (``selfRequestsOnly: false``, ``includeIndicatorStyles: false``);
- ``htmx-default``: the same include on a page that left htmx at its default settings, plus the same
  widget placed server-side (so its lazy parts meet an htmx that refuses cross-origin requests);
- ``ssi``: a server-side include: this server fetches the fragment and puts it in the page; no script.

``theme`` dresses the partner page too: ``dark`` is a dark page (background #111, ``color-scheme:
dark``) whose iframe asks for ``theme=dark`` and sets ``color-scheme: dark`` on the frame, and whose
includes sit in a ``hw-theme-dark`` wrapper; ``light`` is a white page; ``auto`` (or no theme) is a
page that follows the reader's system, like the widgets' ``auto``.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final, Literal
from urllib.error import URLError
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

from widget.render import FRAME_HEIGHTS

Way = Literal["iframe", "include", "htmx-default", "ssi"]
WAYS: Final[tuple[Way, ...]] = ("iframe", "include", "htmx-default", "ssi")
HTMX_PATH: Final = "/static/vendor/htmx-2.0.11/htmx.min.js"
# The README's include recipe: htmx 2 drops cross-origin requests unless selfRequestsOnly is false,
# and its injected indicator <style> is not wanted.
HTMX_CONFIG: Final = '{"selfRequestsOnly":false,"includeIndicatorStyles":false}'
_PAGE = re.compile(r"/(?P<policy>[a-z]+)/(?P<way>[a-z-]+)/(?P<slug>[a-z0-9-]+)/(?P<kind>[a-z]+)")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_PALETTES: Final = {
    # Partner page styles: the partner's own choices, which the widget must live with.
    "light": "color-scheme: light; background: #ffffff; color: #1a1a1a;",
    "dark": "color-scheme: dark; background: #111111; color: #eeeeee;",
    "auto": "color-scheme: light dark; background: Canvas; color: CanvasText;",
}
_LINKS: Final = {"light": "#0645ad", "dark": "#9ccfff", "auto": "LinkText"}
_HEIGHTS: Final[dict[str, int]] = {str(kind): height for kind, height in FRAME_HEIGHTS.items()}


@dataclass
class PartnerSite:
    """Generates the pages of one partner site; ``widgets`` maps an embed policy to its server's URL."""

    name: str
    partner_id: str | None
    widgets: Mapping[str, str] = field(default_factory=dict)
    _titles: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def page(self, path: str, query: str) -> tuple[int, str]:
        """The status and HTML for a request path; 404 for anything that is not a page."""
        match = _PAGE.fullmatch(path)
        if match is None or match["policy"] not in self.widgets or match["way"] not in WAYS:
            return 404, self._document("Not found", "auto", f"<p>There is no page {html.escape(path)} here.</p>")
        theme = parse_qs(query).get("theme", ["auto"])[0]
        if theme not in _PALETTES:
            return 400, self._document("Bad theme", "auto", "<p>theme is light, dark or auto.</p>")
        base = self.widgets[match["policy"]]
        slug, kind, way = match["slug"], match["kind"], match["way"]
        try:
            if way == "iframe":
                return 200, self._iframe_page(base, slug, kind, theme)
            if way == "include":
                return 200, self._include_page(base, slug, kind, theme)
            if way == "htmx-default":
                return 200, self._htmx_default_page(base, slug, kind, theme)
            return 200, self._ssi_page(base, slug, kind, theme)
        except (URLError, OSError) as exc:
            # A partner server that cannot reach the widget server says so; the test reads this.
            return 502, self._document("Widget server unreachable", theme, f"<p>{html.escape(str(exc))}</p>")

    # -- the recipes --------------------------------------------------------------------------------

    def _iframe_page(self, base: str, slug: str, kind: str, theme: str) -> str:
        params = [f"partner={self.partner_id}"] if self.partner_id else []
        style = "border:0;width:100%;max-width:720px"
        if theme != "auto":
            params.append(f"theme={theme}")
        if theme == "dark":
            # The README: on a dark page set color-scheme on the iframe too (or pass theme=dark).
            style += ";color-scheme:dark"
        src = f"{base}/embed/{slug}/{kind}" + ("?" + "&amp;".join(params) if params else "")
        title = self._frame_title(base, slug, kind)
        body = (
            f'<iframe src="{src}" title="{html.escape(title)}" height="{_HEIGHTS.get(kind, 480)}"'
            f' style="{style}"></iframe>\n'
            f'<p class="partner-fallback"><a href="{base}/articles/{slug}">Read the article on Health Widgets</a></p>'
        )
        return self._document(f"{self.name}: iframe of {slug}/{kind}", theme, body)

    def _include_page(self, base: str, slug: str, kind: str, theme: str) -> str:
        head = f'<meta name="htmx-config" content=\'{HTMX_CONFIG}\'>\n<script src="{base}{HTMX_PATH}" defer></script>'
        body = self._wrap(theme, self._placeholder(base, slug, kind))
        return self._document(f"{self.name}: htmx include of {slug}/{kind}", theme, body, head)

    def _htmx_default_page(self, base: str, slug: str, kind: str, theme: str) -> str:
        head = f'<script src="{base}{HTMX_PATH}" defer></script>'
        body = (
            "<h2>Included by htmx</h2>\n"
            + self._wrap(theme, self._placeholder(base, slug, kind))
            + "\n<h2>Included by the server</h2>\n"
            + self._wrap(theme, self._fetch(f"{base}/fragment/{slug}/{kind}"))
        )
        return self._document(f"{self.name}: htmx at its defaults, {slug}/{kind}", theme, body, head)

    def _ssi_page(self, base: str, slug: str, kind: str, theme: str) -> str:
        body = self._wrap(theme, self._fetch(f"{base}/fragment/{slug}/{kind}"))
        return self._document(f"{self.name}: server-side include of {slug}/{kind}", theme, body)

    # -- pieces ---------------------------------------------------------------------------------------

    def _placeholder(self, base: str, slug: str, kind: str) -> str:
        return (
            f'<div class="partner-include" hx-get="{base}/fragment/{slug}/{kind}" hx-trigger="load"'
            f' hx-swap="outerHTML"><a href="{base}/articles/{slug}">Read the article on Health Widgets</a></div>'
        )

    @staticmethod
    def _wrap(theme: str, markup: str) -> str:
        # The README's theming of an include: a class on a wrapper.
        cls = {"dark": "hw-theme-dark", "auto": "hw-auto"}.get(theme)
        return f'<div class="{cls}">{markup}</div>' if cls else f"<div>{markup}</div>"

    def _fetch(self, url: str) -> str:
        """What ``<!--# include virtual=... -->`` does: the fragment's body, fetched by this server."""
        with urlopen(url, timeout=10) as response:
            return str(response.read().decode("utf-8"))

    def _frame_title(self, base: str, slug: str, kind: str) -> str:
        """The framed document's own <title>, as the article page's embed code gives it."""
        key = f"{base}/{slug}/{kind}"
        with self._lock:
            if key not in self._titles:
                match = _TITLE.search(self._fetch(f"{base}/embed/{slug}/{kind}"))
                self._titles[key] = html.unescape(match[1]) if match else kind
            return self._titles[key]

    def _document(self, title: str, theme: str, body: str, head: str = "") -> str:
        scheme = {"light": "light", "dark": "dark"}.get(theme, "light dark")
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="{scheme}">
<title>{html.escape(title)}</title>
<style>
  html {{ {_PALETTES[theme]} }}
  body {{ margin: 0; font: 1rem/1.5 Georgia, serif; }}
  header, main {{ max-width: 48rem; margin: 0 auto; padding: 0.5rem 1rem; }}
  h1 {{ overflow-wrap: anywhere; }}  /* the partner's own heading, not ours, must not be what widens the page */
  a {{ color: {_LINKS[theme]}; }}
</style>
{head}
</head>
<body>
<header><p>{html.escape(self.name)}: a partner site</p></header>
<main>
<h1>{html.escape(title)}</h1>
{body}
</main>
</body>
</html>
"""


class PartnerServer:
    """A threaded HTTP server on a free loopback port, serving one :class:`PartnerSite`."""

    def __init__(self, site: PartnerSite) -> None:
        self.site = site
        handler = type("Handler", (_Handler,), {"site": site})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"partner-{site.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class _Handler(BaseHTTPRequestHandler):
    site: PartnerSite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/favicon.ico":
            status, body = 204, ""
        else:
            status, body = self.site.page(parts.path, parts.query)
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows failures, not access logs
