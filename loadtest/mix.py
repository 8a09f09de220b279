"""The request mix: every widget of every article in every theme, revalidations, lazy parts, pages, errors.

Each request knows the status it must get, so a failure is exact: a connection error or timeout, or
any other status than the expected one (200; 304 for a revalidation with the current ETag; 404 or
400 for the deliberate errors).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from widget.content import check_articles
from widget.urls import THEMES, WIDGETS, parts_of

Category = Literal["widget", "conditional", "part", "page", "error"]
CATEGORIES: Final[tuple[Category, ...]] = ("widget", "conditional", "part", "page", "error")
# The mix: widgets 60 %, revalidations 20 %, lazy parts 10 %, article pages 5 %, errors 5 %.
DEFAULT_WEIGHTS: Final[Mapping[Category, float]] = {
    "widget": 60,
    "conditional": 20,
    "part": 10,
    "page": 5,
    "error": 5,
}
# What clients send: browsers offer br, some caches and libraries only gzip, a few nothing at all.
ACCEPT_ENCODINGS: Final[tuple[tuple[str | None, float], ...]] = (
    ("gzip, deflate, br, zstd", 0.7),
    ("gzip", 0.2),
    (None, 0.1),
)
CONDITIONAL_POOL = 60  # (path, encoding) pairs a cache keeps revalidating


@dataclass(frozen=True, slots=True)
class Target:
    category: Category
    path: str
    expect: int  # for "conditional": 304 while the client's ETag is current
    accept_encoding: str | None = None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every URL the served content answers, by category, and the deliberate errors."""

    widgets: tuple[str, ...]
    parts: tuple[str, ...]
    pages: tuple[str, ...]
    errors: tuple[tuple[str, int], ...]
    articles: tuple[str, ...]

    @classmethod
    def of(cls, folder: Path) -> Catalogue:
        articles, problems = check_articles(folder)
        if invalid := [str(p) for p in problems if p.severity == "error"]:
            raise ValueError(f"{folder} has content errors: {invalid}")
        widgets: list[str] = []
        parts: list[str] = []
        for slug, article in sorted(articles.items()):
            for kind in WIDGETS:
                names = parts_of(article, kind)
                widgets.append(f"/fragment/{slug}/{kind}")
                widgets.append(f"/embed/{slug}/{kind}")
                for theme in THEMES:
                    widgets.extend(
                        f"/embed/{slug}/{kind}?theme={theme}" + (f"&open={name}" if name else "")
                        for name in ("", *names)
                    )
                parts.extend(f"/fragment/{slug}/{kind}/{name}" for name in names)
        slugs = tuple(sorted(articles))
        pages = ("/", *(f"/articles/{slug}" for slug in slugs))
        first = slugs[0]
        errors = (
            ("/fragment/no-such-article/takeaway", 404),
            ("/embed/no-such-article/sources?theme=dark", 404),
            ("/articles/no-such-article", 404),
            (f"/fragment/{first}/no-such-widget", 404),
            (f"/embed/{first}/takeaway?theme=neon", 400),
            (f"/embed/{first}/comparison?theme=purple", 400),
        )
        return cls(tuple(widgets), tuple(parts), pages, errors, slugs)

    def watched(self, slug: str) -> tuple[str, ...]:
        """The URLs whose bodies show ``slug``'s takeaway: its takeaway widget and its page."""
        takeaway = [p for p in self.widgets if p.startswith((f"/fragment/{slug}/takeaway", f"/embed/{slug}/takeaway"))]
        return (*takeaway, f"/articles/{slug}")


class Mix:
    """Picks the next request by weight; cheap enough to call once per request."""

    def __init__(
        self,
        catalogue: Catalogue,
        weights: Mapping[Category, float] = DEFAULT_WEIGHTS,
        *,
        conditional: tuple[tuple[str, str | None], ...] = (),
        seed: int = 0,
    ) -> None:
        self.catalogue = catalogue
        self.categories = tuple(c for c in CATEGORIES if weights.get(c, 0) > 0)
        self._cumulative = list(itertools.accumulate(weights[c] for c in self.categories))
        self._encodings = tuple(e for e, _ in ACCEPT_ENCODINGS)
        self._encoding_cumulative = list(itertools.accumulate(w for _, w in ACCEPT_ENCODINGS))
        rng = random.Random(seed)
        pool = [(path, encoding) for path in catalogue.widgets for encoding in self._encodings]
        chosen = rng.sample(pool, min(CONDITIONAL_POOL, len(pool)))
        # Always revalidate the watched widgets too, so edits show up as a 200 with a new ETag.
        self.conditional = tuple(dict.fromkeys((*conditional, *chosen)))

    def encoding(self, rng: random.Random) -> str | None:
        index = bisect.bisect(self._encoding_cumulative, rng.random() * self._encoding_cumulative[-1])
        return self._encodings[min(index, len(self._encodings) - 1)]

    def pick(self, rng: random.Random) -> Target:
        index = bisect.bisect(self._cumulative, rng.random() * self._cumulative[-1])
        category = self.categories[min(index, len(self.categories) - 1)]
        catalogue = self.catalogue
        if category == "conditional":
            path, encoding = rng.choice(self.conditional)
            return Target("conditional", path, 304, encoding)
        if category == "error":
            path, status = rng.choice(catalogue.errors)
            return Target("error", path, status, self.encoding(rng))
        paths = {"widget": catalogue.widgets, "part": catalogue.parts, "page": catalogue.pages}[category]
        return Target(category, rng.choice(paths), 200, self.encoding(rng))
