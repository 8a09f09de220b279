"""A preview server for editors: a folder's pages, reloaded as files change, and its problems shown.

A WSGI layer around the app. Before each request it looks at the folder (names, times, sizes: a
few stat calls) and reloads what changed, and every page it serves polls for the next change and
reloads itself. Where production keeps serving the last good version of a broken file, the preview
answers that article's pages with the file's problems (file, line, field, sentence), so the editor
sees what to fix where they are looking. A folder that does not load at all shows every problem
until it does.

``flask --app widget preview --dir FOLDER`` (or ``make preview``) runs it on http://127.0.0.1:8000.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click
from markupsafe import escape
from werkzeug.serving import run_simple

from . import create_app
from .content import InvalidContent, Problem, printable
from .live import LiveContent, folder_stamp
from .partners import Partners
from .settings import Settings, SettingsError
from .urls import Index, Request, parse

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

PREFIX = "/__preview/"
# Polls with fetch(), not a meta refresh: the page reloads only when something changed.
RELOAD_JS = b"""\
(function () {
  var seen = null;
  function poll() {
    fetch("/__preview/version", {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (v) {
      if (seen !== null && v !== seen) { location.reload(); return; }
      seen = v;
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"""
SCRIPT_TAG = b'<script src="/__preview/reload.js"></script>'
# The pages' own CSP allows no script; the preview's reloader is the one script it adds.
PREVIEW_SOURCES = "script-src 'self'; connect-src 'self'"
STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.4rem; color: #a00; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid #ddd; }
td.where { font-family: ui-monospace, monospace; white-space: nowrap; }
.warning td.severity { color: #8a5a00; } .error td.severity { color: #a00; font-weight: 600; }
p.note { color: #555; }
"""


class Preview:
    """The app behind a watcher of its folder; ``factory()`` builds the app (it may raise InvalidContent)."""

    def __init__(self, factory: Callable[[], Flask], folder: Path) -> None:
        self.factory = factory
        self.folder = folder
        self.app: Flask | None = None
        self.problems: tuple[Problem, ...] = ()
        self.version = 0
        self._stamp: object = None
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        """Load or reload the folder if a file in it changed since the last look."""
        with self._lock:
            stamp = folder_stamp(self.folder)
            if stamp == self._stamp:
                return
            self._stamp = stamp
            self.version += 1
            if self.app is None:
                try:
                    self.app = self.factory()
                except InvalidContent as exc:
                    self.problems = exc.problems
                    return
                self.problems = self._live().snapshot.problems
            else:
                self.problems = self._live().reload(persist=False).problems

    def _live(self) -> LiveContent:
        assert self.app is not None
        live = self.app.extensions["widget.live"]
        assert isinstance(live, LiveContent)
        return live

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == PREFIX + "reload.js":
            return _answer(start_response, "200 OK", "text/javascript; charset=utf-8", RELOAD_JS)
        self.refresh()
        if path == PREFIX + "version":
            return _answer(start_response, "200 OK", "text/plain; charset=utf-8", str(self.version).encode())
        shown = self.problems_for(path, environ.get("QUERY_STRING", ""))
        if shown or self.app is None:
            return _answer(
                start_response, "500 Internal Server Error", "text/html; charset=utf-8", problems_page(shown)
            )
        return self._with_reloader(self.app.wsgi_app, environ, start_response)

    def problems_for(self, path: str, query: str) -> tuple[Problem, ...]:
        """The errors to show instead of the page at ``path``: its article's file's, or all for the index."""
        errors = tuple(p for p in self.problems if p.severity == "error")
        if self.app is None or not errors:
            return errors
        request = parse(path, query, Partners.empty())
        if not isinstance(request, Request):
            return ()
        if isinstance(request.key, Index):
            return errors
        slug = getattr(request.key, "slug", None)
        return tuple(p for p in errors if Path(p.file).stem == slug)

    def _with_reloader(
        self, app: WSGIApplication, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        # Plain, whole bodies: the reloader is added to the HTML, so no coding and no 304.
        inner = {k: v for k, v in environ.items() if k not in ("HTTP_ACCEPT_ENCODING", "HTTP_IF_NONE_MATCH")}
        inner.pop("HTTP_IF_MODIFIED_SINCE", None)
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], object]:
            captured.append((status, headers))
            return lambda data: None

        result = app(inner, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = captured[-1]
        if any(k.lower() == "content-type" and v.startswith("text/html") for k, v in headers):
            body = _add_reloader(body)
            headers = [(k, _allow_reloader(v) if k.lower() == "content-security-policy" else v) for k, v in headers]
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "etag", "cache-control")]
        headers += [("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
        start_response(status, headers)
        return [body]


def _add_reloader(body: bytes) -> bytes:
    at = body.rfind(b"</body>")
    return body[:at] + SCRIPT_TAG + body[at:] if at >= 0 else body + SCRIPT_TAG


def _allow_reloader(csp: str) -> str:
    kept = [d.strip() for d in csp.split(";") if d.strip() and d.split()[0] not in ("script-src", "connect-src")]
    return "; ".join([*kept, PREVIEW_SOURCES])


def _answer(start_response: StartResponse, status: str, content_type: str, body: bytes) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Content-Security-Policy", f"default-src 'none'; style-src 'unsafe-inline'; {PREVIEW_SOURCES}"),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
    return [body]


def problems_page(problems: Iterable[Problem]) -> bytes:
    """The problems as a small page: where (file:line), the field, and the sentence."""
    shown = list(problems)
    rows = "".join(
        f'<tr class="{p.severity}"><td class="where">{escape(printable(p.file))}{f":{p.line}" if p.line else ""}</td>'
        f'<td class="severity">{p.severity}</td><td>{escape(printable(p.field))}</td>'
        f"<td>{escape(printable(p.message))}</td></tr>"
        for p in shown
    )
    count = "1 problem" if len(shown) == 1 else f"{len(shown)} problems"
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{count} to fix</title><style>{STYLE}</style></head><body>"
        f"<h1>This page cannot be shown: {count} to fix</h1>"
        '<table><thead><tr><th scope="col">File and line</th><th scope="col">Severity</th>'
        f'<th scope="col">Field</th><th scope="col">What to do</th></tr></thead><tbody>{rows}</tbody></table>'
        '<p class="note">This page reloads when you save. The live server keeps serving the last good '
        "version of a file with errors; docs/content-format.md describes every field.</p>"
        f"{SCRIPT_TAG.decode()}</body></html>"
    )
    return html.encode()


def preview_app(folder: Path, public_url: str) -> Preview:
    """A Preview of ``folder``, with links to ``public_url`` (this server), other settings from the environment."""
    settings = replace(Settings.from_env(), content_dir=folder, public_url=public_url, cache_dir=None)
    return Preview(lambda: create_app(settings), folder)


@click.command("preview")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of article files (default: WIDGET_CONTENT_DIR, or content/articles).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def preview_command(folder: Path | None, host: str, port: int) -> None:
    """Serve a folder of articles for editing: pages reload on save, and a file's problems show on its pages."""
    try:
        folder = folder or Settings.from_env().content_dir
        app = preview_app(folder, f"http://{host}:{port}")
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Previewing {printable(str(folder))} at http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True)


if __name__ == "__main__":
    preview_command()
