"""Article files in, immutable :class:`Article` objects out, or every problem at once.

Knows nothing of HTTP or Flask. The file format is described in ``docs/content-format.md``.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import logging
import math
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal

import yaml
from markupsafe import Markup
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .markup import (
    FORBIDDEN_CHARACTERS,
    FORBIDDEN_MESSAGE,
    Block,
    Citations,
    Cite,
    Issue,
    ListBlock,
    ListItem,
    Paragraph,
    Section,
    Text,
    is_web_url,
    parse_body,
    parse_inline,
)

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024
WORDS_PER_MINUTE = 200
REVIEW_WARNING_AGE = timedelta(days=365)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_YAML_DEPTH = 20
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


# -- errors ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: where it is, and a plain sentence about it."""

    file: str
    field: str
    message: str
    line: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}: {self.severity}:{field} {self.message}"


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


# -- the model ------------------------------------------------------------------------------------


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
        return _page_order(self.takeaway, self.key_takeaways, self.overview, self.sections, self.comparison)


def _page_order(
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
    if comparison:
        for row in comparison.rows:
            yield from row
        if comparison.note:
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


# -- the file schema ------------------------------------------------------------------------------

Line = Annotated[str, Field(min_length=1, max_length=2000)]
Prose = Annotated[str, Field(min_length=1, max_length=20000)]


class _Schema(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        frozen=True,
    )


class SourceFields(_Schema):
    title: Line
    site: Line
    url: Line
    pmid: Annotated[str, Field(pattern=r"^[0-9]{1,9}$")] | None = None
    doi: Annotated[str, Field(pattern=r"^10\.[0-9]{4,9}/\S+$", max_length=300)] | None = None

    @field_validator("url")
    @classmethod
    def _web_url(cls, url: str) -> str:
        if not is_web_url(url):
            raise ValueError(f"must be an absolute http:// or https:// URL, got '{url}'")
        return url


class ComparisonFields(_Schema):
    caption: Line
    columns: Annotated[list[Line], Field(min_length=2, max_length=8)]
    rows: Annotated[list[list[Prose]], Field(min_length=1, max_length=50)]
    note: Prose | None = None


class RelatedFields(_Schema):
    question: Line
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_question(cls, value: object) -> object:
        # A related question may be written as a plain string.
        return {"question": value} if isinstance(value, str) else value


class ArticleFields(_Schema):
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=100)]
    lang: Annotated[str, Field(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")]
    title: Line
    byline: Line
    published: date
    reviewed: date
    next_review: date | None = None
    takeaway: Prose
    key_takeaways: Annotated[list[Prose], Field(min_length=1, max_length=20)]
    related: Annotated[list[RelatedFields], Field(max_length=20)] = []
    disclaimer: Prose | None = None
    comparison: ComparisonFields | None = None
    sources: Annotated[list[SourceFields], Field(min_length=1, max_length=200)]


# -- YAML: safe, no aliases, dates left as text for the schema to judge ---------------------------


# libyaml's parser (twenty times faster than PyYAML's own) with the safe constructor; dates stay
# text for the schema to judge.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type, misc]
    pass


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(front: str) -> tuple[yaml.Node | None, object]:
    """The node tree (for line numbers) and the data, from one parse, after a pass over the events.

    The events pass refuses aliases, which let a few lines expand into gigabytes ("billion laughs")
    and which article files never need, and deep nesting, over which PyYAML's composer recurses
    (RecursionError).
    """
    depth = 0
    for event in yaml.parse(front, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise _marked("aliases (*name) are not allowed in article files", event)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _marked(f"nested more than {MAX_YAML_DEPTH} levels deep", event)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    loader = _Loader(front)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _marked(problem: str, event: yaml.Event) -> yaml.MarkedYAMLError:
    # libyaml's marks are its own type; keep only where they point.
    start = event.start_mark
    mark = yaml.Mark("front matter", 0, start.line, start.column, None, 0) if start is not None else None
    return yaml.MarkedYAMLError(None, None, problem, mark)


def _strings(value: object, loc: tuple[int | str, ...] = ()) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """Every string in the front matter, with its path."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*loc, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*loc, i))


def _node_line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 0-based line of the deepest YAML node that ``loc`` reaches."""
    line = node.start_mark.line if node else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((value for k, value in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line
    return line


# -- loading --------------------------------------------------------------------------------------


class _FileChecker:
    """Checks one file; gathers every problem rather than stopping at the first."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.problems: list[Problem] = []
        self.digest = ""
        self.reviewed_line: int | None = None

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
        match = _FRONT_MATTER.match(text)
        if not match:
            self.error("", "the file must start with a front matter block between two '---' lines", 0)
            return None
        front, body = match.group(1), text[match.end() :]
        body_offset = text.count("\n", 0, match.end())
        fields, node = self._front_matter(front)
        if fields is None:
            # Still report what is wrong with the body, so one run shows every problem.
            self._report_body(parse_body(body, Citations())[2], body_offset)
            return None
        return self._build(fields, node, body, body_offset)

    def _front_matter(self, front: str) -> tuple[ArticleFields | None, yaml.Node | None]:
        try:
            node, data = _read_yaml(front)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            self.error("front matter", f"is not valid YAML: {problem}", mark.line + 1 if mark else None)
            return None, None
        except ValueError as exc:  # PyYAML's int() of a number longer than Python allows
            self.error("front matter", f"has a value that cannot be read: {str(exc)[:120]}")
            return None, None
        if not isinstance(data, dict):
            self.error("front matter", "must be a set of 'field: value' lines", 1)
            return None, node
        for loc, value in _strings(data):
            if FORBIDDEN_CHARACTERS.search(value):
                self.error(_dotted(loc), FORBIDDEN_MESSAGE, _lift(_node_line(node, loc)))
        if any(p.severity == "error" for p in self.problems):
            return None, node
        try:
            return ArticleFields.model_validate(data), node
        except ValidationError as exc:
            for err in exc.errors():
                # Drop pydantic's own names for union members and validators from the path.
                loc = tuple(p for p in err["loc"] if isinstance(p, int) or p.isidentifier())
                self.error(_dotted(loc), _sentence(err), _lift(_node_line(node, loc)))
            return None, node

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

    def _build(self, fields: ArticleFields, node: yaml.Node | None, body: str, body_offset: int) -> Article | None:
        def line_of(*loc: int | str) -> int | None:
            return _lift(_node_line(node, loc))

        if fields.slug != self.path.stem:
            self.error(
                "slug", f"'{fields.slug}' must match the file name '{self.path.name}' (without .md)", line_of("slug")
            )
        if fields.reviewed < fields.published:
            self.error(
                "reviewed", f"{fields.reviewed} is before the published date {fields.published}", line_of("reviewed")
            )
        if fields.next_review and fields.next_review <= fields.reviewed:
            message = f"{fields.next_review} must come after the last-reviewed date {fields.reviewed}"
            self.error("next_review", message, line_of("next_review"))
        citations = Citations()

        def inline(value: str, *loc: int | str) -> Text:
            citations.where = (_dotted(loc), line_of(*loc))
            text, issues = parse_inline(value, citations)
            for issue in issues:
                self.error(_dotted(loc), issue.message, line_of(*loc))
            return text

        takeaway = inline(fields.takeaway, "takeaway")
        key_takeaways = tuple(inline(item, "key_takeaways", i) for i, item in enumerate(fields.key_takeaways))
        overview, sections, issues = parse_body(body, citations)
        self._report_body(issues, body_offset)
        if not overview:
            self.error("body", "needs an overview: at least one paragraph before the first '## ' heading", body_offset)
        comparison = None
        if table := fields.comparison:
            for r, row in enumerate(table.rows):
                if len(row) != len(table.columns):
                    message = f"row {r + 1} has {len(row)} cells but the table has {len(table.columns)} columns"
                    self.error(f"comparison.rows[{r + 1}]", message, line_of("comparison", "rows", r))
            rows = tuple(
                tuple(inline(cell, "comparison", "rows", r, c) for c, cell in enumerate(row))
                for r, row in enumerate(table.rows)
            )
            note = inline(table.note, "comparison", "note") if table.note else None
            comparison = Comparison(table.caption, tuple(table.columns), rows, note)

        count = len(fields.sources)
        for number, places in sorted(citations.places.items()):
            if not 1 <= number <= count:
                for field, line in places:
                    where = line if field != "body" or line is None else body_offset + line
                    self.error(field, f"cites source [{number}], but there are only {count} sources", where)
        cites: dict[int, list[Cite]] = {}
        for text in _page_order(takeaway, key_takeaways, overview, sections, comparison):
            for cite in text.cites:
                cites.setdefault(cite.number, []).append(cite)
        sources = tuple(
            Source(n, s.title, s.site, s.url, s.pmid, s.doi, tuple(cites.get(n, ())))
            for n, s in enumerate(fields.sources, start=1)
        )
        self._check_sources(sources, node)
        reviewed = line_of("reviewed")
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
        words = sum(len(text.plain.split()) for text in article.texts()) + sum(len(s.heading.split()) for s in sections)
        return replace(article, reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)))

    def _check_sources(self, sources: tuple[Source, ...], node: yaml.Node | None) -> None:
        by_url: dict[str, Source] = {}
        by_name: dict[tuple[str, str, str | None, str | None], Source] = {}
        for source in sources:
            line = _lift(_node_line(node, ("sources", source.number - 1)))
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


def _lift(line: int | None) -> int | None:
    # Front matter starts on the file's second line, after the opening '---'.
    return None if line is None else line + 1


def _dotted(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field an article can have (check the spelling)",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}


def _sentence(err: Mapping[str, Any]) -> str:
    kind, value = err["type"], err.get("input")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"must be a date written YYYY-MM-DD, got '{value}'"
    if kind == "string_pattern_mismatch":
        return f"has the wrong form: '{value}'"
    if kind == "string_type":
        return f"must be text, got '{value}' (put it in quotes)"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return (
        f"{err['msg']}, got '{value}'" if value is not None and not isinstance(value, dict | list) else str(err["msg"])
    )


def check_articles(
    folder: Path, today: date | None = None, cache: ArticleCache | None = None
) -> tuple[dict[str, Article], list[Problem]]:
    """Read and check every article file in ``folder``; never raises for bad content.

    Returns the articles that have no errors, and every problem (errors and warnings) found.
    ``cache`` remembers what each file's bytes gave, so an unchanged file is not parsed again.
    """
    today = today or date.today()
    found: dict[str, tuple[str, Article, bool]] = {}  # slug -> (file, article, whether the file has errors)
    problems: list[Problem] = []
    paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    articles = []
    for path in paths:
        if path.suffix == ".md" and path.is_file():
            articles.append(path)
        else:
            problems.append(Problem(str(path), "", "is not an article file (*.md) and was ignored", severity="warning"))
    files = cache if cache is not None else ArticleCache()
    seen = files.check_all(articles)
    for label, checked in seen.items():
        problems.extend(checked.problems)
        article = checked.article
        if article is None:
            continue
        if today - article.reviewed > REVIEW_WARNING_AGE:
            message = f"was last reviewed on {article.reviewed}, over a year ago"
            problems.append(Problem(label, "reviewed", message, checked.reviewed_line, "warning"))
        if article.slug in found:
            problems.append(Problem(label, "slug", f"'{article.slug}' is already used by {found[article.slug][0]}"))
            continue
        found[article.slug] = (label, article, any(p.severity == "error" for p in checked.problems))
    if not any(path.suffix == ".md" for path in paths):
        problems.append(Problem(str(folder), "", "holds no article files (*.md)"))
    for slug, (label, article, broken) in list(found.items()):
        for i, related in enumerate(article.related):
            if related.slug and related.slug not in found:
                problems.append(Problem(label, f"related[{i + 1}].slug", f"there is no article '{related.slug}'"))
                broken = True
        found[slug] = (label, article, broken)
    return {slug: article for slug, (_, article, broken) in found.items() if not broken}, problems


# -- remembering what each file gave ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """What checking one file's bytes found: the article (None if it has errors) and the problems."""

    digest: str
    article: Article | None
    problems: tuple[Problem, ...]
    reviewed_line: int | None  # for the review-age warning, which depends on the day, not the file


# The modules that turn a file into an Article (this one and what it imports of ours): a change to
# any other module, a view or a template, keeps the cache, so such a deploy restarts warm.
PARSER_MODULES: Final = ("content.py", "markup.py")


def code_digest(paths: Iterable[Path], libraries: Iterable[str], *extra: str) -> str:
    """A digest of some code: its files, the installed versions of ``libraries``, and ``extra`` text."""
    digest = hashlib.sha256("\0".join(extra).encode())
    for library in libraries:
        digest.update(f"\0{library}={metadata.version(library)}".encode())
    for path in sorted(paths):
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _parser_version() -> str:
    """A digest of what turns a file into an Article: a cache made by other code is not used."""
    return code_digest(
        (Path(__file__).parent / name for name in PARSER_MODULES),
        ("markdown-it-py", "pydantic", "pydantic-core", "PyYAML", "MarkupSafe"),
        sys.version,
    )


PARALLEL_CHUNK = 32  # files a process at least: enough to outweigh starting it
MAX_PROCESSES = 8  # each child imports the app (about 60 MB): a container's CPU quota is not visible here
CHILD_TIMEOUT = 60.0  # seconds, plus the per-file allowance below, before a parsing child counts as hung
CHILD_SECONDS_PER_FILE = 0.1  # twenty times what a file takes


def _umask() -> int:
    """This process's umask, read without setting it (os.umask would, for every thread at once)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"^Umask:\s+([0-7]+)", status, re.M).group(1), 8)  # type: ignore[union-attr]
    except (OSError, AttributeError, ValueError):
        return 0o022


def _usable_cpus() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, MAX_PROCESSES))


class _Restricted(pickle.Unpickler):
    """Unpickles only the article model, Markup, dates and builtin containers: a cache file or a
    child's output can describe articles, never call anything else (the pickle module's own
    "restricting globals" recipe)."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get(module)
        if allowed is None or name not in allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of an article")
        return super().find_class(module, name)


def check_file(path: Path) -> Checked:
    """Read and check one article file; never raises for bad content."""
    checker = _FileChecker(path, str(path))
    article = checker.check()
    return Checked(checker.digest, article, tuple(checker.problems), checker.reviewed_line)


def _check_elsewhere(paths: list[Path], processes: int) -> list[Checked]:
    """Check ``paths`` in ``processes`` fresh interpreters, in order: parsing is pure Python (the GIL).

    Plain child processes, each given a file listing its paths and writing its results to stdout:
    multiprocessing would fork a process that may have threads, or re-run the caller's main module.
    """
    size = -(-len(paths) // processes)
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    root = Path(__file__).resolve().parent.parent
    # From the project folder, so the children import this very package and no other "widget".
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
    deadline = time.monotonic() + CHILD_TIMEOUT + CHILD_SECONDS_PER_FILE * size
    children: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="hw-parse-") as scratch:
        try:
            for n, chunk in enumerate(chunks):
                listing = Path(scratch) / f"{n}.txt"
                listing.write_text("\n".join(map(str, chunk)), encoding="utf-8")
                code = "from widget.content import _check_listed; _check_listed()"
                command = [sys.executable, "-c", code, str(listing)]
                children.append(subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=root))
            found: list[Checked] = []
            for child in children:
                output, _ = child.communicate(timeout=max(1.0, deadline - time.monotonic()))
                if child.returncode != 0:
                    raise RuntimeError(f"a parsing process exited with status {child.returncode}")
                found += _Restricted(io.BytesIO(output)).load()
            if len(found) != len(paths):
                raise RuntimeError(f"{len(found)} results for {len(paths)} files")
            return found
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"a parsing process took over {exc.timeout:.0f} s") from None
        finally:
            for child in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()
                if child.stdout is not None:
                    child.stdout.close()


def _check_listed() -> None:
    """The child's side of :func:`_check_elsewhere`: the paths listed in the file named by argv[1]."""
    paths = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    sys.stdout.buffer.write(pickle.dumps([check_file(Path(path)) for path in paths], pickle.HIGHEST_PROTOCOL))


def digest_of(raw: bytes) -> str:
    """What an Article's ``digest`` is: of its file's bytes, as the checker read them."""
    return hashlib.sha256(raw).hexdigest()[:32]


def _digest(path: Path) -> str:
    """Of the bytes the checker would read; "" when the file cannot be read (never equal to a kept one)."""
    try:
        with path.open("rb") as handle:
            return digest_of(handle.read(MAX_FILE_BYTES + 1))
    except OSError:
        return ""


def _markup(text: str) -> Markup:
    """Markup without its Python ``__new__`` (its text was escaped when it was first made)."""
    return str.__new__(Markup, text)


def _fast_pickling() -> None:
    """Rebuild the model through its constructors when the cache is read.

    A frozen dataclass with slots unpickles through dataclasses.fields() per object, which was most
    of reading the cache in a profile of 10,000 articles; a constructor call per object and Markup
    made without its Python __new__ (its text was escaped when it was first made) took unpickling
    from 0.62 to 0.16 ms an article (200 generated articles, best of three).
    """

    def markup(text: Markup) -> tuple[Callable[..., Markup], tuple[object, ...]]:
        return _markup, (str(text),)

    def by_constructor(cls: type) -> Callable[[object], tuple[Callable[..., object], tuple[object, ...]]]:
        names = tuple(f.name for f in dataclass_fields(cls))
        return lambda obj: (cls, tuple(getattr(obj, name) for name in names))

    copyreg.pickle(Markup, markup)
    for cls in _MODEL:
        copyreg.pickle(cls, by_constructor(cls))


# What a cache file or a parsing child may describe: the classes the reducers above rebuild, our
# Markup maker, and dates (what _Restricted lets through).
_MODEL: Final = (
    Cite,
    Text,
    ListItem,
    Paragraph,
    ListBlock,
    Section,
    Source,
    Comparison,
    Related,
    Article,
    Problem,
    Checked,
)
_fast_pickling()
_ALLOWED: Final[dict[str, frozenset[str]]] = {
    module: frozenset(cls.__name__ for cls in _MODEL if cls.__module__ == module)
    for module in {cls.__module__ for cls in _MODEL}
}
_ALLOWED[__name__] |= {_markup.__name__}
_ALLOWED["datetime"] = frozenset({"date"})


class ArticleCache:
    """What each file gave, by its path and the digest of its bytes; optionally kept on disk.

    A reload parses only the files that changed, and with ``file`` a restart parses only the files
    that changed since the last run of the same code. The file is a pickle: it must sit where only
    the operator can write (as the code itself does); one that cannot be read is ignored.
    """

    def __init__(self, file: Path | None = None, *, processes: int | None = None, parallel_from: int = 256) -> None:
        """``processes`` parse at once when at least ``parallel_from`` files changed (default: one per CPU)."""
        self.file = file
        self.processes = processes or _usable_cpus()
        self.parallel_from = parallel_from
        self.entries: dict[str, Checked] = {}
        # The Last-Modified given to each file's article (label -> digest, epoch seconds), and since
        # when the rendering code has been what it is (digest, epoch seconds): see widget.live.
        self.dates: dict[str, tuple[str, int]] = {}
        self.code: tuple[str, int] = ("", 0)
        self.hits = 0
        self.changed = False  # since read or saved: whether saving would write anything new
        self.version = _parser_version() if file else ""
        if file is not None:
            self._read(file)

    def check_all(self, paths: Sequence[Path]) -> dict[str, Checked]:
        """What each file gave, by label (its path), in order; parses only the files not seen as they are.

        Many changed files (a first start) are parsed by a process per CPU: parsing is pure Python.
        The cache then holds exactly these files, so it never outgrows the folder.
        """
        kept: dict[str, Checked] = {}
        missing: list[Path] = []
        for path in paths:
            before = self.entries.get(str(path))
            if before is not None and before.digest and before.digest == _digest(path):
                kept[str(path)] = before
            else:
                missing.append(path)
        self.hits += len(kept)
        parsed = dict(zip(map(str, missing), self._parse(missing), strict=True))
        self.changed = self.changed or bool(parsed) or len(kept) != len(self.entries)
        self.entries = {str(path): kept.get(str(path)) or parsed[str(path)] for path in paths}
        self.dates = {label: date for label, date in self.dates.items() if label in self.entries}
        return dict(self.entries)

    def date(self, label: str, digest: str, at: int) -> None:
        """Remember the Last-Modified given to the article of ``label`` at ``digest``."""
        if self.dates.get(label) != (digest, at):
            self.dates[label] = (digest, at)
            self.changed = True

    def code_since(self, digest: str, now: int) -> int:
        """Since when the rendering code has been ``digest``: now, the first time this cache sees it."""
        if self.code[0] != digest:
            self.code = (digest, now)
            self.changed = True
        return self.code[1]

    def _parse(self, paths: list[Path]) -> list[Checked]:
        processes = min(self.processes, len(paths) // PARALLEL_CHUNK)
        if len(paths) < self.parallel_from or processes < 2:
            return [check_file(path) for path in paths]
        began = time.monotonic()
        try:
            found = _check_elsewhere(paths, processes)
        except Exception as exc:  # any failure of the children: parse here instead, slower but sure
            logger.warning("Parsing in %d processes failed (%s); parsing in this one", processes, exc)
            return [check_file(path) for path in paths]
        took = time.monotonic() - began
        logger.info("Parsed %d article files in %d processes in %.1f s", len(paths), processes, took)
        return found

    def save(self) -> None:
        """Write the cache to its file, if it has one and anything changed."""
        if self.file is None or not self.changed:
            return
        staging = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            # A name of its own: several processes (or containers sharing the folder) may save at once.
            handle, name = tempfile.mkstemp(prefix=f".{self.file.name}.", dir=self.file.parent)
            staging = Path(name)
            os.fchmod(handle, 0o666 & ~_umask())  # mkstemp's 0600 would lock out another user's next start
            with os.fdopen(handle, "wb") as out:
                state = (self.version, self.entries, self.dates, self.code)
                pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(staging, self.file)  # whole or not at all
            self.changed = False
        except Exception as exc:  # the cache saves time; failing to write it must fail nothing
            logger.warning(
                "Could not write the article cache %s (%s); the next start parses every file", self.file, exc
            )
            if staging is not None:
                staging.unlink(missing_ok=True)

    def _read(self, file: Path) -> None:
        try:
            with file.open("rb") as handle:
                version, entries, dates, code = _Restricted(handle).load()
        except FileNotFoundError:
            return
        except Exception as exc:  # a torn or foreign file: start without it, never fail on it
            logger.warning("Ignored the article cache %s: %s", file, exc)
            return
        if version == self.version and isinstance(entries, dict) and isinstance(dates, dict):
            self.entries, self.dates, self.code = entries, dates, code
        else:
            logger.info("The article cache %s was made by other code; parsing every file", file)


def load_articles(folder: Path, today: date | None = None, cache: ArticleCache | None = None) -> Catalogue:
    """Load the content folder, or raise :class:`InvalidContent` naming every error."""
    articles, problems = check_articles(folder, today, cache)
    if any(p.severity == "error" for p in problems):
        raise InvalidContent(problems)
    warnings = tuple(problems)
    for warning in warnings:
        logger.warning("%s", warning)
    logger.info("Loaded %d articles from %s", len(articles), folder)
    return Catalogue(MappingProxyType(dict(sorted(articles.items()))), warnings)


__all__ = [
    "Article",
    "ArticleCache",
    "ArticleNotFound",
    "Catalogue",
    "Comparison",
    "ContentError",
    "InvalidContent",
    "ListBlock",
    "Problem",
    "Related",
    "Source",
    "check_articles",
    "load_articles",
]
