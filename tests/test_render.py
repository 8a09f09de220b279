"""What a reader sees in each widget: structure, citations, sources, and escaped content.

Sections and the source list are lazy in a standalone widget: their content is checked where it
is shown, in the widget opened at that part (``/embed/<slug>/<kind>?open=<part>``) and in the part
fragment htmx fetches (``/fragment/<slug>/<kind>/<part>``); the ``variant`` fixture runs both.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient

from tests.support import ARTICLES, PUBLIC_URL, RESIZE_SRC
from widget import create_app
from widget.content import Article, load_articles
from widget.markup import Cite, ListBlock, Paragraph, Text
from widget.render import render_widget
from widget.settings import Settings
from widget.urls import Links, Widget

KINDS: list[Widget] = ["takeaway", "comparison", "sources", "sections"]
LAZY_KINDS: list[Widget] = ["sources", "sections"]
STANDALONE_WITH_TEXT = ["takeaway", "comparison", "sections"]
SLUGS = ["lupus-numbness", "small-fiber-neuropathy-testing"]
LUPUS = "lupus-numbness"
LUPUS_TITLE = "Is numbness a symptom of lupus, and how can lupus cause numbness in the hands and feet?"
BACKREF_COUNTS = {
    1: 3,
    2: 11,
    3: 1,
    4: 6,
    5: 8,
    6: 8,
    7: 9,
    8: 9,
    9: 6,
    10: 9,
    11: 5,
    12: 1,
    13: 2,
    14: 2,
}
DISCLAIMER = (
    "This information is for education only. It does not replace advice, diagnosis or "
    "treatment from a qualified health professional; ask one before you make decisions "
    "about your health."
)


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def squash(text: str) -> str:
    return " ".join(text.split())


def letters(n: int) -> list[str]:
    return [chr(ord("a") + i) for i in range(n)]


def attr(tag: Tag, name: str) -> str:
    """An attribute as text; multi-valued ones (class, rel) joined by spaces."""
    value = tag.get(name)
    return " ".join(value) if isinstance(value, list) else (value or "")


def cite_markers(soup: BeautifulSoup | Tag) -> list[Tag]:
    return soup.select(".hw-cite")


def closed_details(soup: BeautifulSoup | Tag) -> list[Tag]:
    """The widget's own <details> (not the citation markers that expand in place)."""
    return [d for d in soup.find_all("details") if "hw-cite" not in attr(d, "class").split()]


def marker_number(marker: Tag) -> int:
    summary = marker.summary if marker.name == "details" else marker
    assert summary is not None
    match = re.search(r"\[\s*(\d+)\s*\]", summary.get_text())
    assert match, summary
    return int(match.group(1))


def assert_ids_unique(soup: BeautifulSoup) -> None:
    ids = Counter(str(tag["id"]) for tag in soup.find_all(id=True))
    assert {i: n for i, n in ids.items() if n > 1} == {}


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return dict(load_articles(ARTICLES).articles)


@pytest.fixture(params=["open", "part"])
def variant(request: pytest.FixtureRequest) -> str:
    """Where a lazy part's content is shown: the widget opened at it, or the part fragment."""
    return str(request.param)


def parts_of(article: Article, kind: str) -> list[str]:
    if kind == "sections":
        return ["overview", *(f"section-{section.id}" for section in article.sections)]
    return ["sources"] if kind == "sources" else []


def part_body(client: FlaskClient, variant: str, slug: str, kind: str, part: str) -> BeautifulSoup:
    """The content of one part, as the open variant shows it inside its expander or as the part fragment."""
    if variant == "part":
        response = client.get(f"/fragment/{slug}/{kind}/{part}")
        assert response.status_code == 200
        return parse(response.text)
    response = client.get(f"/embed/{slug}/{kind}?open={part}")
    assert response.status_code == 200
    soup = parse(response.text)
    details = soup.find(id=f"hw-{slug}-{part}")
    assert isinstance(details, Tag)
    assert details.name == "details"
    assert details.has_attr("open")
    assert not details.has_attr("data-hx-get")
    body = details.find(class_="hw-body", recursive=False)
    assert isinstance(body, Tag)
    assert body.find(class_="hw-fallback") is None
    return parse(body.decode_contents())


def opened(client: FlaskClient, variant: str, article: Article, kind: str) -> BeautifulSoup:
    """Every part of a lazy widget, opened one at a time, joined in document order."""
    parts = parts_of(article, kind)
    assert parts
    return parse("".join(str(part_body(client, variant, article.slug, kind, part)) for part in parts))


# -- comparison -----------------------------------------------------------------------------------


def test_comparison_is_an_accessible_table(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/comparison").text)

    tables = soup.find_all("table")

    assert len(tables) == 1
    table = tables[0]
    assert table.caption is not None
    assert table.caption.get_text(strip=True) == "How the lupus-related causes of numbness compare"
    assert table.thead is not None
    headers = table.thead.find_all("th")
    assert [th.get_text(strip=True) for th in headers] == [
        "Mechanism",
        "Typical features",
        "Pattern",
        "Key tests",
        "Treatment focus",
    ]
    assert [th.get("scope") for th in headers] == ["col"] * 5
    assert table.tbody is not None
    rows = table.tbody.find_all("tr", recursive=False)
    assert len(rows) == 4
    for row in rows:
        cells = row.find_all(["th", "td"], recursive=False)
        assert [c.name for c in cells] == ["th", "td", "td", "td", "td"]
        assert cells[0].get("scope") == "row"
        assert cells[0].get_text(strip=True)


def test_comparison_scrolls_in_a_named_focusable_region(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/comparison").text)
    table = soup.find("table")
    assert isinstance(table, Tag)

    region = table.find_parent(attrs={"role": "region"})

    assert isinstance(region, Tag)
    assert region.get("tabindex") == "0"
    if region.get("aria-labelledby"):
        label = soup.find(id=str(region["aria-labelledby"]))
        assert isinstance(label, Tag)
        assert label.get_text(strip=True)
    else:
        assert str(region.get("aria-label", "")).strip()


def test_comparison_row_headers(client):
    soup = parse(client.get(f"/embed/{LUPUS}/comparison").text)

    row_headers = [th.get_text(strip=True) for th in soup.select("tbody th")]

    assert row_headers == [
        "Peripheral neuropathy (large fibers)",
        "Small-fiber neuropathy",
        "Raynaud's phenomenon",
        "Vasculitic neuropathy",
    ]


# -- sources --------------------------------------------------------------------------------------


def source_items(soup: BeautifulSoup) -> list[Tag]:
    lists = soup.select("ol.hw-source-list")
    assert len(lists) == 1
    return lists[0].find_all("li", recursive=False)


def test_sources_are_in_closed_details(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sources").text)

    details = closed_details(soup)

    assert len(details) == 1
    assert not details[0].has_attr("open")
    assert details[0].summary is not None
    assert "Sources (14)" in squash(details[0].summary.get_text())
    # Lazy: the list itself is fetched when the reader opens it.
    assert details[0]["data-hx-get"] == f"{PUBLIC_URL}/fragment/{LUPUS}/sources/sources"
    assert details[0].find("ol") is None


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", LAZY_KINDS)
def test_lazy_expanders_fetch_their_part_and_fall_back_to_the_open_widget(client, mode, articles, slug, kind):
    soup = parse(client.get(f"/{mode}/{slug}/{kind}").text)
    parts = parts_of(articles[slug], kind)

    expanders = closed_details(soup)

    assert [str(d.get("id")) for d in expanders] == [f"hw-{slug}-{part}" for part in parts]
    for details, part in zip(expanders, parts, strict=True):
        assert not details.has_attr("open")
        assert details["data-hx-get"] == f"{PUBLIC_URL}/fragment/{slug}/{kind}/{part}"
        assert details["data-hx-trigger"] == "toggle once"
        assert details["data-hx-target"] == "find .hw-body"
        assert details.get("data-hx-swap", "innerHTML") == "innerHTML"
        assert details.summary is not None
        assert squash(details.summary.get_text())
        body = details.find(class_="hw-body", recursive=False)
        assert isinstance(body, Tag)
        # Without JavaScript the open expander holds one real link: the widget with this part open, in view.
        links = body.find_all("a")
        assert len(links) == 1
        assert "hw-fallback" in attr(links[0], "class").split()
        assert links[0]["href"] == f"{PUBLIC_URL}/embed/{slug}/{kind}?open={part}#hw-{slug}-{part}"
        assert squash(links[0].get_text())
        assert squash(body.get_text(" ")) == squash(links[0].get_text(" "))
        assert body.find(["ol", "ul", "details", "h4"]) is None


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", LAZY_KINDS)
def test_open_widget_opens_only_that_part(client, articles, slug, kind):
    parts = parts_of(articles[slug], kind)

    for part in parts:
        soup = parse(client.get(f"/embed/{slug}/{kind}?open={part}").text)
        expanders = closed_details(soup)

        assert [str(d["id"]) for d in expanders if d.has_attr("open")] == [f"hw-{slug}-{part}"]
        assert [str(d["id"]) for d in expanders if d.has_attr("data-hx-get")] == [
            f"hw-{slug}-{other}" for other in parts if other != part
        ]
        assert_ids_unique(soup)


@pytest.mark.parametrize("slug", SLUGS)
def test_sources_link_out_with_title_and_site(client, variant, articles, slug):
    soup = part_body(client, variant, slug, "sources", "sources")
    sources = articles[slug].sources

    items = source_items(soup)

    assert len(items) == len(sources)
    for item, source in zip(items, sources, strict=True):
        assert item.get("value") == str(source.number)
        link = item.find("a", href=source.url)
        assert isinstance(link, Tag), source.url
        assert re.match(r"https?://", str(link["href"]))
        assert link["target"] == "_blank"
        assert "noopener" in link["rel"]
        assert source.title in link.get_text()
        assert source.site in squash(item.get_text())


def test_sources_count_back_references(client, variant):
    soup = part_body(client, variant, LUPUS, "sources", "sources")

    items = source_items(soup)

    assert len(items) == 14
    counts = {}
    for number, item in enumerate(items, start=1):
        backrefs = item.select_one(".hw-backrefs")
        assert isinstance(backrefs, Tag)
        labels = [c.get_text().split()[-1] for c in backrefs.find_all(True, recursive=False)]
        assert labels == letters(len(labels))
        counts[number] = len(labels)
    assert counts == BACKREF_COUNTS


def test_sources_widget_back_references_are_not_links(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sources").text)

    # The citing text is not in this widget, so a "#c4a" link would lead nowhere.
    anchors = [attr(a, "href") for a in soup.find_all("a", href=True) if attr(a, "href").startswith("#")]

    assert anchors == []


def test_sources_part_back_references_are_not_links(client, variant):
    soup = part_body(client, variant, LUPUS, "sources", "sources")

    anchors = [attr(a, "href") for a in soup.find_all("a", href=True) if attr(a, "href").startswith("#")]

    assert anchors == []
    assert [len(li.select(".hw-backrefs .hw-letter")) for li in source_items(soup)] == list(BACKREF_COUNTS.values())


# -- the article page: citations and back-references link to each other --------------------------


def check_cross_links(soup: BeautifulSoup) -> None:
    """Back-references reach every citing spot; every marker reaches its numbered source."""
    assert_ids_unique(soup)
    source_list = [li for li in soup.find_all("li") if li.select_one(".hw-backrefs")]
    assert len(source_list) == 14
    counts = {}
    for li in source_list:
        refs = li.select(".hw-backrefs a")
        counts[int(attr(li, "value"))] = len(refs)
        for ref in refs:
            href = str(ref["href"])
            assert href.startswith("#"), href
            targets = soup.find_all(id=href[1:])
            assert len(targets) == 1, href
            assert marker_number(targets[0]) == int(attr(li, "value"))
    assert counts == BACKREF_COUNTS

    markers = cite_markers(soup)
    assert len(markers) == sum(BACKREF_COUNTS.values())
    for marker in markers:
        assert marker.name == "a"
        href = str(marker["href"])
        assert href.startswith("#"), href
        target = soup.find_all(id=href[1:])
        assert len(target) == 1, href
        assert target[0].name == "li"
        assert target[0]["value"] == str(marker_number(marker))


def test_article_page_cross_links(client):
    soup = parse(client.get(f"/articles/{LUPUS}").text)

    check_cross_links(soup)


def test_page_mode_widgets_cross_link(app, articles):
    links = Links(PUBLIC_URL)
    env = app.extensions["widget.renderer"].environment("en")
    html = "".join(render_widget(env, articles[LUPUS], kind, "page", links) for kind in KINDS)

    soup = parse(html)

    check_cross_links(soup)


# -- standalone widgets: a marker opens its source in place ---------------------------------------


def assert_markers_expand_in_place(soup: BeautifulSoup, article: Article) -> None:
    markers = cite_markers(soup)

    assert markers
    for marker in markers:
        assert marker.name == "details"
        assert not marker.has_attr("open")
        source = article.source(marker_number(marker))
        card = squash(marker.get_text())
        assert source.title in card
        assert marker.find("a", href=source.url) is not None
    assert_ids_unique(soup)


@pytest.mark.parametrize("slug", SLUGS)
def test_sections_markers_expand_in_place(client, variant, articles, slug):
    soup = opened(client, variant, articles[slug], "sections")

    assert_markers_expand_in_place(soup, articles[slug])


def test_sections_markers_cover_every_citation(client, variant, articles):
    soup = opened(client, variant, articles[LUPUS], "sections")

    numbers = Counter(marker_number(marker) for marker in cite_markers(soup))
    takeaway = Counter(
        part.number
        for t in (articles[LUPUS].takeaway, *articles[LUPUS].key_takeaways)
        for part in t.parts
        if isinstance(part, Cite)
    )
    table = parse(client.get(f"/fragment/{LUPUS}/comparison").text)
    in_table = Counter(marker_number(marker) for marker in cite_markers(table))

    # Every citation of the article is in the sections, the takeaway or the table: nothing lost by laziness.
    assert dict(numbers + takeaway + in_table) == BACKREF_COUNTS


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", ["takeaway", "comparison"])
def test_standalone_markers_expand_in_place(client, mode, articles, slug, kind):
    soup = parse(client.get(f"/{mode}/{slug}/{kind}").text)
    article = articles[slug]

    markers = cite_markers(soup)

    assert markers
    for marker in markers:
        assert marker.name == "details"
        assert not marker.has_attr("open")
        source = article.source(marker_number(marker))
        card = squash(marker.get_text())
        assert source.title in card
        assert marker.find("a", href=source.url) is not None
    assert_ids_unique(soup)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", KINDS)
def test_standalone_widget_ids_are_unique(client, mode, slug, kind):
    soup = parse(client.get(f"/{mode}/{slug}/{kind}").text)

    assert_ids_unique(soup)


EMBED_PAGES = [f"/embed/{LUPUS}/{kind}" for kind in KINDS] + [
    f"/embed/{LUPUS}/sources?open=sources",
    f"/embed/{LUPUS}/sections?open=overview",
    f"/embed/{LUPUS}/sections?open=section-diagnostic-approach",
]


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_embed_links_leave_the_frame(client, path):
    soup = parse(client.get(path).text)
    widget = path.split("?")[0]

    links = [a for a in soup.find_all("a", href=True) if not attr(a, "href").startswith("#")]
    fallbacks = [a for a in links if "hw-fallback" in attr(a, "class").split()]
    outbound = [a for a in links if a not in fallbacks]

    assert outbound
    for link in outbound:
        assert link.get("target") == "_blank", link
        assert "noopener" in attr(link, "rel").split(), link
    # A fallback opens a part of this same widget, so it stays in the frame.
    assert len(fallbacks) == len(soup.find_all("details", attrs={"data-hx-get": True}))
    assert bool(fallbacks) == (widget.endswith(tuple(LAZY_KINDS)) and "open=sources" not in path)
    for link in fallbacks:
        assert attr(link, "href").startswith(f"{PUBLIC_URL}{widget}?open="), link
        assert not link.has_attr("target"), link


# -- takeaway -------------------------------------------------------------------------------------


def test_takeaway_shows_question_and_answer(client, mode, articles):
    soup = parse(client.get(f"/{mode}/{LUPUS}/takeaway").text)

    headings = [h.get_text(strip=True) for h in soup.find_all(["h1", "h2", "h3"])]

    assert LUPUS_TITLE in headings
    assert articles[LUPUS].takeaway.plain in squash(soup.get_text(" "))
    assert squash(soup.get_text(" ")).count(articles[LUPUS].takeaway.plain) == 1


def test_takeaway_shows_review_date(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/takeaway").text)

    time = soup.find("time", datetime="2026-02-16")

    assert isinstance(time, Tag)
    assert time.get_text(strip=True) == "February 16, 2026"
    assert time.parent is not None
    assert "Last reviewed" in time.parent.get_text()


@pytest.mark.parametrize(
    ("slug", "cited"),
    [(LUPUS, [1, 2, 5, 6, 7, 11]), ("small-fiber-neuropathy-testing", [1, 2, 3, 4, 5, 6])],
)
def test_takeaway_lists_the_sources_it_cites(client, mode, articles, slug, cited):
    soup = parse(client.get(f"/{mode}/{slug}/takeaway").text)

    lists = [d for d in closed_details(soup) if d.summary and "Sources" in d.summary.get_text()]

    assert len(lists) == 1
    assert not lists[0].has_attr("open")
    summary = lists[0].summary
    assert summary is not None
    assert f"({len(cited)})" in summary.get_text()
    items = lists[0].find_all("li")
    assert [int(attr(li, "value")) for li in items] == cited
    for li in items:
        source = articles[slug].source(int(attr(li, "value")))
        assert li.find("a", href=source.url) is not None
        assert source.title in li.get_text()


def test_takeaway_key_points_are_closed(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/takeaway").text)

    points = [d for d in closed_details(soup) if d.summary and "Key points" in d.summary.get_text()]

    assert len(points) == 1
    assert not points[0].has_attr("open")
    assert len(points[0].select("ul > li")) == 3


def test_takeaway_links_to_article_and_shows_byline_and_disclaimer(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/takeaway").text)
    text = squash(soup.get_text(" "))

    article_links = soup.find_all("a", href=f"{PUBLIC_URL}/articles/{LUPUS}")

    assert len(article_links) == 1
    assert "Read the full article" in article_links[0].get_text()
    assert "By Health Widgets Medical Team" in text
    assert DISCLAIMER in text


@pytest.mark.parametrize("kind", KINDS)
def test_every_standalone_widget_has_footer(client, mode, kind):
    soup = parse(client.get(f"/{mode}/{LUPUS}/{kind}").text)
    text = squash(soup.get_text(" "))

    assert soup.find("a", href=f"{PUBLIC_URL}/articles/{LUPUS}") is not None
    assert DISCLAIMER in text
    assert LUPUS_TITLE in text


# -- sections -------------------------------------------------------------------------------------

LUPUS_SECTIONS = [
    "Overview",
    "How lupus can cause numbness",
    "Mechanisms in more detail",
    "What numbness feels like in lupus",
    "When to seek evaluation",
    "Diagnostic approach",
    "Management strategies",
]
LUPUS_SUBSECTIONS = [
    "Peripheral neuropathy",
    "Raynaud's phenomenon",
    "Vasculitis (inflammation of blood vessels)",
    "Immune attacks on the nerves",
    "Vascular dysregulation",
]


def test_sections_are_closed_details(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sections").text)

    sections = closed_details(soup)

    assert [squash(d.summary.get_text()) for d in sections if d.summary] == LUPUS_SECTIONS
    assert [d for d in sections if d.has_attr("open")] == []


def test_sections_show_subsection_headings(client, variant, articles):
    soup = opened(client, variant, articles[LUPUS], "sections")

    subheadings = [h.get_text(strip=True) for h in soup.find_all(["h4", "h5"])]

    assert subheadings == LUPUS_SUBSECTIONS


def test_lazy_sections_hold_no_section_text(client, mode, articles):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sections").text)
    text = squash(soup.get_text(" "))

    assert soup.find_all(["h4", "h5"]) == []
    assert cite_markers(soup) == []
    assert articles[LUPUS].takeaway.plain not in text


def test_sections_show_every_paragraph_and_list_item(client, variant, articles):
    soup = opened(client, variant, articles[LUPUS], "sections")
    text = squash(soup.get_text(" "))
    article = articles[LUPUS]
    body = [*article.overview, *(b for s in article.sections for b in s.blocks)]
    body += [b for s in article.sections for sub in s.subsections for b in sub.blocks]

    runs = [
        squash(parse(str(part)).get_text(" "))
        for block in body
        for t in block_texts(block)
        for part in t.parts
        if not isinstance(part, Cite)
    ]

    assert runs
    assert [run for run in runs if run not in text] == []


def block_texts(block: Paragraph | ListBlock) -> list[Text]:
    if isinstance(block, Paragraph):
        return [block.text]
    return [t for item in block.items for t in (item.text, *(c.text for c in item.children))]


# -- escaping: hostile content shows as text ------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
HOSTILE_TITLE = f"Is {SCRIPT} {IMG} safe?"
HOSTILE_TAKEAWAY = f"Takeaway {SCRIPT} and {SVG}"
HOSTILE_SOURCE = f"Source {SCRIPT} {IMG}"
HOSTILE_CELL = f"Cell {SCRIPT} {IMG}"
HOSTILE_BODY = f"Body {SCRIPT} and {IMG} and {SVG}"
HOSTILE_HEADING = f"Heading {SCRIPT} {IMG}"
HOSTILE_SECTION_ID = "heading-script-alert-1-script-img-src-x-onerror-alert-1"


def y(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


def write_hostile_article(folder: Path) -> None:
    front = f"""---
slug: hostile-article
lang: en
title: {y(HOSTILE_TITLE)}
byline: {y("Team " + SCRIPT)}
published: 2026-02-16
reviewed: 2026-02-16
takeaway: {y(HOSTILE_TAKEAWAY + " [1]")}
key_takeaways:
  - {y("Point " + IMG + " [2]")}
related:
  - {y("Related " + SCRIPT)}
disclaimer: {y("Disclaimer " + IMG)}
comparison:
  caption: {y("Caption " + SCRIPT)}
  columns: [{y("Column " + IMG)}, Second]
  rows:
    - [{y(HOSTILE_CELL + " [1]")}, {y("plain [2]")}]
  note: {y("Note " + SCRIPT)}
sources:
  - title: {y(HOSTILE_SOURCE)}
    site: {y("Site " + SCRIPT)}
    url: {y('https://example.org/"onmouseover="alert(1)')}
  - title: Plain source
    site: Example
    url: https://example.org/plain
---

{HOSTILE_BODY} [1]

## {HOSTILE_HEADING}

- Item {SCRIPT} [2]
- A [link](https://example.org/?q="onmouseover=alert(1)) here [1]
"""
    (folder / "hostile-article.md").write_text(front, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    write_hostile_article(folder)
    return create_app(Settings(content_dir=folder, public_url=PUBLIC_URL))


@pytest.fixture
def hostile_client(hostile_app):
    with hostile_app.test_client() as client:
        yield client


def assert_inert(soup: BeautifulSoup, allowed: tuple[str, ...] = ()) -> None:
    dangerous = [name for name in ("script", "img", "svg", "iframe", "object", "embed") if name not in allowed]
    assert soup.find(dangerous) is None
    handlers = [(tag.name, attr) for tag in soup.find_all(True) for attr in tag.attrs if attr.lower().startswith("on")]
    assert handlers == []


HTMX_SRC = re.compile(re.escape(f"{PUBLIC_URL}/static/vendor/htmx-2.0.11/htmx.min") + r"(\.[0-9a-f]{12})?\.js")


def assert_only_our_scripts(html: str, soup: BeautifulSoup) -> dict[str, object]:
    """An embed document or page: one JSON-LD block, our resize script, at most our htmx; nothing from the content.

    Returns the JSON-LD, parsed: escaped so that no "<" can end its element early.
    """
    scripts = soup.find_all("script")
    # Every "<script" in the bytes is one of the parsed elements: none hides in text or attributes.
    assert html.lower().count("<script") == len(scripts)
    data = [script for script in scripts if script.get("type") == "application/ld+json"]
    code = [script for script in scripts if script not in data]
    assert len(data) == 1
    assert len(code) <= 2
    for script in code:
        assert set(script.attrs) == {"src", "defer"}
        assert HTMX_SRC.fullmatch(str(script["src"])) or RESIZE_SRC.fullmatch(str(script["src"])), script
        assert not script.get_text().strip()
    raw = data[0].get_text()
    assert "<" not in raw
    assert ">" not in raw
    parsed: dict[str, object] = json.loads(raw)
    for script in scripts:
        script.decompose()  # what is left must be inert
    return parsed


HOSTILE_SHOWN = {
    "takeaway": [HOSTILE_TAKEAWAY, HOSTILE_SOURCE, "Team " + SCRIPT, "Disclaimer " + IMG],
    "comparison": [HOSTILE_CELL, "Caption " + SCRIPT, "Column " + IMG, "Note " + SCRIPT],
    "sources": [HOSTILE_SOURCE, "Site " + SCRIPT],
    "sections": [HOSTILE_BODY, HOSTILE_HEADING, "Item " + SCRIPT],
}
# What a lazy widget shows before any part is opened; the rest is checked in its parts.
HOSTILE_SHOWN_CLOSED = {
    "takeaway": HOSTILE_SHOWN["takeaway"],
    "comparison": HOSTILE_SHOWN["comparison"],
    "sources": ["Team " + SCRIPT, "Disclaimer " + IMG],
    "sections": [HOSTILE_HEADING, "Team " + SCRIPT, "Disclaimer " + IMG],
}
# A section's heading is its expander's summary, so it is in the widget, not in the part.
HOSTILE_IN_PARTS = {"sources": HOSTILE_SHOWN["sources"], "sections": [HOSTILE_BODY, "Item " + SCRIPT]}
HOSTILE_PARTS = {"sources": ["sources"], "sections": ["overview", "section-" + HOSTILE_SECTION_ID]}


def hostile_document(html: str, mode: str) -> BeautifulSoup:
    soup = parse(html)
    if mode == "fragment":
        assert "<script" not in html.lower()
    else:
        data = assert_only_our_scripts(html, soup)
        assert data["name"] == HOSTILE_TITLE
        assert [c["name"] for c in data["citation"]] == [HOSTILE_SOURCE, "Plain source"]  # type: ignore[attr-defined]
    assert_inert(soup)
    return soup


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_content_is_escaped(hostile_client, mode, kind):
    response = hostile_client.get(f"/{mode}/hostile-article/{kind}")

    soup = hostile_document(response.text, mode)

    assert response.status_code == 200
    text = squash(soup.get_text(" "))
    assert HOSTILE_TITLE in text
    for value in HOSTILE_SHOWN_CLOSED[kind]:
        assert squash(value) in text, value


@pytest.mark.parametrize("kind", LAZY_KINDS)
def test_hostile_content_is_escaped_in_parts(hostile_client, variant, kind):
    texts = []
    for part in HOSTILE_PARTS[kind]:
        if variant == "part":
            path = f"/fragment/hostile-article/{kind}/{part}"
        else:
            path = f"/embed/hostile-article/{kind}?open={part}"
        response = hostile_client.get(path)

        soup = hostile_document(response.text, "fragment" if variant == "part" else "embed")

        assert response.status_code == 200, path
        texts.append(squash(soup.get_text(" ")))
    for value in HOSTILE_IN_PARTS[kind]:
        assert any(squash(value) in text for text in texts), value


@pytest.mark.parametrize("kind", LAZY_KINDS)
def test_hostile_part_urls_stay_urls(hostile_client, mode, kind):
    soup = parse(hostile_client.get(f"/{mode}/hostile-article/{kind}").text)

    expanders = closed_details(soup)

    assert [str(d["id"]) for d in expanders] == [f"hw-hostile-article-{part}" for part in HOSTILE_PARTS[kind]]
    for details, part in zip(expanders, HOSTILE_PARTS[kind], strict=True):
        assert details["data-hx-get"] == f"{PUBLIC_URL}/fragment/hostile-article/{kind}/{part}"
        fallback = details.select_one("a.hw-fallback")
        assert isinstance(fallback, Tag)
        assert fallback["href"] == f"{PUBLIC_URL}/embed/hostile-article/{kind}?open={part}#hw-hostile-article-{part}"


def test_hostile_embed_title_is_text(hostile_client):
    soup = parse(hostile_client.get("/embed/hostile-article/takeaway").text)

    assert soup.title is not None
    assert HOSTILE_TITLE in soup.title.get_text()


def test_hostile_content_is_escaped_on_the_index(hostile_client):
    response = hostile_client.get("/")
    soup = parse(response.text)

    assert response.status_code == 200
    assert "<script" not in response.text.lower()
    assert_inert(soup)
    assert HOSTILE_TITLE in squash(soup.get_text(" "))


def test_hostile_content_is_escaped_on_the_article_page(hostile_client):
    response = hostile_client.get("/articles/hostile-article")
    soup = parse(response.text)

    data = assert_only_our_scripts(response.text, soup)

    assert response.status_code == 200
    assert soup.find("script") is None
    assert_inert(soup, allowed=("iframe",))
    assert soup.find("iframe") is None
    text = squash(soup.get_text(" "))
    assert HOSTILE_TITLE in text
    for value in (*HOSTILE_SHOWN["takeaway"], *HOSTILE_SHOWN["sources"], *HOSTILE_SHOWN["sections"]):
        assert squash(value) in text, value
    assert data["name"] == HOSTILE_TITLE
    alternates = soup.find_all("link", rel="alternate")
    assert [link["title"] for link in alternates] == [HOSTILE_TITLE, HOSTILE_TITLE]


def test_hostile_title_in_embed_codes_stays_an_attribute(hostile_client):
    soup = parse(hostile_client.get("/articles/hostile-article").text)

    pasted = [parse(code.get_text()) for code in soup.select("pre code")]

    frames = [frame for code in pasted for frame in code.find_all("iframe")]
    assert len(frames) == len(KINDS)
    for frame in frames:
        assert str(frame["title"]).endswith(": " + HOSTILE_TITLE)
    includes = [a for code in pasted for a in code.select("div > a")]
    assert [a.get_text() for a in includes] == [HOSTILE_TITLE] * len(KINDS)
    for code in pasted:
        assert_inert(code, allowed=("iframe",))  # the embed code is an iframe; nothing else may appear


def write_plain_article(folder: Path, slug: str, title: str) -> None:
    (folder / f"{slug}.md").write_text(
        f"""---
slug: {slug}
lang: en
title: {y(title)}
byline: Team
published: 2026-02-16
reviewed: 2026-02-16
takeaway: Short answer. [1]
key_takeaways:
  - A point. [1]
sources:
  - title: A source
    site: Example
    url: https://example.org/a
---

The overview. [1]
""",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "title", ["What is Raynaud's phenomenon?", "Lupus & the nerves", 'The "stocking-glove" pattern']
)
def test_embed_code_iframe_title_reads_as_the_title(content_dir, title):
    write_plain_article(content_dir, "everyday-title", title)
    app = create_app(Settings(content_dir=content_dir, public_url=PUBLIC_URL))
    with app.test_client() as client:
        soup = parse(client.get("/articles/everyday-title").text)

    frames = [f for code in soup.select("pre code") for f in parse(code.get_text()).find_all("iframe")]

    assert [f["title"] for f in frames] == [
        f"{name}: {title}" for name in ("Key takeaway", "Comparison table", "Sources", "Article sections")
    ]
