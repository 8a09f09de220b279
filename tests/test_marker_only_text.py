"""A text made only of citation markers ("[4] [5]") is shown, and its citations count, in every field."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.support import PUBLIC_URL
from widget import create_app
from widget.content import load_articles
from widget.settings import Settings

# Each text field cites one source of its own, with nothing but the marker: source N is cited only there.
ARTICLE = """\
---
slug: markers
lang: en
title: Are markers alone shown?
byline: Health Widgets Medical Team
published: 2026-01-10
reviewed: 2026-01-12
takeaway: "[1]"
key_takeaways:
  - "[2]"
comparison:
  caption: Two things compared
  columns: [Thing, Feature]
  rows:
    - ["[3]", "[4]"]
  note: "[5]"
sources:
{sources}
---

[6]

## A section

[7]

- [8]
  - [9]
"""
# Source number: the field, and the widget (or the part of one that htmx loads) that shows it.
FIELDS = {
    1: ("takeaway", "takeaway"),
    2: ("key_takeaways[1]", "takeaway"),
    3: ("comparison row header", "comparison"),
    4: ("comparison cell", "comparison"),
    5: ("comparison.note", "comparison"),
    6: ("overview paragraph", "sections/overview"),
    7: ("section paragraph", "sections/section-a-section"),
    8: ("list item", "sections/section-a-section"),
    9: ("nested list item", "sections/section-a-section"),
}


def marker(number: int) -> str:
    """How a citation marker of source ``number`` appears in a body."""
    return f'<span aria-hidden="true">[</span>{number}<span aria-hidden="true">]</span>'


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    sources = "".join(
        f"  - title: Source {n}\n    site: Site {n}\n    url: https://s{n}.example.org/\n" for n in FIELDS
    )
    (folder / "markers.md").write_text(ARTICLE.format(sources=sources.rstrip("\n")), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def marker_app(folder: Path) -> Flask:
    return create_app(Settings(content_dir=folder, public_url=PUBLIC_URL))


@pytest.mark.parametrize("number", list(FIELDS), ids=[field for field, _ in FIELDS.values()])
def test_marker_only_text_counts_its_citation(folder, number):
    article = load_articles(folder).get("markers")

    assert len(article.source(number).cites) == 1
    assert article.source(number).cites[0].index == 0


@pytest.mark.parametrize("number", list(FIELDS), ids=[field for field, _ in FIELDS.values()])
def test_marker_only_text_shows_on_the_article_page(marker_app, number):
    html = marker_app.test_client().get("/articles/markers").text

    assert html.count(marker(number)) == 1
    assert "Not cited in the text" not in html


@pytest.mark.parametrize("number", list(FIELDS), ids=[field for field, _ in FIELDS.values()])
def test_marker_only_text_shows_in_its_widget(marker_app, number):
    widget = FIELDS[number][1]

    response = marker_app.test_client().get(f"/fragment/markers/{widget}")

    assert response.status_code == 200
    assert marker(number) in response.text


@pytest.mark.parametrize("number", [n for n, (_, widget) in FIELDS.items() if "/" not in widget])
def test_marker_only_text_shows_in_its_embed(marker_app, number):
    response = marker_app.test_client().get(f"/embed/markers/{FIELDS[number][1]}")

    assert response.status_code == 200
    assert marker(number) in response.text


@pytest.mark.parametrize("path", ["/fragment/markers/sources/sources", "/embed/markers/sources?open=sources"])
def test_marker_only_texts_count_in_the_sources_widget(marker_app, path):
    html = marker_app.test_client().get(path).text

    assert html.count("Cited once:") == len(FIELDS)
    assert "Not cited in the text" not in html
