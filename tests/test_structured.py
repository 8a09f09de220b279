"""The JSON-LD an article page embeds: schema.org vocabulary, every source, and script-safe text; and
as served, the same block in every widget document and on the article page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient

from tests.support import ARTICLES, PUBLIC_URL
from widget.content import Article, Catalogue, load_articles
from widget.markup import Text
from widget.structured import json_ld, medical_web_page
from widget.urls import Links

LUPUS = "lupus-numbness"
LUPUS_TITLE = "Is numbness a symptom of lupus, and how can lupus cause numbness in the hands and feet?"
LUPUS_SOURCES = [
    (
        "Systemic lupus erythematosus: MedlinePlus Medical Encyclopedia",
        "https://medlineplus.gov/ency/article/000435.htm",
    ),
    ("Symptoms of Lupus", "https://www.cdc.gov/lupus/signs-symptoms/index.html"),
    (
        "Systemic lupus erythematosus: MedlinePlus Genetics",
        "https://medlineplus.gov/genetics/condition/systemic-lupus-erythematosus/",
    ),
    (
        "Peripheral neuropathy - Symptoms and causes",
        "https://www.mayoclinic.org/diseases-conditions/peripheral-neuropathy/symptoms-causes/syc-20352061",
    ),
    (
        "Symptoms and causes - Mayo Clinic",
        "https://www.mayoclinic.org/diseases-conditions/lupus/symptoms-causes/syc-20365789",
    ),
    (
        "Peripheral neuropathies in systemic lupus erythematosus: clinical features, disease associations, "
        "and immunologic characteristics evaluated over a twenty-five-year study period.",
        "https://pubmed.ncbi.nlm.nih.gov/24757151/",
    ),
    (
        "Small Fiber Neuropathy",
        "https://stanfordhealthcare.org/medical-conditions/brain-and-nerves/small-fiber-neuropathy.html",
    ),
    (
        "Symptoms",
        "https://stanfordhealthcare.org/medical-conditions/blood-heart-circulation/raynauds-phenomenon/symptoms.html",
    ),
    ("Vasculitic neuropathy.", "https://pubmed.ncbi.nlm.nih.gov/?term=Vasculitic+neuropathy"),
    ("The neuropathies of vasculitis.", "https://pubmed.ncbi.nlm.nih.gov/?term=The+neuropathies+of+vasculitis"),
    ("The neuropathies of vasculitis.", "https://pubmed.ncbi.nlm.nih.gov/?term=The+neuropathies+of+vasculitis"),
    ("Vasculitic neuropathies.", "https://pubmed.ncbi.nlm.nih.gov/?term=Vasculitic+neuropathies"),
    (
        "Peripheral neuropathy - Symptoms and causes",
        "https://www.mayoclinic.org/diseases-conditions/peripheral-neuropathy/symptoms-causes/syc-20352061",
    ),
    ("Peripheral Nerve Disorders", "https://medlineplus.gov/peripheralnervedisorders.html"),
]
# Every key a MedicalWebPage here may carry; each is defined by schema.org for that type.
PAGE_KEYS = {
    "@context",
    "@type",
    "@id",
    "url",
    "name",
    "headline",
    "inLanguage",
    "datePublished",
    "dateModified",
    "lastReviewed",
    "author",
    "publisher",
    "description",
    "timeRequired",
    "citation",
}
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<!-- <script>",
    "Tom & Jerry --> <b>bold</b>",
    "</SCRIPT >",
]
LINKS = Links(PUBLIC_URL)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_articles(ARTICLES)


@pytest.fixture
def lupus(catalogue: Catalogue) -> Article:
    return catalogue.get(LUPUS)


def embedded(article: Article) -> Any:
    """The JSON-LD as a page embeds it, read back the way a crawler reads it."""
    return json.loads(json_ld(medical_web_page(article, LINKS)))


def hostile_copy(article: Article, text: str) -> Article:
    first = replace(article.sources[0], title=text, site=text)
    return replace(
        article,
        title=text,
        byline=text,
        takeaway=Text((), text),
        sources=(first, *article.sources[1:]),
    )


# -- medical_web_page -----------------------------------------------------------------------------


def test_medical_web_page_describes_lupus_page(lupus):
    data = embedded(lupus)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["@id"] == data["url"] == PUBLIC_URL + "/articles/lupus-numbness"
    assert data["name"] == data["headline"] == LUPUS_TITLE
    assert data["inLanguage"] == "en"
    assert data["datePublished"] == "2026-02-16"
    assert data["lastReviewed"] == data["dateModified"] == "2026-02-16"
    assert data["timeRequired"] == f"PT{lupus.reading_minutes}M"


def test_medical_web_page_names_author_and_publisher(lupus):
    data = embedded(lupus)

    assert data["author"] == {"@type": "Organization", "name": "Health Widgets Medical Team"}
    assert data["publisher"] == {"@type": "Organization", "name": "Health Widgets", "url": PUBLIC_URL + "/"}


def test_medical_web_page_publisher_overridden(lupus):
    data = medical_web_page(lupus, LINKS, publisher="Partner Health")

    assert data["publisher"] == {"@type": "Organization", "name": "Partner Health", "url": PUBLIC_URL + "/"}


def test_medical_web_page_uses_only_schema_org_properties(lupus):
    data = embedded(lupus)

    assert set(data) == PAGE_KEYS


def test_medical_web_page_cites_every_source_in_order(lupus):
    data = embedded(lupus)

    citations = data["citation"]
    assert [(c["name"], c["url"]) for c in citations] == LUPUS_SOURCES
    assert [c["position"] for c in citations] == list(range(1, 15))


def test_medical_web_page_cites_paper_with_identifiers(lupus):
    data = embedded(lupus)

    assert data["citation"][5] == {
        "@type": "ScholarlyArticle",
        "position": 6,
        "name": LUPUS_SOURCES[5][0],
        "url": "https://pubmed.ncbi.nlm.nih.gov/24757151/",
        "publisher": {"@type": "Organization", "name": "PubMed"},
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "PMID", "value": "24757151"},
            {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1002/art.38302"},
        ],
        "sameAs": ["https://pubmed.ncbi.nlm.nih.gov/24757151/", "https://doi.org/10.1002/art.38302"],
    }


@pytest.mark.parametrize("number", [n for n in range(1, 15) if n != 6])
def test_medical_web_page_cites_web_page_without_identifiers(lupus, number):
    data = embedded(lupus)

    citation = data["citation"][number - 1]
    assert citation["@type"] == "CreativeWork"
    assert "identifier" not in citation
    assert "sameAs" not in citation


def test_medical_web_page_cites_doi_only_paper(catalogue):
    article = catalogue.get("small-fiber-neuropathy-testing")

    data = embedded(article)

    citation = data["citation"][4]
    assert citation["@type"] == "ScholarlyArticle"
    assert citation["identifier"] == [
        {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.14253/acn.2022.24.1.1"}
    ]
    assert citation["sameAs"] == ["https://doi.org/10.14253/acn.2022.24.1.1"]


@pytest.mark.parametrize("slug", [LUPUS, "small-fiber-neuropathy-testing"])
def test_medical_web_page_description_collapses_whitespace(catalogue, slug):
    article = catalogue.get(slug)

    data = embedded(article)

    assert data["description"] == " ".join(article.takeaway.plain.split())
    assert "  " not in data["description"]
    assert "\n" not in data["description"]


def test_medical_web_page_is_plain_json(lupus):
    data = medical_web_page(lupus, LINKS)

    assert json.loads(json.dumps(data)) == data


# -- json_ld --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_json_ld_hostile_text_cannot_leave_script(lupus, text):
    article = hostile_copy(lupus, text)

    out = json_ld(medical_web_page(article, LINKS))

    assert "<" not in out
    assert ">" not in out
    assert "&" not in out


@pytest.mark.parametrize("text", HOSTILE)
def test_json_ld_hostile_text_round_trips(lupus, text):
    article = hostile_copy(lupus, text)

    data = json.loads(json_ld(medical_web_page(article, LINKS)))

    assert data["name"] == data["headline"] == data["description"] == text
    assert data["author"]["name"] == text
    assert data["citation"][0]["name"] == data["citation"][0]["publisher"]["name"] == text


@pytest.mark.parametrize(("char", "escape"), [("\u2028", "\\u2028"), ("\u2029", "\\u2029")])
def test_json_ld_line_separators_escaped(char, escape):
    data = {"name": f"one{char}two"}

    out = json_ld(data)

    assert char not in out
    assert escape in out
    assert json.loads(out) == data


def test_json_ld_backslash_before_angle_round_trips():
    data = {"name": "\\</script>"}

    out = json_ld(data)

    assert "<" not in out
    assert json.loads(out) == data


def test_json_ld_keeps_other_text_literal():
    data = {"name": "Sjögren's disease — “lupus”", "n": [1, 2]}

    out = json_ld(data)

    assert out == '{"name":"Sjögren\'s disease — “lupus”","n":[1,2]}'


def test_json_ld_keeps_key_order():
    out = json_ld({"b": 1, "a": 2})

    assert out == '{"b":1,"a":2}'


def test_json_ld_accepts_any_mapping():
    data = MappingProxyType({"@type": "Thing", "about": MappingProxyType({"name": "x"})})

    out = json_ld(data)

    assert out == '{"@type":"Thing","about":{"name":"x"}}'


def test_json_ld_rejects_unknown_type():
    with pytest.raises(TypeError) as excinfo:
        json_ld({"when": object()})

    assert excinfo.value.args[0] == "Object of type object is not JSON serializable"


# -- as served: every widget document and the article page carry the same block ------------------

SLUGS = [LUPUS, "small-fiber-neuropathy-testing"]
KINDS = ["takeaway", "comparison", "sources", "sections"]


@pytest.fixture
def open_client(open_app: Flask) -> Iterator[FlaskClient]:
    with open_app.test_client() as client:
        yield client


@pytest.fixture(scope="module")
def articles(catalogue: Catalogue) -> dict[str, Article]:
    return dict(catalogue.articles)


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


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
