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

from .content import Article, ArticleCache, Catalogue, Problem, check_articles, code_digest, load_articles, printable
from .dates import Before, Clock, Dates, utc_now
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

    def __init__(
        self,
        folder: Path,
        build: Build,
        code: str = "",
        cache: ArticleCache | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """``code``: a digest of what renders the bodies (see :func:`fingerprint`), part of the version;
        no body is dated before this code was first seen. ``cache``: what each file gave (and the dates
        given), so loads parse only the files that changed. ``clock``: the time now, in UTC.
        """
        self.folder = folder
        self._build = build
        self._code = code
        self.cache = cache if cache is not None else ArticleCache()
        self._clock = clock
        self._dates = Dates(folder, self.cache, code)
        self._lock = threading.Lock()
        self.stamp = folder_stamp(folder)  # before reading: a change made meanwhile is seen by the watcher
        catalogue = load_articles(folder, cache=self.cache)  # must succeed: fail the deploy, not a page
        self.snapshot = self._snapshot(catalogue, None, catalogue.warnings)
        self.cache.save()
        self.reloads = 0

    def reload(self, *, persist: bool = True) -> Snapshot:
        """Read the folder again; keep the last good version of any article whose file has errors.

        ``persist``: write the article cache too (the master does; each worker's watcher need not).
        """
        with self._lock:
            previous = self.snapshot
            self.stamp = folder_stamp(self.folder)
            good, problems = check_articles(self.folder, cache=self.cache)
            kept = self._last_good(previous.catalogue, good, problems)
            articles = dict(sorted({**kept, **good}.items()))
            catalogue = Catalogue(MappingProxyType(articles), tuple(p for p in problems if p.severity == "warning"))
            snapshot = self._snapshot(catalogue, previous, tuple(problems))
            self.snapshot = snapshot  # one assignment: requests see the old snapshot or this one
            self.reloads += 1
            if persist:
                self.cache.save()
        for problem in snapshot.errors:
            logger.error("Reload kept the last good version: %s", problem)
        folder = printable(str(self.folder))
        logger.info("Reloaded %d articles from %s: version %s", len(articles), folder, snapshot.version)
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
        now = self._clock()
        digest = hashlib.sha256(self._code.encode())
        for slug, article in catalogue.articles.items():
            digest.update(f"\0{slug}\0{article.digest}".encode())
        version = digest.hexdigest()[:16]
        before = Before(previous.catalogue.articles, previous.modified, previous.version) if previous else None
        dates = self._dates.of(catalogue.articles, version, before, int(now.timestamp()))
        modified = {key: datetime.fromtimestamp(at, UTC) for key, at in dates.items()}
        table = self._build(catalogue, previous.table if previous else None, modified)
        return Snapshot(catalogue, table, version, now, MappingProxyType(modified), problems)


def folder_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, times and sizes of the folder's files: what the watcher compares."""
    entries = []
    for path in sorted(folder.iterdir()):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # removed between listing and stat
        entries.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    """A digest of what turns articles into bodies: code, templates, translations, the libraries that
    render, and the settings given in ``extra``."""
    return code_digest(paths, ("Jinja2", "MarkupSafe", "Flask", "flask-babel", "Babel", "brotli"), *extra)


def start_watching(live: LiveContent, interval: float) -> threading.Thread:
    """Reload when a file in the content folder changes (checked every ``interval`` seconds)."""

    def watch() -> None:
        # From what the content was read from, not from now: a worker forked after the folder changed
        # (and before the master reloaded) must still see that change.
        seen = live.stamp
        while True:
            time.sleep(interval)
            try:
                current = folder_stamp(live.folder)
                if current != seen:
                    seen = current
                    live.reload(persist=False)  # each worker watches: the master's next start writes the cache
            except Exception:  # a watcher that dies silently would stop reloads for good
                folder = printable(str(live.folder))
                logger.exception("Reloading %s failed; the last good content is still served", folder)

    thread = threading.Thread(target=watch, name="content-watcher", daemon=True)
    thread.start()
    return thread
