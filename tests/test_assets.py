"""Static files under content-hashed names (widget/assets.py), built from a folder of the test's own."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import brotli
import pytest

from widget.assets import build_assets, is_immutable

CSS = b".hw-widget { color: #222; }\n"
PNG = b"\x89PNG\r\n\x1a\n not really an image"
MTIME_NS = 1_700_000_000 * 10**9


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    (folder / "img").mkdir(parents=True)
    (folder / "widget.css").write_bytes(CSS)
    (folder / "img" / "logo.png").write_bytes(PNG)
    (folder / ".DS_Store").write_bytes(b"finder")
    for path in folder.rglob("*"):
        os.utime(path, ns=(MTIME_NS, MTIME_NS))
    return folder


def test_every_file_gets_a_hashed_name_in_the_manifest(source, tmp_path):
    manifest = build_assets(source, tmp_path / "build")

    assert dict(manifest) == {
        "img/logo.png": f"img/logo.{digest(PNG)}.png",
        "widget.css": f"widget.{digest(CSS)}.css",
    }


def test_hashed_copies_hold_the_same_bytes_and_file_time(source, tmp_path):
    target = tmp_path / "build"

    manifest = build_assets(source, target)

    for plain, hashed in manifest.items():
        assert (target / hashed).read_bytes() == (source / plain).read_bytes()
        assert (target / hashed).stat().st_mtime_ns == MTIME_NS


def test_text_files_get_gzip_and_brotli_siblings_and_images_do_not(source, tmp_path):
    target = tmp_path / "build"

    manifest = build_assets(source, target)

    css = target / manifest["widget.css"]
    assert gzip.decompress(css.with_name(css.name + ".gz").read_bytes()) == CSS
    assert brotli.decompress(css.with_name(css.name + ".br").read_bytes()) == CSS
    png = target / manifest["img/logo.png"]
    assert sorted(p.name for p in png.parent.iterdir()) == [png.name]


def test_hidden_files_are_left_out(source, tmp_path):
    target = tmp_path / "build"

    build_assets(source, target)

    assert not [p for p in target.rglob("*") if ".DS_Store" in p.name]


def test_a_second_build_leaves_the_files_it_made_alone(source, tmp_path):
    target = tmp_path / "build"
    hashed = target / build_assets(source, target)["widget.css"]
    os.utime(hashed, ns=(MTIME_NS + 10**9, MTIME_NS + 10**9))

    build_assets(source, target)

    assert hashed.stat().st_mtime_ns == MTIME_NS + 10**9
    assert list(target.rglob(".tmp-*")) == []


def test_an_edited_file_gets_a_new_name(source, tmp_path):
    target = tmp_path / "build"
    first = build_assets(source, target)["widget.css"]
    (source / "widget.css").write_bytes(CSS + b".hw-new {}\n")

    second = build_assets(source, target)["widget.css"]

    assert second != first
    assert (target / first).exists()  # a page cached before the deploy still finds its stylesheet


@pytest.mark.parametrize(
    ("url", "immutable"),
    [
        ("/static/widget.0123456789ab.css", True),
        ("/static/img/logo.abcdef012345.png", True),
        ("/static/widget.css", False),
        ("/static/htmx.min.js", False),
        ("/static/widget.0123456789a.css", False),
        ("/static/widget.0123456789AB.css", False),
    ],
)
def test_only_hashed_names_are_immutable(url, immutable):
    assert is_immutable("/unused/path", url) is immutable
