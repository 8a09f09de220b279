"""One article file to an :class:`Article`, or every problem found in it."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from pydantic import ValidationError

from widget.markup import (
    Citations,
    Cite,
    Issue,
    Text,
    forbidden,
    parse_body,
    parse_inline,
)

from .frontmatter import FRONT_MATTER, cut_by_comments, dotted, lift, node_line, read_front_matter, strings
from .model import Article, Comparison, Problem, Related, Source, page_order
from .schema import ArticleFields, ComparisonFields, SourceFields, sentence

MAX_FILE_BYTES = 256 * 1024
# An opening or closing tag, or a comment: not an autolink such as <https://example.org>.
RAW_HTML = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
WORDS_PER_MINUTE = 200


@dataclass(frozen=True, slots=True)
class Checked:
    """What checking one file's bytes found: the article (None if it has errors) and the problems."""

    digest: str
    article: Article | None
    problems: tuple[Problem, ...]
    reviewed_line: int | None  # for the review-age warning, which depends on the day, not the file


class _FileChecker:
    """Checks one file; gathers every problem rather than stopping at the first."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.problems: list[Problem] = []
        self.digest = ""
        self.reviewed_line: int | None = None
        self.node: yaml.Node | None = None  # the front matter's, for line numbers

    def error(self, field: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.label, field, message, None if line is None else line + 1))

    def warn(self, field: str, message: str, line: int | None = None) -> None:
        self.problems.append(
            Problem(
                self.label,
                field,
                message,
                None if line is None else line + 1,
                "warning",
            )
        )

    def check(self) -> Article | None:
        text = self._read()
        if text is None:
            return None
        match = FRONT_MATTER.match(text)
        if not match:
            self.error("", "the file must start with a front matter block between two '---' lines", 0)
            return None
        front, body = match.group(1), text[match.end() :]
        body_offset = text.count("\n", 0, match.end())
        self._warn_raw_html(body, body_offset)
        fields, node = self._front_matter(front)
        if fields is None:
            # Still report what is wrong with the body, so one run shows every problem.
            self._report_body(parse_body(body, Citations())[2], body_offset)
            return None
        return self._build(fields, node, body, body_offset)

    def _front_matter(self, front: str) -> tuple[ArticleFields | None, yaml.Node | None]:
        read = read_front_matter(front)
        node, data = read.node, read.data
        for line, message in read.problems:
            self.error("front matter", message, None if line is None else line + 1)
        if not isinstance(data, dict):
            if not read.problems:
                self.error("front matter", "must be a set of 'field: value' lines", 1)
            return None, node
        for line, lost in cut_by_comments(node, front):
            message = f"'{lost[:40]}' is read as a comment and left out; put the whole value in quotes to keep it"
            self.warn("front matter", message, line + 1)
        for loc, value in strings(data):
            if problem := forbidden(value):
                self.error(dotted(loc), problem, lift(node_line(node, loc)))
        if any(p.severity == "error" for p in self.problems) and not read.problems:
            return None, node
        try:
            fields = ArticleFields.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                # Drop pydantic's own names for union members and validators from the path.
                loc = tuple(p for p in err["loc"] if isinstance(p, int) or p.isidentifier())
                if loc and loc[0] in read.failed:
                    continue  # its YAML error is reported; "is required" would only mislead
                self.error(dotted(loc), sentence(err), lift(node_line(node, loc)))
            return None, node
        return (None if read.problems else fields), node

    def _warn_raw_html(self, body: str, body_offset: int) -> None:
        # Raw HTML is shown as text (markdown-it runs with html off), so it is safe; but whoever typed
        # "<b>" meant markup, and a reader would see the angle brackets.
        for i, line in enumerate(body.splitlines()):
            if tag := RAW_HTML.search(line):
                message = (
                    f"'{tag.group()[:40]}' is HTML, which is shown as text, not applied; "
                    "use Markdown (*emphasis*, **strong**, [text](https://...)) or remove it"
                )
                self.warn("body", message, body_offset + i)

    def _report_body(self, issues: Iterable[Issue], body_offset: int) -> None:
        for issue in issues:
            self.error("body", issue.message, None if issue.line is None else body_offset + issue.line)

    def _read(self) -> str | None:
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)  # never more, even if the file grew since stat()
        except OSError as exc:  # removed since the folder was listed, or not ours to read
            self.error("", f"cannot be read: {exc.strerror or exc}")
            return None
        self.digest = digest_of(raw)
        if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
            self.error("", f"is {max(size, len(raw)):,} bytes; an article file may be at most {MAX_FILE_BYTES:,} bytes")
            return None
        try:
            return raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start)
            self.error("", f"is not valid UTF-8 (byte {exc.start} cannot be decoded); save it as UTF-8", line)
            return None

    def _build(self, fields: ArticleFields, node: yaml.Node | None, body: str, body_offset: int) -> Article:
        self.node = node
        self._check_slug_and_dates(fields)
        citations = Citations()
        takeaway = self._inline(fields.takeaway, citations, "takeaway")
        key_takeaways = tuple(
            self._inline(item, citations, "key_takeaways", i) for i, item in enumerate(fields.key_takeaways)
        )
        overview, sections, issues = parse_body(body, citations)
        self._report_body(issues, body_offset)
        if not overview:
            self.error("body", "needs an overview: at least one paragraph before the first '## ' heading", body_offset)
        comparison = self._comparison(fields.comparison, citations)
        self._check_cited_numbers(citations, len(fields.sources), body_offset)
        texts = page_order(takeaway, key_takeaways, overview, sections, comparison)
        sources = self._sources(fields.sources, texts)
        reviewed = self._line_of("reviewed")
        self.reviewed_line = None if reviewed is None else reviewed + 1  # 1-based, as Problem's lines are
        article = Article(
            slug=fields.slug,
            lang=fields.lang,
            title=fields.title,
            byline=fields.byline,
            published=fields.published,
            reviewed=fields.reviewed,
            next_review=fields.next_review,
            takeaway=takeaway,
            key_takeaways=key_takeaways,
            overview=overview,
            sections=sections,
            comparison=comparison,
            related=tuple(Related(r.question, r.slug) for r in fields.related),
            sources=sources,
            disclaimer=fields.disclaimer,
            reading_minutes=1,
            digest=self.digest,
        )
        return replace(article, reading_minutes=_reading_minutes(article))

    def _line_of(self, *loc: int | str) -> int | None:
        return lift(node_line(self.node, loc))

    def _check_slug_and_dates(self, fields: ArticleFields) -> None:
        if fields.slug != self.path.stem:
            message = f"'{fields.slug}' must match the file name '{self.path.name}' (without .md)"
            self.error("slug", message, self._line_of("slug"))
        if fields.reviewed < fields.published:
            message = f"{fields.reviewed} is before the published date {fields.published}"
            self.error("reviewed", message, self._line_of("reviewed"))
        if fields.next_review and fields.next_review <= fields.reviewed:
            message = f"{fields.next_review} must come after the last-reviewed date {fields.reviewed}"
            self.error("next_review", message, self._line_of("next_review"))

    def _inline(self, value: str, citations: Citations, *loc: int | str) -> Text:
        """One front-matter text as Markdown; its citations count where they are written."""
        citations.where = (dotted(loc), self._line_of(*loc))
        text, issues = parse_inline(value, citations)
        for issue in issues:
            self.error(dotted(loc), issue.message, self._line_of(*loc))
        return text

    def _comparison(self, table: ComparisonFields | None, citations: Citations) -> Comparison | None:
        if table is None:
            return None
        for r, row in enumerate(table.rows):
            if len(row) != len(table.columns):
                message = f"row {r + 1} has {len(row)} cells but the table has {len(table.columns)} columns"
                self.error(f"comparison.rows[{r + 1}]", message, self._line_of("comparison", "rows", r))
        rows = tuple(
            tuple(self._inline(cell, citations, "comparison", "rows", r, c) for c, cell in enumerate(row))
            for r, row in enumerate(table.rows)
        )
        note = self._inline(table.note, citations, "comparison", "note") if table.note else None
        return Comparison(table.caption, tuple(table.columns), rows, note)

    def _check_cited_numbers(self, citations: Citations, count: int, body_offset: int) -> None:
        for number, places in sorted(citations.places.items()):
            if not 1 <= number <= count:
                for field, line in places:
                    where = line if field != "body" or line is None else body_offset + line
                    self.error(field, f"cites source [{number}], but there are only {count} sources", where)

    def _sources(self, listed: Iterable[SourceFields], texts: Iterable[Text]) -> tuple[Source, ...]:
        """The sources, each with its citations in page order (the order back-references count in)."""
        cites: dict[int, list[Cite]] = {}
        for text in texts:
            for cite in text.cites:
                cites.setdefault(cite.number, []).append(cite)
        sources = tuple(
            Source(n, s.title, s.site, s.url, s.pmid, s.doi, tuple(cites.get(n, ())))
            for n, s in enumerate(listed, start=1)
        )
        self._check_sources(sources)
        return sources

    def _check_sources(self, sources: tuple[Source, ...]) -> None:
        by_url: dict[str, Source] = {}
        by_name: dict[tuple[str, str, str | None, str | None], Source] = {}
        for source in sources:
            line = self._line_of("sources", source.number - 1)
            field = f"sources[{source.number}]"
            if not source.cites:
                self.warn(
                    field,
                    f"source [{source.number}] '{source.title}' is never cited",
                    line,
                )
            if (twin := by_url.setdefault(source.url, source)) is not source:
                self.warn(
                    field,
                    f"has the same URL as source [{twin.number}]: {source.url}",
                    line,
                )
            # Same title and site, but different PubMed or DOI ids, are two papers that share a title.
            key = (
                source.title.casefold(),
                source.site.casefold(),
                source.pmid,
                source.doi,
            )
            if (twin := by_name.setdefault(key, source)) is not source:
                self.warn(
                    field,
                    f"has the same title and site as source [{twin.number}]: '{source.title}' ({source.site})",
                    line,
                )


def _reading_minutes(article: Article) -> int:
    words = sum(len(text.plain.split()) for text in article.texts())
    words += sum(len(section.heading.split()) for section in article.sections)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def check_file(path: Path) -> Checked:
    """Read and check one article file; never raises for bad content."""
    checker = _FileChecker(path, str(path))
    article = checker.check()
    return Checked(checker.digest, article, tuple(checker.problems), checker.reviewed_line)


def digest_of(raw: bytes) -> str:
    """What an Article's ``digest`` is: of its file's bytes, as the checker read them."""
    return hashlib.sha256(raw).hexdigest()[:32]
