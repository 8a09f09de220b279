"""Article text to safe HTML: Markdown through markdown-it-py, raw HTML off, citations as objects.

Inline text becomes a :class:`Text`: a tuple of ready-escaped HTML runs and :class:`Cite` markers,
so each widget's template decides how a citation looks (a link to the source list, or the source
expanding in place) while the Markdown is parsed once, when the content loads.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

MAX_CITATION = 999
# Text never needs C0 controls (but tab and line breaks), DEL or C1 controls, nor the invisible
# characters that make text read differently from how it is stored: the bidirectional embeddings,
# overrides and isolates (CVE-2021-42574, "Trojan Source"), and the direction marks (LRM, RLM, ALM),
# which reorder neutral characters such as a file name's dot ("gnp.exe").
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def forbidden(text: str) -> str | None:
    """What is wrong with ``text``'s characters, as a sentence naming the first bad one, or None."""
    match = FORBIDDEN_CHARACTERS.search(text)
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "a control character")
    return (
        f"contains U+{ord(char):04X} ({name}), an invisible control or text-reordering character "
        "(C0/C1 controls, U+061C, U+200E-200F, U+202A-202E, U+2066-2069); remove it"
    )


_CITATION = re.compile(r"\[(\d{1,3})\](?!\()")


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: the only links content may carry."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(ch.isspace() for ch in url)


@dataclass(frozen=True, slots=True)
class Cite:
    """One citation marker: source ``number``, and its ``index``-th citation on the article page."""

    number: int
    index: int

    @property
    def letter(self) -> str:
        """Back-reference label as in the reference article's source list: a..z, then aa, ab, ..."""
        n, label = self.index + 1, ""
        while n:
            n, rem = divmod(n - 1, 26)
            label = chr(ord("a") + rem) + label
        return label


@dataclass(frozen=True, slots=True)
class Text:
    parts: tuple[Markup | Cite, ...]
    plain: str

    @property
    def cites(self) -> tuple[Cite, ...]:
        return tuple(part for part in self.parts if isinstance(part, Cite))

    def __bool__(self) -> bool:
        # A text of citation markers alone ("[4] [5]", how a table's sources are listed under it)
        # has no words but is shown, and its citations count.
        return bool(self.plain.strip()) or any(isinstance(part, Cite) for part in self.parts)


@dataclass(frozen=True, slots=True)
class ListItem:
    text: Text
    children: tuple[ListItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: Text
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool = False
    kind: Literal["list"] = "list"


Block = Paragraph | ListBlock


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    heading: str
    blocks: tuple[Block, ...]
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem in the text: ``line`` is 0-based within the text handed to the parser, if known."""

    message: str
    line: int | None = None
    characters: bool = False  # about the text's characters (reported for headings too), not its markup


Place = tuple[str, int | None]  # field path, 0-based line in the text parsed (or None)


@dataclass(slots=True)
class Citations:
    """Counts citations in page order while an article's texts are parsed, one after another.

    ``where`` is set by whoever parses the next text, so an unknown source number can be reported
    at the field and line where it was written.
    """

    seen: Counter[int] = field(default_factory=Counter)
    places: dict[int, list[Place]] = field(default_factory=dict)
    where: Place = ("", None)

    def next(self, number: int) -> Cite:
        cite = Cite(number, self.seen[number])
        self.seen[number] += 1
        self.places.setdefault(number, []).append(self.where)
        return cite


def _citation_rule(state: StateInline, silent: bool) -> bool:
    # Silent mode is markdown-it scanning a link label: let '[1]' count as nested brackets there, so
    # '[text [1]](url)' stays a link and the marker inside it is reported instead of breaking it.
    if silent:
        return False
    match = _CITATION.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    token = state.push("citation", "", 0)
    token.meta = {"number": int(match.group(1))}
    state.pos = match.end()
    return True


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")  # parsed only to be refused with a clear message, not shown as a row of pipes
    md.inline.ruler.before("link", "citation", _citation_rule)
    # Accept every URL while parsing so a bad one is reported, not silently left as text;
    # _inline() refuses anything but http(s).
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)

    def link_open(tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # Content links leave the widget: in an iframe they must not replace the frame.
        token = tokens[idx]
        token.attrSet("target", "_blank")
        token.attrSet("rel", "noopener noreferrer")
        token.attrSet("class", "hw-link")
        return renderer.renderToken(tokens, idx, options, env)

    renderer.rules["link_open"] = link_open  # type: ignore[assignment]  # the stubs want a bound method
    return md


MD = _make_parser()


def parse_inline(source: str, citations: Citations, line: int | None = None) -> tuple[Text, list[Issue]]:
    """Parse one run of inline text (a field, a paragraph, a list item)."""
    tokens = MD.parseInline(source.strip(), {})
    return _inline(tokens[0].children or [], citations, line)


def _inline(children: list[Token], citations: Citations, line: int | None) -> tuple[Text, list[Issue]]:
    parts: list[Markup | Cite] = []
    run: list[Token] = []
    plain: list[str] = []
    issues: list[Issue] = []
    in_link = 0

    def flush() -> None:
        if run:
            parts.append(Markup(MD.renderer.render(run, MD.options, {})))
            run.clear()

    for token in children:
        if token.type == "citation":
            number = token.meta["number"]
            if in_link:
                issues.append(
                    Issue(
                        f"citation marker [{number}] is inside link text; put it after the link",
                        line,
                    )
                )
                continue
            flush()
            parts.append(citations.next(number))
            continue
        if token.type == "image":
            issues.append(
                Issue(
                    "images are not allowed in article text (they would load from another site)",
                    line,
                )
            )
            continue
        if token.type == "link_open":
            # markdown-it has decoded character references ("&#x202E;") in these by now, and
            # percent-encoded the href, whose decoded form is what a browser's status bar shows.
            href = str(token.attrGet("href") or "")
            if not is_web_url(href):
                issues.append(Issue(f"link '{href}' must be an absolute http:// or https:// URL", line))
            for name, value in (("href", unquote(href)), ("title", str(token.attrGet("title") or ""))):
                if problem := forbidden(value):
                    issues.append(Issue(f"link {name} {problem}", line, characters=True))
            in_link += 1
        elif token.type == "link_close":
            in_link -= 1
        elif token.type in ("text", "code_inline"):
            if problem := forbidden(token.content):
                issues.append(Issue(problem, line, characters=True))
            plain.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            plain.append(" ")
        run.append(token)
    flush()
    return Text(tuple(parts), "".join(plain).strip()), issues


def slugify(heading: str) -> str:
    """Section id from its heading: 'Raynaud's phenomenon' -> 'raynauds-phenomenon', 'Diagnóstico' -> 'diagnostico'."""
    folded = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower().replace("'", ""))
    return "-".join(words) or "section"


def parse_body(source: str, citations: Citations) -> tuple[tuple[Block, ...], tuple[Section, ...], list[Issue]]:
    """Split the Markdown body into the overview (before the first ``##``) and its sections."""
    return _BodyParser(MD.parse(source), citations).parse()


class _BodyParser:
    def __init__(self, tokens: list[Token], citations: Citations) -> None:
        self.tokens = tokens
        self.pos = 0
        self.citations = citations
        self.issues: list[Issue] = []
        self.ids: set[str] = set()

    def parse(self) -> tuple[tuple[Block, ...], tuple[Section, ...], list[Issue]]:
        overview = self._blocks()
        sections: list[Section] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token.tag == "h2":
                sections.append(self._section(level=2))
            else:  # an ### before any ## section: _blocks() stops only at ## and ### headings
                self.issues.append(Issue("a '### ' heading must follow a '## ' section heading", _line(token)))
                self._section(level=3)
        return overview, tuple(sections), self.issues

    def _section(self, level: int) -> Section:
        heading, line = self._heading()
        section_id = self._unique_id(slugify(heading))
        blocks = self._blocks()
        subsections: list[Section] = []
        while level == 2 and self._at_heading("h3"):
            subsections.append(self._section(level=3))
        if not blocks and not subsections:
            self.issues.append(Issue(f"section '{heading}' has no text", line))
        return Section(section_id, heading, blocks, tuple(subsections))

    def _heading(self) -> tuple[str, int | None]:
        opening = self.tokens[self.pos]
        inline = self.tokens[self.pos + 1]
        self.pos += 3
        text, issues = _inline(inline.children or [], Citations(), _line(opening))
        self.issues.extend(issue for issue in issues if issue.characters)
        if text.cites or any(child.type != "text" for child in inline.children or []):
            self.issues.append(
                Issue(
                    "headings are plain text: no markup or citation markers",
                    _line(opening),
                )
            )
        if not text:
            self.issues.append(Issue("heading is empty", _line(opening)))
        return text.plain, _line(opening)

    def _skip_heading(self) -> None:
        self.pos += 3

    def _at_heading(self, tag: str) -> bool:
        return (
            self.pos < len(self.tokens)
            and self.tokens[self.pos].type == "heading_open"
            and self.tokens[self.pos].tag == tag
        )

    def _unique_id(self, base: str) -> str:
        candidate, n = base, 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        self.ids.add(candidate)
        return candidate

    def _blocks(self) -> tuple[Block, ...]:
        blocks: list[Block] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token.type == "heading_open":
                if token.tag in ("h2", "h3"):
                    break
                self.issues.append(
                    Issue(
                        f"only '## ' and '### ' headings are allowed, not '{token.markup} '",
                        _line(token),
                    )
                )
                self._skip_heading()
            elif token.type == "paragraph_open":
                blocks.append(Paragraph(self._paragraph()))
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                blocks.append(self._list(depth=0))
            else:
                self.issues.append(
                    Issue(
                        f"{_describe(token)} is not allowed; use paragraphs and bullet lists",
                        _line(token),
                    )
                )
                self._skip_block()
        return tuple(blocks)

    def _paragraph(self) -> Text:
        inline = self.tokens[self.pos + 1]
        self.pos += 3
        self.citations.where = ("body", _line(inline))
        text, issues = _inline(inline.children or [], self.citations, _line(inline))
        self.issues.extend(issues)
        return text

    def _list(self, depth: int) -> ListBlock:
        opening = self.tokens[self.pos]
        ordered = opening.type == "ordered_list_open"
        if depth > 1:
            self.issues.append(Issue("lists may nest one level deep, no more", _line(opening)))
        self.pos += 1
        items: list[ListItem] = []
        while self.tokens[self.pos].type == "list_item_open":
            items.append(self._item(depth))
        self.pos += 1  # *_list_close
        return ListBlock(tuple(items), ordered)

    def _item(self, depth: int) -> ListItem:
        opening = self.tokens[self.pos]
        self.pos += 1
        texts: list[Text] = []
        children: list[ListItem] = []
        while self.tokens[self.pos].type != "list_item_close":
            token = self.tokens[self.pos]
            if token.type == "paragraph_open":
                texts.append(self._paragraph())
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                children.extend(self._list(depth + 1).items)
            else:
                self.issues.append(
                    Issue(
                        f"{_describe(token)} is not allowed inside a list item",
                        _line(token),
                    )
                )
                self._skip_block()
        self.pos += 1
        if len(texts) != 1:
            self.issues.append(Issue("each list item holds exactly one paragraph of text", _line(opening)))
        text = texts[0] if texts else Text((), "")
        return ListItem(text, tuple(children))

    def _skip_block(self) -> None:
        """Step over one whole block (its opening token to the matching close)."""
        token = self.tokens[self.pos]
        self.pos += 1
        if token.nesting != 1:
            return
        depth = 1
        while self.pos < len(self.tokens) and depth:
            depth += self.tokens[self.pos].nesting
            self.pos += 1


def _line(token: Token) -> int | None:
    return token.map[0] if token.map else None


def _describe(token: Token) -> str:
    names = {
        "blockquote_open": "a block quote",
        "fence": "a code block",
        "code_block": "a code block (indented text)",
        "hr": "a horizontal rule",
        "html_block": "raw HTML",
        "table_open": "a table",
    }
    return names.get(token.type, f"'{token.type.removesuffix('_open')}'")
