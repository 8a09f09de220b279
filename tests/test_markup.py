"""Article text to safe HTML: widget/markup.py."""

from __future__ import annotations

import unicodedata

import pytest
from markupsafe import Markup

from widget.markup import (
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
    slugify,
)

LINK_ATTRS = 'target="_blank" rel="noopener noreferrer" class="hw-link"'


def inline(source: str) -> tuple[Text, list[Issue]]:
    text, issues = parse_inline(source, Citations())
    return text, issues


def body(source: str) -> tuple[tuple[Block, ...], tuple[Section, ...], list[Issue]]:
    return parse_body(source, Citations())


# -- inline text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("An *important* point", "An <em>important</em> point"),
        ("An _important_ point", "An <em>important</em> point"),
        ("A **strong** point", "A <strong>strong</strong> point"),
    ],
)
def test_inline_emphasis(source, html):
    text, issues = inline(source)

    assert text.parts == (Markup(html),)
    assert issues == []


@pytest.mark.parametrize(
    ("source", "html", "plain"),
    [
        (
            "Before <script>alert(1)</script> after",
            "Before &lt;script&gt;alert(1)&lt;/script&gt; after",
            "Before <script>alert(1)</script> after",
        ),
        ("A <b>bold</b> claim", "A &lt;b&gt;bold&lt;/b&gt; claim", "A <b>bold</b> claim"),
        ('Say "hi" & <go>', "Say &quot;hi&quot; &amp; &lt;go&gt;", 'Say "hi" & <go>'),
    ],
)
def test_inline_raw_html_escaped(source, html, plain):
    text, issues = inline(source)

    assert text.parts == (Markup(html),)
    assert text.plain == plain
    assert issues == []


def test_inline_citations_in_order():
    text, issues = inline("Numbness is common. [6] [7]")

    assert text.parts == (Markup("Numbness is common. "), Cite(6, 0), Markup(" "), Cite(7, 0))
    assert [cite.number for cite in text.cites] == [6, 7]
    assert text.plain == "Numbness is common."
    assert issues == []


def test_inline_citations_counted_across_texts():
    citations = Citations()

    first, _ = parse_inline("One. [2] [1]", citations)
    second, _ = parse_inline("Two. [2]", citations)

    assert first.cites == (Cite(2, 0), Cite(1, 0))
    assert second.cites == (Cite(2, 1),)
    assert second.cites[0].letter == "b"


def test_inline_link_is_not_a_citation():
    text, issues = inline("See [the guideline](https://x.org) for more. [1]")

    assert text.parts == (
        Markup(f'See <a href="https://x.org" {LINK_ATTRS}>the guideline</a> for more. '),
        Cite(1, 0),
    )
    assert text.plain == "See the guideline for more."
    assert issues == []


def test_inline_number_link_is_not_a_citation():
    text, issues = inline("[6](https://x)")

    assert text.parts == (Markup(f'<a href="https://x" {LINK_ATTRS}>6</a>'),)
    assert text.cites == ()
    assert issues == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x", "/relative", "https://"])
def test_inline_link_not_web(url):
    _, issues = inline(f"A [link]({url}).")

    assert issues == [Issue(f"link '{url}' must be an absolute http:// or https:// URL")]


def test_inline_image_refused():
    text, issues = inline("A chart ![chart](https://x.org/c.png) here.")

    assert "<img" not in str(text.parts)
    assert issues == [Issue("images are not allowed in article text (they would load from another site)")]


def test_inline_issue_carries_line():
    _, issues = parse_inline("![chart](https://x.org/c.png)", Citations(), line=7)

    assert [issue.line for issue in issues] == [7]


def test_inline_citation_inside_link_text():
    text, issues = inline("See [the guideline [1]](https://x.org).")

    assert issues == [Issue("citation marker [1] is inside link text; put it after the link")]
    assert text.cites == ()


# -- Cite.letter ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "letter"),
    [(0, "a"), (1, "b"), (25, "z"), (26, "aa"), (27, "ab"), (51, "az"), (52, "ba"), (701, "zz"), (702, "aaa")],
)
def test_cite_letter(index, letter):
    cite = Cite(number=1, index=index)

    assert cite.letter == letter


# -- slugify and is_web_url -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Raynaud's phenomenon", "raynauds-phenomenon"),
        ("Raynaud\u2019s phenomenon", "raynauds-phenomenon"),
        ("Vasculitis (inflammation of blood vessels)", "vasculitis-inflammation-of-blood-vessels"),
        ("  When to   seek evaluation?  ", "when-to-seek-evaluation"),
        ("B12 & thyroid", "b12-thyroid"),
        ("!!!", "section"),
    ],
)
def test_slugify(heading, slug):
    assert slugify(heading) == slug


@pytest.mark.parametrize(
    "url",
    ["https://x.org", "http://x.org/a?b=c#d", "HTTPS://X.ORG/path", "https://x.org:8443/"],
)
def test_is_web_url_accepts(url):
    assert is_web_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://x",
        "/x",
        "x.org",
        "https://",
        "https:///path",
        "https://x.org/a b",
        "http://[::1",
        "",
    ],
)
def test_is_web_url_refuses(url):
    assert not is_web_url(url)


# -- the body -------------------------------------------------------------------------------------


def test_body_overview_and_sections():
    source = "First paragraph. [1]\n\nSecond paragraph.\n\n## A section\n\nSection text. [2]\n"

    overview, sections, issues = body(source)

    assert overview == (
        Paragraph(Text((Markup("First paragraph. "), Cite(1, 0)), "First paragraph.")),
        Paragraph(Text((Markup("Second paragraph."),), "Second paragraph.")),
    )
    assert sections == (
        Section(
            "a-section",
            "A section",
            (Paragraph(Text((Markup("Section text. "), Cite(2, 0)), "Section text.")),),
        ),
    )
    assert issues == []


def test_body_subsections():
    source = "Intro.\n\n## Causes\n\n### Raynaud's phenomenon\n\nText.\n\n### Vasculitis\n\n- A point.\n"

    _, sections, issues = body(source)

    assert [(sub.id, sub.heading) for sub in sections[0].subsections] == [
        ("raynauds-phenomenon", "Raynaud's phenomenon"),
        ("vasculitis", "Vasculitis"),
    ]
    assert sections[0].blocks == ()
    assert issues == []


def test_body_duplicate_headings_get_numbered_ids():
    source = "Intro.\n\n## Causes\n\nA.\n\n## Causes\n\nB.\n\n### Causes\n\nC.\n"

    _, sections, issues = body(source)

    assert [s.id for s in sections] == ["causes", "causes-2"]
    assert sections[1].subsections[0].id == "causes-3"
    assert issues == []


def test_body_nested_list_one_level():
    source = "Intro.\n\n- Outer one [1]\n  - Inner [2]\n- Outer two\n"

    overview, _, issues = body(source)

    block = overview[1]
    assert isinstance(block, ListBlock)
    assert not block.ordered
    assert [item.text.plain for item in block.items] == ["Outer one", "Outer two"]
    assert [child.text.plain for child in block.items[0].children] == ["Inner"]
    assert block.items[0].children[0].text.cites == (Cite(2, 0),)
    assert issues == []


def test_body_ordered_list():
    overview, _, issues = body("Intro.\n\n1. First\n2. Second\n")

    assert overview[1] == ListBlock(
        (
            ListItem(Text((Markup("First"),), "First")),
            ListItem(Text((Markup("Second"),), "Second")),
        ),
        ordered=True,
    )
    assert issues == []


def test_body_list_nested_two_levels():
    source = "Intro.\n\n- One\n  - Two\n    - Three\n"

    _, _, issues = body(source)

    assert issues == [Issue("lists may nest one level deep, no more", 4)]


def test_body_list_item_with_two_paragraphs():
    _, _, issues = body("Intro.\n\n- One\n\n  More of one.\n")

    assert issues == [Issue("each list item holds exactly one paragraph of text", 2)]


@pytest.mark.parametrize(
    ("source", "issue"),
    [
        ("Intro.\n\n#### Deep\n", Issue("only '## ' and '### ' headings are allowed, not '#### '", 2)),
        ("Intro.\n\n> Quote\n", Issue("a block quote is not allowed; use paragraphs and bullet lists", 2)),
        ("Intro.\n\n```\ncode\n```\n", Issue("a code block is not allowed; use paragraphs and bullet lists", 2)),
        ("Intro.\n\n## S\n\n<div>x</div>\n", None),
        ("Intro.\n\n## \n\nText.\n", Issue("heading is empty", 2)),
        ("Intro.\n\n## *Bold* claim\n\nText.\n", Issue("headings are plain text: no markup or citation markers", 2)),
        ("Intro.\n\n## Claim [1]\n\nText.\n", Issue("headings are plain text: no markup or citation markers", 2)),
        ("Intro.\n\n## Empty\n\n## Full\n\nText.\n", Issue("section 'Empty' has no text", 2)),
    ],
)
def test_body_issue(source, issue):
    _, _, issues = body(source)

    assert issues == ([issue] if issue else [])


def test_body_raw_html_block_is_text():
    _, sections, _ = body("Intro.\n\n## S\n\n<div>x</div>\n")

    assert sections[0].blocks == (Paragraph(Text((Markup("&lt;div&gt;x&lt;/div&gt;"),), "<div>x</div>")),)


def test_body_subsection_before_any_section():
    source = "Intro.\n\n### Orphan\n\n- A point.\n"

    _, _, issues = body(source)

    assert issues == [Issue("a '### ' heading must follow a '## ' section heading", 2)]


# -- invisible and reordering characters, however they are written --------------------------------

INVISIBLE = {
    "LRE": "\u202a",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "PDI": "\u2069",
    "LRM": "\u200e",
    "RLM": "\u200f",
    "ALM": "\u061c",
    "NUL": "\x00",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "NEL (C1)": "\x85",
    "CSI (C1)": "\x9b",
}


CONTROLS = {name: char for name, char in INVISIBLE.items() if unicodedata.category(char) == "Cc"}


def references(char: str) -> list[str]:
    """Each spelling of a Markdown character reference to ``char``."""
    code = ord(char)
    return list(dict.fromkeys([f"&#x{code:X};", f"&#x{code:x};", f"&#{code};", f"&#{code:07d};"]))


TEMPLATES = {
    "text": "Text {} here.",
    "link title": '[x](https://a.example/ "{}gnp.exe")',
    "link href": "[x](https://a.example/{})",
    "code": "`code {}`",
}
# markdown-it makes a raw NUL U+FFFD, and a code span shows a reference as the text "&#...;".
RAW = [(name, char) for name, char in INVISIBLE.items() if name != "NUL"]
DECODED = [(name, ref) for name, char in INVISIBLE.items() if name not in CONTROLS for ref in references(char)]
CASES = [(where, name, spelling) for where in TEMPLATES for name, spelling in RAW]
CASES += [(where, name, spelling) for where in TEMPLATES if where != "code" for name, spelling in DECODED]


@pytest.mark.parametrize(("where", "name", "spelling"), CASES)
def test_invisible_characters_are_refused_as_decoded(where, name, spelling):
    char = INVISIBLE[name]
    # A raw ASCII control character ends a link destination, so it is refused as text instead.
    ends_link = where == "link href" and ord(char) < 0x80 and name in CONTROLS
    prefix = f"{where} " if where.startswith("link") and not ends_link else ""

    text, issues = inline(TEMPLATES[where].format(spelling))

    messages = [issue.message for issue in issues if issue.characters]
    if where == "link href" and name == "NEL (C1)" and spelling == char:
        # markdown-it takes a raw U+0085 for white space at the end of the destination and drops it.
        assert char not in "".join(map(str, text.parts))
        return
    assert any(message.startswith(f"{prefix}contains U+{ord(char):04X} (") for message in messages), messages


@pytest.mark.parametrize(("name", "reference"), [(n, ref) for n, char in CONTROLS.items() for ref in references(char)])
def test_references_to_control_characters_reach_no_page(name, reference):
    # CommonMark decodes a reference to a control character in text to U+FFFD, which is visible,
    # and leaves one in a link title as the text "&#...;".
    text, issues = inline(f'Text {reference} and [x](https://a.example/ "{reference}")')

    html = "".join(map(str, text.parts))
    assert issues == []
    assert INVISIBLE[name] not in html and INVISIBLE[name] not in text.plain
    assert "Text \ufffd and" in html


def test_invisible_character_message_names_the_character():
    _, issues = inline('[x](https://a.example/ "&#x202E;gnp.exe")')

    assert [issue.message for issue in issues] == [
        "link title contains U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible control or text-reordering"
        " character (C0/C1 controls, U+061C, U+200E-200F, U+202A-202E, U+2066-2069); remove it"
    ]


def test_visible_neighbours_of_invisible_characters_pass():
    # Joiners shape Arabic and emoji, and a no-break space is a space: none reorders or hides text.
    _, issues = inline('A\u200dB\u200cC\u00a0D &#x2028; [x](https://a.example/ "t\u00e9") \u0645\u0631')

    assert issues == []
