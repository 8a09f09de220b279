"""The Spanish sample articles (content/articles/es/) load cleanly and cite as their English originals do.

A reader who follows a citation marker in the Spanish text must land on the same source as in the
English one, so each source keeps its number and is cited as many times, in the same order (its
back-reference letters). The folder is checked on its own, as today's loader reads one folder of
article files; the English folder must still load exactly its two articles.
"""

from __future__ import annotations

from datetime import date

import pytest

from widget.content import Article, Problem, check_articles, load_articles
from widget.markup import Block, ListBlock, Section
from widget.settings import PROJECT_ROOT

ENGLISH = PROJECT_ROOT / "content" / "articles"
SPANISH = ENGLISH / "es"
TODAY = date(2026, 12, 4)
SLUGS = ["lupus-numbness", "small-fiber-neuropathy-testing"]


def english(slug: str) -> Article:
    return load_articles(ENGLISH, today=TODAY).get(slug)


def spanish(slug: str) -> Article:
    return load_articles(SPANISH, today=TODAY).get(slug)


def messages(problems: tuple[Problem, ...] | list[Problem]) -> list[tuple[str, str, int | None, str]]:
    """Each problem without its file, which differs between the two folders."""
    return [(p.severity, p.field, p.line, p.message) for p in problems]


def outline(blocks: tuple[Block, ...]) -> list[object]:
    """Each block as "p", or as its list's items with their nested items' counts."""
    return [[len(i.children) for i in b.items] if isinstance(b, ListBlock) else "p" for b in blocks]


def shape(sections: tuple[Section, ...]) -> list[object]:
    """Each section's outline and, one level down, its subsections'."""
    return [(outline(s.blocks), shape(s.subsections)) for s in sections]


def test_spanish_folder_has_no_errors():
    articles, problems = check_articles(SPANISH, today=TODAY)

    assert [str(p) for p in problems if p.severity == "error"] == []
    assert sorted(articles) == SLUGS


def test_spanish_warnings_are_the_english_ones():
    # Both lupus files list the same source twice (as [10] and [11], [4] and [13]); the warnings
    # must be those and no others, one front-matter line lower for the longer Spanish title.
    _, spanish_problems = check_articles(SPANISH, today=TODAY)
    _, english_problems = check_articles(ENGLISH, today=TODAY)
    english_articles = [p for p in english_problems if p.file.endswith(".md")]

    assert [(s, f, m) for s, f, _, m in messages(spanish_problems)] == [
        (s, f, m) for s, f, _, m in messages(english_articles)
    ]


@pytest.mark.parametrize("slug", SLUGS)
def test_spanish_article_is_in_spanish(slug):
    article = spanish(slug)

    assert article.lang == "es"
    assert article.title.startswith("¿")


@pytest.mark.parametrize("slug", SLUGS)
def test_spanish_article_keeps_the_english_dates(slug):
    es, en = spanish(slug), english(slug)

    assert (es.published, es.reviewed, es.next_review) == (en.published, en.reviewed, en.next_review)


@pytest.mark.parametrize("slug", SLUGS)
def test_spanish_article_keeps_the_english_sources(slug):
    es, en = spanish(slug), english(slug)

    def listed(article: Article) -> list[tuple[str, str, str, str | None, str | None]]:
        return [(s.title, s.site, s.url, s.pmid, s.doi) for s in article.sources]

    assert listed(es) == listed(en)


@pytest.mark.parametrize("slug", SLUGS)
def test_spanish_article_cites_each_source_as_often_and_in_the_same_order(slug):
    es, en = spanish(slug), english(slug)

    def letters(article: Article) -> dict[int, list[str]]:
        return {s.number: [c.letter for c in s.cites] for s in article.sources}

    assert letters(es) == letters(en)


def test_spanish_lupus_back_reference_counts():
    article = spanish("lupus-numbness")

    counts = {source.number: len(source.cites) for source in article.sources}

    # The reference article's counts, as its English source list shows them.
    assert counts == {1: 3, 2: 11, 3: 1, 4: 6, 5: 8, 6: 8, 7: 9, 8: 9, 9: 6, 10: 9, 11: 5, 12: 1, 13: 2, 14: 2}


@pytest.mark.parametrize("slug", SLUGS)
def test_spanish_article_has_every_section_and_table_row(slug):
    es, en = spanish(slug), english(slug)
    assert es.comparison is not None and en.comparison is not None

    assert shape(es.sections) == shape(en.sections)
    assert outline(es.overview) == outline(en.overview)
    assert len(es.key_takeaways) == len(en.key_takeaways)
    assert [len(row) for row in es.comparison.rows] == [len(row) for row in en.comparison.rows]
    assert len(es.comparison.columns) == len(en.comparison.columns)
    assert [r.slug for r in es.related] == [r.slug for r in en.related]


def test_spanish_lupus_table_is_translated():
    comparison = spanish("lupus-numbness").comparison

    assert comparison is not None
    assert comparison.columns == (
        "Mecanismo",
        "Rasgos típicos",
        "Distribución",
        "Pruebas principales",
        "Objetivo del tratamiento",
    )
    assert comparison.rows[0][0].plain == "Neuropatía periférica (fibras grandes)"


def test_english_folder_still_loads_its_two_articles():
    catalogue = load_articles(ENGLISH, today=TODAY)

    assert list(catalogue.articles) == SLUGS
    assert all(article.lang == "en" for article in catalogue.articles.values())
    # Today's loader reads one folder: it passes over es/ with a warning of its own.
    ignored = [str(w) for w in catalogue.warnings if not w.file.endswith(".md")]
    assert ignored == [f"{SPANISH}: warning: is not an article file (*.md) and was ignored"]
