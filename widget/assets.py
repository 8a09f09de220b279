"""Static files under content-hashed names, so browsers and CDNs may keep them forever.

WhiteNoise's hashed-name manifest is Django-only; this builds the same thing for Flask: each file in
``static/`` is copied to ``build/static/`` as ``name.<hash>.ext`` with ``.gz`` and ``.br`` siblings
(WhiteNoise serves those by Accept-Encoding), and the manifest maps the plain name to the hashed one.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import brotli

from .settings import PROJECT_ROOT

SOURCE_DIR = PROJECT_ROOT / "static"
ASSETS_DIR = PROJECT_ROOT / "build" / "static"
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".txt", ".html", ".json", ".map"})


def build_assets(source: Path, target: Path) -> Mapping[str, str]:
    """Copy every file of ``source`` to ``target`` under its hashed name; return plain -> hashed."""
    manifest: dict[str, str] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith(".")):
        name = path.relative_to(source).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:12]
        hashed = f"{name.removesuffix(path.suffix)}.{digest}{path.suffix}"
        manifest[name] = hashed
        out = target / hashed
        if out.exists():
            continue  # same name, same bytes: built before
        # The source's mtime on every copy: two processes building at once write identical files,
        # and Last-Modified (which WhiteNoise reads once at start-up) must not depend on which won.
        mtime = path.stat().st_mtime_ns
        _write(out, data, mtime)
        if path.suffix in COMPRESSIBLE:
            _write(out.with_name(out.name + ".gz"), gzip.compress(data, 9, mtime=0), mtime)
            _write(out.with_name(out.name + ".br"), brotli.compress(data, quality=11), mtime)
    return MappingProxyType(manifest)


def is_immutable(path: str, url: str) -> bool:
    """WhiteNoise's ``immutable_file_test``: hashed names never change, so cache them for ten years."""
    return bool(HASHED.search(url))


def _write(path: Path, data: bytes, mtime_ns: int) -> None:
    # Atomic: several workers or test apps may build the same file at once.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.utime(tmp, ns=(mtime_ns, mtime_ns))
    os.replace(tmp, path)
