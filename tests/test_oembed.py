"""oEmbed provider: which URLs embed, the rich response in JSON and XML, sizes, errors, escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from types import MappingProxyType

import pytest
from bs4 import BeautifulSoup, Tag

from tests.support import ARTICLES, PUBLIC_URL
from widget.content import Catalogue, load_articles
from widget.heights import NARROW_LIMIT, Heights
from widget.oembed import HEIGHTS, OEmbedError, OEmbedResponse, frame_size, oembed
from widget.partners import Partner, Partners
from widget.urls import WIDGETS, Links

LUPUS = "lupus-numbness"
LUPUS_TITLE = "Is numbness a symptom of lupus, and how can lupus cause numbness in the hands and feet?"
SFN = "small-fiber-neuropathy-testing"
LINKS = Links(PUBLIC_URL)
CACHE_AGE = 300
FIELDS = ["type", "version", "title", "provider_name", "provider_url", "cache_age", "html", "width", "height"]
LABELS = {
    "takeaway": "Key takeaway",
    "comparison": "Comparison table",
    "sources": "Sources",
    "sections": "Article sections",
}
HOSTILE = "</title>\"'><script>alert(1)</script> & <![CDATA[x]]> \x01"
SIZES = [1, 2, 50, 99, 150, 299, 300, 320, 333, 480, 599, 600, 601, 800, 1200, 10000]
# Small figures of the tests' own, so the arithmetic is checkable by hand.
MEASURED = Heights((300, 400, 700), MappingProxyType(dict.fromkeys(WIDGETS, (900, 700, 500))))
PARTNERS = Partners(
    MappingProxyType(
        {
            "night": Partner("night", "Night News", ("https://night.example",), "dark"),
            "plain": Partner("plain", "Plain Post", ("https://plain.example",)),
        }
    )
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_articles(ARTICLES)


@pytest.fixture(scope="module")
def hostile() -> Catalogue:
    """The sample article with a title that tries to break out of every context it lands in."""
    article = replace(load_articles(ARTICLES).get(LUPUS), title=HOSTILE)
    return Catalogue(MappingProxyType({LUPUS: article}))


def ask(catalogue: Catalogue, *, links: Links = LINKS, **params: str) -> OEmbedResponse:
    return oembed(params, catalogue, links, CACHE_AGE)


def ask_json(catalogue: Catalogue, **params: str) -> dict[str, object]:
    response = oembed(params, catalogue, LINKS, CACHE_AGE)
    data: dict[str, object] = json.loads(response.body)
    return data


def xml_fields(body: str) -> dict[str, str]:
    root = ET.fromstring(body.encode("utf-8"))
    assert root.tag == "oembed"
    return {child.tag: child.text or "" for child in root}


def only_iframe(html: str) -> Tag:
    """The iframe of an oEmbed ``html``, after checking it has the shape WordPress keeps."""
    soup = BeautifulSoup(html, "html.parser")
    assert [tag.name for tag in soup.find_all(True)] == ["blockquote", "a", "iframe"]
    assert [getattr(child, "name", None) for child in soup.children] == ["blockquote", "iframe"]
    iframe = soup.find("iframe")
    assert isinstance(iframe, Tag)
    return iframe


def fallback_link(html: str) -> Tag:
    link = BeautifulSoup(html, "html.parser").select_one("blockquote > a[href]")
    assert isinstance(link, Tag)
    return link


def refusal(catalogue: Catalogue, *, links: Links = LINKS, **params: str) -> OEmbedError:
    with pytest.raises(OEmbedError) as excinfo:
        ask(catalogue, links=links, **params)
    return excinfo.value


# -- which URLs embed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "src"),
    [
        (f"{PUBLIC_URL}/articles/{LUPUS}", f"{PUBLIC_URL}/embed/{LUPUS}/takeaway"),
        (f"{PUBLIC_URL}/articles/{LUPUS}/", f"{PUBLIC_URL}/embed/{LUPUS}/takeaway"),
        (f"{PUBLIC_URL}/articles/{SFN}", f"{PUBLIC_URL}/embed/{SFN}/takeaway"),
        *((f"{PUBLIC_URL}/embed/{LUPUS}/{kind}", f"{PUBLIC_URL}/embed/{LUPUS}/{kind}") for kind in WIDGETS),
        *((f"{PUBLIC_URL}/fragment/{LUPUS}/{kind}", f"{PUBLIC_URL}/embed/{LUPUS}/{kind}") for kind in WIDGETS),
        (f"{PUBLIC_URL}/embed/{SFN}/sources/", f"{PUBLIC_URL}/embed/{SFN}/sources"),
        (f"{PUBLIC_URL}/fragment/{SFN}/comparison/", f"{PUBLIC_URL}/embed/{SFN}/comparison"),
        (f"{PUBLIC_URL}/articles/{LUPUS}?theme=dark", f"{PUBLIC_URL}/embed/{LUPUS}/takeaway?theme=dark"),
        (f"{PUBLIC_URL}/embed/{LUPUS}/sources?theme=light", f"{PUBLIC_URL}/embed/{LUPUS}/sources?theme=light"),
        (f"{PUBLIC_URL}/fragment/{LUPUS}/sections/?theme=auto", f"{PUBLIC_URL}/embed/{LUPUS}/sections?theme=auto"),
        (
            f"{PUBLIC_URL}/embed/{LUPUS}/sources?utm_source=x&theme=dark",
            f"{PUBLIC_URL}/embed/{LUPUS}/sources?theme=dark",
        ),
        (f"{PUBLIC_URL}/embed/{LUPUS}/sources?utm_source=x", f"{PUBLIC_URL}/embed/{LUPUS}/sources"),
        (
            f"{PUBLIC_URL}/embed/{LUPUS}/sources?theme=light&theme=dark",
            f"{PUBLIC_URL}/embed/{LUPUS}/sources?theme=light",
        ),
        (f"{PUBLIC_URL}/embed/{LUPUS}/sources?theme=neon", f"{PUBLIC_URL}/embed/{LUPUS}/sources"),
        (f'{PUBLIC_URL}/embed/{LUPUS}/sources?theme="><b>', f"{PUBLIC_URL}/embed/{LUPUS}/sources"),
        (f"{PUBLIC_URL}/articles/{LUPUS}#sources", f"{PUBLIC_URL}/embed/{LUPUS}/takeaway"),
        (f"HTTPS://WIDGETS.EXAMPLE.ORG/articles/{LUPUS}", f"{PUBLIC_URL}/embed/{LUPUS}/takeaway"),
        (f"https://widgets.example.org:443/articles/{LUPUS}", f"{PUBLIC_URL}/embed/{LUPUS}/takeaway"),
    ],
)
def test_oembed_accepts_url(catalogue, url, src):
    data = ask_json(catalogue, url=url)

    assert only_iframe(str(data["html"]))["src"] == src


def test_oembed_accepts_url_under_a_base_path(catalogue):
    links = Links("https://example.org/health")

    response = ask(catalogue, links=links, url=f"https://example.org/health/embed/{LUPUS}/comparison")

    iframe = only_iframe(json.loads(response.body)["html"])
    assert iframe["src"] == f"https://example.org/health/embed/{LUPUS}/comparison"


@pytest.mark.parametrize(
    "url",
    [
        f"https://example.org/articles/{LUPUS}",
        f"https://example.org/health-x/articles/{LUPUS}",
        f"https://example.org/healtharticles/{LUPUS}",
        "https://example.org/health",
    ],
)
def test_oembed_refuses_url_outside_the_base_path(catalogue, url):
    error = refusal(catalogue, links=Links("https://example.org/health"), url=url)

    assert error.status == 404


@pytest.mark.parametrize(
    "url",
    [
        f"https://other.example.org/articles/{LUPUS}",
        f"https://widgets.example.org.evil.example/articles/{LUPUS}",
        f"https://evil.example/?u=https://widgets.example.org/articles/{LUPUS}",
        f"https://evil.example/{PUBLIC_URL}/articles/{LUPUS}",
        f"https://user@widgets.example.org/articles/{LUPUS}",
        f"https://widgets.example.org@evil.example/articles/{LUPUS}",
        f"http://widgets.example.org/articles/{LUPUS}",
        f"https://widgets.example.org:8443/articles/{LUPUS}",
        f"https://widgets.example.org:0/articles/{LUPUS}",
        f"https://widgets.example.org:99999/articles/{LUPUS}",
        f"ftp://widgets.example.org/articles/{LUPUS}",
        f"//widgets.example.org/articles/{LUPUS}",
        f"/articles/{LUPUS}",
        f"widgets.example.org/articles/{LUPUS}",
        "javascript:alert(1)",
        f"javascript://widgets.example.org/articles/{LUPUS}",
        f"data:text/html,<iframe src={PUBLIC_URL}/embed/{LUPUS}/takeaway>",
        "https://[::1/articles/x",
        f"{PUBLIC_URL}/articles/no-such-article",
        f"{PUBLIC_URL}/embed/no-such-article/takeaway",
        f"{PUBLIC_URL}/fragment/no-such-article/sources",
        f"{PUBLIC_URL}/embed/{LUPUS}/timeline",
        f"{PUBLIC_URL}/fragment/{LUPUS}/Takeaway",
        f"{PUBLIC_URL}/embed/{LUPUS}",
        f"{PUBLIC_URL}/embed/{LUPUS}/takeaway/extra",
        f"{PUBLIC_URL}/embed/{LUPUS}/takeaway//",
        f"{PUBLIC_URL}/page/{LUPUS}/takeaway",
        f"{PUBLIC_URL}/articles/",
        f"{PUBLIC_URL}/articles/{LUPUS}/sources",
        f"{PUBLIC_URL}/articles/LUPUS-NUMBNESS",
        f"{PUBLIC_URL}/articles/lupus%2Dnumbness",
        f"{PUBLIC_URL}/articles/../embed/{LUPUS}/takeaway",
        f"{PUBLIC_URL}//articles/{LUPUS}",
        f"{PUBLIC_URL}/static/widget.css",
        f"{PUBLIC_URL}/static/../articles/{LUPUS}",
        f"{PUBLIC_URL}/",
        PUBLIC_URL,
        f"{PUBLIC_URL}/oembed?url={PUBLIC_URL}/articles/{LUPUS}",
        f"{PUBLIC_URL}/articles/lupus-\nnumbness",
        f"{PUBLIC_URL}/articles/lupus-\tnumbness",
        f" {PUBLIC_URL}/articles/{LUPUS}",
        f"{PUBLIC_URL}/articles/{LUPUS} ",
    ],
)
def test_oembed_refuses_url_not_ours(catalogue, url):
    error = refusal(catalogue, url=url)

    assert error.status == 404


def test_oembed_refusal_names_the_parameter_not_the_url(catalogue):
    url = f"{PUBLIC_URL}/embed/{LUPUS}/timeline"

    error = refusal(catalogue, url=url)

    assert (
        error.message
        == "The 'url' parameter names nothing that can be embedded: give the address of one of our articles."
    )
    assert str(error) == error.message


# -- the response ---------------------------------------------------------------------------------


def test_oembed_json_fields(catalogue):
    response = ask(catalogue, url=f"{PUBLIC_URL}/articles/{LUPUS}")

    data = json.loads(response.body)
    assert response.content_type == "application/json"
    assert list(data) == FIELDS
    assert data["type"] == "rich"
    assert data["version"] == "1.0"
    assert data["title"] == LUPUS_TITLE
    assert data["provider_name"] == "Health Widgets"
    assert data["provider_url"] == f"{PUBLIC_URL}/"
    assert data["cache_age"] == CACHE_AGE
    assert data["width"] == 600
    assert data["height"] == HEIGHTS.at("takeaway", 600)


@pytest.mark.parametrize("field", ["cache_age", "width", "height"])
def test_oembed_json_numbers_are_integers(catalogue, field):
    data = ask_json(catalogue, url=f"{PUBLIC_URL}/embed/{SFN}/sections", maxwidth="333", maxheight="777")

    assert type(data[field]) is int


@pytest.mark.parametrize("field", ["type", "version", "title", "provider_name", "provider_url", "html"])
def test_oembed_json_texts_are_strings(catalogue, field):
    data = ask_json(catalogue, url=f"{PUBLIC_URL}/embed/{SFN}/sections")

    assert isinstance(data[field], str)


def test_oembed_json_explicit_format(catalogue):
    url = f"{PUBLIC_URL}/articles/{LUPUS}"

    explicit = ask(catalogue, url=url, format="json")

    assert explicit == ask(catalogue, url=url)


def test_oembed_provider_name_and_cache_age_passed_through(catalogue):
    response = oembed({"url": f"{PUBLIC_URL}/articles/{LUPUS}"}, catalogue, LINKS, 86400, "Acme Health")

    data = json.loads(response.body)
    assert data["provider_name"] == "Acme Health"
    assert data["cache_age"] == 86400


@pytest.mark.parametrize("kind", WIDGETS)
@pytest.mark.parametrize("mode", ["embed", "fragment"])
def test_oembed_iframe_attributes(catalogue, kind, mode):
    data = ask_json(catalogue, url=f"{PUBLIC_URL}/{mode}/{LUPUS}/{kind}")

    iframe = only_iframe(str(data["html"]))
    assert iframe["src"] == f"{PUBLIC_URL}/embed/{LUPUS}/{kind}"
    assert iframe["title"] == f"{LABELS[kind]}: {LUPUS_TITLE}"
    assert iframe["width"] == str(data["width"]) == "600"
    assert iframe["height"] == str(data["height"]) == str(HEIGHTS.at(kind, 600))
    assert (iframe["frameborder"], iframe["marginwidth"], iframe["marginheight"]) == ("0", "0", "0")
    assert iframe["scrolling"] == "auto"
    assert iframe["loading"] == "lazy"
    assert iframe["style"] == (
        f"border:0;max-width:100%;height:{data['height']}px;height:calc-size(auto,size);frame-sizing:content-height"
    )
    assert iframe.get_text() == ""


@pytest.mark.parametrize("kind", WIDGETS)
def test_oembed_fallback_is_a_link_to_the_article(catalogue, kind):
    data = ask_json(catalogue, url=f"{PUBLIC_URL}/embed/{LUPUS}/{kind}")

    link = fallback_link(str(data["html"]))
    assert link["href"] == f"{PUBLIC_URL}/articles/{LUPUS}"
    assert link.get_text() == LUPUS_TITLE


@pytest.mark.parametrize(
    ("query", "src_query"),
    [
        ("?theme=dark", "?theme=dark"),
        ("?partner=plain", "?partner=plain"),
        ("?partner=plain&theme=light", "?partner=plain&theme=light"),
        # The partner's default theme applies when the pasted URL names none, and yields to one it names.
        ("?partner=night", "?partner=night&theme=dark"),
        ("?theme=light&partner=night", "?partner=night&theme=light"),
        ("?theme=purple", ""),
    ],
)
def test_oembed_theme_and_partner_carry_through(catalogue, query, src_query):
    response = oembed({"url": f"{PUBLIC_URL}/embed/{LUPUS}/sources{query}"}, catalogue, LINKS, 60, partners=PARTNERS)

    iframe = only_iframe(json.loads(response.body)["html"])
    assert iframe["src"] == f"{PUBLIC_URL}/embed/{LUPUS}/sources{src_query}"


def test_oembed_unknown_partner_is_404(catalogue):
    with pytest.raises(OEmbedError) as excinfo:
        oembed({"url": f"{PUBLIC_URL}/articles/{LUPUS}?partner=nobody"}, catalogue, LINKS, 60, partners=PARTNERS)

    assert excinfo.value.status == 404
    assert excinfo.value.message == (
        "The URL's 'partner' names no declared partner: remove it from the URL or use a declared one."
    )


def test_oembed_xml_declaration_and_type(catalogue):
    response = ask(catalogue, url=f"{PUBLIC_URL}/articles/{LUPUS}", format="xml")

    assert response.content_type == "text/xml; charset=utf-8"
    assert response.body.startswith('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<oembed>')
    assert response.body.endswith("</oembed>")


@pytest.mark.parametrize(
    "url",
    [f"{PUBLIC_URL}/articles/{LUPUS}", f"{PUBLIC_URL}/fragment/{SFN}/comparison?theme=dark"],
)
def test_oembed_xml_matches_json(catalogue, url):
    data = ask_json(catalogue, url=url, maxwidth="320", maxheight="900")

    fields = xml_fields(ask(catalogue, url=url, maxwidth="320", maxheight="900", format="xml").body)

    assert list(fields) == FIELDS
    assert fields == {name: str(value) for name, value in data.items()}


# -- sizes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maxwidth", "maxheight", "expected"),
    [
        (None, None, (600, 567)),  # the default width, between the 400 and 700 px figures
        (700, None, (700, 500)),
        (10000, None, (700, 500)),  # no wider than the widest measured frame
        (400, None, (400, 700)),
        (350, None, (350, 800)),
        (300, None, (300, 900)),
        (150, None, (150, 1800)),  # narrower than measured: inversely to the width
        (1, None, (1, 900 * NARROW_LIMIT)),
        (None, 100, (600, 100)),
        (300, 1000, (300, 900)),
    ],
)
def test_frame_size_values(maxwidth, maxheight, expected):
    size = frame_size("takeaway", maxwidth, maxheight, MEASURED)

    assert size == expected


def test_frame_size_uses_the_stored_measurements():
    assert frame_size("sections", 500) == (500, HEIGHTS.at("sections", 500))
    assert frame_size("sections") == (600, HEIGHTS.at("sections", 600))
    assert frame_size("sections", 10000)[0] == HEIGHTS.max_width


@pytest.mark.parametrize("kind", WIDGETS)
def test_frame_size_within_maxima(kind):
    pairs = [(w, h) for w in SIZES for h in SIZES]

    sizes = {(w, h): frame_size(kind, w, h) for w, h in pairs}

    for (maxwidth, maxheight), (width, height) in sizes.items():
        assert 1 <= width <= maxwidth
        assert 1 <= height <= maxheight
        assert height <= HEIGHTS.heights[kind][0] * NARROW_LIMIT


def test_frame_size_never_shorter_when_narrower():
    heights = [frame_size("takeaway", width, heights=MEASURED)[1] for width in sorted(SIZES, reverse=True)]

    assert heights == sorted(heights)


@pytest.mark.parametrize("maxwidth", ["1", "50", "320", "599", "600", "0640", "10000"])
@pytest.mark.parametrize("maxheight", ["1", "200", "521", "10000"])
def test_oembed_size_within_maxima(catalogue, maxwidth, maxheight):
    data = ask_json(catalogue, url=f"{PUBLIC_URL}/embed/{LUPUS}/sections", maxwidth=maxwidth, maxheight=maxheight)

    iframe = only_iframe(str(data["html"]))
    assert isinstance(data["width"], int)
    assert isinstance(data["height"], int)
    assert 1 <= data["width"] <= int(maxwidth)
    assert 1 <= data["height"] <= int(maxheight)
    assert (iframe["width"], iframe["height"]) == (str(data["width"]), str(data["height"]))


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"url": ""}, {"url": "   "}, {"format": "json", "maxwidth": "300"}])
def test_oembed_url_required(catalogue, params):
    with pytest.raises(OEmbedError) as excinfo:
        oembed(params, catalogue, LINKS, CACHE_AGE)

    assert excinfo.value.status == 400
    assert excinfo.value.message == ("The 'url' parameter is required: the address of the article or widget to embed.")


def test_oembed_url_too_long(catalogue):
    url = f"{PUBLIC_URL}/articles/{LUPUS}?pad=" + "x" * 2000

    error = refusal(catalogue, url=url)

    assert error.status == 400
    assert error.message == f"The 'url' parameter may be at most 2,000 characters, got {len(url):,}."


def test_oembed_url_at_the_length_limit_is_looked_up(catalogue):
    url = f"{PUBLIC_URL}/articles/{LUPUS}?pad="
    url += "x" * (2000 - len(url))

    data = ask_json(catalogue, url=url)

    assert data["title"] == LUPUS_TITLE


@pytest.mark.parametrize("response_format", ["yaml", "JSON", "Xml", "", "json ", "html"])
def test_oembed_unsupported_format(catalogue, response_format):
    error = refusal(catalogue, url=f"{PUBLIC_URL}/articles/{LUPUS}", format=response_format)

    assert error.status == 501
    assert error.message == "The 'format' parameter must be 'json' or 'xml'; no other format is supported."


@pytest.mark.parametrize("name", ["maxwidth", "maxheight"])
@pytest.mark.parametrize(
    "value",
    ["0", "00", "-1", "-600", "+600", "abc", "1.5", "6e2", "", " 600", "600 ", "0x10", "10001", "99999", "٣", "²"],
)
def test_oembed_bad_dimension(catalogue, name, value):
    error = refusal(catalogue, url=f"{PUBLIC_URL}/articles/{LUPUS}", **{name: value})

    assert error.status == 400
    assert error.message == f"The '{name}' parameter must be a whole number from 1 to 10000."


def test_oembed_huge_dimension_is_not_repeated(catalogue):
    value = "9" * 5000

    error = refusal(catalogue, url=f"{PUBLIC_URL}/articles/{LUPUS}", maxwidth=value)

    assert error.status == 400
    assert error.message == "The 'maxwidth' parameter must be a whole number from 1 to 10000."


def test_oembed_bad_request_before_unknown_url(catalogue):
    error = refusal(catalogue, url="https://other.example/", maxwidth="0")

    assert error.status == 400


# -- escaping -------------------------------------------------------------------------------------


def test_oembed_hostile_title_escaped_in_json_html(hostile):
    data = ask_json(hostile, url=f"{PUBLIC_URL}/embed/{LUPUS}/sources")

    html = str(data["html"])
    iframe = only_iframe(html)
    assert "<script" not in html
    assert iframe["title"] == f"Sources: {HOSTILE}"
    assert data["title"] == HOSTILE


def test_oembed_hostile_title_escaped_in_xml(hostile):
    response = ask(hostile, url=f"{PUBLIC_URL}/embed/{LUPUS}/sources", format="xml")

    fields = xml_fields(response.body)
    assert "<script" not in response.body
    assert fields["title"] == HOSTILE.replace("\x01", "")
    assert only_iframe(fields["html"])["title"] == f"Sources: {HOSTILE}".replace("\x01", "")


def test_oembed_hostile_provider_name_escaped_in_xml(catalogue):
    name = "</provider_name><type>video</type>"

    response = oembed({"url": f"{PUBLIC_URL}/articles/{LUPUS}", "format": "xml"}, catalogue, LINKS, 60, name)

    fields = xml_fields(response.body)
    assert fields["provider_name"] == name
    assert fields["type"] == "rich"


def test_oembed_hostile_public_url_escaped_in_html(catalogue):
    links = Links('https://example.org/a"b&c')

    data = json.loads(ask(catalogue, links=links, url=f'https://example.org/a"b&c/articles/{LUPUS}').body)

    assert '"b&c' not in data["html"]
    assert only_iframe(data["html"])["src"] == f'https://example.org/a"b&c/embed/{LUPUS}/takeaway'


def test_oembed_error_attributes():
    error = OEmbedError(404, "There is nothing here.")

    assert (error.status, error.message, str(error)) == (404, "There is nothing here.", "There is nothing here.")
