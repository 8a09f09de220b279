"""The routes as a partner and a reader meet them: status, shape, headers and error pages."""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from werkzeug.test import TestResponse

from tests.support import PUBLIC_URL, RESIZE_SRC
from widget.embedding import widget_cache_control

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
