"""What a reader sees in each widget: structure, citations, sources, and escaped content."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from tests.conftest import PUBLIC_URL, SAMPLE_CONTENT
from widget import create_app
from widget.content import Article, load_articles
from widget.markup import Cite, ListBlock, Paragraph, Text
from widget.render import Kind, Links, render_widget
from widget.settings import Settings

KINDS: list[Kind] = ["takeaway", "comparison", "sources", "sections"]
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
    return dict(load_articles(SAMPLE_CONTENT).articles)


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
    details = closed_details(soup)
    assert len(details) == 1
    ol = details[0].find("ol")
    assert isinstance(ol, Tag)
    return ol.find_all("li", recursive=False)


def test_sources_are_in_closed_details(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sources").text)

    details = closed_details(soup)

    assert len(details) == 1
    assert not details[0].has_attr("open")
    assert details[0].summary is not None
    assert "Sources (14)" in squash(details[0].summary.get_text())


@pytest.mark.parametrize("slug", SLUGS)
def test_sources_link_out_with_title_and_site(client, mode, articles, slug):
    soup = parse(client.get(f"/{mode}/{slug}/sources").text)
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


def test_sources_count_back_references(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sources").text)

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
    with app.app_context():
        html = "".join(render_widget(app.jinja_env, articles[LUPUS], kind, "page", links) for kind in KINDS)

    soup = parse(html)

    check_cross_links(soup)


# -- standalone widgets: a marker opens its source in place ---------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", STANDALONE_WITH_TEXT)
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


@pytest.mark.parametrize("kind", KINDS)
def test_embed_links_leave_the_frame(client, kind):
    soup = parse(client.get(f"/embed/{LUPUS}/{kind}").text)

    links = [a for a in soup.find_all("a", href=True) if not attr(a, "href").startswith("#")]

    assert links
    for link in links:
        assert link.get("target") == "_blank", link
        assert "noopener" in attr(link, "rel").split(), link


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


def test_sections_show_subsection_headings(client, mode):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sections").text)
    sections = closed_details(soup)

    subheadings = [h.get_text(strip=True) for d in sections for h in d.find_all(["h4", "h5"])]

    assert subheadings == LUPUS_SUBSECTIONS


def test_sections_show_every_paragraph_and_list_item(client, mode, articles):
    soup = parse(client.get(f"/{mode}/{LUPUS}/sections").text)
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


@pytest.fixture
def hostile_client(content_dir):
    write_hostile_article(content_dir)
    app = create_app(Settings(content_dir=content_dir, public_url=PUBLIC_URL))
    with app.test_client() as client:
        yield client


def assert_inert(soup: BeautifulSoup, allowed: tuple[str, ...] = ()) -> None:
    dangerous = [name for name in ("script", "img", "svg", "iframe", "object", "embed") if name not in allowed]
    assert soup.find(dangerous) is None
    handlers = [(tag.name, attr) for tag in soup.find_all(True) for attr in tag.attrs if attr.lower().startswith("on")]
    assert handlers == []


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("takeaway", [HOSTILE_TAKEAWAY, HOSTILE_SOURCE, "Team " + SCRIPT, "Disclaimer " + IMG]),
        ("comparison", [HOSTILE_CELL, "Caption " + SCRIPT, "Column " + IMG, "Note " + SCRIPT]),
        ("sources", [HOSTILE_SOURCE, "Site " + SCRIPT]),
        ("sections", [HOSTILE_BODY, HOSTILE_HEADING, "Item " + SCRIPT]),
    ],
)
def test_hostile_content_is_escaped(hostile_client, mode, kind, shown):
    response = hostile_client.get(f"/{mode}/hostile-article/{kind}")
    soup = parse(response.text)
    text = squash(soup.get_text(" "))

    assert response.status_code == 200
    assert "<script" not in response.text.lower()
    assert_inert(soup)
    assert HOSTILE_TITLE in text
    for value in shown:
        assert squash(value) in text, value


def test_hostile_embed_title_is_text(hostile_client):
    soup = parse(hostile_client.get("/embed/hostile-article/takeaway").text)

    assert soup.title is not None
    assert HOSTILE_TITLE in soup.title.get_text()


@pytest.mark.parametrize("path", ["/", "/articles/hostile-article"])
def test_hostile_content_is_escaped_on_pages(hostile_client, path):
    response = hostile_client.get(path)
    soup = parse(response.text)

    assert response.status_code == 200
    assert "<script" not in response.text.lower()
    assert_inert(soup)
    assert HOSTILE_TITLE in squash(soup.get_text(" "))


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
