"""The content being served, and reloading it without a restart.

A reload reads the folder again, renders off to the side and swaps the new snapshot in with one
assignment, so a request sees the old snapshot or the new one, never half of either. A file that
fails validation never replaces the last good version of its article: that version keeps being
served, and the problem is logged and shown at /readyz.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from .content import Article, ArticleCache, Catalogue, Problem, check_articles, load_articles
from .table import Table

logger = logging.getLogger(__name__)

# The catalogue, the table it replaces, and when each article ("" the index) last changed.
Build = Callable[[Catalogue, Table | None, Mapping[str, datetime]], Table]


@dataclass(frozen=True, slots=True)
class Snapshot:
    catalogue: Catalogue
    table: Table
    version: str  # a digest of the code and every article file: equal versions serve equal bytes
    loaded_at: datetime
    modified: Mapping[str, datetime]  # when each article ("" the index) last changed
    problems: tuple[Problem, ...] = ()  # of the last load or reload: errors and warnings

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


class LiveContent:
    """Holds the current snapshot; ``reload()`` may run in any thread while requests are served."""

    def __init__(self, folder: Path, build: Build, code: str = "", cache: ArticleCache | None = None) -> None:
        """``code``: a digest of what renders the bodies (see :func:`fingerprint`), part of the version.

        ``cache``: what each file gave, so loads parse only the files that changed (see ArticleCache).
        """
        self.folder = folder
        self._build = build
        self._code = code
        self.cache = cache if cache is not None else ArticleCache()
        self._lock = threading.Lock()
        catalogue = load_articles(folder, cache=self.cache)  # must succeed: fail the deploy, not a page
        self.cache.save()
        self.snapshot = self._snapshot(catalogue, None, catalogue.warnings)
        self.reloads = 0

    def reload(self) -> Snapshot:
        """Read the folder again; keep the last good version of any article whose file has errors."""
        with self._lock:
            previous = self.snapshot
            good, problems = check_articles(self.folder, cache=self.cache)
            kept = self._last_good(previous.catalogue, good, problems)
            articles = dict(sorted({**kept, **good}.items()))
            catalogue = Catalogue(MappingProxyType(articles), tuple(p for p in problems if p.severity == "warning"))
            snapshot = self._snapshot(catalogue, previous, tuple(problems))
            self.snapshot = snapshot  # one assignment: requests see the old snapshot or this one
            self.reloads += 1
            self.cache.save()
        for problem in snapshot.errors:
            logger.error("Reload kept the last good version: %s", problem)
        logger.info("Reloaded %d articles from %s: version %s", len(articles), self.folder, snapshot.version)
        return snapshot

    def _last_good(self, previous: Catalogue, good: dict[str, Article], problems: list[Problem]) -> dict[str, Article]:
        # A slug equals its file name, so a broken file still names the article it would replace.
        broken = {Path(p.file).stem for p in problems if p.severity == "error" and Path(p.file).suffix == ".md"}
        return {
            slug: article
            for slug, article in previous.articles.items()
            if slug in broken and slug not in good and (self.folder / f"{slug}.md").exists()
        }

    def _snapshot(self, catalogue: Catalogue, previous: Snapshot | None, problems: tuple[Problem, ...]) -> Snapshot:
        now = datetime.now(UTC)
        digest = hashlib.sha256(self._code.encode())
        for slug, article in catalogue.articles.items():
            digest.update(f"\0{slug}\0{article.digest}".encode())
        version = digest.hexdigest()[:16]
        # An article keeps its time while its file's bytes stay the same; the index while nothing changes.
        old = previous.catalogue.articles if previous else {}
        modified = {
            slug: previous.modified[slug] if previous and slug in old and old[slug].digest == article.digest else now
            for slug, article in catalogue.articles.items()
        }
        modified[""] = previous.modified[""] if previous and previous.version == version else now
        table = self._build(catalogue, previous.table if previous else None, modified)
        return Snapshot(catalogue, table, version, now, MappingProxyType(modified), problems)


def fingerprint(paths: Iterable[Path]) -> str:
    """A digest of the files that turn articles into bodies (code, templates, translations)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def start_watching(live: LiveContent, interval: float) -> threading.Thread:
    """Reload when a file in the content folder changes (checked every ``interval`` seconds)."""

    def stamp() -> tuple[tuple[str, int, int], ...]:
        entries = []
        for path in sorted(live.folder.iterdir()):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed between listing and stat
            entries.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(entries)

    def watch() -> None:
        seen = stamp()
        while True:
            time.sleep(interval)
            try:
                current = stamp()
                if current != seen:
                    seen = current
                    live.reload()
            except Exception:  # a watcher that dies silently would stop reloads for good
                logger.exception("Reloading %s failed; the last good content is still served", live.folder)

    thread = threading.Thread(target=watch, name="content-watcher", daemon=True)
    thread.start()
    return thread
