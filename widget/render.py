"""A body key to HTML, through the Jinja templates in ``templates/``, in its article's language.

:class:`Renderer` owns the templates and one Jinja environment per language, each with its gettext
catalogue and date formats bound; :mod:`widget.table` calls it when content loads or on a body's
first request, in any thread. No Flask here: the templates need nothing of a request.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final, Literal

from babel.dates import format_date
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import inline
from .content import Article, Catalogue
from .markup import Cite
from .structured import json_ld, medical_web_page
from .urls import (
    DEFAULT_THEME,
    WIDGETS,
    ArticlePage,
    BodyKey,
    Embed,
    Fragment,
    Index,
    Links,
    Mode,
    Part,
    Theme,
    Widget,
    parts_of,
)

# Wrapper per mode: a whole document for an <iframe>, bare markup for an include, and the
# widget alone when the article page composes several.
LAYOUTS: Final = {
    "embed": "_document.html",
    "fragment": "_fragment.html",
    "page": "_bare.html",
}
# Default iframe heights in CSS pixels, so a pasted embed code shows the widget without a scrollbar
# on a desktop page; readers can still scroll inside.
FRAME_HEIGHTS: Final[dict[Widget, int]] = {
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
    kind: Widget
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
        return self.links.to(Part(self.article.slug, self.kind, part))

    def open_url(self, part: str) -> str:
        """The no-JavaScript fallback: this widget as a document, with ``part`` open and in view."""
        return f"{self.links.to(Embed(self.article.slug, self.kind, self.theme, part))}#{self.id(part)}"


def render_widget(
    env: Environment,
    article: Article,
    kind: Widget,
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


def render_part(env: Environment, article: Article, kind: Widget, part: str, links: Links) -> str:
    """One part alone, for htmx to swap into the open expander: the same macro as the open variant."""
    page = Page(article, kind, "fragment", links, open=part)
    return env.get_template("parts.html").render(article=article, page=page, part=part, links=links)


def render_article_page(env: Environment, catalogue: Catalogue, article: Article, links: Links) -> str:
    # Each widget's HTML was produced by our autoescaping templates, so it is markup, not text.
    widgets = {kind: Markup(render_widget(env, article, kind, "page", links)) for kind in WIDGETS}
    return env.get_template("pages/article.html").render(
        structured_data=Markup(json_ld(medical_web_page(article, links))),
        article=article,
        catalogue=catalogue,
        widgets=widgets,
        links=links,
        kinds=WIDGETS,
        heights=FRAME_HEIGHTS,
    )


def render_index(env: Environment, catalogue: Catalogue, links: Links) -> str:
    return env.get_template("pages/index.html").render(catalogue=catalogue, links=links)


class Renderer:
    """Renders any body key in its article's language; safe to call from any thread."""

    def __init__(
        self,
        links: Links,
        templates: Path,
        translations: Path,
        template_globals: Mapping[str, object],
    ) -> None:
        self.links = links
        self._templates = templates
        self._translations = translations
        self._globals = dict(template_globals)
        self._environments: dict[str, Environment] = {}
        self._lock = threading.Lock()

    def render(self, key: BodyKey, catalogue: Catalogue) -> str:
        if isinstance(key, Index):
            return render_index(self.environment("en"), catalogue, self.links)
        article = catalogue.get(key.slug)
        env = self.environment(article.lang)
        if isinstance(key, ArticlePage):
            return render_article_page(env, catalogue, article, self.links)
        if isinstance(key, Fragment):
            return render_widget(env, article, key.widget, "fragment", self.links)
        if isinstance(key, Part):
            return render_part(env, article, key.widget, key.part, self.links)
        return render_widget(env, article, key.widget, "embed", self.links, theme=key.theme, open=key.open)

    def environment(self, lang: str) -> Environment:
        """The templates with ``lang``'s catalogue and date formats bound, made once per language.

        Binding the catalogue to the environment, rather than looking the locale up for every
        string as Flask-Babel's gettext does, is what keeps a render at about 2 ms.
        """
        with self._lock:
            env = self._environments.get(lang)
            if env is None:
                env = self._environments[lang] = self._make_environment(lang)
            return env

    def _make_environment(self, lang: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(self._templates),
            autoescape=select_autoescape(["html", "xml"]),
            extensions=["jinja2.ext.i18n"],
        )
        catalogue = Translations.load(str(self._translations), [lang])
        env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]

        def dateformat(day: date, format: str = "medium") -> str:
            return format_date(day, format, locale=lang)

        env.filters["dateformat"] = dateformat
        env.globals.update(self._globals)
        inline.install(env)
        return env


__all__ = [
    "FRAME_HEIGHTS",
    "HTMX",
    "STYLESHEET",
    "Page",
    "Renderer",
    "render_article_page",
    "render_index",
    "render_part",
    "render_widget",
]
