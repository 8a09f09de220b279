"""Every response body a URL can name, looked up per request by its typed key (widget.urls).

A key names exactly what a URL can ask for, so a request is a dictionary lookup; anything not in the
key space does not exist.

A catalogue of up to ``prerender_limit`` articles is rendered whole when content loads: every body
of every article, with its encodings. A larger one would take minutes and gigabytes to render whole
(37 bodies an article, 440 KB with their encodings), so its bodies are rendered on their first
request and kept in a cache bounded by ``cache_bytes``, least recently used first out. Both give a
body the same bytes, ETag and Last-Modified: which one rendered it never shows in a response.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache

from .content import Catalogue
from .serving import Body
from .urls import BodyKey, Index, count_of, exists, keys_of

# Renders the HTML of one body; the table decides which bodies exist and when they are rendered.
Render = Callable[[BodyKey, Catalogue], str]
INDEX = Index()


@dataclass(frozen=True, slots=True)
class Tables:
    """Makes the table of each new snapshot of the content (widget.live calls it on every load)."""

    render: Render
    prerender_limit: int  # catalogues of up to this many articles are rendered whole at load
    cache_bytes: int

    def __call__(self, catalogue: Catalogue, previous: Table | None, modified: Mapping[str, datetime]) -> Table:
        prerender = len(catalogue.articles) <= self.prerender_limit
        return Table(
            catalogue, self.render, modified, prerender=prerender, cache_bytes=self.cache_bytes, previous=previous
        )


class Table:
    """The bodies of one snapshot of the content: rendered at load, or on first request and cached."""

    def __init__(
        self,
        catalogue: Catalogue,
        render: Render,
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
        self._bodies: dict[BodyKey, Body] = {}  # rendered at load; never evicted
        # Rendered on request; bounded by what its bodies weigh.
        self._cache: LRUCache[BodyKey, Body] = LRUCache(maxsize=cache_bytes, getsizeof=_weight)
        self._size = 1 + sum(count_of(article) for article in catalogue.articles.values())
        old = previous._reusable(catalogue, modified) if previous else {}
        if prerender:
            for key in self:
                self._bodies[key] = self._make(key, old)
        else:
            self._bodies[INDEX] = self._make(INDEX, old)
            for key, body in old.items():  # still the same article: keep what was rendered
                if key != INDEX:
                    self._remember(key, body)

    def get(self, key: BodyKey) -> Body | None:
        """The body ``key`` names; None when no URL can name it."""
        body = self._bodies.get(key)
        if body is not None or self.prerendered:
            return body
        with self._lock:
            body = self._cache.get(key)  # a hit moves it to the young end
        if body is not None:
            return body
        if not exists(key, self.catalogue):
            return None
        # Rendered outside the lock: two threads may render the same body at once, to equal bytes.
        body = self._make(key, {})
        self._remember(key, body)
        return body

    def __iter__(self) -> Iterator[BodyKey]:
        """Every key, the index first, then each article's bodies in a fixed order."""
        yield INDEX
        for article in self.catalogue.articles.values():
            yield from keys_of(article)

    def items(self) -> Iterator[tuple[BodyKey, Body]]:
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
        return int(self._cache.currsize)

    def _make(self, key: BodyKey, old: Mapping[BodyKey, Body]) -> Body:
        if key != INDEX and (kept := old.get(key)) is not None:
            return kept  # its article did not change, so neither did its bytes
        body = Body.of(self._render(key, self.catalogue), self._modified[getattr(key, "slug", "")])
        kept = old.get(key)
        return kept if kept is not None and kept.etag == body.etag else body.compressed()

    def _remember(self, key: BodyKey, body: Body) -> None:
        if _weight(body) > self.cache_bytes:
            return  # larger than the whole cache: served, not kept
        with self._lock:
            self._cache.setdefault(key, body)

    def _reusable(self, catalogue: Catalogue, modified: Mapping[str, datetime]) -> dict[BodyKey, Body]:
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

        return {key: body for key, body in bodies.items() if isinstance(key, Index) or same(key.slug)}


# What a cached body costs beyond its bytes: the Body, its header tuples, its key and the cache's
# entry (tracemalloc over 400 bodies of generated articles: 3.5 KB each).
BODY_OVERHEAD = 3584


def _weight(body: Body) -> int:
    """What a body costs in memory: its encodings (the identity one is ``data``) and its overhead."""
    return sum(len(payload) for payload in body.encoded.values()) + BODY_OVERHEAD
