"""Every response body, rendered once when content loads and looked up per request.

Keys name exactly what a URL can ask for, so a request is a dictionary lookup:
``("embed", slug, kind, theme, open)``, ``("fragment", slug, kind)``, ``("part", slug, kind, part)``,
``("article", slug)`` and ``("index",)``. Anything not in the table does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from .content import Article, Catalogue
from .render import KINDS, THEMES, Kind, Theme, parts_of
from .serving import Body

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Renderers:
    """How each kind of body is made; the table decides which bodies exist."""

    embed: Callable[[Article, Kind, Theme, str | None], str]
    fragment: Callable[[Article, Kind], str]
    part: Callable[[Article, Kind, str], str]
    article: Callable[[Article], str]
    index: Callable[[], str]


@dataclass(frozen=True, slots=True)
class Table:
    bodies: Mapping[Key, Body]

    def get(self, *key: str) -> Body | None:
        return self.bodies.get(key)

    def __len__(self) -> int:
        return len(self.bodies)

    def __iter__(self) -> Iterator[Key]:
        return iter(self.bodies)


def embed_key(slug: str, kind: str, theme: str, open: str | None) -> Key:
    return ("embed", slug, kind, theme, open or "")


def build_table(catalogue: Catalogue, render: Renderers, modified: datetime, previous: Table | None = None) -> Table:
    """Render every body once; a body whose bytes did not change keeps its encodings and Last-Modified."""
    old = previous.bodies if previous else {}
    bodies: dict[Key, Body] = {}

    def put(key: Key, html: str) -> None:
        body = Body.of(html, modified)
        kept = old.get(key)
        bodies[key] = kept if kept is not None and kept.etag == body.etag else body.compressed()

    put(("index",), render.index())
    for slug, article in catalogue.articles.items():
        put(("article", slug), render.article(article))
        for kind in KINDS:
            parts = parts_of(article, kind)
            put(("fragment", slug, kind), render.fragment(article, kind))
            for part in parts:
                put(("part", slug, kind, part), render.part(article, kind, part))
            for theme in THEMES:
                for open in (None, *parts):
                    put(embed_key(slug, kind, theme, open), render.embed(article, kind, theme, open))
    return Table(MappingProxyType(bodies))
