"""Raw WSGI calls through the whole stack, the settings of the two apps, and the headers every
response needs.

Shared by the tests that walk or fuzz the running app (security headers, hostile requests, hostile
content); not a test module, so importing it runs no tests twice. The apps themselves are session
fixtures in tests/conftest.py (``open_app``, ``partners_app``, ``apps``), so pytest owns their
lifetime and a test names what it uses in its signature.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from flask import Flask

from tests.support import ARTICLES, PUBLIC_URL
from widget.serving import Body
from widget.settings import PROJECT_ROOT, Settings
from widget.urls import BodyKey, Links

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

PUBLIC_HOST = urlsplit(PUBLIC_URL).netloc
PARTNERS_FILE = PROJECT_ROOT / "partners.toml"
DEMO_ORIGINS = ("http://127.0.0.1:8001", "http://localhost:8001")
REFERRER_POLICIES = frozenset({"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"})


# -- raw WSGI calls -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """One response as a WSGI server would see it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def wsgi_str(raw: bytes) -> str:
    """Bytes as a WSGI server puts them in the environ (PEP 3333: str holding latin-1)."""
    return raw.decode("latin-1")


def environ_for(
    path: str,
    *,
    method: str = "GET",
    query: str = "",
    headers: Mapping[str, str] | None = None,
    host: str = PUBLIC_HOST,
) -> dict[str, object]:
    """The environ gunicorn would build: ``path`` is PATH_INFO (already percent-decoded)."""
    environ: dict[str, object] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": PUBLIC_HOST,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def call_wsgi(wsgi: WSGIApplication, environ: Mapping[str, object]) -> Reply:
    """Call any WSGI application with ``environ`` and collect its whole answer, closing the iterable."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: object = None) -> None:
        started.append((status, response_headers))

    iterable = wsgi(dict(environ), start_response)  # type: ignore[arg-type]
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    status, response_headers = started[-1]
    return Reply(int(status.split(" ", 1)[0]), tuple(response_headers), body)


def call(
    app: Flask,
    path: str,
    *,
    method: str = "GET",
    query: str = "",
    headers: Mapping[str, str] | None = None,
    host: str = PUBLIC_HOST,
    flask_only: bool = False,
) -> Reply:
    """Call ``app.wsgi_app`` as gunicorn would: ``path`` is PATH_INFO (already percent-decoded).

    ``flask_only`` calls what the fast path hands its misses to, so the Flask views answer even a
    table hit.
    """
    wsgi = app.wsgi_app.app if flask_only else app.wsgi_app  # type: ignore[attr-defined]
    return call_wsgi(wsgi, environ_for(path, method=method, query=query, headers=headers, host=host))


# -- the apps -------------------------------------------------------------------------------------


POLICIES = ("open", "partners")


def open_settings() -> Settings:
    """The tests' articles under the default "open" embed policy."""
    return Settings(content_dir=ARTICLES, public_url=PUBLIC_URL)


def partners_settings() -> Settings:
    """The tests' articles under the "partners" policy, with the repo's partners file."""
    return Settings(content_dir=ARTICLES, public_url=PUBLIC_URL, embed_policy="partners", partners_file=PARTNERS_FILE)


def bodies(app: Flask) -> Mapping[BodyKey, Body]:
    return dict(app.extensions["widget.live"].snapshot.table.items())


def links(app: Flask) -> Links:
    return app.extensions["widget.links"]  # type: ignore[no-any-return]


def url_of(key: BodyKey) -> tuple[str, str]:
    """The path and query that ask for a table entry."""
    return key.path(), urlencode(key.query())


# -- what every response must carry ---------------------------------------------------------------


def directives(csp: str) -> dict[str, str]:
    """A CSP header as {directive: value}."""
    pairs = (part.strip().partition(" ") for part in csp.split(";") if part.strip())
    return {name.lower(): value.strip() for name, _, value in pairs}


def security_problems(reply: Reply) -> list[str]:
    """What is missing from the headers every response needs; empty when all is well.

    A 304 is exempt from the document headers: its headers update the stored 200, which has them
    (RFC 9111 4.3.4), and it has no body of its own. It still must not set a cookie.
    """
    if reply.status == 304:
        return [f"sets a cookie: {reply.all('Set-Cookie')}"] if reply.all("Set-Cookie") else []
    problems = []
    if reply.header("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options is {reply.header('X-Content-Type-Options')!r}, not 'nosniff'")
    if reply.header("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {reply.header('Referrer-Policy')!r}")
    permissions = reply.header("Permissions-Policy")
    if not permissions or "camera=()" not in permissions:
        problems.append(f"Permissions-Policy is {permissions!r}")
    csp = reply.header("Content-Security-Policy")
    if csp is None or not csp.startswith("default-src 'none'"):
        problems.append(f"Content-Security-Policy is {csp!r}, not based on default-src 'none'")
    if len(reply.all("Content-Security-Policy")) > 1:
        problems.append("more than one Content-Security-Policy header")
    if reply.all("Set-Cookie"):
        problems.append(f"sets a cookie: {reply.all('Set-Cookie')}")
    if reply.header("Access-Control-Allow-Credentials") is not None:
        problems.append("allows credentials cross-origin")
    if reply.status not in (204, 304) and not reply.header("Content-Type"):
        problems.append("has no Content-Type")
    return problems
