"""Article + widget + mode to HTML, through the Jinja templates in ``templates/``.

Used by :mod:`widget.table` (when content loads, or on a body's first request) and by tests.
No Flask here: the caller hands in the Jinja environment, inside an app context when the
templates need translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from jinja2 import Environment
from markupsafe import Markup

from .content import Article, Catalogue
from .markup import Cite
from .structured import json_ld, medical_web_page
from .urls import DEFAULT_THEME, KINDS, MODES, THEMES, Kind, Links, Mode, Theme

# Wrapper per mode: a whole document for an <iframe>, bare markup for an include, and the
# widget alone when the article page composes several.
LAYOUTS: Final = {
    "embed": "_document.html",
    "fragment": "_fragment.html",
    "page": "_bare.html",
}
# Default iframe heights in CSS pixels, so a pasted embed code shows the widget without a scrollbar
# on a desktop page; readers can still scroll inside.
FRAME_HEIGHTS: Final[dict[Kind, int]] = {
    "takeaway": 520,
    "comparison": 560,
    "sources": 420,
    "sections": 640,
}
STYLESHEET: Final = "widget.css"
HTMX: Final = "vendor/htmx-2.0.11/htmx.min.js"


@dataclass(frozen=True, slots=True)
class Page:
    """Where a widget is shown, in which theme, with which part open.

    Decides ids, whether citations link or expand in place, and which expanders are lazy: in a
    standalone widget a section or the source list is fetched when opened (htmx), and without
    JavaScript its expander holds a real link to the same widget rendered with that part open.
    """

    article: Article
    kind: Kind
    mode: Literal["embed", "fragment", "page"]
    links: Links
    theme: Theme = "auto"
    open: str | None = None

    @property
    def standalone(self) -> bool:
        """Alone in a frame or an include, rather than one part of the article page."""
        return self.mode != "page"

    @property
    def sources_on_page(self) -> bool:
        """Whether the numbered source list is on the same page, so markers can link to it."""
        return self.mode == "page" or self.kind == "sources"

    @property
    def citations_on_page(self) -> bool:
        """Whether every citing spot is on the page, so back-references can link to them."""
        return self.mode == "page"

    def id(self, name: str) -> str:
        # Prefixed with the slug: several widgets, of several articles, may share a partner's page.
        return f"hw-{self.article.slug}-{name}"

    def cite_id(self, cite: Cite) -> str:
        return self.id(f"c{cite.number}{cite.letter}")

    def source_id(self, number: int) -> str:
        return self.id(f"s{number}")

    @property
    def uses_htmx(self) -> bool:
        """Whether this document has a lazy expander, and so loads htmx (the others stay script-free)."""
        return self.mode == "embed" and any(self.lazy(part) for part in parts_of(self.article, self.kind))

    def is_open(self, part: str) -> bool:
        return part == self.open or (self.mode == "page" and part != "sources")

    def lazy(self, part: str) -> bool:
        return self.standalone and part != self.open

    def part_url(self, part: str) -> str:
        """Where htmx fetches the part: a bare fragment, the same markup the open variant shows."""
        return f"{self.links.widget('fragment', self.article.slug, self.kind)}/{part}"

    def open_url(self, part: str) -> str:
        """The no-JavaScript fallback: this widget as a document, with ``part`` open and in view."""
        query = f"?open={part}" + (f"&theme={self.theme}" if self.theme != DEFAULT_THEME else "")
        return f"{self.links.widget('embed', self.article.slug, self.kind)}{query}#{self.id(part)}"


def parts_of(article: Article, kind: Kind) -> tuple[str, ...]:
    """The parts of a widget that open on demand (and so the values ``?open=`` accepts)."""
    if kind == "sections":
        return ("overview", *(f"section-{section.id}" for section in article.sections))
    if kind == "sources":
        return ("sources",)
    return ()


def render_widget(
    env: Environment,
    article: Article,
    kind: Kind,
    mode: Mode | Literal["page"],
    links: Links,
    *,
    theme: Theme = DEFAULT_THEME,
    open: str | None = None,
) -> str:
    page = Page(article, kind, mode, links, theme, open)
    template = env.get_template(f"widgets/{kind}.html")
    structured = Markup(json_ld(medical_web_page(article, links))) if mode == "embed" else None
    return template.render(
        article=article, page=page, layout=LAYOUTS[mode], links=links, kind=kind, structured_data=structured
    )


def render_part(env: Environment, article: Article, kind: Kind, part: str, links: Links) -> str:
    """One part alone, for htmx to swap into the open expander: the same macro as the open variant."""
    page = Page(article, kind, "fragment", links, open=part)
    return env.get_template("parts.html").render(article=article, page=page, part=part, links=links)


def render_article_page(env: Environment, catalogue: Catalogue, article: Article, links: Links) -> str:
    # Each widget's HTML was produced by our autoescaping templates, so it is markup, not text.
    widgets = {kind: Markup(render_widget(env, article, kind, "page", links)) for kind in KINDS}
    return env.get_template("pages/article.html").render(
        structured_data=Markup(json_ld(medical_web_page(article, links))),
        article=article,
        catalogue=catalogue,
        widgets=widgets,
        links=links,
        kinds=KINDS,
        heights=FRAME_HEIGHTS,
    )


def render_index(env: Environment, catalogue: Catalogue, links: Links) -> str:
    return env.get_template("pages/index.html").render(catalogue=catalogue, links=links)


__all__ = [
    "DEFAULT_THEME",
    "FRAME_HEIGHTS",
    "HTMX",
    "KINDS",
    "MODES",
    "STYLESHEET",
    "THEMES",
    "Kind",
    "Links",
    "Mode",
    "Page",
    "Theme",
    "parts_of",
    "render_article_page",
    "render_index",
    "render_part",
    "render_widget",
]
