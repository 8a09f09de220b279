"""YAML mistakes in an article's front matter: a sentence saying what to do, at the line, and the
rest of the file still checked (widget/content/yamlerrors.py, widget/content/frontmatter.py)."""

from __future__ import annotations

from datetime import date

import pytest

from widget.content import Problem, check_articles

# Lines: 2 slug, 3 lang, 4 title, 5 byline, 6 published, 7 reviewed (a bad date, below the
# mistakes or above them: reported either way), 8 takeaway, 9-10 key_takeaways, 11 comparison,
# 15 its row, 16 sources, 17-19 source [1].
ARTICLE = """\
---
slug: example
lang: en
title: Is this an example?
byline: Health Widgets Medical Team
published: 2026-01-10
reviewed: 2026-02-30
takeaway: Yes, it is an example. [1]
key_takeaways:
  - Examples help. [1]
comparison:
  caption: Two things compared
  columns: [Thing, Feature]
  rows:
    - [One, "First feature [1]"]
sources:
  - title: Source one
    site: Site A
    url: https://a.example.org/one
---

The overview paragraph. [1]
"""
BAD_DATE = ("reviewed", "must be a date written YYYY-MM-DD, got '2026-02-30'", 7)
TAKEAWAY = "takeaway: Yes, it is an example. [1]"
ROW = '    - [One, "First feature [1]"]'


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        pytest.param(
            "    site: Site A", "\t  site: Site A", 18, "tabs are not allowed for indenting; use spaces", id="tab"
        ),
        pytest.param(
            "title: Is this an example?",
            "title: Lupus: is this an example?",
            4,
            "put this title in quotes: it contains ': '",
            id="colon",
        ),
        pytest.param(
            "  - title: Source one",
            "  - title: Lupus: a guide",
            17,
            "put this title in quotes: it contains ': '",
            id="colon-in-a-source",
        ),
        pytest.param(
            ROW,
            "    - [One, First feature [1]]",
            15,
            'put this table cell in double quotes: "First feature [1]" (it holds a citation marker, which [ ] reads as its own)',
            id="cell-with-a-citation",
        ),
        pytest.param(
            ROW,
            '    - [One, "Numbness, tingling" and weakness]',
            15,
            'this table cell starts with a quote, so it must end with one: write "Numbness, tingling and weakness"',
            id="cell-quoted-in-part",
        ),
        pytest.param(
            ROW,
            "    - [One, First feature",
            15,
            "this [ list is never closed: end it with ']' on the same line",
            id="row-not-closed",
        ),
        pytest.param(
            TAKEAWAY,
            "takeaway: [1] Yes, it is.",
            8,
            "put this takeaway in quotes: it starts with '[' (YAML reads [...] as a list)",
            id="starts-with-a-citation",
        ),
        pytest.param(
            TAKEAWAY,
            "takeaway: *Yes*, it is. [1]",
            8,
            "put this takeaway in quotes: it starts with '*' (YAML reads *name as a reference to another value)",
            id="starts-with-emphasis",
        ),
        pytest.param(
            TAKEAWAY,
            "takeaway: `Yes`, it is. [1]",
            8,
            "put this takeaway in quotes: it starts with '`' (YAML reserves '`')",
            id="starts-with-code",
        ),
        pytest.param(
            TAKEAWAY,
            'takeaway: "Yes," it is. [1]',
            8,
            "put this takeaway in quotes: it starts with '\"' (a value that starts with a quote must end with it)",
            id="quoted-in-part",
        ),
        pytest.param(
            TAKEAWAY,
            "takeaway: 'It's an example. [1]'",
            8,
            "put this takeaway in double quotes: inside '...' an apostrophe ends the text (or write it twice: '')",
            id="apostrophe-in-single-quotes",
        ),
        pytest.param(
            TAKEAWAY,
            'takeaway: "Yes, it is. [1]',
            8,
            "this quoted value is never closed: end it with the same quote it starts with",
            id="quote-not-closed",
        ),
        pytest.param(
            TAKEAWAY,
            "takeaway: > Yes, it is. [1]",
            8,
            "after '|' or '>', start the text on the next line, indented",
            id="folded-text-on-the-same-line",
        ),
        pytest.param(
            "    site: Site A",
            "    site Site A",
            18,
            "this line has no ':' after its field name; write 'name: value'",
            id="no-colon",
        ),
        pytest.param(
            "byline: Health Widgets Medical Team",
            "  byline: Health Widgets Medical Team",
            5,
            "'byline' is indented more than the field above it, which has a value; line the two up",
            id="indented-too-far",
        ),
    ],
)
def test_yaml_mistake_says_what_to_do_and_the_rest_is_checked(tmp_path, old, new, line, message):
    assert old in ARTICLE
    path = tmp_path / "example.md"
    path.write_text(ARTICLE.replace(old, new, 1), encoding="utf-8")

    articles, problems = check_articles(tmp_path, today=date(2026, 3, 1))

    assert articles == {}
    assert sorted(problems, key=lambda p: p.line or 0) == sorted(
        [Problem(str(path), "front matter", message, line), Problem(str(path), *BAD_DATE)], key=lambda p: p.line or 0
    )


def test_yaml_mistakes_in_two_fields_are_both_reported(tmp_path):
    text = ARTICLE.replace("title: Is this an example?", "title: Lupus: a guide").replace(TAKEAWAY, "takeaway: @home")
    path = tmp_path / "example.md"
    path.write_text(text, encoding="utf-8")

    _, problems = check_articles(tmp_path, today=date(2026, 3, 1))

    assert [(p.line, p.message) for p in problems if p.field == "front matter"] == [
        (4, "put this title in quotes: it contains ': '"),
        (8, "put this takeaway in quotes: it starts with '@' (YAML reserves '@')"),
    ]


def test_a_field_given_twice_across_a_yaml_mistake_is_named(tmp_path):
    text = ARTICLE.replace("title: Is this an example?", "title: Lupus: a guide").replace(
        "byline: Health Widgets Medical Team", "lang: es"
    )
    path = tmp_path / "example.md"
    path.write_text(text, encoding="utf-8")

    _, problems = check_articles(tmp_path, today=date(2026, 3, 1))

    assert (
        Problem(
            str(path),
            "front matter",
            "is not valid YAML: 'lang' is given twice, on lines 3 and 5; keep one (YAML would keep the last)",
            5,
        )
        in problems
    )


def test_a_field_indented_under_a_quoted_value_is_named(tmp_path):
    text = ARTICLE.replace("title: Is this an example?", 'title: "Is this an example?"').replace(
        "byline: Health", "  byline: Health"
    )
    path = tmp_path / "example.md"
    path.write_text(text, encoding="utf-8")

    _, problems = check_articles(tmp_path, today=date(2026, 3, 1))

    message = "'byline' is indented more than the field above it, which has a value; line the two up"
    assert Problem(str(path), "front matter", message, 5) in problems
    assert [p for p in problems if p.field == "byline"] == []


def test_a_field_without_its_colon_is_not_also_called_missing(tmp_path):
    path = tmp_path / "example.md"
    path.write_text(ARTICLE.replace("byline: Health", "byline Health"), encoding="utf-8")

    _, problems = check_articles(tmp_path, today=date(2026, 3, 1))

    assert sorted(problems, key=lambda p: p.line or 0) == [
        Problem(str(path), "front matter", "this line has no ':' after its field name; write 'name: value'", 5),
        Problem(str(path), *BAD_DATE),
    ]


def test_a_hash_that_cuts_an_unquoted_value_short_is_a_warning(tmp_path):
    text = ARTICLE.replace("reviewed: 2026-02-30", "reviewed: 2026-01-12  # the second review")
    path = tmp_path / "example.md"
    path.write_text(text.replace("title: Is this an example?", "title: Is fatigue #1 in lupus?"), encoding="utf-8")

    articles, problems = check_articles(tmp_path, today=date(2026, 3, 1))

    message = "'#1 in lupus?' is read as a comment and left out; put the whole value in quotes to keep it"
    assert articles["example"].title == "Is fatigue"
    assert problems == [Problem(str(path), "front matter", message, 4, "warning")]
