"""Every widget response body, rendered once when content loads and looked up per request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .content import Catalogue
from .render import KINDS, MODES, Kind, Mode

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    etag: str  # strong: the same bytes always give the same tag, in every worker

    @classmethod
    def of(cls, html: str) -> Body:
        data = html.encode("utf-8")
        return cls(data, hashlib.sha256(data).hexdigest()[:32])


@dataclass(frozen=True, slots=True)
class Table:
    bodies: Mapping[Key, Body]

    def widget(self, mode: Mode, slug: str, kind: Kind) -> Body | None:
        return self.bodies.get((mode, slug, kind))

    def article(self, slug: str) -> Body | None:
        return self.bodies.get(("article", slug))

    def index(self) -> Body:
        return self.bodies[("index",)]


def build_table(
    catalogue: Catalogue,
    widget: Callable[[str, Kind, Mode], str],
    article: Callable[[str], str],
    index: Callable[[], str],
) -> Table:
    """Render every response body; the callables do the rendering, this decides what exists."""
    bodies: dict[Key, Body] = {("index",): Body.of(index())}
    for slug in catalogue.articles:
        bodies[("article", slug)] = Body.of(article(slug))
        for mode in MODES:
            for kind in KINDS:
                bodies[(mode, slug, kind)] = Body.of(widget(slug, kind, mode))
    return Table(MappingProxyType(bodies))
