"""Changing an article while it is served: an edit, a file broken mid-write, and the write completed.

Each version puts its own marker at the start of the article's takeaway, so a response body tells
which version it was rendered from: ``original``, ``edit`` or ``fix``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from widget.content import check_articles

_TAKEAWAY = re.compile(rb"^takeaway:\s*>-?\s*\n([ \t]+)", re.M)


@dataclass(frozen=True, slots=True)
class Versions:
    path: Path  # the article file in the served folder
    original: bytes
    edited: bytes
    fixed: bytes
    edit_marker: str
    fix_marker: str
    needle: str  # the start of the original takeaway, which every version keeps
    cut: int  # how many bytes of ``fixed`` the broken file holds

    @classmethod
    def of(cls, path: Path, run_id: str) -> Versions:
        original = path.read_bytes()
        found = _TAKEAWAY.search(original)
        if not found:
            raise ValueError(f"{path}: no folded 'takeaway: >' block to edit")
        start = found.end()
        needle = original[start : original.index(b"\n", start)][:30].decode()
        edit_marker, fix_marker = f"Load test edit {run_id}.", f"Load test fix {run_id}."

        def marked(marker: str) -> bytes:
            return original[:start] + marker.encode() + b" " + original[start:]

        fixed = marked(fix_marker)
        # Cut inside the YAML front matter, after the marker: served, the half file would show "fix".
        closing = fixed.index(b"\n---", 3)
        cut = min(len(fixed) // 2, closing - 1)
        if cut <= start + len(fix_marker):
            raise ValueError(f"{path}: the front matter is too short to cut after the takeaway")
        return cls(path, original, marked(edit_marker), fixed, edit_marker, fix_marker, needle, cut)

    def label(self, body: bytes) -> str:
        """Which version a body was rendered from."""
        if self.fix_marker.encode() in body:
            return "fix"
        if self.edit_marker.encode() in body:
            return "edit"
        if self.needle.encode() in body:
            return "original"
        return "unknown"

    def broken_problems(self) -> list[str]:
        """The errors widget.content finds in the half-written file (checked in a scratch folder)."""
        with tempfile.TemporaryDirectory(prefix="loadtest-check-") as scratch:
            copy = Path(scratch) / self.path.name
            copy.write_bytes(self.fixed[: self.cut])
            _, problems = check_articles(Path(scratch))
        return [str(p) for p in problems if p.severity == "error"]


def replace_atomically(path: Path, data: bytes) -> None:
    """Write beside the folder, then rename over the file: a reader sees the old file or the new one."""
    fd, scratch = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        shutil.copymode(path, scratch)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


class HalfWrite:
    """A writer caught mid-write: the file truncated and half written, the rest written by ``finish()``."""

    def __init__(self, path: Path, data: bytes, cut: int) -> None:
        self.data, self.cut = data, cut
        self._handle: IO[bytes] | None = path.open("wb")
        self._handle.write(data[:cut])
        self._handle.flush()

    def finish(self) -> None:
        if self._handle is not None:
            self._handle.write(self.data[self.cut :])
            self._handle.close()
            self._handle = None

    def abandon(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
