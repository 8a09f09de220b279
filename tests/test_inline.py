"""The markup inside article text (widget/inline.py): citation markers, source lines, outbound
links, and every value escaped once.

Rendered through a bare Jinja environment with :func:`install`, as the templates call them, with a
gettext of the test's choosing; the article is one of the tests' own, with its sources replaced
where a test needs hostile text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from flask import Flask
from jinja2 import Environment
from markupsafe import Markup

from tests.support import ARTICLES
from widget.content import Article, Source, load_articles
from widget.inline import install
from widget.markup import Cite, Text
from widget.render import Page
from widget.urls import Links

SLUG = "lupus-numbness"
NEW_TAB = '<span class="hw-vh"> (opens in a new tab)</span>'
HOSTILE = Source(
    number=1,
    title='<script>alert("t")</script>',
    site="A & B <i>",
    url='https://x.example/?a=1&b="2"',
    pmid="<1>",
    doi="10.1/<x>",
    cites=(),
)


@pytest.fixture(scope="module")
def article() -> Article:
    return load_articles(ARTICLES).articles[SLUG]


@pytest.fixture(scope="module")
def links(open_app: Flask) -> Links:
    return open_app.extensions["widget.links"]  # type: ignore[no-any-return]


def render(template: str, gettext: Callable[[str], str] = str, **values: object) -> str:
    env = Environment(autoescape=True)
    install(env)
    env.globals["gettext"] = gettext
    return env.from_string(template).render(**values)


def test_outbound_opens_a_new_tab_and_says_so():
    html = render("{{ outbound(url, label) }}", url="https://pubmed.example/1", label="A study")

    assert html == (
        '<a class="hw-link" href="https://pubmed.example/1" target="_blank" rel="noopener noreferrer">'
        f"A study{NEW_TAB}</a>"
    )


def test_outbound_escapes_url_label_and_class():
    html = render(
        "{{ outbound(url, label, cls) }}", url='https://x.example/?a=1&b="2"', label="<b>", cls='x" onclick="'
    )

    assert html == (
        '<a class="x&#34; onclick=&#34;" href="https://x.example/?a=1&amp;b=&#34;2&#34;" target="_blank" '
        f'rel="noopener noreferrer">&lt;b&gt;{NEW_TAB}</a>'
    )


def test_outbound_says_new_tab_in_the_render_language():
    spanish = {"(opens in a new tab)": "(se abre en una pestaña nueva)"}

    html = render("{{ outbound(url, label) }}", spanish.__getitem__, url="https://x.example", label="Un estudio")

    assert html.endswith('Un estudio<span class="hw-vh"> (se abre en una pestaña nueva)</span></a>')


def test_source_line_with_pmid_and_doi():
    source = dataclasses.replace(
        HOSTILE, title="Study", site="PubMed", url="https://p.example/1", pmid="123", doi="10.1/x"
    )

    html = render("{{ source_line(source) }}", source=source)

    assert html == (
        '<a class="hw-source-title" href="https://p.example/1" target="_blank" rel="noopener noreferrer">'
        f'Study{NEW_TAB}</a> <span class="hw-source-site">PubMed</span> <span class="hw-id">PMID 123</span> '
        '<span class="hw-id">DOI <a class="hw-link" href="https://doi.org/10.1/x" target="_blank" '
        f'rel="noopener noreferrer">10.1/x{NEW_TAB}</a></span>'
    )


def test_source_line_without_identifiers_has_no_id_spans():
    source = dataclasses.replace(HOSTILE, title="Study", site="Mayo", pmid=None, doi=None)

    html = render("{{ source_line(source) }}", source=source)

    assert "hw-id" not in html
    assert html.endswith('<span class="hw-source-site">Mayo</span>')


def test_source_line_escapes_every_field():
    html = render("{{ source_line(source) }}", source=HOSTILE)

    assert "<script>" not in html
    assert "<i>" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert '<span class="hw-source-site">A &amp; B &lt;i&gt;</span>' in html
    assert '<span class="hw-id">PMID &lt;1&gt;</span>' in html
    assert 'href="https://doi.org/10.1/&lt;x&gt;"' in html


def test_marker_links_to_the_source_list_on_the_same_page(article, links):
    page = Page(article, "sources", "embed", links)

    html = render("{{ cite(c, page) }}", c=Cite(2, 0), page=page)

    assert html == (
        f'<a class="hw-cite" id="hw-{SLUG}-c2a" href="#hw-{SLUG}-s2"><span class="hw-vh">Source </span>'
        '<span aria-hidden="true">[</span>2<span aria-hidden="true">]</span></a>'
    )


def test_marker_names_its_citation_by_letter(article, links):
    page = Page(article, "takeaway", "page", links)

    html = render("{{ cite(c, page) }}", c=Cite(3, 27), page=page)

    assert f'id="hw-{SLUG}-c3ab"' in html


def test_marker_without_a_source_list_opens_its_source_in_place(article, links):
    article = dataclasses.replace(article, sources=(HOSTILE, *article.sources[1:]))
    page = Page(article, "takeaway", "fragment", links)

    html = render("{{ cite(c, page) }}", c=Cite(1, 0), page=page)

    assert html.startswith(f'<details class="hw-cite" id="hw-{SLUG}-c1a"><summary><span class="hw-vh">Source </span>')
    assert '</summary><span class="hw-cite-card">1. <a class="hw-source-title"' in html
    assert html.endswith("</span></details>")
    assert "<script>" not in html
    assert 'href="#' not in html


def test_text_joins_escaped_runs_and_markers(article, links):
    page = Page(article, "sources", "embed", links)
    text = Text((Markup("Numbness &amp; <em>tingling</em>"), Cite(1, 0), Markup(".")), "Numbness & tingling.")

    html = render("{{ text(t, page) }}", t=text, page=page)

    assert html.startswith('Numbness &amp; <em>tingling</em><a class="hw-cite"')
    assert html.endswith("</a>.")
    assert html.count('class="hw-cite"') == 1
