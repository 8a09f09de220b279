"""Every response carries the security headers that fit it, and none sets a cookie.

Walks every route through the whole WSGI stack (WhiteNoise, then the fast path, then Flask) with
raw environ calls (tests/stack.py), so nothing the test client adds or normalises hides a missing
header: every pre-rendered body, every error, /oembed, the health checks, static files (plain and
hashed names), preflights, automatic OPTIONS answers and redirects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask

from tests.stack import (
    DEMO_ORIGINS,
    POLICIES,
    PUBLIC_HOST,
    bodies,
    call,
    directives,
    links,
    security_problems,
    url_of,
)
from tests.support import PUBLIC_URL
from widget.urls import Embed

# What each response may have in its CSP: the base, and only what a widget document uses.
HTML_DIRECTIVES = frozenset(
    {"default-src", "style-src", "script-src", "connect-src", "base-uri", "form-action", "frame-ancestors"}
)
SLUG = "lupus-numbness"
WIDGET = f"/embed/{SLUG}/takeaway"
FRAGMENT = f"/fragment/{SLUG}/takeaway"


@pytest.fixture(params=POLICIES)
def any_app(request: pytest.FixtureRequest, apps: Mapping[str, Flask]) -> Flask:
    return apps[str(request.param)]


# -- what every response must carry ---------------------------------------------------------------


def walk(app: Flask, requests: Iterable[tuple[str, str, str, str, Mapping[str, str]]]) -> list[str]:
    """Make each (label, method, path, query, headers) request; every problem found, labelled."""
    failures = []
    for label, method, path, query, headers in requests:
        reply = call(app, path, method=method, query=query, headers=headers)
        for problem in security_problems(reply):
            failures.append(f"{label} ({method} {path}{'?' + query if query else ''} -> {reply.status}): {problem}")
    return failures


Request = tuple[str, str, str, str, Mapping[str, str]]


def table_requests(app: Flask) -> Iterator[Request]:
    for key, body in bodies(app).items():
        path, query = url_of(key)
        yield "body", "GET", path, query, {}
        yield "body, brotli", "GET", path, query, {"Accept-Encoding": "br"}
        yield "body, HEAD", "HEAD", path, query, {"Accept-Encoding": "gzip"}
        yield "body, revalidated", "GET", path, query, {"If-None-Match": body.etag}
        yield "body, if-modified-since", "GET", path, query, {"If-Modified-Since": body.last_modified}
    yield "partner embed", "GET", WIDGET, "partner=demo", {}
    yield "fragment from a partner origin", "GET", FRAGMENT, "", {"Origin": DEMO_ORIGINS[0]}
    yield "fragment from an unknown origin", "GET", FRAGMENT, "", {"Origin": "https://evil.example"}


ERROR_REQUESTS: tuple[Request, ...] = (
    ("unknown path", "GET", "/no-such-page", "", {}),
    ("unknown path, HEAD", "HEAD", "/no-such-page", "", {}),
    ("bad slug", "GET", "/embed/Not_A_Slug/takeaway", "", {}),
    ("unknown kind", "GET", f"/embed/{SLUG}/no-such-kind", "", {}),
    ("unknown article", "GET", "/embed/no-such-article/takeaway", "", {}),
    ("unknown article page", "GET", "/articles/no-such-article", "", {}),
    ("bad article name", "GET", "/articles/Not_A_Slug", "", {}),
    ("bad theme", "GET", WIDGET, "theme=neon", {}),
    ("bad open part", "GET", WIDGET, "open=nothing", {}),
    ("unknown partner", "GET", WIDGET, "partner=nobody", {}),
    ("unknown fragment part", "GET", f"/fragment/{SLUG}/sections/no-such-part", "", {}),
    ("unknown fragment article", "GET", "/fragment/no-such-article/takeaway", "", {}),
    ("fragment error from an origin", "GET", "/fragment/no-such-article/takeaway", "", {"Origin": "https://x.example"}),
    ("no acceptable encoding", "GET", WIDGET, "", {"Accept-Encoding": "identity;q=0, *;q=0"}),
    ("no acceptable encoding, fragment", "GET", FRAGMENT, "", {"Accept-Encoding": "identity;q=0, *;q=0"}),
    ("POST to a widget", "POST", WIDGET, "", {}),
    ("DELETE a fragment", "DELETE", FRAGMENT, "", {}),
    ("PUT the index", "PUT", "/", "", {}),
    ("oEmbed without url", "GET", "/oembed", "", {}),
    ("oEmbed off-site url", "GET", "/oembed", urlencode({"url": "https://evil.example/embed/x/takeaway"}), {}),
    ("oEmbed bad format", "GET", "/oembed", urlencode({"url": f"{PUBLIC_URL}/articles/{SLUG}", "format": "yaml"}), {}),
    ("oEmbed bad maxwidth", "GET", "/oembed", urlencode({"url": f"{PUBLIC_URL}/articles/{SLUG}", "maxwidth": "x"}), {}),
    ("missing static file", "GET", "/static/no-such-file.css", "", {}),
)


def service_requests() -> Iterator[Request]:
    for fmt in ("json", "xml"):
        query = urlencode({"url": f"{PUBLIC_URL}/embed/{SLUG}/sections?theme=dark", "format": fmt})
        yield f"oEmbed {fmt}", "GET", "/oembed", query, {}
        yield f"oEmbed {fmt}, HEAD", "HEAD", "/oembed", query, {}
    yield "oEmbed, revalidated", "GET", "/oembed", urlencode({"url": f"{PUBLIC_URL}/articles/{SLUG}"}), {}
    yield "liveness", "GET", "/healthz", "", {}
    yield "readiness", "GET", "/readyz", "", {}
    yield "readiness, HEAD", "HEAD", "/readyz", "", {}


def static_requests(app: Flask) -> Iterator[Request]:
    manifest = links(app).manifest
    assert manifest, "the asset build produced no hashed names"
    for plain, hashed in sorted(manifest.items()):
        for name in (plain, hashed):
            path = f"/static/{name}"
            yield "static", "GET", path, "", {}
            yield "static, brotli", "GET", path, "", {"Accept-Encoding": "br, gzip"}
            yield "static, HEAD", "HEAD", path, "", {}
    stylesheet = f"/static/{manifest['widget.css']}"
    etag = call(app, stylesheet).header("ETag") or '"none"'
    yield "static, revalidated", "GET", stylesheet, "", {"If-None-Match": etag}
    yield "static, range", "GET", stylesheet, "", {"Range": "bytes=0-9"}
    yield "static, unsatisfiable range", "GET", stylesheet, "", {"Range": "bytes=999999-"}
    yield "static, POST", "POST", stylesheet, "", {}


def options_requests() -> Iterator[Request]:
    preflight = {"Origin": DEMO_ORIGINS[0], "Access-Control-Request-Method": "GET"}
    yield "preflight", "OPTIONS", FRAGMENT, "", preflight
    yield "preflight, part", "OPTIONS", f"/fragment/{SLUG}/sections/overview", "", preflight
    yield "preflight, unknown origin", "OPTIONS", FRAGMENT, "", {"Origin": "https://evil.example"}
    for path in ("/", f"/articles/{SLUG}", WIDGET, "/oembed", "/healthz", "/readyz", "/static/widget.css"):
        yield "OPTIONS", "OPTIONS", path, "", {}


def redirect_requests() -> Iterator[Request]:
    yield "duplicate slashes", "GET", f"/embed//{SLUG}//takeaway", "", {}
    yield "duplicate slashes, article", "GET", f"/articles//{SLUG}", "", {}
    yield "empty path", "GET", "", "", {}


# -- the walks ------------------------------------------------------------------------------------


def test_every_table_body_carries_security_headers(any_app):
    failures = walk(any_app, table_requests(any_app))

    assert not failures, "\n".join(failures)


def test_every_error_carries_security_headers(any_app):
    failures = walk(any_app, ERROR_REQUESTS)

    assert not failures, "\n".join(failures)


def test_oembed_and_health_checks_carry_security_headers(any_app):
    failures = walk(any_app, service_requests())

    assert not failures, "\n".join(failures)


def test_static_files_carry_security_headers(open_app):
    app = open_app

    failures = walk(app, static_requests(app))

    assert not failures, "\n".join(failures)


def test_options_answers_carry_security_headers(any_app):
    failures = walk(any_app, options_requests())

    assert not failures, "\n".join(failures)


def test_redirects_carry_security_headers(open_app):
    app = open_app
    replies = [call(app, path) for _, _, path, _, _ in redirect_requests()]

    failures = walk(app, redirect_requests())

    assert [reply.status for reply in replies] != [404] * len(replies), "no redirect left to check"
    assert not failures, "\n".join(failures)


def test_no_response_anywhere_sets_a_cookie(any_app):
    requests = [
        *table_requests(any_app),
        *ERROR_REQUESTS,
        *service_requests(),
        *static_requests(any_app),
        *options_requests(),
        *redirect_requests(),
    ]
    cookies = []

    for label, method, path, query, headers in requests:
        reply = call(any_app, path, method=method, query=query, headers=headers)
        cookies += [f"{label} {method} {path}: {value}" for value in reply.all("Set-Cookie")]

    assert len(requests) > 400
    assert cookies == []


# -- the CSP fits each response -------------------------------------------------------------------


class _Resources(HTMLParser):
    """Which scripts, stylesheets and lazy requests a document uses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.data_blocks = 0
        self.stylesheets: list[str] = []
        self.lazy: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.scripts.append(attributes["src"] or "")
            else:
                assert attributes.get("type") == "application/ld+json", f"inline script {attributes}"
                self.data_blocks += 1
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes.get("href") or "")
        if attributes.get("data-hx-get"):
            self.lazy.append(attributes["data-hx-get"] or "")


def resources(html: str) -> _Resources:
    parser = _Resources()
    parser.feed(html)
    parser.close()
    return parser


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_csp_admits_only_what_each_document_uses(any_app):
    failures = []

    for key, body in bodies(any_app).items():
        path, query = url_of(key)
        reply = call(any_app, path, query=query)
        csp = directives(reply.header("Content-Security-Policy") or "")
        used = resources(reply.text)
        label = f"{path}?{query}"
        if set(csp) - HTML_DIRECTIVES:
            failures.append(f"{label}: unexpected directives {sorted(set(csp) - HTML_DIRECTIVES)}")
        if csp.get("base-uri") != "'none'" or csp.get("form-action") != "'none'":
            failures.append(f"{label}: base-uri/form-action are not 'none': {csp}")
        if any("'unsafe-" in value or value.split() == ["*"] for name, value in csp.items() if name.endswith("-src")):
            failures.append(f"{label}: a source list is unsafe or a wildcard: {csp}")
        style_src = set(csp.get("style-src", "").split())
        if {origin_of(href) for href in used.stylesheets} - style_src or style_src - {links(any_app).public_url}:
            failures.append(f"{label}: style-src {csp.get('style-src')!r} for stylesheets {used.stylesheets}")
        if {origin_of(src) for src in used.scripts} != set(csp.get("script-src", "").split()):
            failures.append(f"{label}: script-src {csp.get('script-src')!r} for scripts {used.scripts}")
        # A fragment's lazy parts are fetched by the partner page's htmx, under the partner's CSP.
        if used.scripts and {origin_of(url) for url in used.lazy} - set(csp.get("connect-src", "").split()):
            failures.append(f"{label}: connect-src {csp.get('connect-src')!r} for lazy parts {used.lazy}")
        if not used.scripts and "connect-src" in csp:
            failures.append(f"{label}: connect-src in a document that runs no script")
        if body.scripts != bool(used.scripts):
            failures.append(f"{label}: Body.scripts is {body.scripts} but the document has scripts {used.scripts}")

    assert not failures, "\n".join(failures)


def test_only_widget_documents_load_a_script(open_app):
    # Every widget document loads static/resize.js (it reports the height); fragments and pages none.
    app = open_app
    scripted = {key for key, body in bodies(app).items() if b"<script src=" in body.data}
    embeds = {key for key in bodies(app) if isinstance(key, Embed)}

    assert scripted == embeds


@pytest.mark.parametrize(
    ("policy", "query", "expected"),
    [
        ("open", "", {"*"}),
        ("partners", "", set(DEMO_ORIGINS)),
        ("partners", "partner=demo", set(DEMO_ORIGINS)),
    ],
)
def test_embed_frame_ancestors_follow_the_policy(apps, policy, query, expected):
    app = apps[policy]

    reply = call(app, f"/embed/{SLUG}/sections", query=query)

    assert reply.status == 200
    assert set(directives(reply.header("Content-Security-Policy") or "")["frame-ancestors"].split()) == expected
    # CSP frame-ancestors, never X-Frame-Options: browsers never implemented its ALLOW-FROM.
    assert reply.header("X-Frame-Options") is None


@pytest.mark.parametrize("path", ["/", f"/articles/{SLUG}", FRAGMENT, f"/fragment/{SLUG}/sections/overview"])
def test_pages_and_fragments_cannot_be_framed_elsewhere(any_app, path):
    reply = call(any_app, path)

    assert directives(reply.header("Content-Security-Policy") or "")["frame-ancestors"] == "'self'"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_json_answers_have_the_smallest_csp(any_app, path):
    reply = call(any_app, path)

    assert reply.header("Content-Type") == "application/json"
    assert reply.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'"
    assert reply.header("Cache-Control") == "no-store"


def test_base_headers_have_the_documented_values(any_app):
    reply = call(any_app, WIDGET)

    assert reply.header("Referrer-Policy") == "no-referrer"
    permissions = dict(item.strip().split("=", 1) for item in (reply.header("Permissions-Policy") or "").split(","))
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= set(permissions)
    assert set(permissions.values()) == {"()"}


# -- CORS: who may read a fragment ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "granted"),
    [
        (DEMO_ORIGINS[0], DEMO_ORIGINS[0]),
        ("http://LOCALHOST:8001", "http://localhost:8001"),
        ("https://evil.example", None),
        ("null", None),
        (f"{DEMO_ORIGINS[0]}.evil.example", None),
        (f"{DEMO_ORIGINS[0]}/", None),
        (f"{DEMO_ORIGINS[0]}\t", None),
    ],
)
def test_fragments_are_readable_only_by_partner_origins(partners_app, origin, granted):
    app = partners_app

    replies = [
        call(app, FRAGMENT, headers={"Origin": origin}),
        call(app, "/fragment/no-such-article/takeaway", headers={"Origin": origin}),
        call(app, FRAGMENT, method="OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}),
    ]

    assert [reply.header("Access-Control-Allow-Origin") for reply in replies] == [granted] * 3
    assert all("Origin" in (reply.header("Vary") or "") for reply in replies)
    assert all(reply.header("Access-Control-Allow-Credentials") is None for reply in replies)


def test_embed_documents_grant_no_cors(any_app):
    reply = call(any_app, WIDGET, headers={"Origin": DEMO_ORIGINS[0]})

    assert reply.header("Access-Control-Allow-Origin") is None


# -- the raw harness sees what the test client sees -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [("/", ""), (WIDGET, "theme=dark"), (FRAGMENT, ""), ("/no-such-page", ""), ("/oembed", "url=x"), ("/healthz", "")],
)
def test_raw_calls_answer_like_the_test_client(client, path, query):
    expected = client.get(path, query_string=query, headers={"Host": PUBLIC_HOST}, base_url=PUBLIC_URL)

    reply = call(client.application, path, query=query)

    assert reply.status == expected.status_code
    assert reply.body == expected.data
    assert dict(reply.headers) == dict(expected.headers)


# -- caches: what one client sends never decides what another gets --------------------------------

REFUSE_EVERY_CODING = ("identity;q=0", "*;q=0", "identity;q=0, *;q=0", "br;q=0, gzip;q=0, identity;q=0")
OVERFLOWING_DATE = "Fri, 04 Dec 99999999999999999999 02:21:13 GMT"


def tokens(value: str | None) -> set[str]:
    return {token.strip().lower() for token in (value or "").split(",") if token.strip()}


@pytest.mark.parametrize("flask_only", [False, True], ids=["fast path", "flask"])
@pytest.mark.parametrize("accept_encoding", REFUSE_EVERY_CODING)
def test_a_client_refusing_every_coding_gets_the_plain_body(any_app, accept_encoding, flask_only):
    failures = []

    for key, body in bodies(any_app).items():
        path, query = url_of(key)
        plain = call(any_app, path, query=query, flask_only=flask_only)
        refused = call(any_app, path, query=query, headers={"Accept-Encoding": accept_encoding}, flask_only=flask_only)
        if (refused.status, refused.body, refused.headers) != (200, plain.body, plain.headers):
            failures.append(f"{path}?{query}: {refused.status}, {refused.header('Cache-Control')}")
        elif body.compressible and "accept-encoding" not in tokens(refused.header("Vary")):
            failures.append(f"{path}?{query}: coded elsewhere, but Vary is {refused.header('Vary')!r}")

    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("header", ["Accept-Encoding", "If-None-Match", "Origin", "HX-Request", "HX-Current-URL"])
@pytest.mark.parametrize("path", [WIDGET, FRAGMENT, "/oembed", "/no-such-page"])
def test_an_error_made_by_a_request_header_is_never_stored(any_app, path, header):
    query = urlencode({"url": f"{PUBLIC_URL}{WIDGET}"}) if path == "/oembed" else ""

    reply = call(any_app, path, query=query, headers={header: "x" * 9000})

    assert reply.status == 431
    assert reply.header("Cache-Control") == "no-store"


def test_a_server_error_is_never_stored(open_app, monkeypatch):
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr("widget.views.oembed", fail)

    reply = call(open_app, "/oembed", query=urlencode({"url": f"{PUBLIC_URL}{WIDGET}"}))

    assert reply.status == 500
    assert reply.header("Cache-Control") == "no-store"
    assert security_problems(reply) == []


@pytest.mark.parametrize("flask_only", [False, True], ids=["fast path", "flask"])
def test_an_unreadable_date_is_ignored_on_every_body(any_app, flask_only):
    statuses = set()

    for key in bodies(any_app):
        path, query = url_of(key)
        plain = call(any_app, path, query=query, flask_only=flask_only)
        reply = call(any_app, path, query=query, headers={"If-Modified-Since": OVERFLOWING_DATE}, flask_only=flask_only)
        statuses.add(reply.status)
        assert (reply.status, reply.body) == (200, plain.body), f"{path}?{query}"

    assert statuses == {200}


@pytest.mark.parametrize("headers", [{"If-Modified-Since": OVERFLOWING_DATE}, {"If-None-Match": OVERFLOWING_DATE}])
def test_oembed_ignores_an_unreadable_validator(any_app, headers):
    query = urlencode({"url": f"{PUBLIC_URL}{WIDGET}"})

    reply = call(any_app, "/oembed", query=query, headers=headers)

    assert reply.status == 200
    assert reply.header("Cache-Control") == "public, max-age=300"
    assert reply.header("Content-Type") == "application/json"


def test_oembed_answers_304_to_its_own_etag(any_app):
    query = urlencode({"url": f"{PUBLIC_URL}{WIDGET}"})
    etag = call(any_app, "/oembed", query=query).header("ETag") or ""

    replies = [call(any_app, "/oembed", query=query, headers={"If-None-Match": value}) for value in (etag, f"W/{etag}")]

    assert etag.startswith('"')
    assert [reply.status for reply in replies] == [304, 304]
    assert [reply.body for reply in replies] == [b"", b""]
    assert all(reply.header("ETag") == etag for reply in replies)


@pytest.mark.parametrize("origin", [None, DEMO_ORIGINS[0], "https://evil.example", "null"])
def test_oembed_is_readable_by_any_origin_under_either_policy(any_app, origin):
    query = urlencode({"url": f"{PUBLIC_URL}{WIDGET}"})

    reply = call(any_app, "/oembed", query=query, headers={"Origin": origin} if origin else {})

    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert reply.header("Access-Control-Allow-Credentials") is None
    assert "origin" not in tokens(reply.header("Vary"))  # the same answer for every origin
