"""The sample content in content/ loads without errors and keeps the reference article's citation graph.

The other tests use their own copies under tests/content/, so an editor's change to content/ is
checked here and nowhere else.
"""

from __future__ import annotations

from datetime import date

from widget.content import check_articles, load_articles
from widget.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "content" / "articles"
TODAY = date(2026, 12, 4)


def test_sample_content_loads():
    catalogue = load_articles(SAMPLE, today=TODAY)

    assert list(catalogue.articles) == ["lupus-numbness", "small-fiber-neuropathy-testing"]
    assert all(w.severity == "warning" for w in catalogue.warnings)
    assert len(catalogue.warnings) == 5  # the four duplicate sources, and es/ (a folder) passed over


def test_sample_content_has_no_errors():
    _, problems = check_articles(SAMPLE, today=TODAY)

    assert [p for p in problems if p.severity == "error"] == []


def test_sample_lupus_citation_counts():
    article = load_articles(SAMPLE, today=TODAY).get("lupus-numbness")

    counts = {source.number: len(source.cites) for source in article.sources}

    # The back-reference letters of the reference article's source list.
    assert counts == {1: 3, 2: 11, 3: 1, 4: 6, 5: 8, 6: 8, 7: 9, 8: 9, 9: 6, 10: 9, 11: 5, 12: 1, 13: 2, 14: 2}
    assert len(article.sources) == 14


def test_sample_lupus_source_letters():
    article = load_articles(SAMPLE, today=TODAY).get("lupus-numbness")

    letters = [cite.letter for cite in article.source(2).cites]

    assert letters == list("abcdefghijk")


def test_sample_lupus_comparison():
    article = load_articles(SAMPLE, today=TODAY).get("lupus-numbness")

    comparison = article.comparison

    assert comparison is not None
    assert comparison.columns == ("Mechanism", "Typical features", "Pattern", "Key tests", "Treatment focus")
    assert len(comparison.rows) == 4
    assert all(len(row) == 5 for row in comparison.rows)
    assert comparison.rows[0][0].plain == "Peripheral neuropathy (large fibers)"
