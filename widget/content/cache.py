"""What each article file gave, by its path and digest; optionally kept in a file across restarts."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Final

from .checker import MAX_FILE_BYTES, Checked, digest_of
from .model import printable
from .parallel import check_files, usable_cpus
from .pickling import Restricted
from .trust import Untrusted, check_dates, check_entry

logger = logging.getLogger(__name__)

# The modules that turn a file into an Article (this package and what it imports of ours), as paths
# under widget/: a change to any other module, a view or a template, keeps the cache, so such a
# deploy restarts warm.
PARSER_MODULES: Final = (
    "content/__init__.py",
    "content/cache.py",
    "content/checker.py",
    "content/frontmatter.py",
    "content/yamlerrors.py",
    "content/loading.py",
    "content/model.py",
    "content/parallel.py",
    "content/pickling.py",
    "content/schema.py",
    "content/trust.py",
    "markup.py",
    "names.py",
)
FILE_MODE: Final = 0o600
FOLDER_MODE: Final = 0o700


def code_digest(paths: Iterable[Path], libraries: Iterable[str], *extra: str) -> str:
    """A digest of some code: its files, the installed versions of ``libraries``, and ``extra`` text."""
    digest = hashlib.sha256("\0".join(extra).encode())
    for library in libraries:
        digest.update(f"\0{library}={metadata.version(library)}".encode())
    for path in sorted(paths):
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _parser_version() -> str:
    """A digest of what turns a file into an Article: a cache made by other code is not used."""
    return code_digest(
        (Path(__file__).parent.parent / name for name in PARSER_MODULES),
        ("markdown-it-py", "pydantic", "pydantic-core", "PyYAML", "MarkupSafe"),
        sys.version,
    )


def _digest(path: Path) -> str:
    """Of the bytes the checker would read; "" when the file cannot be read (never equal to a kept one)."""
    try:
        with path.open("rb") as handle:
            return digest_of(handle.read(MAX_FILE_BYTES + 1))
    except OSError:
        return ""


def unsafe(path: Path, info: os.stat_result) -> str | None:
    """Why a cache file or folder must not be trusted, or None: only its owner, this user, may write it."""
    if info.st_uid != os.geteuid():
        return f"{path} belongs to user {info.st_uid}, not to this one ({os.geteuid()})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} can be written by other users (mode {stat.filemode(info.st_mode)}); chmod go-w it"
    return None


class ArticleCache:
    """What each file gave, by its path and the digest of its bytes; optionally kept on disk.

    A reload parses only the files that changed, and with ``file`` a restart parses only the files
    that changed since the last run of the same code. The file is written 0600 in a 0700 folder
    whatever the umask; one that other users can write, or that another user owns, is refused, and
    what a file gives is held to what a parsed file could give (:mod:`.trust`) before it is used.

    It also keeps, for the serving side, the Last-Modified given to each file's article at a digest
    and since when the rendering code has been what it is; what those dates are is decided there.
    """

    def __init__(self, file: Path | None = None, *, processes: int | None = None, parallel_from: int = 256) -> None:
        """``processes`` parse at once when at least ``parallel_from`` files changed (default: one per CPU)."""
        self.file = file
        self.processes = processes or usable_cpus()
        self.parallel_from = parallel_from
        self.entries: dict[str, Checked] = {}
        self.dates: dict[str, tuple[str, int]] = {}  # label -> (digest, epoch seconds given)
        self.code: tuple[str, int] = ("", 0)  # (digest of the rendering code, epoch seconds first seen)
        self.hits = 0
        self.changed = False  # since read or saved: whether saving would write anything new
        self.version = _parser_version() if file else ""
        if file is not None:
            self._read(file)

    def check_all(self, paths: Sequence[Path]) -> dict[str, Checked]:
        """What each file gave, by label (its path), in order; parses only the files not seen as they are.

        The cache then holds exactly these files, so it never outgrows the folder.
        """
        kept: dict[str, Checked] = {}
        missing: list[Path] = []
        for path in paths:
            before = self.entries.get(str(path))
            if before is not None and before.digest and before.digest == _digest(path):
                kept[str(path)] = before
            else:
                missing.append(path)
        self.hits += len(kept)
        parsed = dict(zip(map(str, missing), check_files(missing, self.processes, self.parallel_from), strict=True))
        self.changed = self.changed or bool(parsed) or len(kept) != len(self.entries)
        self.entries = {str(path): kept.get(str(path)) or parsed[str(path)] for path in paths}
        self.dates = {label: date for label, date in self.dates.items() if label in self.entries}
        return dict(self.entries)

    def give_date(self, label: str, digest: str, at: int) -> None:
        """Remember the Last-Modified given to the article of ``label`` at ``digest``."""
        if self.dates.get(label) != (digest, at):
            self.dates[label] = (digest, at)
            self.changed = True

    def give_code(self, digest: str, at: int) -> None:
        """Remember that the rendering code has been ``digest`` since ``at``."""
        if self.code != (digest, at):
            self.code = (digest, at)
            self.changed = True

    def save(self) -> None:
        """Write the cache to its file, if it has one and anything changed."""
        if self.file is None or not self.changed:
            return
        staging = None
        try:
            folder = self.file.parent
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            if reason := unsafe(folder, folder.stat()):
                raise PermissionError(reason)
            # A name of its own: several processes (or containers sharing the folder) may save at once.
            handle, name = tempfile.mkstemp(prefix=f".{self.file.name}.", dir=folder)
            staging = Path(name)
            os.fchmod(handle, FILE_MODE)  # mkstemp's own mode, said outright: the umask plays no part
            with os.fdopen(handle, "wb") as out:
                state = (self.version, self.entries, self.dates, self.code)
                pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(staging, self.file)  # whole or not at all
            self.changed = False
        except Exception as exc:  # the cache saves time; failing to write it must fail nothing
            logger.warning(
                "Could not write the article cache %s (%s); the next start parses every file", self.file, exc
            )
            if staging is not None:
                staging.unlink(missing_ok=True)

    def _read(self, file: Path) -> None:
        try:
            with file.open("rb") as handle:
                for path, info in ((file.parent, file.parent.stat()), (file, os.fstat(handle.fileno()))):
                    if reason := unsafe(path, info):
                        logger.warning("Ignored the article cache %s: %s; parsing every file", file, printable(reason))
                        return
                version, entries, dates, code = Restricted(handle).load()
        except FileNotFoundError:
            return
        except Exception as exc:  # a torn or foreign file: start without it, never fail on it
            logger.warning("Ignored the article cache %s: %s", file, printable(str(exc)))
            return
        if version != self.version or not isinstance(entries, dict) or not isinstance(dates, dict):
            logger.info("The article cache %s was made by other code; parsing every file", file)
            return
        try:
            checked = {label: check_entry(label, entry) for label, entry in entries.items()}
            check_dates(dates, code)
        except Untrusted as exc:
            logger.warning("Ignored the article cache %s: %s; parsing every file", file, printable(str(exc)))
            return
        self.entries, self.dates, self.code = checked, dates, code
