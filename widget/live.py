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
from datetime import UTC, datetime, timedelta
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

    def __init__(self, folder: Path, build: Build, code: Code | None = None, cache: ArticleCache | None = None) -> None:
        """``code``: what renders the bodies (see :func:`fingerprint`): part of the version, and no body
        is older than it. ``cache``: what each file gave, so loads parse only the files that changed.
        """
        self.folder = folder
        self._build = build
        self._code = code or Code("", EPOCH)
        self.cache = cache if cache is not None else ArticleCache()
        self._lock = threading.Lock()
        catalogue = load_articles(folder, cache=self.cache)  # must succeed: fail the deploy, not a page
        self.cache.save()
        self.snapshot = self._snapshot(catalogue, None, catalogue.warnings)
        self.reloads = 0

    def reload(self, *, persist: bool = True) -> Snapshot:
        """Read the folder again; keep the last good version of any article whose file has errors.

        ``persist``: write the article cache too (the master does; each worker's watcher need not).
        """
        with self._lock:
            previous = self.snapshot
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
        digest = hashlib.sha256(self._code.digest.encode())
        for slug, article in catalogue.articles.items():
            digest.update(f"\0{slug}\0{article.digest}".encode())
        version = digest.hexdigest()[:16]
        modified = {slug: self._modified(slug, article, previous, now) for slug, article in catalogue.articles.items()}
        # The index changes with any article, and when one is added or removed (the folder's own time).
        modified[""] = max([self._code.modified, _mtime(self.folder, now), *modified.values()])
        if previous and previous.version != version and modified[""] <= previous.modified[""]:
            modified[""] = min(previous.modified[""] + SECOND, now)
        table = self._build(catalogue, previous.table if previous else None, modified)
        return Snapshot(catalogue, table, version, now, MappingProxyType(modified), problems)

    def _modified(self, slug: str, article: Article, previous: Snapshot | None, now: datetime) -> datetime:
        """When the article's bytes last changed: its file's time (or the code's, if newer).

        Read from the files, so every worker and every restart says the same. A broken file's article
        keeps the time of the version still served; a changed one never goes back in time.
        """
        old = previous.catalogue.articles.get(slug) if previous else None
        before = previous.modified.get(slug) if previous else None
        if old is article and before is not None:
            return before  # the same article as before: an unchanged file, or a broken file's last good version
        at = max(self._code.modified, _mtime(self.folder / f"{slug}.md", now))
        if old is not None and before is not None and old.digest != article.digest and at <= before:
            at = min(before + SECOND, now)  # an edit older than what clients hold (a restored backup)
        return at


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Code:
    """What turns articles into bodies: a digest of it, and when it last changed."""

    digest: str
    modified: datetime


def fingerprint(paths: Iterable[Path], *extra: str) -> Code:
    """The files that turn articles into bodies (code, templates, translations), and settings that do."""
    digest = hashlib.sha256("\0".join(extra).encode())
    newest = EPOCH
    for path in sorted(paths):
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
        newest = max(newest, _mtime(path, datetime.now(UTC)))
    return Code(digest.hexdigest()[:16], newest)


def _mtime(path: Path, now: datetime) -> datetime:
    """A file's modification time, never in the future (a Last-Modified must not be); now if it is gone."""
    try:
        at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return now
    return min(at, now)


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
                    live.reload(persist=False)  # each worker watches: the master's next start writes the cache
            except Exception:  # a watcher that dies silently would stop reloads for good
                logger.exception("Reloading %s failed; the last good content is still served", live.folder)

    thread = threading.Thread(target=watch, name="content-watcher", daemon=True)
    thread.start()
    return thread
