"""The routes as a partner and a reader meet them: status, shape, headers and error pages; then, per
embed policy and origin, who may read and frame what, themes, the lazy parts and their no-JavaScript
fallbacks, 400s and oEmbed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.stack import PARTNERS_FILE
from tests.support import ARTICLES, HTMX_READS, HTMX_SENDS, PUBLIC_URL, RESIZE_SRC
from widget import create_app
from widget.content import Article, load_articles
from widget.embedding import widget_cache_control
from widget.oembed import HEIGHTS
from widget.settings import EmbedPolicy, Settings

TITLES = {
    "lupus-numbness": "Is numbness a symptom of lupus, and how can lupus cause numbness in the hands and feet?",
    "small-fiber-neuropathy-testing": "How is small-fiber neuropathy tested?",
}
SLUGS = list(TITLES)
KINDS = ["takeaway", "comparison", "sources", "sections"]
WIDGETS = [(slug, kind) for slug in SLUGS for kind in KINDS]
LAZY_KINDS = ["sources", "sections"]
# The vendored htmx, under its plain or its content-hashed name.
HTMX_SRC = re.compile(re.escape(f"{PUBLIC_URL}/static/vendor/htmx-2.0.11/htmx.min") + r"(\.[0-9a-f]{12})?\.js")
SECTION_PARTS = {
    "lupus-numbness": [
        "overview",
        "section-how-lupus-can-cause-numbness",
        "section-mechanisms-in-more-detail",
        "section-what-numbness-feels-like-in-lupus",
        "section-when-to-seek-evaluation",
        "section-diagnostic-approach",
        "section-management-strategies",
    ],
    "small-fiber-neuropathy-testing": [
        "overview",
        "section-what-small-fiber-neuropathy-is",
        "section-skin-biopsy-counting-nerve-endings",
        "section-sweat-and-autonomic-tests",
        "section-blood-tests-to-look-for-a-cause",
        "section-when-to-see-a-doctor",
    ],
}


def parts_of(slug: str, kind: str) -> list[str]:
    return SECTION_PARTS[slug] if kind == "sections" else ["sources"] if kind == "sources" else []


# Every /embed document: each widget as it opens first, and with each of its parts open.
EMBED_VARIANTS = [f"/embed/{s}/{k}" for s, k in WIDGETS] + [
    f"/embed/{s}/{k}?open={part}" for s, k in WIDGETS for part in parts_of(s, k)
]
PART_PATHS = [f"/fragment/{s}/{k}/{part}" for s, k in WIDGETS for part in parts_of(s, k)]


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def directives(csp: str) -> dict[str, str]:
    """CSP header as {directive name: its value}."""
    pairs = (part.strip().partition(" ") for part in csp.split(";") if part.strip())
    return {name: value.strip() for name, _, value in pairs}


def text_of(html: str) -> str:
    return " ".join(parse(html).get_text(" ").split())


# -- every widget, both modes ---------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_widget_answers_html(client, mode, slug, kind):
    response = client.get(f"/{mode}/{slug}/{kind}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_embed_is_whole_document(client, slug, kind):
    response = client.get(f"/embed/{slug}/{kind}")
    soup = parse(response.text)

    assert response.text.lower().startswith("<!doctype html>")
    assert soup.html is not None
    assert soup.html.get("lang") == "en"
    assert soup.title is not None
    assert soup.title.get_text(strip=True)
    robots = soup.find("meta", attrs={"name": "robots"})
    assert isinstance(robots, Tag)
    assert robots["content"] == "noindex, indexifembedded"
    stylesheets = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    assert stylesheets
    assert all(str(href).startswith(PUBLIC_URL + "/") for href in stylesheets)


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_fragment_is_bare_and_prefixed(client, slug, kind):
    response = client.get(f"/fragment/{slug}/{kind}")
    soup = parse(response.text)

    assert soup.find(["html", "head", "body"]) is None
    assert "<!doctype" not in response.text.lower()
    classes = {name for tag in soup.find_all(class_=True) for name in tag["class"]}
    # "hw" is the namespace root itself (widget.css documents it as the theming hook).
    assert sorted(c for c in classes if c != "hw" and not c.startswith("hw-")) == []
    ids = [str(tag["id"]) for tag in soup.find_all(id=True)]
    assert [i for i in ids if not i.startswith("hw-")] == []


def assert_no_handler_or_style(soup: BeautifulSoup) -> None:
    handlers = [(tag.name, attr) for tag in soup.find_all(True) for attr in tag.attrs if attr.lower().startswith("on")]
    assert handlers == []
    assert soup.find(style=True) is None
    assert soup.find("style") is None
    hrefs = [str(tag[a]) for tag in soup.find_all(True) for a in ("href", "src", "action") if tag.has_attr(a)]
    assert [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))] == []


@pytest.mark.parametrize("path", [f"/fragment/{s}/{k}" for s, k in WIDGETS] + PART_PATHS)
def test_fragments_and_parts_have_no_script_handler_or_style(client, path):
    response = client.get(path)
    soup = parse(response.text)

    assert response.status_code == 200
    assert "<script" not in response.text.lower()
    assert soup.find("script") is None
    assert_no_handler_or_style(soup)


@pytest.mark.parametrize("path", EMBED_VARIANTS)
def test_embed_documents_load_only_json_ld_and_htmx(client, path):
    response = client.get(path)
    soup = parse(response.text)
    kind = urlsplit(path).path.rsplit("/", 1)[1]
    lazy = soup.find("details", attrs={"data-hx-get": True}) is not None

    scripts = soup.find_all("script")
    data = [script for script in scripts if script.get("type") == "application/ld+json"]
    resize = [script for script in scripts if RESIZE_SRC.fullmatch(str(script.get("src")))]
    code = [script for script in scripts if script not in data and script not in resize]

    assert response.status_code == 200
    assert_no_handler_or_style(soup)
    assert len(data) == 1
    assert not data[0].has_attr("src")
    assert json.loads(data[0].get_text())["@type"] == "MedicalWebPage"
    config = soup.find_all("meta", attrs={"name": "htmx-config"})
    csp = directives(response.headers["Content-Security-Policy"])
    # Every widget document reports its height (static/resize.js), so every one admits our scripts.
    assert len(resize) == 1
    assert set(resize[0].attrs) == {"src", "defer"}
    assert csp["script-src"] == PUBLIC_URL
    if lazy:
        # htmx only where a lazy expander needs it, and only in the two widgets that have them.
        assert kind in LAZY_KINDS
        assert len(code) == 1
        assert HTMX_SRC.fullmatch(str(code[0].get("src"))), code[0]
        assert code[0].has_attr("defer")
        assert not code[0].get_text().strip()
        assert set(code[0].attrs) == {"src", "defer"}
        assert len(config) == 1
        settings = json.loads(str(config[0]["content"]))
        assert settings["selfRequestsOnly"] is True
        assert settings["includeIndicatorStyles"] is False
        assert settings["allowEval"] is False
        assert settings["allowScriptTags"] is False
        assert csp["script-src"] == PUBLIC_URL
        assert csp["connect-src"] == PUBLIC_URL
    else:
        assert code == []
        assert config == []
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_only_sections_and_sources_load_htmx(client, slug, kind):
    soup = parse(client.get(f"/embed/{slug}/{kind}").text)

    sources = [str(script.get("src")) for script in soup.find_all("script", src=True)]
    htmx = [src for src in sources if not RESIZE_SRC.fullmatch(src)]

    assert len(sources) - len(htmx) == 1
    assert len(htmx) == (1 if kind in LAZY_KINDS else 0)
    assert all(HTMX_SRC.fullmatch(src) for src in htmx)


def test_htmx_script_resolves(client):
    soup = parse(client.get("/embed/lupus-numbness/sections").text)
    script = soup.find("script", src=True)
    assert isinstance(script, Tag)

    with client.get(urlsplit(str(script["src"])).path) as response:
        assert response.status_code == 200
        assert "javascript" in response.headers["Content-Type"]
        assert b"htmx" in response.get_data()


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_fragment_links_are_absolute_or_in_fragment(client, slug, kind):
    soup = parse(client.get(f"/fragment/{slug}/{kind}").text)
    ids = {tag["id"] for tag in soup.find_all(id=True)}

    urls = [str(tag[a]) for tag in soup.find_all(True) for a in ("href", "src") if tag.has_attr(a)]

    assert urls
    for url in urls:
        if url.startswith("#"):
            assert url[1:] in ids, f"{url} points at nothing in the fragment"
        else:
            assert urlsplit(url).scheme in ("http", "https"), url
            assert urlsplit(url).netloc, url


def test_fragments_share_a_partner_page_without_id_clashes(client):
    html = "".join(client.get(f"/fragment/{slug}/{kind}").text for slug, kind in WIDGETS)

    ids = Counter(str(tag["id"]) for tag in parse(html).find_all(id=True))

    assert ids
    assert {i: n for i, n in ids.items() if n > 1} == {}


# -- headers, caching -----------------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_widget_headers(client, settings, mode, slug, kind):
    response = client.get(f"/{mode}/{slug}/{kind}")
    csp = response.headers["Content-Security-Policy"]

    assert csp.startswith("default-src 'none'")
    if mode == "embed":
        assert directives(csp)["frame-ancestors"] == "*"
        # The stylesheet lives under PUBLIC_URL; the CSP must let the frame load it.
        assert {"'self'", PUBLIC_URL} & set(directives(csp)["style-src"].split())
    else:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Origin" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("public, max-age=300")
    assert response.headers["Cache-Control"] == widget_cache_control(settings)
    assert response.headers.get("ETag")


@pytest.mark.parametrize("kind", KINDS)
def test_if_none_match_gets_304(client, mode, kind):
    path = f"/{mode}/lupus-numbness/{kind}"
    etag = client.get(path).headers["ETag"]

    response = client.get(path, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


def test_etag_differs_between_modes(client):
    embed = client.get("/embed/lupus-numbness/takeaway").headers["ETag"]

    fragment = client.get("/fragment/lupus-numbness/takeaway").headers["ETag"]

    assert embed != fragment


@pytest.mark.parametrize("kind", KINDS)
def test_head_matches_get(client, mode, kind):
    path = f"/{mode}/lupus-numbness/{kind}"
    get = client.get(path)

    head = client.head(path)

    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def every_path() -> list[str]:
    pages = ["/"] + [f"/articles/{slug}" for slug in SLUGS]
    widgets = [f"/{m}/{s}/{k}" for m in ("embed", "fragment") for s, k in WIDGETS]
    errors = [
        "/no-such-page",
        "/embed/no-such-article/takeaway",
        "/fragment/lupus-numbness/bogus",
        "/fragment/lupus-numbness/sections/bogus",
        "/embed/lupus-numbness/sections?open=bogus",
        "/embed/lupus-numbness/sections?theme=bogus",
        "/embed/lupus-numbness/sections?partner=bogus",
        "/articles/Bad_Slug!",
    ]
    return pages + widgets + EMBED_VARIANTS + PART_PATHS + errors


def test_no_response_shows_a_traceback(client):
    paths = every_path()

    bodies = {path: client.get(path).text for path in paths}

    assert [path for path, body in bodies.items() if "Traceback" in body] == []


def test_no_response_sets_a_cookie(client):
    paths = every_path()

    cookies = {path: client.get(path).headers.getlist("Set-Cookie") for path in paths}
    cookies["POST /"] = client.post("/").headers.getlist("Set-Cookie")
    with client.get("/static/widget.css") as css:
        cookies["/static/widget.css"] = css.headers.getlist("Set-Cookie")

    assert {path: c for path, c in cookies.items() if c} == {}


@pytest.mark.parametrize("path", ["/", "/articles/lupus-numbness"])
def test_page_headers(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("ETag")


# -- errors ---------------------------------------------------------------------------------------


def assert_error_shape(response: TestResponse, mode: str) -> None:
    soup = parse(response.text)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Traceback" not in response.text
    if mode == "fragment":
        assert soup.find(["html", "head", "body"]) is None
    else:
        assert response.text.lower().startswith("<!doctype html>")
        assert soup.html is not None


def test_unknown_slug_is_404(client, mode):
    response = client.get(f"/{mode}/no-such-article/takeaway")

    assert response.status_code == 404
    assert "There is no article at this address." in text_of(response.text)
    assert "no-such-article" not in response.text
    assert_error_shape(response, mode)


def test_unknown_article_page_is_404(client):
    response = client.get("/articles/no-such-article")

    assert response.status_code == 404
    assert "There is no article at this address." in text_of(response.text)


def test_unknown_widget_is_404_listing_widgets(client, mode):
    response = client.get(f"/{mode}/lupus-numbness/bogus")

    assert response.status_code == 404
    assert "There is no widget of that name. The widgets are: takeaway, comparison, sources, sections." in text_of(
        response.text
    )
    assert "bogus" not in response.text
    assert_error_shape(response, mode)


@pytest.mark.parametrize("slug", ["Bad_Slug!", "a" * 101, "double--hyphen", "-lead"])
def test_malformed_slug_is_400_saying_what_a_name_is(client, mode, slug):
    response = client.get(f"/{mode}/{slug}/takeaway")

    assert response.status_code == 400
    assert "That is not a valid article name: use lowercase letters, digits and single hyphens." in text_of(
        response.text
    )
    assert slug not in response.text
    assert_error_shape(response, mode)


@pytest.mark.parametrize("slug", ["Bad_Slug!", "a" * 101])
def test_malformed_article_slug_is_400(client, slug):
    response = client.get(f"/articles/{slug}")

    assert response.status_code == 400
    assert "That is not a valid article name" in text_of(response.text)


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",
        "/embed",
        "/embed/lupus-numbness",
        "/embed/lupus-numbness/takeaway/extra",
        "/fragment/",
        "/fragment/lupus-numbness",
        "/fragment/lupus-numbness/sections/overview/extra",
    ],
)
def test_unknown_path_is_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "There is nothing at this address." in text_of(response.text)
    assert_error_shape(response, "fragment" if path.startswith("/fragment/") else "embed")


@pytest.mark.parametrize(
    ("kind", "part", "parts"),
    [
        ("takeaway", "extra", "none"),
        ("comparison", "overview", "none"),
        ("sources", "section-x", "sources"),
        ("sections", "sources", ", ".join(SECTION_PARTS["lupus-numbness"])),
    ],
)
def test_unknown_part_is_404_listing_parts(client, kind, part, parts):
    response = client.get(f"/fragment/lupus-numbness/{kind}/{part}")

    assert response.status_code == 404
    assert f"The {kind} widget has no such part; its parts are: {parts}." in text_of(response.text)
    assert_error_shape(response, "fragment")
    assert "<script" not in response.text.lower()


def test_part_of_unknown_article_is_404(client):
    response = client.get("/fragment/no-such-article/sections/overview")

    assert response.status_code == 404
    assert "There is no article at this address." in text_of(response.text)
    assert_error_shape(response, "fragment")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_are_405_with_allow(client, mode, method):
    response = client.open(f"/{mode}/lupus-numbness/takeaway", method=method)

    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed
    assert method not in allowed
    assert "This method is not allowed here; widgets answer GET and HEAD." in text_of(response.text)
    assert_error_shape(response, mode)


def test_error_headers(client, mode):
    response = client.get(f"/{mode}/no-such-article/takeaway")
    csp = response.headers["Content-Security-Policy"]

    assert csp.startswith("default-src 'none'")
    assert "script-src" not in directives(csp)
    if mode == "embed":
        # A partner's iframe shows our message, not a browser error.
        assert directives(csp)["frame-ancestors"] == "*"
        assert "Access-Control-Allow-Origin" not in response.headers
    else:
        # A fragment error is read by a partner's page, never framed.
        assert directives(csp)["frame-ancestors"] == "'self'"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Origin" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=60"


HOSTILE_SEGMENTS = [
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%3Cscript%3Ex",
    "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "%27%3E%3Csvg%20onload%3Dalert(1)%3E",
]


@pytest.mark.parametrize("segment", HOSTILE_SEGMENTS)
@pytest.mark.parametrize("place", ["slug", "kind"])
def test_error_never_repeats_hostile_input(client, mode, segment, place):
    path = f"/{mode}/{segment}/takeaway" if place == "slug" else f"/{mode}/lupus-numbness/{segment}"

    response = client.get(path)
    soup = parse(response.text)

    assert response.status_code in (400, 404)
    assert "<script" not in response.text.lower()
    assert soup.find(["script", "img", "svg"]) is None
    assert not [a for tag in soup.find_all(True) for a in tag.attrs if a.startswith("on")]
    assert "alert(" not in response.text
    assert_error_shape(response, mode)


def test_hostile_unknown_path_is_not_repeated(client):
    response = client.get("/%3Cscript%3Ealert(1)%3C/script%3E")

    assert response.status_code == 404
    assert "<script" not in response.text.lower()
    assert "alert(" not in response.text


# -- index and article page -----------------------------------------------------------------------


def test_index_lists_every_article(client):
    response = client.get("/")
    soup = parse(response.text)

    links = {
        urlsplit(str(a["href"])).path: a.get_text(strip=True)
        for a in soup.find_all("a", href=True)
        if urlsplit(str(a["href"])).path.startswith("/articles/")
    }

    assert response.status_code == 200
    assert links == {f"/articles/{slug}": title for slug, title in TITLES.items()}


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_shows_article_and_widgets(client, slug):
    response = client.get(f"/articles/{slug}")
    soup = parse(response.text)

    assert response.status_code == 200
    h1 = soup.find_all("h1")
    assert [h.get_text(strip=True) for h in h1] == [TITLES[slug]]
    canonical = soup.find("link", rel="canonical")
    assert isinstance(canonical, Tag)
    assert canonical["href"] == f"{PUBLIC_URL}/articles/{slug}"
    for kind in KINDS:
        assert len(soup.select(f"section.hw-{kind}")) == 1, kind


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_shows_iframe_embed_codes(client, slug):
    soup = parse(client.get(f"/articles/{slug}").text)

    frames = [frame for code in soup.select("pre code") for frame in parse(code.get_text()).find_all("iframe")]

    assert [frame["src"] for frame in frames] == [f"{PUBLIC_URL}/embed/{slug}/{kind}" for kind in KINDS]
    for frame in frames:
        assert TITLES[slug] in str(frame["title"])
        # The width is fluid, capped for readability: CSS, since width="100%" is not a valid attribute value.
        declarations = (d.partition(":") for d in str(frame["style"]).split(";") if d.strip())
        style = {name.strip(): value.strip() for name, _, value in declarations}
        assert style["width"] == "100%"
        assert style["max-width"] == "760px"
        assert style["border"] == "0"
        # Chromium sizes the frame to the widget with no script (the document opts in with a meta).
        assert style["frame-sizing"] == "content-height"
        assert str(frame["style"]).endswith(
            f";height:{frame['height']}px;height:calc-size(auto,size);frame-sizing:content-height"
        )
        assert str(frame.get("height", "")).isdigit()
        assert frame["loading"] == "lazy"


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_shows_include_codes(client, slug):
    soup = parse(client.get(f"/articles/{slug}").text)

    includes = [
        div
        for code in soup.select("pre code")
        for div in parse(code.get_text()).find_all("div", attrs={"hx-get": True})
    ]

    assert [div["hx-get"] for div in includes] == [f"{PUBLIC_URL}/fragment/{slug}/{kind}" for kind in KINDS]
    for div in includes:
        fallback = div.find("a")
        assert isinstance(fallback, Tag)
        assert fallback["href"] == f"{PUBLIC_URL}/articles/{slug}"
        assert fallback.get_text() == TITLES[slug]


# == as partners meet them: one app per policy ========================================================
# "open" (with the repo's partners.toml, partner "demo"), "partners" (conftest's), "nobody" (the
# partners policy with no partners declared) and "themed" (a partners file written here, whose
# partners set default themes).

LUPUS = "lupus-numbness"
SFN = "small-fiber-neuropathy-testing"
THEMES = ["light", "dark", "auto"]
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
def open_demo_app() -> Flask:
    """The open policy with the repo's partners file, so ?partner=demo names a partner there too."""
    return build("open", PARTNERS_FILE)


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
    fixtures = {"open": "open_demo_app", "partners": "partners_app", "nobody": "nobody_app", "themed": "themed_app"}

    def client(name: str) -> FlaskClient:
        app: Flask = request.getfixturevalue(fixtures[name])
        return app.test_client()

    return client


@pytest.fixture
def open_client(client_for: Callable[[str], FlaskClient]) -> FlaskClient:
    return client_for("open")


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return dict(load_articles(ARTICLES).articles)


def squash(text: str) -> str:
    return " ".join(text.split())


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


def article_parts(article: Article, kind: str) -> list[str]:
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
    assert len(links) == len(article_parts(load_articles(ARTICLES).get(LUPUS), "sections")) - 1
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
        f"hw-{slug}-{part}" for part in article_parts(articles[slug], kind) if part != open_part
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

    sections = [soup.find(id=f"hw-{slug}-{part}") for part in article_parts(article, "sections")]

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
    """The iframe, after the blockquote holding the link to the article (the shape WordPress keeps)."""
    tags = parse(html).find_all(True)
    assert [tag.name for tag in tags] == ["blockquote", "a", "iframe"]
    iframe: Tag = tags[2]
    return iframe


@pytest.mark.parametrize(
    ("url", "params", "src", "size"),
    [
        (LUPUS_URL, {}, f"{PUBLIC_URL}/embed/{LUPUS}/takeaway", (600, HEIGHTS.at("takeaway", 600))),
        (
            f"{PUBLIC_URL}/embed/{LUPUS}/sections",
            {},
            f"{PUBLIC_URL}/embed/{LUPUS}/sections",
            (600, HEIGHTS.at("sections", 600)),
        ),
        (
            f"{PUBLIC_URL}/embed/{LUPUS}/sections?theme=dark",
            {"maxwidth": "300"},
            f"{PUBLIC_URL}/embed/{LUPUS}/sections?theme=dark",
            (300, HEIGHTS.at("sections", 300)),
        ),
        (
            f"{PUBLIC_URL}/fragment/{SFN}/sources",
            {"maxwidth": "1000"},
            f"{PUBLIC_URL}/embed/{SFN}/sources",
            (HEIGHTS.max_width, HEIGHTS.at("sources", HEIGHTS.max_width)),
        ),
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
        ({"url": f"{PUBLIC_URL}/articles/no-such-article"}, 404, "names nothing that can be embedded"),
        ({"url": f"{PUBLIC_URL}/embed/{LUPUS}/bogus"}, 404, "names nothing that can be embedded"),
        ({"url": f"https://elsewhere.example/articles/{LUPUS}"}, 404, "names nothing that can be embedded"),
        ({"url": LUPUS_URL, "format": "yaml"}, 501, "The 'format' parameter must be 'json' or 'xml'"),
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
