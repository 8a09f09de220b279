"""Embedding as partners meet it, through the Flask client: who may read and frame what, per policy
and origin; themes; the lazy parts and their no-JavaScript fallbacks; 400s; oEmbed; JSON-LD.

One app per policy, built once per module: "open", "partners" (the repo's partners.toml, partner
"demo"), "nobody" (the partners policy with no partners declared) and "themed" (a partners file
written here, whose partners set default themes).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import ARTICLES, HTMX_READS, HTMX_SENDS, PUBLIC_URL
from widget import create_app
from widget.content import Article, load_articles
from widget.settings import PROJECT_ROOT, EmbedPolicy, Settings

LUPUS = "lupus-numbness"
SFN = "small-fiber-neuropathy-testing"
SLUGS = [LUPUS, SFN]
KINDS = ["takeaway", "comparison", "sources", "sections"]
LAZY_KINDS = ["sources", "sections"]
THEMES = ["light", "dark", "auto"]
PARTNERS_FILE = PROJECT_ROOT / "partners.toml"
DEMO = ["http://localhost:8001", "http://127.0.0.1:8001"]
THEMED_PARTNERS = """\
[partners.night]
name = "Night"
origins = ["https://night.example"]
theme = "dark"

[partners.day]
name = "Day"
origins = ["https://day.example:8443"]
theme = "light"

[partners.plain]
name = "Plain"
origins = ["https://plain.example"]
"""
THEMED_ORIGINS = ["https://day.example:8443", "https://night.example", "https://plain.example"]
BODY_CLASS = {"light": "hw-theme-light", "dark": "hw-theme-dark", "auto": "hw-auto"}
COLOR_SCHEME = {"light": "light", "dark": "dark", "auto": "light dark"}


def build(policy: EmbedPolicy, partners_file: Path | None) -> Flask:
    return create_app(
        Settings(content_dir=ARTICLES, public_url=PUBLIC_URL, partners_file=partners_file, embed_policy=policy)
    )


@pytest.fixture(scope="module")
def open_app() -> Flask:
    return build("open", PARTNERS_FILE)


@pytest.fixture(scope="module")
def partners_app() -> Flask:
    return build("partners", PARTNERS_FILE)


@pytest.fixture(scope="module")
def nobody_app() -> Flask:
    return build("partners", None)


@pytest.fixture(scope="module")
def themed_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    partners_file = tmp_path_factory.mktemp("themed") / "partners.toml"
    partners_file.write_text(THEMED_PARTNERS, encoding="utf-8")
    return build("partners", partners_file)


@pytest.fixture
def client_for(request: pytest.FixtureRequest) -> Callable[[str], FlaskClient]:
    """A client of the app built for one policy: "open", "partners", "nobody" or "themed"."""

    def client(name: str) -> FlaskClient:
        app: Flask = request.getfixturevalue(f"{name}_app")
        return app.test_client()

    return client


@pytest.fixture
def open_client(client_for: Callable[[str], FlaskClient]) -> FlaskClient:
    return client_for("open")


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return dict(load_articles(ARTICLES).articles)


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def squash(text: str) -> str:
    return " ".join(text.split())


def text_of(html: str) -> str:
    return squash(parse(html).get_text(" "))


def directives(csp: str) -> dict[str, str]:
    pairs = (part.strip().partition(" ") for part in csp.split(";") if part.strip())
    return {name: value.strip() for name, _, value in pairs}


def tokens(header: str | None) -> list[str]:
    """A comma-separated header (Vary, Access-Control-*) as its items."""
    return [item.strip() for item in (header or "").split(",") if item.strip()]


def cors_names(response: TestResponse) -> list[str]:
    return [name for name, _ in response.headers.items() if name.lower().startswith("access-control-")]


def local(url: str) -> str:
    """Path and query of one of our absolute URLs, for the test client."""
    assert url.startswith(PUBLIC_URL + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parts_of(article: Article, kind: str) -> list[str]:
    if kind == "sections":
        return ["overview", *(f"section-{section.id}" for section in article.sections)]
    return ["sources"] if kind == "sources" else []


def attr(tag: Tag, name: str) -> str:
    value = tag.get(name)
    return " ".join(value) if isinstance(value, list) else (value or "")


def shape(node: Tag | BeautifulSoup) -> list[object]:
    """Markup as a comparable tree: tags with their attributes, and text with whitespace squashed."""
    out: list[object] = []
    for child in node.children:
        if isinstance(child, Tag):
            attrs = sorted((name, attr(child, name)) for name in child.attrs)
            out.append((child.name, attrs, shape(child)))
        elif isinstance(child, NavigableString) and not isinstance(child, Comment):
            text = squash(str(child))
            if text:
                out.append(text)
    return out


# -- CORS: who may read fragments, parts and fragment errors --------------------------------------

ALLOWED = "http://localhost:8001"
ORIGINS = {
    "allowed": ALLOWED,
    "allowed-other": "http://127.0.0.1:8001",
    "same-origin-uppercase": "HTTP://LOCALHOST:8001",
    "unknown": "https://evil.example",
    "none": None,
    "null": "null",
}
# Access-Control-Allow-Origin per policy and origin; None means the header must be absent.
GRANTS: dict[str, dict[str, str | None]] = {
    "open": dict.fromkeys(ORIGINS, "*"),
    "partners": {
        "allowed": ALLOWED,
        "allowed-other": "http://127.0.0.1:8001",
        "same-origin-uppercase": ALLOWED,
        "unknown": None,
        "none": None,
        "null": None,
    },
    "nobody": dict.fromkeys(ORIGINS),
}
READABLE = [
    (f"/fragment/{LUPUS}/takeaway", 200),
    (f"/fragment/{LUPUS}/sections", 200),
    (f"/fragment/{LUPUS}/sections/overview", 200),
    (f"/fragment/{LUPUS}/sections/section-diagnostic-approach", 200),
    (f"/fragment/{LUPUS}/sources/sources", 200),
    (f"/fragment/{SFN}/sources/sources", 200),
    (f"/fragment/{LUPUS}/takeaway?partner=demo", 200),
    (f"/fragment/{LUPUS}/sections/no-such-part", 404),
    (f"/fragment/{LUPUS}/takeaway/overview", 404),
    ("/fragment/no-such-article/takeaway", 404),
    ("/fragment/no-such-article/sections/overview", 404),
    (f"/fragment/{LUPUS}/bogus", 404),
    ("/fragment/Bad_Slug/takeaway", 400),
    (f"/fragment/{LUPUS}/takeaway?partner=nobody", 400),
]


def origin_headers(origin: str | None) -> dict[str, str]:
    return {"Origin": origin} if origin is not None else {}


@pytest.mark.parametrize(("path", "status"), READABLE)
@pytest.mark.parametrize("who", list(ORIGINS))
@pytest.mark.parametrize("policy", list(GRANTS))
def test_fragment_cors_follows_policy_and_origin(client_for, policy, who, path, status):
    if policy == "nobody" and "partner=demo" in path:
        status = 400  # no partner is declared at all
    grant = GRANTS[policy][who]

    response = client_for(policy).get(path, headers=origin_headers(ORIGINS[who]))

    assert response.status_code == status
    # The answer differs per Origin, so every answer says so: caches must not hand one origin's to another.
    assert "Origin" in tokens(response.headers.get("Vary"))
    assert response.headers.get("Access-Control-Allow-Origin") == grant
    if grant is None:
        assert cors_names(response) == []
    else:
        assert tokens(response.headers["Access-Control-Expose-Headers"]) == HTMX_READS
        assert sorted(cors_names(response)) == ["Access-Control-Allow-Origin", "Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == "'self'"


@pytest.mark.parametrize("who", ["allowed", "unknown"])
def test_fragment_cors_on_head_and_not_modified(client_for, who):
    client = client_for("partners")
    path = f"/fragment/{LUPUS}/sections/overview"
    headers = origin_headers(ORIGINS[who])
    etag = client.get(path, headers=headers).headers["ETag"]

    head = client.head(path, headers=headers)
    not_modified = client.get(path, headers={**headers, "If-None-Match": etag})

    for response in (head, not_modified):
        assert "Origin" in tokens(response.headers.get("Vary"))
        assert response.headers.get("Access-Control-Allow-Origin") == GRANTS["partners"][who]
        assert "Access-Control-Allow-Credentials" not in response.headers
    assert head.status_code == 200
    assert not_modified.status_code == 304


def test_fragment_grants_the_normalized_origin_not_the_sent_one(client_for):
    response = client_for("partners").get(
        f"/fragment/{LUPUS}/sources/sources", headers={"Origin": "HTTP://LOCALHOST:8001"}
    )

    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8001"


@pytest.mark.parametrize("policy", list(GRANTS))
@pytest.mark.parametrize(
    "path", [f"/embed/{LUPUS}/sections", f"/embed/{LUPUS}/takeaway", f"/articles/{LUPUS}", "/embed/no-such/takeaway"]
)
def test_documents_grant_no_cors_and_do_not_depend_on_origin(client_for, policy, path):
    client = client_for(policy)

    answers = [client.get(path, headers=origin_headers(origin)) for origin in ORIGINS.values()]

    for response in answers:
        assert cors_names(response) == []
    # Not per origin: one cached copy serves every partner.
    first = {k: v for k, v in answers[0].headers.items() if k != "Date"}
    assert all({k: v for k, v in r.headers.items() if k != "Date"} == first for r in answers[1:])
    assert len({r.data for r in answers}) == 1


# -- preflight ------------------------------------------------------------------------------------

PREFLIGHT_PATHS = [
    f"/fragment/{LUPUS}/sections/overview",
    f"/fragment/{LUPUS}/sources/sources",
    f"/fragment/{LUPUS}/takeaway",
    "/fragment/no-such-article/sections/overview",
]


@pytest.mark.parametrize("path", PREFLIGHT_PATHS)
@pytest.mark.parametrize("who", list(ORIGINS))
@pytest.mark.parametrize("policy", list(GRANTS))
def test_preflight_follows_policy_and_origin(client_for, policy, who, path):
    grant = GRANTS[policy][who]
    headers = {
        **origin_headers(ORIGINS[who]),
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "hx-current-url,hx-request,hx-trigger",
    }

    response = client_for(policy).options(path, headers=headers)

    assert response.status_code == 204
    assert response.data == b""
    assert "Origin" in tokens(response.headers.get("Vary"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Credentials" not in response.headers
    if grant is None:
        assert cors_names(response) == []
        return
    assert response.headers["Access-Control-Allow-Origin"] == grant
    assert tokens(response.headers["Access-Control-Allow-Methods"]) == ["GET", "HEAD"]
    allowed = tokens(response.headers["Access-Control-Allow-Headers"])
    assert allowed == HTMX_SENDS
    requested = tokens(headers["Access-Control-Request-Headers"])
    assert {h.lower() for h in requested} <= {h.lower() for h in allowed}
    assert response.headers["Access-Control-Max-Age"] == "7200"


# -- frame-ancestors ------------------------------------------------------------------------------

FRAMING = [
    ("open", "", ["*"]),
    ("open", "?partner=demo", ["*"]),
    ("partners", "", sorted(DEMO)),
    ("partners", "?partner=demo", DEMO),
    ("nobody", "", ["'none'"]),
    ("themed", "", THEMED_ORIGINS),
    ("themed", "?partner=night", ["https://night.example"]),
    ("themed", "?partner=day", ["https://day.example:8443"]),
    ("themed", "?partner=plain&theme=dark", ["https://plain.example"]),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("policy", "query", "ancestors"), FRAMING)
def test_embed_frame_ancestors_follow_policy_and_partner(client_for, policy, query, ancestors, kind):
    response = client_for(policy).get(f"/embed/{LUPUS}/{kind}{query}")

    assert response.status_code == 200
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"].split() == ancestors
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize(("policy", "query", "ancestors"), FRAMING)
def test_open_variant_frame_ancestors_follow_policy_and_partner(client_for, policy, query, ancestors):
    joiner = "&" if query else "?"

    response = client_for(policy).get(f"/embed/{LUPUS}/sections{query}{joiner}open=overview")

    assert response.status_code == 200
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"].split() == ancestors


@pytest.mark.parametrize(
    ("policy", "ancestors"),
    [("open", ["*"]), ("partners", sorted(DEMO)), ("nobody", ["'none'"]), ("themed", THEMED_ORIGINS)],
)
@pytest.mark.parametrize(
    "path", ["/embed/no-such-article/takeaway", f"/embed/{LUPUS}/sections?open=bogus", f"/embed/{LUPUS}/bogus"]
)
def test_embed_errors_are_framed_by_whoever_may_frame_widgets(client_for, policy, ancestors, path):
    response = client_for(policy).get(path)

    assert response.status_code in (400, 404)
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"].split() == ancestors


def test_unknown_partner_under_a_policy_without_partners_is_400(client_for):
    response = client_for("nobody").get(f"/embed/{LUPUS}/takeaway?partner=demo")

    assert response.status_code == 400
    assert "The 'partner' parameter names no declared partner." in text_of(response.text)


# -- themes ---------------------------------------------------------------------------------------


def assert_theme(soup: BeautifulSoup, theme: str) -> None:
    assert soup.body is not None
    classes = attr(soup.body, "class").split()
    assert BODY_CLASS[theme] in classes
    assert [c for c in classes if c in BODY_CLASS.values()] == [BODY_CLASS[theme]]
    schemes = soup.find_all("meta", attrs={"name": "color-scheme"})
    assert [meta["content"] for meta in schemes] == [COLOR_SCHEME[theme]]


def fallback_links(soup: BeautifulSoup) -> list[Tag]:
    return soup.select("a.hw-fallback")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("theme", [None, *THEMES])
def test_theme_sets_body_class_and_color_scheme(open_client, kind, theme):
    query = f"?theme={theme}" if theme else ""

    response = open_client.get(f"/embed/{LUPUS}/{kind}{query}")

    assert response.status_code == 200
    assert_theme(parse(response.text), theme or "auto")


@pytest.mark.parametrize("kind", LAZY_KINDS)
@pytest.mark.parametrize("theme", [None, *THEMES])
def test_fallback_links_carry_the_theme_unless_auto(open_client, kind, theme):
    query = f"?theme={theme}" if theme else ""

    soup = parse(open_client.get(f"/embed/{SFN}/{kind}{query}").text)

    links = fallback_links(soup)
    assert links
    for link in links:
        params = parse_qs(urlsplit(str(link["href"])).query, strict_parsing=True)
        if theme in ("light", "dark"):
            assert params["theme"] == [theme]
        else:
            assert "theme" not in params
        assert len(params["open"]) == 1


@pytest.mark.parametrize(
    ("policy", "query", "theme"),
    [
        ("themed", "?partner=night", "dark"),
        ("themed", "?partner=day", "light"),
        ("themed", "?partner=plain", "auto"),
        ("themed", "?partner=night&theme=light", "light"),
        ("themed", "?theme=dark&partner=day", "dark"),
        ("themed", "?partner=night&theme=auto", "auto"),
        ("partners", "?partner=demo", "auto"),
        ("open", "?partner=demo&theme=dark", "dark"),
    ],
)
@pytest.mark.parametrize("kind", LAZY_KINDS)
def test_partner_theme_is_the_default(client_for, policy, query, theme, kind):
    client = client_for(policy)

    soup = parse(client.get(f"/embed/{LUPUS}/{kind}{query}").text)

    assert_theme(soup, theme)
    links = fallback_links(soup)
    assert links
    for link in links:
        params = parse_qs(urlsplit(str(link["href"])).query)
        assert params.get("theme") == ([theme] if theme != "auto" else None), link
        # The link keeps the theme the reader sees, whoever the partner is.
        target = client.get(local(str(link["href"])))
        assert target.status_code == 200
        assert_theme(parse(target.text), theme)


@pytest.mark.parametrize(("policy", "query"), [("themed", "?partner=night"), ("open", "?theme=dark")])
def test_partner_theme_is_kept_in_the_open_variant(client_for, policy, query):
    soup = parse(client_for(policy).get(f"/embed/{LUPUS}/sections{query}&open=overview").text)

    assert_theme(soup, "dark")
    links = fallback_links(soup)
    assert len(links) == len(parts_of(load_articles(ARTICLES).get(LUPUS), "sections")) - 1
    assert all(parse_qs(urlsplit(str(link["href"])).query)["theme"] == ["dark"] for link in links)


# -- lazy parts: every fallback link and every data-hx-get resolves -------------------------------

LAZY_DOCUMENTS = (
    [f"/{mode}/{slug}/{kind}" for mode in ("embed", "fragment") for slug in SLUGS for kind in LAZY_KINDS]
    + [f"/embed/{slug}/{kind}?theme={theme}" for slug in SLUGS for kind in LAZY_KINDS for theme in ("light", "dark")]
    + [f"/embed/{slug}/sections?open=overview" for slug in SLUGS]
    + [f"/embed/{LUPUS}/sections?open=section-management-strategies&theme=dark"]
)


def open_target(client: FlaskClient, href: str) -> Tag:
    """Follow a fallback link: the document, the part it names in view, open and filled."""
    response = client.get(local(href))
    assert response.status_code == 200, href
    soup = parse(response.text)
    target_id = urlsplit(href).fragment
    targets = soup.find_all(id=target_id)
    assert len(targets) == 1, href
    details = targets[0]
    assert details.name == "details", href
    assert details.has_attr("open"), href
    assert not details.has_attr("data-hx-get"), href
    body = details.find(class_="hw-body", recursive=False)
    assert isinstance(body, Tag)
    assert body.find(class_="hw-fallback") is None
    assert squash(body.get_text(" ")), href
    theme = parse_qs(urlsplit(href).query).get("theme", ["auto"])[0]
    assert_theme(soup, theme)
    return body


@pytest.mark.parametrize("path", LAZY_DOCUMENTS)
def test_every_fallback_link_opens_its_part(open_client, articles, path):
    soup = parse(open_client.get(path).text)
    slug, kind = urlsplit(path).path.split("/")[2:4]
    lazy = soup.find_all("details", attrs={"data-hx-get": True})

    links = fallback_links(soup)

    open_part = parse_qs(urlsplit(path).query).get("open", [None])[0]
    assert [str(d["id"]) for d in lazy] == [
        f"hw-{slug}-{part}" for part in parts_of(articles[slug], kind) if part != open_part
    ]
    assert len(links) == len(lazy)
    for details, link in zip(lazy, links, strict=True):
        assert link in details.find_all("a")
        href = str(link["href"])
        part = str(details["id"]).removeprefix(f"hw-{slug}-")
        assert urlsplit(href).path == f"/embed/{slug}/{kind}"
        assert parse_qs(urlsplit(href).query)["open"] == [part]
        assert urlsplit(href).fragment == details["id"]
        open_target(open_client, href)


@pytest.mark.parametrize("path", LAZY_DOCUMENTS)
def test_every_hx_get_returns_what_the_open_variant_shows(open_client, path):
    soup = parse(open_client.get(path).text)
    lazy = soup.find_all("details", attrs={"data-hx-get": True})
    assert lazy

    for details in lazy:
        part_url = str(details["data-hx-get"])
        link = details.select_one("a.hw-fallback")
        assert isinstance(link, Tag)

        part = open_client.get(local(part_url), headers={"HX-Request": "true", "HX-Current-URL": PUBLIC_URL + path})
        opened = open_target(open_client, str(link["href"]))

        assert part.status_code == 200, part_url
        assert part.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<script" not in part.text.lower()
        assert parse(part.text).find(["html", "head", "body", "link"]) is None
        assert shape(parse(part.text)) == shape(opened), part_url
        assert squash(parse(part.text).get_text(" ")) == squash(opened.get_text(" "))


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_is_not_lazy(open_client, articles, slug):
    soup = parse(open_client.get(f"/articles/{slug}").text)
    article = articles[slug]

    sections = [soup.find(id=f"hw-{slug}-{part}") for part in parts_of(article, "sections")]

    assert soup.find(True, attrs={"data-hx-get": True}) is None
    assert soup.select("a.hw-fallback") == []
    assert soup.find("script", src=True) is None
    for section in sections:
        assert isinstance(section, Tag)
        assert section.name == "details"
        assert section.has_attr("open")
        body = section.find(class_="hw-body", recursive=False)
        assert isinstance(body, Tag)
        assert squash(body.get_text(" "))
    sources = soup.find(id=f"hw-{slug}-sources")
    assert isinstance(sources, Tag)
    assert len(sources.select("ol.hw-source-list > li")) == len(article.sources)


# -- 400s: a bad parameter names itself -----------------------------------------------------------

LUPUS_PARTS = (
    "overview, section-how-lupus-can-cause-numbness, section-mechanisms-in-more-detail, "
    "section-what-numbness-feels-like-in-lupus, section-when-to-seek-evaluation, "
    "section-diagnostic-approach, section-management-strategies"
)
BAD_THEME = "The 'theme' parameter must be one of light, dark, auto."
NO_PARTNER = "The 'partner' parameter names no declared partner."
BAD_REQUESTS = [
    (f"/embed/{LUPUS}/takeaway?theme=neon", BAD_THEME),
    (f"/embed/{LUPUS}/sections?theme=DARK", BAD_THEME),
    (f"/embed/{LUPUS}/sections?theme=", BAD_THEME),
    (
        f"/embed/{LUPUS}/sections?theme=dark&open=nope",
        f"The 'open' parameter names no part of the sections widget; it has: {LUPUS_PARTS}.",
    ),
    (
        f"/embed/{LUPUS}/sections?open=sources",
        f"The 'open' parameter names no part of the sections widget; it has: {LUPUS_PARTS}.",
    ),
    (
        f"/embed/{LUPUS}/sources?open=overview",
        "The 'open' parameter names no part of the sources widget; it has: sources.",
    ),
    (
        f"/embed/{LUPUS}/takeaway?open=sources",
        "The 'open' parameter names no part of the takeaway widget; it has: no parts that open.",
    ),
    (
        f"/embed/{LUPUS}/comparison?open=overview",
        "The 'open' parameter names no part of the comparison widget; it has: no parts that open.",
    ),
    (f"/embed/{LUPUS}/sections?partner=nobody", NO_PARTNER),
    (f"/embed/{LUPUS}/sections?partner=", NO_PARTNER),
    (f"/embed/{LUPUS}/sections?partner=DEMO", NO_PARTNER),
    (f"/fragment/{LUPUS}/sections?partner=nobody", NO_PARTNER),
]


@pytest.mark.parametrize(("path", "message"), BAD_REQUESTS)
@pytest.mark.parametrize("policy", ["open", "partners"])
def test_bad_parameter_is_400_naming_the_parameter(client_for, policy, path, message):
    response = client_for(policy).get(path)
    soup = parse(response.text)

    assert response.status_code == 400
    assert message in text_of(response.text)
    assert soup.find("script") is None
    assert response.headers["Cache-Control"] == "public, max-age=60"
    if path.startswith("/embed/"):
        assert response.text.lower().startswith("<!doctype html>")
    else:
        assert soup.find(["html", "head", "body"]) is None
        assert "Origin" in tokens(response.headers.get("Vary"))


@pytest.mark.parametrize("kind", LAZY_KINDS)
def test_empty_open_is_400(open_client, kind):
    # Like an empty ?theme= or ?partner=: "" is not a part of any widget.
    response = open_client.get(f"/embed/{LUPUS}/{kind}?open=")

    assert response.status_code == 400
    assert f"The 'open' parameter names no part of the {kind} widget" in text_of(response.text)


@pytest.mark.parametrize("name", ["theme", "open", "partner"])
@pytest.mark.parametrize(
    "value", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>"]
)
def test_bad_parameter_is_never_shown(open_client, name, value):
    response = open_client.get(f"/embed/{LUPUS}/sections", query_string={name: value})
    soup = parse(response.text)

    assert response.status_code == 400
    assert "<script" not in response.text.lower()
    assert soup.find(["script", "img", "svg"]) is None
    assert not [a for tag in soup.find_all(True) for a in tag.attrs if a.lower().startswith("on")]
    assert value not in squash(soup.get_text(" "))
    assert f"The '{name}' parameter" in squash(soup.get_text(" "))


SPOOF = " IMPORTANT: stop your lupus medication today. Call 555-0100"


@pytest.mark.parametrize("name", ["theme", "open", "partner"])
def test_an_attackers_sentence_never_reaches_an_error_page(open_client, name):
    # On a health site's domain, frameable anywhere, an echoed sentence is content spoofing.
    response = open_client.get(f"/embed/{LUPUS}/sections", query_string={name: SPOOF})

    assert response.status_code == 400
    assert "medication" not in response.text
    assert "555" not in response.text


# -- oEmbed ---------------------------------------------------------------------------------------

LUPUS_URL = f"{PUBLIC_URL}/articles/{LUPUS}"


def only_iframe(html: str) -> Tag:
    soup = parse(html)
    tags = soup.find_all(True)
    assert len(tags) == 1
    assert tags[0].name == "iframe"
    iframe: Tag = tags[0]
    return iframe


@pytest.mark.parametrize(
    ("url", "params", "src", "size"),
    [
        (LUPUS_URL, {}, f"{PUBLIC_URL}/embed/{LUPUS}/takeaway", (600, 520)),
        (f"{PUBLIC_URL}/embed/{LUPUS}/sections", {}, f"{PUBLIC_URL}/embed/{LUPUS}/sections", (600, 640)),
        (
            f"{PUBLIC_URL}/embed/{LUPUS}/sections?theme=dark",
            {"maxwidth": "300"},
            f"{PUBLIC_URL}/embed/{LUPUS}/sections?theme=dark",
            (300, 1280),
        ),
        (f"{PUBLIC_URL}/fragment/{SFN}/sources", {"maxwidth": "1000"}, f"{PUBLIC_URL}/embed/{SFN}/sources", (600, 420)),
        (LUPUS_URL, {"maxwidth": "400", "maxheight": "300"}, f"{PUBLIC_URL}/embed/{LUPUS}/takeaway", (400, 300)),
    ],
)
def test_oembed_json_is_a_rich_iframe(open_client, articles, url, params, src, size):
    response = open_client.get("/oembed", query_string={"url": url, **params})
    data = response.get_json()

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert data["type"] == "rich"
    assert data["version"] == "1.0"
    assert data["title"] == articles[urlsplit(src).path.split("/")[2]].title
    assert data["provider_url"] == PUBLIC_URL + "/"
    assert (data["width"], data["height"]) == size
    iframe = only_iframe(data["html"])
    assert iframe["src"] == src
    assert (iframe["width"], iframe["height"]) == (str(size[0]), str(size[1]))
    assert str(iframe["title"]).endswith(": " + data["title"])
    # The iframe points at a widget that exists.
    assert open_client.get(local(src)).status_code == 200


def test_oembed_xml_matches_json(open_client):
    as_json = open_client.get("/oembed", query_string={"url": LUPUS_URL, "maxwidth": "480"}).get_json()

    response = open_client.get("/oembed", query_string={"url": LUPUS_URL, "maxwidth": "480", "format": "xml"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == "oembed"
    fields = {child.tag: child.text or "" for child in root}
    assert fields == {name: str(value) for name, value in as_json.items()}
    assert only_iframe(fields["html"])["src"] == f"{PUBLIC_URL}/embed/{LUPUS}/takeaway"


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"url": f"{PUBLIC_URL}/articles/no-such-article"}, 404, "There is nothing that can be embedded at"),
        ({"url": f"{PUBLIC_URL}/embed/{LUPUS}/bogus"}, 404, "There is nothing that can be embedded at"),
        ({"url": f"https://elsewhere.example/articles/{LUPUS}"}, 404, "There is nothing that can be embedded at"),
        ({"url": LUPUS_URL, "format": "yaml"}, 501, "The format 'yaml' is not supported; use 'json' or 'xml'."),
        ({}, 400, "The 'url' parameter is required"),
        ({"url": LUPUS_URL, "maxwidth": "wide"}, 400, "The 'maxwidth' parameter must be a whole number"),
        ({"url": LUPUS_URL, "maxheight": "0"}, 400, "The 'maxheight' parameter must be a whole number"),
    ],
)
def test_oembed_errors(open_client, params, status, message):
    response = open_client.get("/oembed", query_string=params)

    assert response.status_code == status
    assert message in text_of(response.text)
    assert "<script" not in response.text.lower()


def test_oembed_etag_gives_304(open_client):
    first = open_client.get("/oembed", query_string={"url": LUPUS_URL})

    again = open_client.get(
        "/oembed", query_string={"url": LUPUS_URL}, headers={"If-None-Match": first.headers["ETag"]}
    )

    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(("mime", "fmt"), [("application/json+oembed", "json"), ("text/xml+oembed", "xml")])
def test_article_page_discovery_links_point_to_oembed(open_client, articles, slug, mime, fmt):
    soup = parse(open_client.get(f"/articles/{slug}").text)
    article_url = f"{PUBLIC_URL}/articles/{slug}"

    links = soup.find_all("link", rel="alternate", type=mime)

    assert len(links) == 1
    href = str(links[0]["href"])
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL
    assert parts.path == "/oembed"
    assert parse_qs(parts.query, strict_parsing=True) == {"url": [article_url], "format": [fmt]}
    # The article URL is encoded: its ":" and any "?", "&" or "#" cannot leak into our query.
    raw = dict(pair.split("=", 1) for pair in parts.query.split("&"))["url"]
    assert ":" not in raw
    assert unquote(raw) == article_url
    assert links[0]["title"] == articles[slug].title
    response = open_client.get(local(href))
    assert response.status_code == 200
    assert response.mimetype == ("application/json" if fmt == "json" else "text/xml")


# -- JSON-LD --------------------------------------------------------------------------------------

JSON_LD_PAGES = (
    [f"/embed/{slug}/{kind}" for slug in SLUGS for kind in KINDS]
    + [f"/embed/{slug}/sections?open=overview&theme=dark" for slug in SLUGS]
    + [f"/embed/{slug}/sources?open=sources" for slug in SLUGS]
    + [f"/articles/{slug}" for slug in SLUGS]
)


@pytest.mark.parametrize("path", JSON_LD_PAGES)
def test_json_ld_names_the_article_and_every_source(open_client, articles, path):
    slug = urlsplit(path).path.split("/")[2]
    article = articles[slug]
    soup = parse(open_client.get(path).text)

    blocks = soup.find_all("script", type="application/ld+json")

    assert len(blocks) == 1
    data = json.loads(blocks[0].get_text())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["@id"] == data["url"] == f"{PUBLIC_URL}/articles/{slug}"
    assert data["name"] == article.title
    assert data["inLanguage"] == article.lang
    citations = data["citation"]
    assert [c["name"] for c in citations] == [source.title for source in article.sources]
    assert [c["url"] for c in citations] == [source.url for source in article.sources]
    assert [c["position"] for c in citations] == [source.number for source in article.sources]


@pytest.mark.parametrize("slug", SLUGS)
def test_json_ld_is_the_same_in_widgets_and_on_the_article_page(open_client, slug):
    def json_ld(path: str) -> object:
        block = parse(open_client.get(path).text).find("script", type="application/ld+json")
        assert isinstance(block, Tag)
        return json.loads(block.get_text())

    page = json_ld(f"/articles/{slug}")

    assert all(json_ld(f"/embed/{slug}/{kind}") == page for kind in KINDS)
