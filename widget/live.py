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

from .content import Article, ArticleCache, Catalogue, Problem, check_articles, code_digest, load_articles
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
        """``code``: a digest of what renders the bodies (see :func:`fingerprint`), part of the version;
        no body is dated before this code was first seen. ``cache``: what each file gave (and the dates
        given), so loads parse only the files that changed.
        """
        self.folder = folder
        self._build = build
        self._code = code
        self.cache = cache if cache is not None else ArticleCache()
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
        seconds = int(now.timestamp())
        code = self.cache.code_since(self._code, seconds)
        dates = {
            slug: self._date(slug, article, previous, seconds, code) for slug, article in catalogue.articles.items()
        }
        # The index changes with any article, and when one is added or removed (the folder's own time).
        index = max([code, _mtime(self.folder, seconds), *dates.values()])
        if previous and previous.version != version and index <= int(previous.modified[""].timestamp()):
            index = min(int(previous.modified[""].timestamp()) + 1, seconds)
        dates[""] = index
        modified = {key: datetime.fromtimestamp(at, UTC) for key, at in dates.items()}
        table = self._build(catalogue, previous.table if previous else None, modified)
        return Snapshot(catalogue, table, version, now, MappingProxyType(modified), problems)

    def _date(self, slug: str, article: Article, previous: Snapshot | None, now: int, code: int) -> int:
        """The article's Last-Modified, in whole seconds (as HTTP dates count).

        The same in every process and after a restart: its file's time, or the code's if newer; a
        file whose bytes did not change keeps the date it was given (kept in the article cache). A
        changed file never goes back in time (a restored backup keeps its old file time while readers
        hold a newer date), and a broken file's article keeps the date of the version still served.
        """
        if previous and previous.catalogue.articles.get(slug) is article and slug in previous.modified:
            return int(previous.modified[slug].timestamp())  # the very article as before: unchanged, or kept
        path = self.folder / f"{slug}.md"  # a slug is its file's name
        label = str(path)
        given = self.cache.dates.get(label)
        if given is not None and given[0] == article.digest:
            at = max(given[1], code)
        else:
            at = max(code, _mtime(path, now))
            if given is not None and at <= given[1]:
                at = min(given[1] + 1, now)
        self.cache.date(label, article.digest, at)
        return at


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


def _mtime(path: Path, now: int) -> int:
    """A file's modification time in whole seconds, never in the future (a Last-Modified must not be)."""
    try:
        return min(int(path.stat().st_mtime), now)
    except OSError:
        return now


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
                logger.exception("Reloading %s failed; the last good content is still served", live.folder)

    thread = threading.Thread(target=watch, name="content-watcher", daemon=True)
    thread.start()
    return thread
