"""Hostile requests: every route, path segment, query parameter and header we read, fuzzed.

Property-based (hypothesis) over raw WSGI environ calls to ``app.wsgi_app``, so the whole stack
answers (WhiteNoise, the fast path, Flask) and nothing is normalised first: PATH_INFO holds any
bytes a server could decode, QUERY_STRING any raw bytes, headers any latin-1 text or values from
a generator for their grammar (HTTP dates valid, near-valid and overflowing; entity tags strong,
weak, listed, ``*`` and malformed; codings with qvalues; byte ranges), through the fast path or
straight to Flask. For every response: no 5xx; an error is a small, well-formed HTML message with a
fitting status; no reflected input unescaped; no redirect off-site; the security headers; and
nothing a shared cache would hand to a client that did not send those headers. Plus the limits (URL,
parameter and header length), every method on every route, and CORS preflights.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.stack import (
    DEMO_ORIGINS,
    POLICIES,
    PUBLIC_HOST,
    Reply,
    bodies,
    call,
    open_settings,
    security_problems,
    url_of,
    wsgi_str,
)
from tests.support import PUBLIC_URL
from widget import create_app
from widget.serving import READ_HEADERS
from widget.settings import PROJECT_ROOT
from widget.urls import Embed

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLUGS = ("lupus-numbness", "small-fiber-neuropathy-testing")
KINDS = ("takeaway", "comparison", "sources", "sections")
PARTS = ("overview", "sources", "section-how-lupus-can-cause-numbness")
ROUTES = (
    "/",
    f"/articles/{SLUGS[0]}",
    f"/embed/{SLUGS[0]}/takeaway",
    f"/embed/{SLUGS[0]}/sections",
    f"/fragment/{SLUGS[0]}/takeaway",
    f"/fragment/{SLUGS[0]}/sections/overview",
    "/oembed",
    "/healthz",
    "/readyz",
)
# Statuses an answer may have: never a 5xx, except 501 from /oembed, which the oEmbed spec
# (oembed.com, 2.3.4) prescribes for an unsupported format.
STATUSES = frozenset({200, 204, 206, 304, 400, 404, 405, 414, 416, 431})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_ERROR_BYTES = 4096
# Everything an error message is made of (templates/errors/error.html inside either layout).
ERROR_TAGS = frozenset({"html", "head", "meta", "title", "link", "body", "section", "h2", "p", "a"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
# Sentinels a fuzzed input may carry: each must come back escaped, never as markup.
PROBES = (
    "<hw-probe>",
    '"><hw-probe onmouseover=alert(1)>',
    "'><hw-probe>",
    "</title><hw-probe>",
    "</p></section><hw-probe>",
    "<script>hw_probe()</script>",
    "<!--hw-probe-->",
    "javascript:hw_probe()",
    "%3Chw-probe%3E",
    "%253Chw-probe%253E",
)
MARKERS = ("<hw-probe", "<script>hw_probe", "<!--hw-probe")


# -- what every response must satisfy -------------------------------------------------------------


class _Document(HTMLParser):
    """Tags, attributes and nesting errors of an HTML body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def parse(html: str) -> _Document:
    document = _Document()
    document.feed(html)
    document.close()
    if document.stack:
        document.errors.append(f"unclosed {document.stack}")
    return document


def assert_on_site(location: str | None) -> None:
    assert location is not None, "a redirect without Location"
    parts = urlsplit(location)
    assert parts.netloc in ("", PUBLIC_HOST), f"redirect off-site to {location!r}"
    assert parts.scheme in ("", "http", "https"), f"redirect to {location!r}"
    assert not location.startswith(("//", "/\\")), f"scheme-relative redirect to {location!r}"


def assert_error_message(reply: Reply, method: str) -> None:
    """A small, well-formed HTML message: what every 4xx this app sends should be."""
    content_type = reply.header("Content-Type") or ""
    assert content_type.startswith("text/html"), f"error {reply.status} as {content_type!r}"
    if method == "HEAD":
        assert reply.body == b""
        return
    assert 0 < len(reply.body) < MAX_ERROR_BYTES, f"error {reply.status} is {len(reply.body)} bytes"
    document = parse(reply.text)
    assert document.errors == [], f"error {reply.status} is not well-formed: {document.errors}"
    assert document.tags <= ERROR_TAGS, f"error {reply.status} has {sorted(document.tags - ERROR_TAGS)}"
    assert not any(name.startswith("on") for name in document.attributes)


def allowed(status: int, path: str) -> bool:
    return status in STATUSES or (status == 501 and path == "/oembed")


def assert_sound(reply: Reply, method: str, path: str) -> None:
    """The invariants for any request whatever: each assert is its own line, so hypothesis
    reports distinct failures separately."""
    assert reply.status < 500 or allowed(reply.status, path), f"{reply.status}: {reply.text[:300]}"
    assert allowed(reply.status, path) or reply.status in REDIRECTS, f"unexpected status {reply.status}"
    problems = security_problems(reply)
    assert problems == [], f"{reply.status}: {problems}"
    if reply.status in REDIRECTS:
        assert_on_site(reply.header("Location"))
    if reply.status >= 400 and reply.status != 416:
        assert_error_message(reply, method)
    for marker in MARKERS:
        assert marker not in reply.text, f"{marker!r} reflected unescaped in a {reply.status}"


# -- strategies -----------------------------------------------------------------------------------

# Any character but surrogates (they cannot be encoded as UTF-8 at all).
weird_text = st.text(st.characters(codec="utf-8"), max_size=30)
ascii_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)
long_text = st.integers(min_value=100, max_value=3000).map(lambda n: ("a-" * n)[:n])
probes = st.sampled_from(PROBES)
known_segments = st.sampled_from(
    (*SLUGS, *KINDS, *PARTS, "", ".", "..", "embed", "fragment", "articles", "static", "oembed", "healthz", "readyz")
)
# A path segment as the raw bytes a server hands over after percent-decoding (PEP 3333).
segments = st.one_of(
    known_segments.map(str.encode),
    weird_text.map(str.encode),
    ascii_text.map(str.encode),
    probes.map(str.encode),
    long_text.map(str.encode),
    st.binary(max_size=12),
)
prefixes = st.sampled_from(("", "embed", "fragment", "articles", "static", "oembed", "healthz", "readyz"))
param_names = st.one_of(
    st.sampled_from(("theme", "open", "partner", "url", "format", "maxwidth", "maxheight")), ascii_text, weird_text
)
param_values = st.one_of(
    st.sampled_from(("light", "dark", "auto", "", "demo", "json", "xml", "600", "0", "-1", "99999999999999999999")),
    st.sampled_from(PARTS),
    st.sampled_from(tuple(f"{PUBLIC_URL}/{m}/{s}/{k}" for m in ("embed", "fragment") for s in SLUGS for k in KINDS)),
    weird_text,
    probes,
    long_text,
).map(str.encode) | st.binary(max_size=12)
# Header values as a server hands them over: latin-1 text, no CR or LF.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80)
origins = st.sampled_from((*DEMO_ORIGINS, "null", "https://evil.example", "http://LOCALHOST:8001", "http://[::1]:8001"))

# -- request headers, each with a generator for the grammar it has ---------------------------------

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))
# RFC 9110 5.6.7: the IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
valid_dates = st.one_of(
    moments.map(lambda moment: format_datetime(moment, usegmt=True)),
    moments.map(lambda moment: moment.strftime("%A, %d-%b-%y %H:%M:%S GMT")),
    moments.map(lambda moment: moment.strftime("%a %b %e %H:%M:%S %Y")),
)
# Shaped like a date, with fields out of range or missing: the parser must refuse, not crash.
near_dates = st.builds(
    "{}, {:02d} {} {} {:02d}:{:02d}:{:02d} {}".format,
    st.sampled_from((*WEEKDAYS, "Xyz", "")),
    st.integers(0, 99),
    st.sampled_from((*MONTHS, "Foo", "")),
    st.integers(0, 10_000),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(("GMT", "UTC", "Z", "+9999", "-2359", "+0000", "EST", "")),
)
# Years and fields too large for a C long or a datetime (the OverflowError of issue 11).
overflowing_dates = st.builds(
    "{}, {} {} {} {}:13:13 GMT".format,
    st.sampled_from(WEEKDAYS),
    st.one_of(st.integers(1, 28), st.integers(10**9, 10**30)),
    st.sampled_from(MONTHS),
    st.integers(10**4, 10**40),
    st.one_of(st.integers(0, 23), st.integers(10**9, 10**30)),
)
http_dates = st.one_of(
    valid_dates,
    near_dates,
    overflowing_dates,
    st.sampled_from(("Fri, 04 Dec 99999999999999999999 02:21:13 GMT", "1" * 400, "", "yesterday")),
)
# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
etagc = st.text(st.characters(codec="latin-1", exclude_characters='"', min_codepoint=0x21), max_size=40)
strong_tags = etagc.map(lambda text: f'"{text}"')
weak_tags = strong_tags.map(lambda tag: f"W/{tag}")
malformed_tags = st.one_of(
    etagc,  # unquoted
    etagc.map(lambda text: f'"{text}'),  # unterminated
    etagc.map(lambda text: f"W/{text}"),
    st.sampled_from(("W/", 'W/"', '"', '""""', ",,,", "**", "W/*", '"a"b"', "\t")),
)


def real_tags() -> list[str]:
    """The ETags the open app's bodies have, so some generated lists name a current version.

    A strategy is built before any fixture exists, so this builds its own app; st.deferred below
    evaluates it once, on the first draw.
    """
    return sorted({tag for body in bodies(create_app(open_settings())).values() for tag in body.etags})


one_tag = st.one_of(
    strong_tags, weak_tags, malformed_tags, st.just("*"), st.deferred(lambda: st.sampled_from(real_tags()))
)
separators = st.sampled_from((",", ", ", " , ", ",,", "\t,"))
etag_lists = st.one_of(
    st.just("*"),
    one_tag,
    st.tuples(separators, st.lists(one_tag, min_size=2, max_size=6)).map(lambda pair: pair[0].join(pair[1])),
)
# RFC 9110 12.5.3 codings with qvalues, valid (12.4.2) or not.
qvalues = st.one_of(
    st.sampled_from(("0", "1", "0.5", "0.001", "1.000", "0.000")),
    st.sampled_from(("nan", "2", "-1", "1e400", "", "0.0001", "abc", "inf", " 0.5")),
)
codings = st.tuples(
    st.sampled_from(("br", "gzip", "x-gzip", "identity", "*", "deflate", "zstd", "BR", "GZip")) | ascii_text,
    st.one_of(st.none(), qvalues),
).map(lambda pair: pair[0] if pair[1] is None else f"{pair[0]};q={pair[1]}")
accept_encodings = st.one_of(
    st.sampled_from(("identity;q=0", "*;q=0", "identity;q=0, *;q=0", "br;q=0, gzip;q=0, identity;q=0", ",;,;=;q")),
    st.tuples(separators, st.lists(codings, min_size=1, max_size=6)).map(lambda pair: pair[0].join(pair[1])),
)
# RFC 9110 14.2: bytes=first-last, -suffix, first-, lists; plus overflowing and other units.
positions = st.one_of(st.integers(0, 2000), st.integers(10**15, 10**40))
byte_ranges = st.one_of(
    st.tuples(positions, positions).map(lambda pair: f"{pair[0]}-{pair[1]}"),
    positions.map(lambda n: f"-{n}"),
    positions.map(lambda n: f"{n}-"),
)
ranges = st.one_of(
    st.lists(byte_ranges, min_size=1, max_size=4).map(lambda items: "bytes=" + ",".join(items)),
    st.sampled_from(("bytes=", "bytes=5-1", "items=0-1", "bytes=a-b", "bytes=--", "bytes=0-0,-1", "bytes = 0-9")),
)
# Every request header the app reads (serving.READ_HEADERS), what WhiteNoise reads for /static/
# (Range, If-Range) and what a preflight carries.
HEADER_NAMES = (
    *(name.removeprefix("HTTP_").replace("_", "-").title() for name in READ_HEADERS),
    "Range",
    "If-Range",
    "Access-Control-Request-Method",
)
GRAMMARS = {
    "Accept-Encoding": accept_encodings,
    "If-None-Match": etag_lists,
    "If-Modified-Since": http_dates,
    "If-Range": st.one_of(http_dates, strong_tags, weak_tags, malformed_tags),
    "Range": ranges,
    "Origin": origins,
    "Access-Control-Request-Method": st.sampled_from(("GET", "HEAD", "POST", "", "get")),
}
header_values = st.one_of(header_text, probes)
named_header = st.sampled_from(HEADER_NAMES).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(GRAMMARS.get(name, header_values), header_values))
)
request_headers = st.lists(named_header, max_size=6).map(dict)
apps = st.sampled_from(list(POLICIES))


def query_of(pairs: Iterable[tuple[str, bytes, bool]]) -> str:
    """A QUERY_STRING: each pair percent-encoded, or left raw (any bytes) as a careless client sends it."""
    items = []
    for name, value, encode in pairs:
        raw_name = name.encode()
        items.append(urlencode({raw_name: value}) if encode else wsgi_str(raw_name + b"=" + value))
    return "&".join(items)


queries = st.lists(st.tuples(param_names, param_values, st.booleans()), max_size=5).map(query_of)


# -- properties -----------------------------------------------------------------------------------


@FUZZ
@given(policy=apps, method=st.sampled_from(("GET", "HEAD")), prefix=prefixes, parts=st.lists(segments, max_size=5))
@example(policy="open", method="GET", prefix="embed", parts=[b"<hw-probe>", b"takeaway"])
@example(policy="open", method="GET", prefix="fragment", parts=[SLUGS[0].encode(), b"sections", b"<hw-probe>"])
@example(policy="open", method="GET", prefix="embed", parts=[b"", SLUGS[0].encode(), b"takeaway"])
def test_any_path_is_answered_soundly(apps, policy, method, prefix, parts):
    path = wsgi_str(b"/" + b"/".join([prefix.encode(), *parts] if prefix else parts))

    reply = call(apps[policy], path, method=method)

    assert_sound(reply, method, path)


@FUZZ
@given(policy=apps, method=st.sampled_from(("GET", "HEAD")), route=st.sampled_from(ROUTES), query=queries)
@example(policy="open", method="GET", route=ROUTES[2], query="theme=%3Chw-probe%3E")
@example(policy="open", method="GET", route=ROUTES[2], query="open=%3Chw-probe%3E&partner=%3Chw-probe%3E")
@example(policy="open", method="GET", route="/oembed", query=urlencode({"url": "<hw-probe>", "format": "<hw-probe>"}))
def test_any_query_is_answered_soundly(apps, policy, method, route, query):
    reply = call(apps[policy], route, method=method, query=query)

    assert_sound(reply, method, route)


HEADER_ROUTES = (
    *ROUTES,
    f"/embed/{SLUGS[0]}/takeaway?theme=dark",
    f"/articles/{SLUGS[1]}",
    f"/oembed?url={PUBLIC_URL}/embed/{SLUGS[0]}/takeaway",
    "/static/widget.css",
    "/no-such-page",
    f"/embed/{SLUGS[0]}/nope",
)


# Headers that may rightly shorten or empty a body (a 304, a 206).
CONDITIONAL = frozenset({"If-None-Match", "If-Modified-Since", "Range", "If-Range"})


@pytest.fixture(scope="session")
def plain_reply(apps: Mapping[str, Flask]) -> Callable[[str, str, bool], Reply]:
    """What a client sending none of the fuzzed headers gets: the answer the others are held to.

    Kept per (policy, route, flask_only) for the session: hypothesis asks for the same few
    thousands of times.
    """
    replies: dict[tuple[str, str, bool], Reply] = {}

    def reply(policy: str, route: str, flask_only: bool) -> Reply:
        if (policy, route, flask_only) not in replies:
            path, _, query = route.partition("?")
            replies[policy, route, flask_only] = call(apps[policy], path, query=query, flask_only=flask_only)
        return replies[policy, route, flask_only]

    return reply


def vary(reply: Reply) -> set[str]:
    return {token.strip().lower() for value in reply.all("Vary") for token in value.split(",") if token.strip()}


def assert_cache_safe(reply: Reply, plain: Reply, headers: dict[str, str]) -> None:
    """What a shared cache may keep of this answer is what any other client would get too."""
    if plain.status == 200 and reply.status >= 400:
        # An error these headers caused on a URL that works: no cache may keep it for the others.
        cache_control = reply.header("Cache-Control")
        assert cache_control is None or "no-store" in cache_control, f"{reply.status} with {cache_control!r}"
    if reply.status == 200:
        if reply.header("Content-Encoding") != plain.header("Content-Encoding"):
            assert "accept-encoding" in vary(reply), f"coded {reply.header('Content-Encoding')}, Vary {vary(reply)}"
        if reply.header("Access-Control-Allow-Origin") != plain.header("Access-Control-Allow-Origin"):
            assert "origin" in vary(reply), f"CORS grant differs, Vary {vary(reply)}"
        if plain.status == 200 and reply.header("Content-Encoding") is None and not CONDITIONAL & headers.keys():
            assert reply.body == plain.body, "an uncoded body that differs from everyone else's"


@FUZZ
@given(
    policy=apps,
    method=st.sampled_from(("GET", "HEAD")),
    route=st.sampled_from(HEADER_ROUTES),
    headers=request_headers,
    flask_only=st.booleans(),
)
@example(
    policy="open",
    method="GET",
    route=ROUTES[2],
    headers={"If-Modified-Since": "Mon, 01 Jan 99999 00:00:00 GMT"},
    flask_only=False,
)
@example(
    policy="open",
    method="GET",
    route=ROUTES[2],
    headers={"If-Modified-Since": "Fri, 04 Dec 99999999999999999999 02:21:13 GMT"},
    flask_only=False,
)
@example(
    policy="open",
    method="GET",
    route="/oembed?url=https://widgets.example.org/articles/lupus-numbness",
    headers={"If-Modified-Since": "Fri, 04 Dec 99999999999999999999 02:21:13 GMT"},
    flask_only=False,
)
@example(
    policy="open", method="GET", route=ROUTES[2], headers={"Accept-Encoding": "identity;q=0, *;q=0"}, flask_only=True
)
@example(policy="open", method="GET", route=ROUTES[4], headers={"Accept-Encoding": "*;q=0"}, flask_only=False)
@example(policy="partners", method="GET", route=ROUTES[4], headers={"Origin": "<hw-probe>"}, flask_only=False)
def test_any_headers_are_answered_soundly(apps, plain_reply, policy, method, route, headers, flask_only):
    path, _, query = route.partition("?")

    reply = call(apps[policy], path, method=method, query=query, headers=headers, flask_only=flask_only)

    assert_sound(reply, method, path)
    if method == "GET":
        assert_cache_safe(reply, plain_reply(policy, route, flask_only), headers)


def test_every_header_the_server_reads_is_fuzzed():
    fuzzed = {name.upper().replace("-", "_") for name in HEADER_NAMES}

    assert {name.removeprefix("HTTP_") for name in READ_HEADERS} <= fuzzed
    assert set(GRAMMARS) <= set(HEADER_NAMES)


@FUZZ
@given(
    method=st.sampled_from(("POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "get", "OPTIONS")),
    route=st.sampled_from((*ROUTES, "/static/widget.css", "/no-such-page")),
    query=queries,
)
def test_any_method_is_answered_soundly(open_app, method, route, query):
    reply = call(open_app, route, method=method, query=query)

    assert reply.status < 500
    assert allowed(reply.status, route)
    assert security_problems(reply) == []


@FUZZ
@given(policy=apps, theme=st.one_of(weird_text, probes, st.sampled_from(("LIGHT", "dark ", " auto", "dark;", "x"))))
def test_theme_is_only_light_dark_or_auto(apps, policy, theme):
    query = urlencode({"theme": theme.encode("utf-8")})

    reply = call(apps[policy], f"/embed/{SLUGS[0]}/takeaway", query=query)

    if theme in ("light", "dark", "auto"):
        assert reply.status == 200
    else:
        assert reply.status == 400
        assert_error_message(reply, "GET")
        assert f"hw-theme-{theme}" not in reply.text


# -- errors name what was wrong, never the input ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "status", "escaped"),
    [
        ("/embed/<hw-probe>/takeaway", "", 400, "That is not a valid article name"),
        (f"/embed/{SLUGS[0]}/<hw-probe>", "", 404, "There is no widget of that name"),
        (f"/embed/{SLUGS[0]}/takeaway", "theme=%3Chw-probe%3E", 400, "The &#39;theme&#39; parameter must be one of"),
        (f"/embed/{SLUGS[0]}/takeaway", "open=%3Chw-probe%3E", 400, "The &#39;open&#39; parameter names no part"),
        (f"/embed/{SLUGS[0]}/takeaway", "partner=%3Chw-probe%3E", 400, "names no declared partner"),
        (f"/fragment/{SLUGS[0]}/sections/<hw-probe>", "", 404, "no such part"),
        ("/<hw-probe>", "", 404, "There is nothing at this address."),
        ("/oembed", "format=%3Chw-probe%3E&url=x", 501, "The &#39;format&#39; parameter must be"),
        ("/oembed", "url=%3Chw-probe%3E", 404, "names nothing that can be embedded"),
    ],
)
def test_error_names_what_was_wrong(open_app, path, query, status, escaped):
    reply = call(open_app, path, query=query)

    assert reply.status == status
    assert escaped in reply.text
    assert "<hw-probe" not in reply.text


def test_error_clips_long_input(open_app):
    reply = call(open_app, "/embed/" + "a" * 900 + "/takeaway")  # long, but under the 414 limit

    assert reply.status == 400
    assert len(reply.body) < MAX_ERROR_BYTES
    assert "a" * 81 not in reply.text


# -- limits ---------------------------------------------------------------------------------------


def test_query_that_is_not_utf8_is_a_bad_request(open_app):
    # Raw bytes a client sent without percent-encoding; Werkzeug decodes request.args strictly.
    app = open_app
    routes = (f"/embed/{SLUGS[0]}/takeaway", f"/fragment/{SLUGS[0]}/takeaway", "/oembed")

    query = wsgi_str(b"partner=\xff\xfe&url=\xff")

    statuses = {route: call(app, route, query=query).status for route in routes}

    assert statuses == dict.fromkeys(routes, 400)


def test_very_long_path_is_refused(open_app):
    # gunicorn refuses request lines over limit_request_line (4094) in production; the app itself
    # should not process a 10,000-character path either (any other server, or a proxy that allows it).
    app = open_app
    paths = [f"/{prefix}/" + "a" * 10_000 for prefix in ("embed", "fragment", "articles", "static", "x")]
    paths.append(f"/embed/{SLUGS[0]}/takeaway/" + "b" * 10_000)

    statuses = {path[:20]: call(app, path).status for path in paths}

    assert all(status in (400, 414) for status in statuses.values()), statuses


def test_very_long_query_is_refused(open_app):
    app = open_app
    queries = {
        "many parameters": "&".join(f"p{i}=v" for i in range(20_000)),
        "one long value": "x=" + "a" * 100_000,
        "long unknown value on a hit": "utm=" + "a" * 100_000,
    }
    routes = ("/", f"/embed/{SLUGS[0]}/takeaway", f"/fragment/{SLUGS[0]}/takeaway", "/oembed")

    statuses = {
        (label, route): call(app, route, query=query).status for label, query in queries.items() for route in routes
    }

    assert all(status in (400, 414) for status in statuses.values()), statuses


@pytest.mark.parametrize("name", ["url", "theme", "open", "partner", "format", "maxwidth"])
def test_long_parameter_values_are_refused_and_clipped(open_app, name):
    route = "/oembed" if name in ("url", "format", "maxwidth") else f"/embed/{SLUGS[0]}/sections"
    query = urlencode({name: "<" * 5000} | ({"url": f"{PUBLIC_URL}/articles/{SLUGS[0]}"} if name != "url" else {}))

    reply = call(open_app, route, query=query)

    assert reply.status in (400, 404, 414, 501)
    assert len(reply.body) < MAX_ERROR_BYTES
    assert "&lt;" * 81 not in reply.text


def test_oversized_header_is_refused(open_app):
    # gunicorn answers 431 past limit_request_field_size (8190) in production; in the app, a
    # 100 KB header we read is processed as if it were normal.
    app = open_app
    big = "a" * 100_000
    headers = ("Accept-Encoding", "If-None-Match", "If-Modified-Since", "Origin", "HX-Request", "HX-Current-URL")

    statuses = {name: call(app, f"/embed/{SLUGS[0]}/takeaway", headers={name: big}).status for name in headers}

    assert statuses == dict.fromkeys(headers, 431)


def test_production_server_limits_request_line_and_headers():
    config = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))

    assert 0 < config["limit_request_line"] <= 8190
    assert 0 < config["limit_request_field_size"] <= 8190
    assert 0 < config["limit_request_fields"] <= 100


# -- no open redirect -----------------------------------------------------------------------------


def test_no_redirect_leaves_the_site(open_app):
    # Werkzeug merges duplicate slashes with a 308 whose Location it builds from the Host header;
    # a shared cache that stores that 308 would send every later reader to the attacker's host.
    paths = (f"/embed//{SLUGS[0]}//takeaway", f"/articles//{SLUGS[0]}", "//evil.example//x", "/\\evil.example//", "")
    hosts = (PUBLIC_HOST, "evil.example", "evil.example:443")
    off_site = []

    for path in paths:
        for host in hosts:
            reply = call(open_app, path, host=host)
            location = reply.header("Location") or ""
            if reply.status >= 500 or urlsplit(location).netloc not in ("", PUBLIC_HOST):
                off_site.append(f"{path!r} with Host {host}: {reply.status} to {location!r}")

    assert off_site == []


def test_oembed_never_redirects(open_app):
    app = open_app
    urls = ("https://evil.example/", "//evil.example", f"{PUBLIC_URL}@evil.example/articles/{SLUGS[0]}", "javascript:x")

    statuses = [call(app, "/oembed", query=urlencode({"url": url})).status for url in urls]

    assert statuses == [404] * len(urls)


# -- methods --------------------------------------------------------------------------------------

WIDGET_ROUTES = (
    "/",
    f"/articles/{SLUGS[0]}",
    f"/embed/{SLUGS[0]}/takeaway",
    f"/fragment/{SLUGS[0]}/takeaway",
    f"/fragment/{SLUGS[0]}/sections/overview",
    "/oembed",
    "/healthz",
    "/readyz",
)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"])
def test_other_methods_get_405_with_allow(open_app, method):
    app = open_app
    wrong = []

    for route in WIDGET_ROUTES:
        reply = call(app, route, method=method)
        allow = {item.strip() for item in (reply.header("Allow") or "").split(",")}
        if reply.status != 405 or not {"GET", "HEAD"} <= allow:
            wrong.append(f"{route}: {reply.status}, Allow {reply.header('Allow')!r}")
        else:
            assert_error_message(reply, method)

    assert wrong == []


def test_static_files_answer_405_with_allow(open_app):
    reply = call(open_app, "/static/widget.css", method="POST")

    assert reply.status == 405
    assert {item.strip() for item in (reply.header("Allow") or "").split(",")} == {"GET", "HEAD"}


@pytest.mark.parametrize("policy", list(POLICIES))
def test_head_answers_like_get_without_a_body(apps, policy):
    app = apps[policy]
    routes = (*WIDGET_ROUTES, "/static/widget.css", "/no-such-page", "/embed/Bad/takeaway", "/oembed?url=x")
    mismatched = []

    for route in routes:
        path, _, query = route.partition("?")
        got, head = call(app, path, query=query), call(app, path, method="HEAD", query=query)
        if head.status != got.status or head.body != b"" or head.header("Content-Type") != got.header("Content-Type"):
            mismatched.append(f"{route}: GET {got.status}, HEAD {head.status} with {len(head.body)} bytes")

    assert mismatched == []


def test_unknown_fragment_paths_are_not_found(open_app):
    # Only OPTIONS is routed for /fragment/<anything> (the preflight), so a GET there answers
    # "405: 'GET' is not allowed here; widgets answer GET and HEAD", which contradicts itself.
    paths = (
        "/fragment/x",
        f"/fragment/{SLUGS[0]}",
        f"/fragment/{SLUGS[0]}/sections/overview/extra",
        "/fragment/a/b/c/d",
    )

    statuses = {path: call(open_app, path).status for path in paths}

    assert statuses == dict.fromkeys(paths, 404)


# -- CORS preflight -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"/fragment/{SLUGS[0]}/takeaway", f"/fragment/{SLUGS[0]}/sections/overview"])
def test_preflight_admits_htmx_headers(apps, path):
    headers = {
        "Origin": DEMO_ORIGINS[0],
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "hx-request, hx-current-url, hx-target",
    }

    replies = {policy: call(apps[policy], path, method="OPTIONS", headers=headers) for policy in POLICIES}

    assert {policy: reply.status for policy, reply in replies.items()} == {"open": 204, "partners": 204}
    assert replies["open"].header("Access-Control-Allow-Origin") == "*"
    assert replies["partners"].header("Access-Control-Allow-Origin") == DEMO_ORIGINS[0]
    for reply in replies.values():
        allowed = {item.strip().lower() for item in (reply.header("Access-Control-Allow-Headers") or "").split(",")}
        assert {"hx-request", "hx-current-url", "hx-target"} <= allowed
        assert set((reply.header("Access-Control-Allow-Methods") or "").replace(" ", "").split(",")) == {"GET", "HEAD"}
        assert reply.header("Access-Control-Allow-Credentials") is None
        assert reply.body == b""


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "<hw-probe>", "http://localhost:8001.evil.example"])
def test_preflight_from_an_unknown_origin_grants_nothing(partners_app, origin):
    reply = call(partners_app, f"/fragment/{SLUGS[0]}/takeaway", method="OPTIONS", headers={"Origin": origin})

    assert reply.status == 204
    assert reply.header("Access-Control-Allow-Origin") is None
    assert reply.header("Access-Control-Allow-Headers") is None


# -- hits are never reflections -------------------------------------------------------------------


@FUZZ
@given(policy=apps, extra=queries)
def test_table_hits_ignore_unknown_parameters(apps, policy, extra):
    # A pre-rendered body is the same bytes whatever else the query holds: nothing to reflect.
    app = apps[policy]
    key = Embed(SLUGS[0], "sections")
    path, query = url_of(key)
    assume(not {name for name, _ in parse_qsl(extra, errors="replace")} & {"theme", "open", "partner"})

    reply = call(app, path, query=f"{query}&{extra}" if extra else query)

    if reply.status == 200:
        assert reply.body == bodies(app)[key].data
