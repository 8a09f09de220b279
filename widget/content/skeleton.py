"""A new article file that passes the checker as written: every field, each with a comment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from widget.names import MAX_SLUG, SLUG_PATTERN


@dataclass(frozen=True, slots=True)
class Words:
    """The placeholder text of one language (the comments stay English: they are for editors)."""

    title: str
    takeaway: str
    point: str
    related: str
    caption: str
    columns: tuple[str, str, str]
    row: tuple[str, str, str]
    overview: str
    heading: str
    paragraph: str
    bullet: str


WORDS = {
    "en": Words(
        title="What question does this article answer?",
        takeaway="The answer in one paragraph, with the sources it rests on. [1] [2]",
        point="One point of the closing summary. [1]",
        related="Another question readers ask",
        caption="How the options compare",
        columns=("Option", "What it does", "When it helps"),
        row=("First option", "What it does", "When it helps [2]"),
        overview="The overview: everything before the first section heading. [1]",
        heading="A section heading",
        paragraph="A paragraph of the section. [2]",
        bullet="A bullet point. [1]",
    ),
    "es": Words(
        title="¿Qué pregunta responde este artículo?",
        takeaway="La respuesta en un párrafo, con las fuentes en que se basa. [1] [2]",
        point="Un punto del resumen final. [1]",
        related="Otra pregunta que se hacen los lectores",
        caption="Cómo se comparan las opciones",
        columns=("Opción", "Qué hace", "Cuándo ayuda"),
        row=("Primera opción", "Qué hace", "Cuándo ayuda [2]"),
        overview="El resumen: todo lo que va antes del primer título de sección. [1]",
        heading="Un título de sección",
        paragraph="Un párrafo de la sección. [2]",
        bullet="Un punto de una lista. [1]",
    ),
}
LANGUAGES = tuple(WORDS)

TEMPLATE = """\
---
# yaml-language-server: $schema={schema}
# Every field is explained in docs/content-format.md. Text that holds ': ', starts with a quote,
# '[', '*', '&', '@' or '`', or is a table cell with a comma or a citation marker, goes in "double quotes".
slug: {slug}                        # required: the file name without .md (a-z, 0-9, single hyphens)
lang: {lang}                                 # required: the article's language (en, es, pt-BR)
title: "{w.title}"   # required: the question, one line
byline: Health Widgets Medical Team      # required: who wrote it
published: {today}                   # required: first published, YYYY-MM-DD
reviewed: {today}                    # required: last medically reviewed, YYYY-MM-DD, not in the future
next_review: {next_year}                 # optional: when the next review is due
takeaway: "{w.takeaway}"   # required: one paragraph of Markdown; [1] cites source 1
key_takeaways:                           # required: 1 to 20 points of the closing summary
  - "{w.point}"
related:                                 # optional: up to 20 questions; add "slug:" to link one of ours
  - question: "{w.related}"
# disclaimer: "..."                      # optional: replaces the default disclaimer for this article only
comparison:                              # optional: delete the block for an article without a table
  caption: "{w.caption}"       # the table's title
  columns: ["{w.columns[0]}", "{w.columns[1]}", "{w.columns[2]}"]   # 2 to 8 column headings
  rows:                                  # 1 to 50 rows, one cell per column; the first cell heads its row
    - ["{w.row[0]}", "{w.row[1]}", "{w.row[2]}"]
  note: "[1] [2]"                        # optional: a sentence under the table; markers alone are fine
sources:                                 # required: 1 to 200, numbered in this order: the first is [1]
  - title: Replace with the first source's title
    site: Replace with its publisher     # shown after the title: MedlinePlus, Mayo Clinic, PubMed
    url: https://example.org/first-source   # an absolute https:// URL
    # pmid: "12345678"                   # optional: PubMed id, in quotes
    # doi: 10.1000/xyz123                # optional
  - title: Replace with the second source's title
    site: Replace with its publisher
    url: https://example.org/second-source
---

{w.overview}

## {w.heading}

{w.paragraph}

- {w.bullet}
"""


class SkeletonError(ValueError):
    """The new article cannot be written; the message says why and what to do."""


def new_article(folder: Path, slug: str, lang: str, today: date, schema: Path) -> Path:
    """Write ``folder/<slug>.md``, a valid article of placeholders; never replaces a file."""
    if not re.fullmatch(SLUG_PATTERN, slug) or len(slug) > MAX_SLUG:
        raise SkeletonError(
            f"'{slug}' is not a slug: use lowercase letters, digits and single hyphens, e.g. 'lupus-fatigue'."
        )
    if lang not in WORDS:
        raise SkeletonError(f"--lang must be one of {', '.join(LANGUAGES)}, got '{lang}'.")
    path = folder / f"{slug}.md"
    next_year = today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day)
    text = TEMPLATE.format(
        schema=Path(os.path.relpath(schema, folder)).as_posix(),
        slug=slug,
        lang=lang,
        today=today.isoformat(),
        next_year=next_year.isoformat(),
        w=WORDS[lang],
    )
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": an existing article is never overwritten
            handle.write(text)
    except FileExistsError:
        raise SkeletonError(f"{path} already exists; pick another slug or edit that file.") from None
    return path
