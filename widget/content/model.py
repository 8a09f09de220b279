"""The article model: frozen dataclasses with tuple fields, the catalogue, and the ContentError family."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from widget.markup import Block, Cite, Paragraph, Section, Text

# C0 and C1 controls (newlines and tabs too: a name with a newline would forge a log line), DEL, and the
# bidirectional and invisible controls that make text read differently from how it is stored.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` for a log line or a terminal: every control character written as its escape, ``\\n``."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: where it is, and a plain sentence about it (printable, as logs need)."""

    file: str
    field: str
    message: str
    line: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return printable(f"{where}: {self.severity}:{field} {self.message}")


class ContentError(Exception):
    """Base for everything that can go wrong with content."""


class ArticleNotFound(ContentError, LookupError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"There is no article '{slug}'.")
        self.slug = slug


class InvalidContent(ContentError):
    """The content folder has errors; ``problems`` lists every one of them, warnings included."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the article files:\n" + "\n".join(map(str, errors)))


@dataclass(frozen=True, slots=True)
class Source:
    number: int
    title: str
    site: str
    url: str
    pmid: str | None
    doi: str | None
    cites: tuple[Cite, ...]

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


@dataclass(frozen=True, slots=True)
class Comparison:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    note: Text | None


@dataclass(frozen=True, slots=True)
class Related:
    question: str
    slug: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    lang: str
    title: str
    byline: str
    published: date
    reviewed: date
    next_review: date | None
    takeaway: Text
    key_takeaways: tuple[Text, ...]
    overview: tuple[Block, ...]
    sections: tuple[Section, ...]
    comparison: Comparison | None
    related: tuple[Related, ...]
    sources: tuple[Source, ...]
    disclaimer: str | None
    reading_minutes: int
    # Of the file's bytes: equal digests, equal articles (what a reload compares).
    digest: str = ""

    def source(self, number: int) -> Source:
        return self.sources[number - 1]

    def cited_in(self, texts: Iterable[Text]) -> tuple[Source, ...]:
        """The sources that ``texts`` cite, each once, in source-number order."""
        numbers = {cite.number for text in texts for cite in text.cites}
        return tuple(source for source in self.sources if source.number in numbers)

    def texts(self) -> Iterator[Text]:
        """Every citing text of the article, in page order (the order back-references count in)."""
        return page_order(self.takeaway, self.key_takeaways, self.overview, self.sections, self.comparison)


def page_order(
    takeaway: Text,
    key_takeaways: Iterable[Text],
    overview: Iterable[Block],
    sections: Iterable[Section],
    comparison: Comparison | None,
) -> Iterator[Text]:
    """The article page shows the takeaway card (with its key points), the sections, then the table."""
    yield takeaway
    yield from key_takeaways
    yield from _block_texts(overview)
    for section in sections:
        yield from section_texts(section)
    if comparison is not None:
        for row in comparison.rows:
            yield from row
        if comparison.note is not None:
            yield comparison.note


def section_texts(section: Section) -> Iterator[Text]:
    yield from _block_texts(section.blocks)
    for sub in section.subsections:
        yield from section_texts(sub)


def _block_texts(blocks: Iterable[Block]) -> Iterator[Text]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            for item in block.items:
                yield item.text
                yield from (child.text for child in item.children)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The loaded articles by slug, and the warnings the load produced."""

    articles: Mapping[str, Article]
    warnings: tuple[Problem, ...] = ()

    def get(self, slug: str) -> Article:
        try:
            return self.articles[slug]
        except KeyError:
            raise ArticleNotFound(slug) from None
