"""Loading and checking article files: widget/content.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from widget.content import (
    MAX_FILE_BYTES,
    Article,
    ArticleNotFound,
    Catalogue,
    InvalidContent,
    Problem,
    check_articles,
    digest_of,
    load_articles,
)
from widget.markup import Cite, ListBlock, Paragraph

TODAY = date(2026, 3, 1)

# The smallest valid article. Line numbers below are the file's (1-based) lines:
# 2 slug, 3 lang, 4 title, 5 byline, 6 published, 7 reviewed, 8 takeaway, 9-10 key_takeaways,
# 11 sources, 12-14 source [1], 15-17 source [2], 18 closing '---', 20 overview, 22 section, 24 bullet.
MINIMAL = """\
---
slug: example
lang: en
title: Is this an example?
byline: Health Widgets Medical Team
published: 2026-01-10
reviewed: 2026-01-12
takeaway: Yes, it is an *example*. [1]
key_takeaways:
  - Examples help. [2]
sources:
  - title: Source one
    site: Site A
    url: https://a.example.org/one
  - title: Source two
    site: Site B
    url: https://b.example.org/two
---

The overview paragraph. [1] [2]

## A section

- A bullet point. [1]
"""

COMPARISON = """\
comparison:
  caption: Two things compared
  columns: [Thing, Feature]
  rows:
    - [One, "First feature [1]"]
    - [Two, Second feature, An extra cell]
sources:"""

REORDERING = (
    ", an invisible control or text-reordering character"
    " (C0/C1 controls, U+061C, U+200E-200F, U+202A-202E, U+2066-2069); remove it"
)


def write_article(folder: Path, text: str = MINIMAL, slug: str = "example") -> Path:
    path = folder / f"{slug}.md"
    path.write_text(text, encoding="utf-8")
    return path


def variant(old: str, new: str, text: str = MINIMAL) -> str:
    assert old in text, f"{old!r} is not in the article text"
    return text.replace(old, new)


def check(folder: Path, today: date = TODAY) -> tuple[dict[str, Article], list[Problem]]:
    return check_articles(folder, today=today)


def errors(problems: Iterable[Problem]) -> list[tuple[str, int | None, str]]:
    return [(p.field, p.line, p.message) for p in problems if p.severity == "error"]


# -- a valid article ------------------------------------------------------------------------------


def test_load_minimal_article_fields(content_dir):
    write_article(content_dir)

    catalogue = load_articles(content_dir, today=TODAY)

    article = catalogue.get("example")
    assert isinstance(catalogue, Catalogue)
    assert isinstance(article, Article)
    assert catalogue.warnings == ()
    assert article.slug == "example"
    assert article.lang == "en"
    assert article.title == "Is this an example?"
    assert article.byline == "Health Widgets Medical Team"
    assert article.published == date(2026, 1, 10)
    assert article.reviewed == date(2026, 1, 12)
    assert article.next_review is None
    assert article.reading_minutes == 1
    assert article.comparison is None
    assert article.related == ()
    assert article.disclaimer is None


def test_load_minimal_article_text(content_dir):
    write_article(content_dir)

    article = load_articles(content_dir, today=TODAY).get("example")

    assert str(article.takeaway.parts[0]) == "Yes, it is an <em>example</em>. "
    assert article.takeaway.plain == "Yes, it is an example."
    assert [text.plain for text in article.key_takeaways] == ["Examples help."]
    assert len(article.overview) == 1
    assert isinstance(article.overview[0], Paragraph)
    assert [(s.id, s.heading) for s in article.sections] == [("a-section", "A section")]
    assert isinstance(article.sections[0].blocks[0], ListBlock)


def test_load_minimal_article_sources(content_dir):
    write_article(content_dir)

    article = load_articles(content_dir, today=TODAY).get("example")

    assert [(s.number, s.title, s.site, s.url) for s in article.sources] == [
        (1, "Source one", "Site A", "https://a.example.org/one"),
        (2, "Source two", "Site B", "https://b.example.org/two"),
    ]
    assert article.source(2).title == "Source two"
    # Source 1 is cited in the takeaway, the overview and the bullet; source 2 in the key takeaway and the overview.
    assert article.source(1).cites == (Cite(1, 0), Cite(1, 1), Cite(1, 2))
    assert [c.letter for c in article.source(1).cites] == ["a", "b", "c"]
    assert [c.letter for c in article.source(2).cites] == ["a", "b"]


def test_load_reading_minutes_grow_with_text(content_dir):
    long_paragraph = "word " * 450
    write_article(content_dir, variant("The overview paragraph.", long_paragraph))

    article = load_articles(content_dir, today=TODAY).get("example")

    assert article.reading_minutes == 3


def test_catalogue_get_unknown_slug(content_dir):
    write_article(content_dir)
    catalogue = load_articles(content_dir, today=TODAY)

    with pytest.raises(ArticleNotFound) as excinfo:
        catalogue.get("no-such-article")

    assert excinfo.value.args[0] == "There is no article 'no-such-article'."
    assert excinfo.value.slug == "no-such-article"


# -- errors in the front matter -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "title: Is this an example?\n",
            "",
            [("title", 2, "is required")],
            id="missing-title",
        ),
        pytest.param(
            "title: Is this",
            "titel: Is this",
            [
                ("title", 2, "is required"),
                ("titel", 4, "is not a field an article can have (check the spelling)"),
            ],
            id="misspelt-field",
        ),
        pytest.param(
            "lang: en\n",
            "lang: en\ncolour: red\n",
            [("colour", 4, "is not a field an article can have (check the spelling)")],
            id="unknown-field",
        ),
        pytest.param(
            "published: 2026-01-10",
            "published: 2026-02-30",
            [("published", 6, "must be a date written YYYY-MM-DD, got '2026-02-30'")],
            id="impossible-date",
        ),
        pytest.param(
            "published: 2026-01-10",
            "published: yesterday",
            [("published", 6, "must be a date written YYYY-MM-DD, got 'yesterday'")],
            id="word-for-date",
        ),
        pytest.param(
            "title: Is this an example?",
            "title: ''",
            [("title", 4, "must not be empty")],
            id="empty-title",
        ),
        pytest.param(
            "key_takeaways:\n  - Examples help. [2]",
            "key_takeaways: []",
            [("key_takeaways", 9, "must not be empty")],
            id="no-key-takeaways",
        ),
        pytest.param(
            "sources:",
            COMPARISON,
            [("comparison.rows[2]", 16, "row 2 has 3 cells but the table has 2 columns")],
            id="comparison-row-too-long",
        ),
    ],
)
def test_check_front_matter_error(content_dir, old, new, expected):
    path = write_article(content_dir, variant(old, new))

    articles, problems = check(content_dir)

    assert articles == {}
    assert errors(problems) == expected
    assert {p.file for p in problems} == {str(path)}


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://x", "/x", "https://", "mailto:someone@example.org"],
)
def test_check_source_url_not_web(content_dir, url):
    path = write_article(content_dir, variant("https://a.example.org/one", url))

    articles, problems = check(content_dir)

    assert articles == {}
    assert problems == [
        Problem(
            str(path),
            "sources[1].url",
            f"must be an absolute http:// or https:// URL, got '{url}'",
            14,
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "line"),
    [
        ("The overview paragraph.", "The [overview]({url}) paragraph.", "body", 20),
        ("A bullet point.", "A [bullet]({url}) point.", "body", 24),
        ("Yes, it is", "Yes, [it]({url}) is", "takeaway", 8),
        ("Examples help.", "Examples [help]({url}).", "key_takeaways[1]", 10),
    ],
)
@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x", "/x"])
def test_check_inline_link_not_web(content_dir, old, new, field, line, url):
    path = write_article(content_dir, variant(old, new.format(url=url)))

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            field,
            f"link '{url}' must be an absolute http:// or https:// URL",
            line,
        )
    ]
    assert str(problems[0]) == (
        f"{path}:{line}: error: {field}: link '{url}' must be an absolute http:// or https:// URL"
    )


def test_check_unknown_citation_in_body(content_dir):
    path = write_article(content_dir, variant("paragraph. [1] [2]", "paragraph. [1] [9]"))

    _, problems = check(content_dir)

    assert problems == [Problem(str(path), "body", "cites source [9], but there are only 2 sources", 20)]
    assert str(problems[0]) == (f"{path}:20: error: body: cites source [9], but there are only 2 sources")


def test_check_unknown_citation_in_takeaway(content_dir):
    path = write_article(content_dir, variant("example*. [1]", "example*. [9]"))

    _, problems = check(content_dir)

    assert [(p.file, p.severity, p.message) for p in problems] == [
        (str(path), "error", "cites source [9], but there are only 2 sources")
    ]
    assert (problems[0].field, problems[0].line) == ("takeaway", 8)


def test_check_reviewed_before_published(content_dir):
    path = write_article(content_dir, variant("reviewed: 2026-01-12", "reviewed: 2026-01-01"))

    articles, problems = check(content_dir)

    assert articles == {}
    assert [(p.file, p.severity, p.message) for p in problems] == [
        (str(path), "error", "2026-01-01 is before the published date 2026-01-10")
    ]
    assert (problems[0].field, problems[0].line) == ("reviewed", 7)


def test_check_slug_not_file_name(content_dir):
    path = write_article(content_dir, slug="other-name")

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "slug",
            "'example' must match the file name 'other-name.md' (without .md)",
            2,
        )
    ]


def test_check_duplicate_slug(content_dir):
    write_article(content_dir)
    twin = write_article(content_dir, slug="twin")

    articles, problems = check(content_dir)

    assert list(articles) == ["example"]
    assert problems == [Problem(str(twin), "slug", "'example' must match the file name 'twin.md' (without .md)", 2)]


def test_check_duplicate_slug_blames_the_copy_not_the_file_named_after_it(content_dir):
    # "example-copy.md" sorts before "example.md" ('-' comes before '.'), so it is read first.
    original = write_article(content_dir)
    copy = write_article(content_dir, slug="example-copy")

    articles, problems = check(content_dir)

    assert list(articles) == ["example"]
    assert articles["example"].digest == digest_of(original.read_bytes())
    message = "'example' must match the file name 'example-copy.md' (without .md)"
    assert problems == [Problem(str(copy), "slug", message, 2)]


def test_check_duplicate_slug_in_two_misnamed_files_blames_the_later(content_dir):
    first = write_article(content_dir, slug="first")
    later = write_article(content_dir, slug="later")

    articles, problems = check(content_dir)

    assert articles == {}
    assert errors(p for p in problems if p.file == str(later)) == [
        ("slug", 2, "'example' must match the file name 'later.md' (without .md)"),
        ("slug", None, f"'example' is already used by {first}"),
    ]
    assert errors(p for p in problems if p.file == str(first)) == [
        ("slug", 2, "'example' must match the file name 'first.md' (without .md)")
    ]


@pytest.mark.parametrize(
    ("front", "field", "line", "message"),
    [
        pytest.param(
            "title: a: b",
            "front matter",
            4,
            "put this title in quotes: it contains ': '",
            id="syntax-error",
        ),
        pytest.param(
            "title: Is this an example?\ntitle: Is this another example?",
            "front matter",
            5,
            "is not valid YAML: 'title' is given twice, on lines 4 and 5; keep one (YAML would keep the last)",
            id="duplicate-key",
        ),
        pytest.param(
            "title: Is this an example?\ncomparison: {caption: A, caption: B}",
            "front matter",
            5,
            "is not valid YAML: 'caption' is given twice, on lines 5 and 5; keep one (YAML would keep the last)",
            id="duplicate-key-in-a-flow-mapping",
        ),
        pytest.param(
            "title: Is this an example?\n<<: {byline: Health Widgets Medical Team}",
            "front matter",
            5,
            "is not valid YAML: merge keys (<<:) are not allowed in article files; write each field out",
            id="merge-key",
        ),
    ],
)
def test_check_front_matter_yaml_refused(content_dir, front, field, line, message):
    text = variant("byline: Health Widgets Medical Team\n", "")
    path = write_article(content_dir, variant("title: Is this an example?", front, text))

    articles, problems = check(content_dir)

    assert articles == {}
    # The byline was removed to make room: the rest of the front matter is still checked.
    assert problems == [Problem(str(path), field, message, line), Problem(str(path), "byline", "is required", 2)]


def test_check_anchor_and_alias_are_each_refused_at_their_line(content_dir):
    text = variant("byline: Health Widgets Medical Team\n", "byline: *question\n")
    path = write_article(
        content_dir, variant("title: Is this an example?", "title: &question Is this an example?", text)
    )

    articles, problems = check(content_dir)

    anchor = "anchors (&question) are not allowed in article files; put the value in quotes if '&' is part of the text"
    assert articles == {}
    assert problems == [
        Problem(str(path), "front matter", f"is not valid YAML: {anchor}", 4),
        Problem(str(path), "front matter", "is not valid YAML: aliases (*name) are not allowed in article files", 5),
    ]


def test_check_duplicate_key_in_a_list_item_names_both_lines(content_dir):
    path = write_article(content_dir, variant("    site: Site A\n", "    site: Site A\n    title: Source 1\n"))

    _, problems = check(content_dir)

    message = "is not valid YAML: 'title' is given twice, on lines 12 and 14; keep one (YAML would keep the last)"
    assert problems == [Problem(str(path), "front matter", message, 14)]


def test_a_quoted_merge_key_is_only_an_unknown_field(content_dir):
    path = write_article(content_dir, variant("lang: en\n", "lang: en\n'<<': x\n"))

    _, problems = check(content_dir)

    # Not merged: refused as a field no article has (pydantic names no field it cannot spell).
    assert errors(problems) == [("", 2, "is not a field an article can have (check the spelling)")]
    assert problems[0].file == str(path)


def test_problem_string_escapes_control_characters_of_names_and_values():
    problem = Problem("evil\n2026-01-01 ERROR forged.md", "title", "got '\x1b[2Jcleared\u202e'", 3)

    assert str(problem) == "evil\\n2026-01-01 ERROR forged.md:3: error: title: got '\\x1b[2Jcleared\\u202e'"


def test_check_front_matter_not_a_mapping(content_dir):
    path = write_article(content_dir, "---\n- just\n- a list\n---\n\nText.\n")

    _, problems = check(content_dir)

    assert problems == [Problem(str(path), "front matter", "must be a set of 'field: value' lines", 2)]


def test_check_front_matter_missing(content_dir):
    path = write_article(content_dir, "# Is this an example?\n\nNo front matter here.\n")

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "",
            "the file must start with a front matter block between two '---' lines",
            1,
        )
    ]
    assert str(problems[0]) == (
        f"{path}:1: error: the file must start with a front matter block between two '---' lines"
    )


def test_check_invalid_utf8(content_dir):
    raw = MINIMAL.encode().replace(b"overview", b"over\xffview")
    bad_byte = raw.index(b"\xff")
    path = content_dir / "example.md"
    path.write_bytes(raw)

    articles, problems = check(content_dir)

    assert articles == {}
    assert problems == [
        Problem(
            str(path),
            "",
            f"is not valid UTF-8 (byte {bad_byte} cannot be decoded); save it as UTF-8",
            20,
        )
    ]


def test_check_file_too_large(content_dir):
    padding = "Padding words for a very long overview. " * (MAX_FILE_BYTES // 40)
    path = write_article(content_dir, MINIMAL + "\n" + padding + "\n")
    size = path.stat().st_size

    articles, problems = check(content_dir)

    assert size > MAX_FILE_BYTES
    assert articles == {}
    assert problems == [
        Problem(
            str(path),
            "",
            f"is {size:,} bytes; an article file may be at most 262,144 bytes",
        )
    ]


def test_check_file_at_size_limit_loads(content_dir):
    text = MINIMAL + "\nPadding. " + "x" * 60 + "\n"
    text = text + "y" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n"
    path = write_article(content_dir, text)

    articles, problems = check(content_dir)

    assert path.stat().st_size == MAX_FILE_BYTES
    assert list(articles) == ["example"]
    assert problems == []


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_check_bidi_control_character(content_dir, char):
    name = {"\u202e": "RIGHT-TO-LEFT OVERRIDE", "\u202a": "LEFT-TO-RIGHT EMBEDDING"}.get(char)
    name = name or {"\u2066": "LEFT-TO-RIGHT ISOLATE", "\u2069": "POP DIRECTIONAL ISOLATE"}[char]
    path = write_article(content_dir, variant("The overview", f"The {char}overview"))

    _, problems = check(content_dir)

    assert problems == [Problem(str(path), "body", f"contains U+{ord(char):04X} ({name}){REORDERING}", 20)]


def test_check_bidi_line_after_unicode_line_separator(content_dir):
    # U+2028 is not a line break for editors or for the other line numbers, which count '\n'.
    text = variant("The overview paragraph.", "The overview\u2028paragraph.")
    path = write_article(content_dir, variant("- A bullet point.", "- A \u202ebullet point.", text))

    _, problems = check(content_dir)

    assert problems == [Problem(str(path), "body", f"contains U+202E (RIGHT-TO-LEFT OVERRIDE){REORDERING}", 24)]


# -- errors in the body ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            "#### Too deep\n\nText.\n",
            "only '## ' and '### ' headings are allowed, not '#### '",
            id="h4",
        ),
        pytest.param(
            "> A block quote.\n",
            "a block quote is not allowed; use paragraphs and bullet lists",
            id="blockquote",
        ),
        pytest.param(
            "```\nprint('code')\n```\n",
            "a code block is not allowed; use paragraphs and bullet lists",
            id="fenced-code",
        ),
        pytest.param(
            "---\n",
            "a horizontal rule is not allowed; use paragraphs and bullet lists",
            id="horizontal-rule",
        ),
    ],
)
def test_check_body_block_not_allowed(content_dir, extra, message):
    path = write_article(content_dir, MINIMAL + "\n" + extra)

    articles, problems = check(content_dir)

    assert problems == [Problem(str(path), "body", message, 26)]
    assert articles == {}


def test_check_body_indented_code_not_allowed(content_dir):
    path = write_article(content_dir, MINIMAL + "\nA paragraph.\n\n    indented code\n")

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "body",
            "a code block (indented text) is not allowed; use paragraphs and bullet lists",
            28,
        )
    ]


def test_check_body_table_not_allowed(content_dir):
    path = write_article(content_dir, MINIMAL + "\n| Thing | Feature |\n|---|---|\n| One | First |\n")

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "body",
            "a table is not allowed; use paragraphs and bullet lists",
            26,
        )
    ]


def test_check_image_in_text(content_dir):
    path = write_article(
        content_dir,
        variant("The overview paragraph.", "The ![chart](https://x.org/c.png) overview."),
    )

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "body",
            "images are not allowed in article text (they would load from another site)",
            20,
        )
    ]


def test_check_citation_inside_link_text(content_dir):
    path = write_article(
        content_dir,
        variant("The overview paragraph. [1]", "The [overview [1]](https://x.org) paragraph."),
    )

    articles, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "body",
            "citation marker [1] is inside link text; put it after the link",
            20,
        )
    ]
    assert articles == {}


def test_check_body_without_overview(content_dir):
    path = write_article(content_dir, variant("The overview paragraph. [1] [2]\n\n", ""))

    _, problems = check(content_dir)

    assert problems == [
        Problem(
            str(path),
            "body",
            "needs an overview: at least one paragraph before the first '## ' heading",
            19,
        )
    ]


def test_check_front_matter_and_body_errors_reported_together(content_dir):
    text = variant("title: Is this an example?\n", "")
    write_article(content_dir, variant("The overview", "The [link](ftp://x) overview", text))

    _, problems = check(content_dir)

    assert errors(problems) == [
        ("title", 2, "is required"),
        ("body", 19, "link 'ftp://x' must be an absolute http:// or https:// URL"),
    ]


# -- related articles -----------------------------------------------------------------------------


def test_check_related_slug_unknown(content_dir):
    related = "related:\n  - Just a question?\n  - question: Is there another?\n    slug: no-such-article\nsources:"
    path = write_article(content_dir, variant("sources:", related))

    articles, problems = check(content_dir)

    assert problems == [Problem(str(path), "related[2].slug", "there is no article 'no-such-article'")]
    assert articles == {}  # an error, like any other: never served


def test_check_related_slug_of_a_broken_file_blames_only_that_file(content_dir):
    related = "related:\n  - question: Is there another?\n    slug: other\nsources:"
    write_article(content_dir, variant("sources:", related))
    other = write_article(
        content_dir, variant("slug: example", "slug: other", variant("lang: en", "lang: English")), "other"
    )

    articles, problems = check(content_dir)

    assert list(articles) == ["example"]
    assert [(p.file, p.field) for p in problems] == [(str(other), "lang")]


def test_check_related_slug_known(content_dir):
    related = "related:\n  - question: Is there another?\n    slug: other\nsources:"
    write_article(content_dir, variant("sources:", related))
    write_article(content_dir, variant("slug: example", "slug: other"), slug="other")

    articles, problems = check(content_dir)

    assert problems == []
    assert articles["example"].related[0].slug == "other"


def test_check_related_slug_bad_form(content_dir):
    related = "related:\n  - question: Is there another?\n    slug: Not_A_Slug\nsources:"
    path = write_article(content_dir, variant("sources:", related))

    _, problems = check(content_dir)

    assert problems == [Problem(str(path), "related[1].slug", "has the wrong form: 'Not_A_Slug'", 13)]


def test_check_related_problem_names_the_file(content_dir):
    related = "related:\n  - question: Is there another?\n    slug: no-such-article\nsources:"
    path = write_article(content_dir, variant("sources:", related), slug="misnamed")

    _, problems = check(content_dir)

    assert {p.file for p in problems} == {str(path)}


# -- the folder -----------------------------------------------------------------------------------


def test_check_empty_folder(content_dir):
    articles, problems = check(content_dir)

    assert articles == {}
    assert problems == [Problem(str(content_dir), "", "holds no article files (*.md)")]


def test_load_empty_folder(content_dir):
    with pytest.raises(InvalidContent) as excinfo:
        load_articles(content_dir, today=TODAY)

    assert excinfo.value.args[0] == (
        f"1 error(s) in the article files:\n{content_dir}: error: holds no article files (*.md)"
    )


def test_check_other_files_ignored(content_dir):
    write_article(content_dir)
    notes = content_dir / "notes.txt"
    notes.write_text("not an article", encoding="utf-8")
    (content_dir / ".hidden.md").write_text("ignored", encoding="utf-8")

    articles, problems = check(content_dir)

    assert list(articles) == ["example"]
    assert problems == [
        Problem(
            str(notes),
            "",
            "is not an article file (*.md) and was ignored",
            severity="warning",
        )
    ]


def test_check_every_problem_in_a_file(content_dir):
    text = variant("title: Is this an example?\n", "")
    text = variant("published: 2026-01-10", "published: yesterday", text)
    path = write_article(content_dir, variant("lang: en\n", "lang: en\ncolour: red\n", text))

    _, problems = check(content_dir)

    assert len(problems) == 3
    assert {p.file for p in problems} == {str(path)}
    assert errors(problems) == [
        ("title", 2, "is required"),
        ("published", 6, "must be a date written YYYY-MM-DD, got 'yesterday'"),
        ("colour", 4, "is not a field an article can have (check the spelling)"),
    ]


def test_load_invalid_content_lists_every_problem(content_dir):
    text = variant("title: Is this an example?\n", "")
    text = variant("published: 2026-01-10", "published: yesterday", text)
    path = write_article(content_dir, variant("lang: en\n", "lang: en\ncolour: red\n", text))

    with pytest.raises(InvalidContent) as excinfo:
        load_articles(content_dir, today=TODAY)

    assert len(excinfo.value.problems) == 3
    assert excinfo.value.args[0] == (
        "3 error(s) in the article files:\n"
        f"{path}:2: error: title: is required\n"
        f"{path}:6: error: published: must be a date written YYYY-MM-DD, got 'yesterday'\n"
        f"{path}:4: error: colour: is not a field an article can have (check the spelling)"
    )


def test_load_invalid_content_keeps_warnings(content_dir):
    write_article(content_dir, variant("Examples help. [2]", "Examples help. [9]"))
    (content_dir / "notes.txt").write_text("x", encoding="utf-8")

    with pytest.raises(InvalidContent) as excinfo:
        load_articles(content_dir, today=TODAY)

    assert sorted(p.severity for p in excinfo.value.problems) == ["error", "warning"]
    assert excinfo.value.args[0].startswith("1 error(s) in the article files:\n")
    assert "notes.txt" not in excinfo.value.args[0]


# -- warnings -------------------------------------------------------------------------------------


def test_load_source_never_cited(content_dir):
    text = variant("Examples help. [2]", "Examples help.")
    path = write_article(content_dir, variant("paragraph. [1] [2]", "paragraph. [1]", text))

    catalogue = load_articles(content_dir, today=TODAY)

    assert catalogue.warnings == (
        Problem(
            str(path),
            "sources[2]",
            "source [2] 'Source two' is never cited",
            15,
            "warning",
        ),
    )
    assert catalogue.get("example").source(2).cites == ()


def test_load_sources_same_url(content_dir):
    path = write_article(content_dir, variant("https://b.example.org/two", "https://a.example.org/one"))

    catalogue = load_articles(content_dir, today=TODAY)

    assert catalogue.warnings == (
        Problem(
            str(path),
            "sources[2]",
            "has the same URL as source [1]: https://a.example.org/one",
            15,
            "warning",
        ),
    )
    assert str(catalogue.warnings[0]) == (
        f"{path}:15: warning: sources[2]: has the same URL as source [1]: https://a.example.org/one"
    )


@pytest.mark.parametrize(
    ("title", "site"),
    [("Source one", "Site A"), ("SOURCE ONE", "site a")],
)
def test_load_sources_same_title_and_site(content_dir, title, site):
    path = write_article(
        content_dir,
        variant("title: Source two\n    site: Site B", f"title: {title}\n    site: {site}"),
    )

    catalogue = load_articles(content_dir, today=TODAY)

    assert catalogue.warnings == (
        Problem(
            str(path),
            "sources[2]",
            f"has the same title and site as source [1]: '{title}' ({site})",
            15,
            "warning",
        ),
    )


def test_load_sources_same_title_different_pmid(content_dir):
    text = variant("title: Source two\n    site: Site B", "title: Source one\n    site: Site A")
    text = variant("url: https://a.example.org/one", "url: https://a.example.org/one\n    pmid: '111'", text)
    write_article(
        content_dir, variant("url: https://b.example.org/two", "url: https://b.example.org/two\n    pmid: '222'", text)
    )

    catalogue = load_articles(content_dir, today=TODAY)

    assert catalogue.warnings == ()
    assert [s.pmid for s in catalogue.get("example").sources] == ["111", "222"]


def test_load_reviewed_over_a_year_ago(content_dir):
    path = write_article(content_dir)

    catalogue = load_articles(content_dir, today=date(2027, 1, 13))

    assert catalogue.warnings == (
        Problem(
            str(path),
            "reviewed",
            "was last reviewed on 2026-01-12, over a year ago",
            7,
            "warning",
        ),
    )
    assert list(catalogue.articles) == ["example"]


def test_load_reviewed_exactly_a_year_ago(content_dir):
    write_article(content_dir)

    catalogue = load_articles(content_dir, today=date(2027, 1, 12))

    assert catalogue.warnings == ()


def test_check_reviewed_in_the_future_is_an_error(content_dir):
    path = write_article(content_dir, variant("reviewed: 2026-01-12", "reviewed: 2026-03-03"))

    articles, problems = check(content_dir)

    assert articles == {}
    message = "2026-03-03 is in the future (today is 2026-03-01); give the date of the last review"
    assert problems == [Problem(str(path), "reviewed", message, 7)]


def test_check_reviewed_tomorrow_is_allowed_for_editors_ahead_of_utc(content_dir):
    write_article(content_dir, variant("reviewed: 2026-01-12", "reviewed: 2026-03-02"))

    articles, problems = check(content_dir)

    assert list(articles) == ["example"]
    assert problems == []


def test_load_raw_html_in_the_body_is_a_warning_at_its_line(content_dir):
    path = write_article(content_dir, variant("- A bullet point. [1]", "- A <b>bullet</b> point. [1]"))

    articles, problems = check(content_dir)

    assert list(articles) == ["example"]
    message = (
        "'<b>' is HTML, which is shown as text, not applied; "
        "use Markdown (*emphasis*, **strong**, [text](https://...)) or remove it"
    )
    assert problems == [Problem(str(path), "body", message, 24, "warning")]


def test_load_an_autolink_is_not_taken_for_html(content_dir):
    write_article(content_dir, variant("- A bullet point. [1]", "- A bullet point <https://a.example.org/one>. [1]"))

    _, problems = check(content_dir)

    assert problems == []
