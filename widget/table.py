"""Every response body, rendered once when content loads and looked up per request.

Keys name exactly what a URL can ask for, so a request is a dictionary lookup:
``("embed", slug, kind, theme, open)``, ``("fragment", slug, kind)``, ``("part", slug, kind, part)``,
``("article", slug)`` and ``("index",)``. Anything not in the table does not exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .content import Article, Catalogue
from .render import KINDS, THEMES, Kind, Theme, parts_of

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    etag: str  # strong: the same bytes always give the same tag, in every worker
    # Whether the document loads a script (only ever our vendored htmx), so its CSP must admit it.
    scripts: bool = False

    @classmethod
    def of(cls, html: str) -> Body:
        data = html.encode("utf-8")
        return cls(data, hashlib.sha256(data).hexdigest()[:32], b"<script src=" in data)


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


def build_table(catalogue: Catalogue, render: Renderers) -> Table:
    """Render every body once."""
    bodies: dict[Key, Body] = {("index",): Body.of(render.index())}
    for slug, article in catalogue.articles.items():
        bodies[("article", slug)] = Body.of(render.article(article))
        for kind in KINDS:
            parts = parts_of(article, kind)
            bodies[("fragment", slug, kind)] = Body.of(render.fragment(article, kind))
            for part in parts:
                bodies[("part", slug, kind, part)] = Body.of(render.part(article, kind, part))
            for theme in THEMES:
                for open in (None, *parts):
                    bodies[embed_key(slug, kind, theme, open)] = Body.of(render.embed(article, kind, theme, open))
    return Table(MappingProxyType(bodies))
