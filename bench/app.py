"""The benchmark's WSGI app: the real app and what it is compared with, in one gunicorn process.

    gunicorn -c gunicorn.conf.py 'bench.app:from_env()'

- everything the real app answers goes through its own stack (WhiteNoise, FastPath, Flask);
- ``/bench/static/fragment.html``: the chosen fragment's exact bytes as a file, served by WhiteNoise;
- ``/bench/bare``: a bare WSGI callable returning those bytes with the fragment's own headers;
- ``/bench/naive/<slug>/<kind>``: a Flask view that renders the widget template on every request;
- ``/bench/flask/<path>``: the real app's Flask views with nothing in front (the fast path's fallback).

Environment: ``BENCH_FRAGMENT`` ("slug/kind"; default: the fragment closest to 4 KB, the size the
prototype measured), ``BENCH_STATIC_DIR`` (where the file is written; default: a new temporary folder),
and the app's own ``WIDGET_*`` variables.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response
from whitenoise import WhiteNoise

from widget import create_app
from widget.content import Article
from widget.embedding import response_headers
from widget.live import LiveContent
from widget.render import Renderer, render_widget
from widget.settings import Settings
from widget.urls import WIDGETS, Fragment, Links

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

STATIC_NAME = "fragment.html"
PROTOTYPE_SIZE = 4096


def make_environ(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> dict[str, Any]:
    """A WSGI environ like gunicorn builds for a wrk request (wrk sends only Host by default)."""
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": path + (f"?{query}" if query else ""),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def call(app: Any, environ: WSGIEnvironment) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app once: status, headers and the whole body."""
    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen[:] = [status, headers]
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return seen[0], seen[1], body


def pick_fragment(app: Flask, wanted: str | None = None) -> tuple[str, str]:
    """``wanted`` ("slug/kind"), or the fragment whose size is closest to the prototype's 4 KB."""
    table = cast(LiveContent, app.extensions["widget.live"]).snapshot.table
    if wanted:
        slug, _, kind = wanted.strip("/").removeprefix("fragment/").partition("/")
        if kind not in WIDGETS or table.get(Fragment(slug, kind)) is None:
            raise SystemExit(f"BENCH_FRAGMENT names no fragment in the content: '{wanted}'.")
        return slug, kind
    fragments = sorted(
        (abs(len(body.data) - PROTOTYPE_SIZE), key.slug, key.widget)
        for key in table
        if isinstance(key, Fragment) and (body := table.get(key))
    )
    return fragments[0][1], fragments[0][2]


def find_layer(app: Flask, kind: type[Any]) -> Any | None:
    """The first middleware of type ``kind`` in ``app.wsgi_app``'s chain (``.app``/``.application``)."""
    layer: Any = app.wsgi_app
    for _ in range(20):  # bounded: a chain is a handful of layers
        if isinstance(layer, kind):
            return layer
        layer = getattr(layer, "app", None) or getattr(layer, "application", None)
        if layer is None:
            return None
    return None


def _not_found(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


class BenchApp:
    """Dispatches ``/bench/...`` to the comparison endpoints and everything else to the real app."""

    def __init__(self, app: Flask, static_dir: Path, fragment: str | None = None) -> None:
        self.app = app
        # gunicorn.conf.py's hooks read the app's extensions from whatever gunicorn loaded.
        self.extensions = app.extensions
        self.slug, self.kind = pick_fragment(app, fragment)
        self.path = f"/fragment/{self.slug}/{self.kind}"
        settings = cast(Settings, app.extensions["widget.settings"])
        self._naive_headers = response_headers("fragment", settings.cache_max_age, settings.public_url, cors="*")
        app.add_url_rule("/bench/naive/<slug>/<kind>", "bench_naive", self.naive)
        status, self.headers, self.body = call(app, make_environ(self.path))
        if not status.startswith("200"):
            raise SystemExit(f"{self.path} answered {status}, not 200.")
        self.etag = dict(self.headers)["ETag"]
        static_dir.mkdir(parents=True, exist_ok=True)
        (static_dir / STATIC_NAME).write_bytes(self.body)
        # A file written before WhiteNoise starts: it indexes the folder once (autorefresh off).
        self.static = WhiteNoise(_not_found, root=static_dir, prefix="bench/static/")
        self.static_dir = static_dir

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/bench/"):
            return self.app(environ, start_response)
        if path == "/bench/bare":
            return self.bare(environ, start_response)
        if path.startswith("/bench/static/"):
            return cast(Iterable[bytes], self.static(environ, start_response))
        if path.startswith("/bench/flask/"):
            environ["PATH_INFO"] = path.removeprefix("/bench/flask")
        # Flask's own dispatch, without the WhiteNoise and FastPath layers in front of it.
        return Flask.wsgi_app(self.app, environ, start_response)

    def bare(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Python's ceiling: the fragment's bytes and headers, nothing looked up or computed."""
        start_response("200 OK", self.headers)
        return [self.body]

    def naive(self, slug: str, kind: str) -> Response:
        """What a typical implementation does: load the article and render the template per request."""
        live = cast(LiveContent, self.app.extensions["widget.live"])
        article: Article = live.snapshot.catalogue.get(slug)
        if kind not in WIDGETS:
            return Response("not found", status=404)
        links = cast(Links, self.app.extensions["widget.links"])
        # The templates through the app's own Jinja environment for the article's language, every time.
        env = cast(Renderer, self.app.extensions["widget.renderer"]).environment(article.lang)
        html = render_widget(env, article, kind, "fragment", links)  # kind checked against WIDGETS above
        response = Response(html, mimetype="text/html")
        response.headers.update(self._naive_headers)
        return response

    def url(self, variant: str) -> str:
        """The path each variant requests (the 304 and gzip variants differ in request headers)."""
        return {
            "static": f"/bench/static/{STATIC_NAME}",
            "bare": "/bench/bare",
            "naive": f"/bench/naive/{self.slug}/{self.kind}",
            "flask": f"/bench/flask{self.path}",
        }.get(variant, self.path)


def build(static_dir: Path | None = None, fragment: str | None = None, settings: Settings | None = None) -> BenchApp:
    static_dir = static_dir or Path(tempfile.mkdtemp(prefix="widget-bench-static-"))
    return BenchApp(create_app(settings), static_dir, fragment)


def from_env() -> BenchApp:
    """gunicorn's entry point (``'bench.app:from_env()'``): logging as wsgi.py sets it, then the app."""
    logging.basicConfig(
        level=os.environ.get("WIDGET_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    static_dir = os.environ.get("BENCH_STATIC_DIR")
    return build(Path(static_dir) if static_dir else None, os.environ.get("BENCH_FRAGMENT") or None)
