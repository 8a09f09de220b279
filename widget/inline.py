"""The markup inside article text: escaped runs, citation markers, source lines and outbound links.

Jinja globals (see :func:`install`), called from the templates. Every citing spot of every body goes
through here, and a Jinja macro call per marker would cost about a fifth of a render, so these build
the markup with f-strings, each value through markupsafe's ``escape`` (translations are ours and, as
in a template, not escaped); article text runs arrive already escaped by markdown-it (raw HTML off).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from .content import Source
from .markup import Cite, Text

if TYPE_CHECKING:
    from .render import Page


def _(context: Context, message: str) -> Markup:
    """The message in the render's language, by the environment's own gettext (Flask-Babel's or an
    overlay's): Markup, as ``{{ _("...") }}`` gives a template (translations are ours, not escaped)."""
    return Markup(context.call(context.resolve("gettext"), message))


@pass_context
def outbound(context: Context, url: str, label: str, cls: str = "hw-link") -> Markup:
    """A link that leaves for another site, in a new tab, saying so to screen readers."""
    new_tab = _(context, "(opens in a new tab)")
    return Markup(
        f'<a class="{escape(cls)}" href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(label)}'
        f'<span class="hw-vh"> {new_tab}</span></a>'
    )


@pass_context
def source_line(context: Context, source: Source) -> Markup:
    line = f'{outbound(context, source.url, source.title, "hw-source-title")} <span class="hw-source-site">{escape(source.site)}</span>'
    if source.pmid:
        line += f' <span class="hw-id">PMID {escape(source.pmid)}</span>'
    if source.doi and source.doi_url:
        line += f' <span class="hw-id">DOI {outbound(context, source.doi_url, source.doi)}</span>'
    return Markup(line)


@pass_context
def cite(context: Context, c: Cite, page: Page) -> Markup:
    label = _(context, "Source")  # outside the f-string, where pybabel's extractor can see it
    marker = (
        f'<span class="hw-vh">{label} </span><span aria-hidden="true">[</span>{c.number}'
        '<span aria-hidden="true">]</span>'
    )
    cite_id = escape(page.cite_id(c))
    if page.sources_on_page:  # the marker links to its entry in the list
        return Markup(f'<a class="hw-cite" id="{cite_id}" href="#{escape(page.source_id(c.number))}">{marker}</a>')
    # No source list here: the marker opens its one source in place, with no navigation.
    line = source_line(context, page.article.source(c.number))
    return Markup(
        f'<details class="hw-cite" id="{cite_id}"><summary>{marker}</summary>'
        f'<span class="hw-cite-card">{c.number}. {line}</span></details>'
    )


@pass_context
def text(context: Context, t: Text, page: Page) -> Markup:
    """A text's runs (escaped when parsed) with its citation markers."""
    return Markup("").join(part if not isinstance(part, Cite) else cite(context, part, page) for part in t.parts)


def install(env: Environment) -> None:
    env.globals.update(text=text, cite=cite, source_line=source_line, outbound=outbound)
