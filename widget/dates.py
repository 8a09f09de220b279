"""The Last-Modified date of each article and of the index: the policy, in whole seconds.

The same in every process and after a restart (the dates given are kept in the article cache), never
backwards, never in the future. The cache only stores what was given for a digest; what to give is
decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .content import Article, ArticleCache

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Before:
    """What the previous snapshot served: its articles, their dates and its version."""

    articles: Mapping[str, Article]
    modified: Mapping[str, datetime]
    version: str


@dataclass(frozen=True, slots=True)
class Dates:
    """Gives dates to a folder's articles, remembering them in ``cache``."""

    folder: Path
    cache: ArticleCache
    code: str  # a digest of what renders the bodies: no body is dated before this code was first seen

    def of(self, articles: Mapping[str, Article], version: str, before: Before | None, now: int) -> dict[str, int]:
        """Epoch seconds by slug, and "" for the index, which changes with any article."""
        code = self._code_since(now)
        dates = {slug: self._article(slug, article, before, now, code) for slug, article in articles.items()}
        # The index changes with any article, and when one is added or removed (the folder's own time).
        index = max([code, _mtime(self.folder, now), *dates.values()])
        if before and before.version != version:
            served = int(before.modified[""].timestamp())
            if index <= served:
                index = min(served + 1, now)
        dates[""] = index
        return dates

    def _code_since(self, now: int) -> int:
        """Since when the rendering code has been what it is: now, the first time the cache sees it."""
        digest, since = self.cache.code
        if digest != self.code:
            since = now
            self.cache.give_code(self.code, since)
        return since

    def _article(self, slug: str, article: Article, before: Before | None, now: int, code: int) -> int:
        """The article's Last-Modified: its file's time, or the code's if newer.

        A file whose bytes did not change keeps the date it was given (kept in the article cache). A
        changed file never goes back in time (a restored backup keeps its old file time while readers
        hold a newer date), and a broken file's article keeps the date of the version still served.
        """
        if before and before.articles.get(slug) is article and slug in before.modified:
            return int(before.modified[slug].timestamp())  # the very article as before: unchanged, or kept
        path = self.folder / f"{slug}.md"  # a slug is its file's name
        label = str(path)
        given = self.cache.dates.get(label)
        if given is not None and given[0] == article.digest:
            at = max(given[1], code)
        else:
            at = max(code, _mtime(path, now))
            if given is not None and at <= given[1]:
                at = min(given[1] + 1, now)
        self.cache.give_date(label, article.digest, at)
        return at


def _mtime(path: Path, now: int) -> int:
    """A file's modification time in whole seconds, never in the future (a Last-Modified must not be)."""
    try:
        return min(int(path.stat().st_mtime), now)
    except OSError:
        return now
