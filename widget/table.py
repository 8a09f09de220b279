"""Every response body a URL can name, looked up per request.

Keys name exactly what a URL can ask for, so a request is a dictionary lookup:
``("embed", slug, kind, theme, open)``, ``("fragment", slug, kind)``, ``("part", slug, kind, part)``,
``("article", slug)`` and ``("index",)``. Anything not in the key space does not exist.

A catalogue of up to ``prerender_limit`` articles is rendered whole when content loads: every body
of every article, with its encodings. A larger one would take minutes and gigabytes to render whole
(37 bodies an article, 440 KB with their encodings), so its bodies are rendered on their first
request and kept in a cache bounded by ``cache_bytes``, least recently used first out. Both give a
body the same bytes, ETag and Last-Modified: which one rendered it never shows in a response.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from .content import Article, Catalogue
from .render import KINDS, THEMES, Kind, Theme, parts_of
from .serving import Body

Key = tuple[str, ...]
_KINDS = frozenset(KINDS)
_THEMES = frozenset(THEMES)


@dataclass(frozen=True, slots=True)
class Renderers:
    """How each kind of body is made; the table decides which bodies exist."""

    embed: Callable[[Article, Kind, Theme, str | None], str]
    fragment: Callable[[Article, Kind], str]
    part: Callable[[Article, Kind, str], str]
    article: Callable[[Article], str]
    index: Callable[[], str]


def embed_key(slug: str, kind: str, theme: str, open: str | None) -> Key:
    return ("embed", slug, kind, theme, open or "")


class Table:
    """The bodies of one snapshot of the content: rendered at load, or on first request and cached."""

    def __init__(
        self,
        catalogue: Catalogue,
        render: Renderers,
        modified: Mapping[str, datetime],
        *,
        prerender: bool,
        cache_bytes: int,
        previous: Table | None = None,
    ) -> None:
        """``modified``: when each article (and "" the index) last changed, for Last-Modified.

        ``previous``: the table this one replaces; a body whose bytes did not change keeps its
        Body (encodings and Last-Modified), so a reload re-sends nothing a cache already holds.
        """
        self.catalogue = catalogue
        self.prerendered = prerender
        self.cache_bytes = cache_bytes
        self._render = render
        self._modified = modified
        self._lock = threading.Lock()
        self._bodies: dict[Key, Body] = {}  # rendered at load; never evicted
        self._cache: OrderedDict[Key, Body] = OrderedDict()  # rendered on request; bounded
        self._cached_bytes = 0
        self._size = 1 + sum(_bodies_of(article) for article in catalogue.articles.values())
        old = previous._reusable(catalogue, modified) if previous else {}
        if prerender:
            for key in self:
                self._bodies[key] = self._make(key, old)
        else:
            self._bodies[("index",)] = self._make(("index",), old)
            for key, body in old.items():  # still the same article: keep what was rendered
                if key != ("index",):
                    self._remember(key, body)

    def get(self, *key: str) -> Body | None:
        """The body ``key`` names; None when no URL can name it."""
        body = self._bodies.get(key)
        if body is not None or self.prerendered:
            return body
        with self._lock:
            body = self._cache.get(key)
            if body is not None:
                self._cache.move_to_end(key)
                return body
        if not self.exists(key):
            return None
        # Rendered outside the lock: two threads may render the same body at once, to equal bytes.
        body = self._make(key, {})
        self._remember(key, body)
        return body

    def exists(self, key: Key) -> bool:
        """Whether a URL can name ``key``: the article exists and has that widget, theme and part."""
        match key:
            case ("index",):
                return True
            case ("article", slug):
                return slug in self.catalogue.articles
            case ("fragment", slug, kind):
                return kind in _KINDS and slug in self.catalogue.articles
            case ("part", slug, kind, part):
                article = self.catalogue.articles.get(slug)
                return article is not None and kind in _KINDS and part in parts_of(article, kind)
            case ("embed", slug, kind, theme, open):
                article = self.catalogue.articles.get(slug)
                return (
                    article is not None
                    and kind in _KINDS
                    and theme in _THEMES
                    and (open == "" or open in parts_of(article, kind))
                )
        return False

    def __iter__(self) -> Iterator[Key]:
        """Every key, the index first, then each article's bodies in a fixed order."""
        yield ("index",)
        for slug, article in self.catalogue.articles.items():
            yield from _keys_of(slug, article)

    def items(self) -> Iterator[tuple[Key, Body]]:
        """Every body (for the export): rendered ones as they are, the others rendered for this alone."""
        for key in self:
            body = self._bodies.get(key)
            if body is None:
                with self._lock:
                    body = self._cache.get(key)
            yield key, body if body is not None else self._make(key, {})

    def __len__(self) -> int:
        """How many bodies exist (rendered or not)."""
        return self._size

    @property
    def rendered(self) -> int:
        """How many bodies are in memory now."""
        return len(self._bodies) + len(self._cache)

    @property
    def cached_bytes(self) -> int:
        """What the bodies rendered on request take, of ``cache_bytes``."""
        return self._cached_bytes

    def _make(self, key: Key, old: Mapping[Key, Body]) -> Body:
        if key != ("index",) and (kept := old.get(key)) is not None:
            return kept  # its article did not change, so neither did its bytes
        article = self.catalogue.articles.get(key[1]) if len(key) > 1 else None
        match key:
            case ("index",):
                html = self._render.index()
            case ("article", _) if article:
                html = self._render.article(article)
            case ("fragment", _, kind) if article:
                html = self._render.fragment(article, kind)  # type: ignore[arg-type]
            case ("part", _, kind, part) if article:
                html = self._render.part(article, kind, part)  # type: ignore[arg-type]
            case ("embed", _, kind, theme, open) if article:
                html = self._render.embed(article, kind, theme, open or None)  # type: ignore[arg-type]
            case _:
                raise KeyError(key)
        body = Body.of(html, self._modified[key[1] if article else ""])
        kept = old.get(key)
        return kept if kept is not None and kept.etag == body.etag else body.compressed()

    def _remember(self, key: Key, body: Body) -> None:
        weight = _weight(body)
        if weight > self.cache_bytes:
            return  # larger than the whole cache: served, not kept
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = body
            self._cached_bytes += weight
            while self._cached_bytes > self.cache_bytes:
                _, evicted = self._cache.popitem(last=False)
                self._cached_bytes -= _weight(evicted)

    def _reusable(self, catalogue: Catalogue, modified: Mapping[str, datetime]) -> dict[Key, Body]:
        """This table's bodies that a successor may keep: those of articles whose file's bytes and date
        did not change. (The date alone is not enough: dates count whole seconds, and an edit within
        the second of the last one keeps it.)"""
        with self._lock:
            bodies = {**self._bodies, **self._cache}

        def same(slug: str) -> bool:
            before, now = self.catalogue.articles.get(slug), catalogue.articles.get(slug)
            return (
                before is not None
                and now is not None
                and before.digest == now.digest
                and self._modified.get(slug) == modified.get(slug)
            )

        return {key: body for key, body in bodies.items() if key == ("index",) or same(key[1])}


def _keys_of(slug: str, article: Article) -> Iterator[Key]:
    yield ("article", slug)
    for kind in KINDS:
        parts = parts_of(article, kind)
        yield ("fragment", slug, kind)
        for part in parts:
            yield ("part", slug, kind, part)
        for theme in THEMES:
            for open in (None, *parts):
                yield embed_key(slug, kind, theme, open)


def _bodies_of(article: Article) -> int:
    """How many keys :func:`_keys_of` yields, without building them."""
    counts = (len(parts_of(article, kind)) for kind in KINDS)
    return 1 + sum(1 + parts + len(THEMES) * (1 + parts) for parts in counts)


# What a cached body costs beyond its bytes: the Body, its header tuples, its key and the cache's
# entry (tracemalloc over 400 bodies of generated articles: 3.5 KB each).
BODY_OVERHEAD = 3584


def _weight(body: Body) -> int:
    """What a body costs in memory: its encodings (the identity one is ``data``) and its overhead."""
    return sum(len(payload) for payload in body.encoded.values()) + BODY_OVERHEAD
