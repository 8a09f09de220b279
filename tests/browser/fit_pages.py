"""Partner pages for the auto-height and sandbox tests, served from a loopback port of their own.

A real server, not Playwright's request routing: Chromium's Local Network Access refuses a
loopback frame in a page that did not itself come from a loopback address.

Each is a recipe a partner follows (the README's "Auto-height" and "Embedding in WordPress"):

- :func:`native_page`: only CSS, ``frame-sizing: content-height`` on the iframe (Chromium, no script);
- :func:`generic_page`: the README's snippet that listens for ``health-widgets:height``;
- :func:`wordpress_page`: the markup WordPress 6.1 writes for a discovered provider (a hidden iframe
  with ``sandbox="allow-scripts"``, ``#?secret=`` and ``data-secret``, after the blockquote), with
  WordPress's own ``wp-embed.js`` from Debian's ``wordpress`` package.
"""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final

from tests.browser.chromium import MissingTool
from widget.oembed import frame_style

WP_EMBED: Final = Path("/usr/share/wordpress/wp-includes/js/wp-embed.js")
SECRET: Final = "Xq3vT9kLm2"
# The README's partner-side snippet for every browser: size each of our frames to the height it reports.
GENERIC_SNIPPET: Final = """<script>
addEventListener("message", function (event) {
  var data = event.data;
  if (!data || data.type !== "health-widgets:height" || typeof data.height !== "number") return;
  for (var frame of document.querySelectorAll("iframe")) {
    if (frame.contentWindow === event.source) frame.style.height = data.height + "px";
  }
});
</script>"""


def require_wp_embed() -> str:
    if not WP_EMBED.is_file():
        raise MissingTool(
            f"WordPress's wp-embed.js is not at {WP_EMBED}: run ./scripts/system-deps (Debian's wordpress)."
        )
    return WP_EMBED.read_text(encoding="utf-8")


def _document(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title>'
        "<style>body{margin:0;padding:8px;font:16px/1.5 serif}</style>"
        f"{head}</head><body><h1>A partner post</h1>{body}<p>After the widget.</p></body></html>"
    )


def native_page(src: str, width: int, height: int = 150) -> str:
    """Our embed code's iframe (oEmbed's style), in a column ``width`` px wide."""
    frame = f'<iframe src="{html.escape(src)}" title="Widget" height="{height}" style="{frame_style(height)}"></iframe>'
    return _document(f'<div style="width:{width}px">{frame}</div>')


def generic_page(src: str, width: int, height: int = 150) -> str:
    frame = (
        f'<iframe src="{html.escape(src)}" title="Widget" height="{height}" style="width:{width}px;border:0"></iframe>'
    )
    return _document(frame + GENERIC_SNIPPET)


def wordpress_page(src: str, article_url: str, width: int, height: int, wp_embed: str) -> str:
    """What ``wp_filter_oembed_result`` and ``wp_maybe_enqueue_oembed_host_js`` put in a post."""
    body = (
        f'<figure style="width:{width}px;margin:0"><div>'
        f'<blockquote class="wp-embedded-content" data-secret="{SECRET}"><a href="{html.escape(article_url)}">The article</a></blockquote>'
        f'<iframe class="wp-embedded-content" sandbox="allow-scripts" security="restricted"'
        f' style="position: absolute; clip: rect(1px, 1px, 1px, 1px);" title="Widget"'
        f' src="{html.escape(src)}#?secret={SECRET}" data-secret="{SECRET}" width="{width}" height="{height}"'
        ' frameborder="0" marginwidth="0" marginheight="0" scrolling="auto"></iframe>'
        f"</div></figure><script>{wp_embed}</script>"
    )
    return _document(body)


class PageServer:
    """A threaded HTTP server on a free loopback port (its own origin), answering the pages put in it."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        handler = type("Handler", (_Handler,), {"pages": self.pages})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fit-partner", daemon=True)
        self._thread.start()

    def put(self, path: str, body: str) -> str:
        """Serve ``body`` at ``path``; its URL."""
        self.pages[path] = body
        return self.origin + path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class _Handler(BaseHTTPRequestHandler):
    pages: dict[str, str]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        # No favicon: an empty page, so the browser logs no 404 for it.
        body = "" if self.path == "/favicon.ico" else self.pages.get(self.path.split("?")[0])
        data = (body if body is not None else "no such partner page").encode("utf-8")
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8" if body is not None else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows failures, not access logs
