"""Article + widget + mode to HTML, through the Jinja templates in ``templates/``.

Used when content loads (every body is rendered once, see :mod:`widget.table`) and by tests.
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

Kind = Literal["takeaway", "comparison", "sources", "sections"]
Mode = Literal["embed", "fragment"]
KINDS: Final[tuple[Kind, ...]] = ("takeaway", "comparison", "sources", "sections")
MODES: Final[tuple[Mode, ...]] = ("embed", "fragment")
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


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute URLs: a fragment lands on a partner's page, where a relative URL would point home."""

    public_url: str

    def static(self, name: str) -> str:
        return f"{self.public_url}/static/{name}"

    def widget(self, mode: Mode, slug: str, kind: Kind) -> str:
        return f"{self.public_url}/{mode}/{slug}/{kind}"

    def article(self, slug: str) -> str:
        return f"{self.public_url}/articles/{slug}"

    def home(self) -> str:
        return f"{self.public_url}/"


@dataclass(frozen=True, slots=True)
class Page:
    """Where a widget is shown; decides ids and whether citations link or expand in place."""

    article: Article
    kind: Kind
    mode: Literal["embed", "fragment", "page"]

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


def render_widget(
    env: Environment,
    article: Article,
    kind: Kind,
    mode: Mode | Literal["page"],
    links: Links,
    **context: object,
) -> str:
    template = env.get_template(f"widgets/{kind}.html")
    page = Page(article, kind, mode)
    return template.render(
        article=article,
        page=page,
        layout=LAYOUTS[mode],
        links=links,
        kind=kind,
        **context,
    )


def render_article_page(env: Environment, catalogue: Catalogue, article: Article, links: Links) -> str:
    # Each widget's HTML was produced by our autoescaping templates, so it is markup, not text.
    widgets = {kind: Markup(render_widget(env, article, kind, "page", links)) for kind in KINDS}
    return env.get_template("pages/article.html").render(
        article=article,
        catalogue=catalogue,
        widgets=widgets,
        links=links,
        kinds=KINDS,
        heights=FRAME_HEIGHTS,
    )


def render_index(env: Environment, catalogue: Catalogue, links: Links) -> str:
    return env.get_template("pages/index.html").render(catalogue=catalogue, links=links)
