"""The editors' preview: widget/preview.py. Pages reload on save; a broken file's pages show its
problems, where production keeps serving the last good version."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from werkzeug.test import Client

from tests.support import ARTICLES
from widget.preview import Preview, preview_app

SLUG = "lupus-numbness"
OTHER = "small-fiber-neuropathy-testing"
BROKEN_TITLE = ("title: Is numbness", "title: Lupus: is numbness")
PROBLEM_ROW = (
    '<td class="where">{path}:4</td><td class="severity">error</td><td>front matter</td>'
    "<td>put this title in quotes: it contains &#39;: &#39;</td>"
)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a save the watcher cannot miss


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


@pytest.fixture
def preview(folder: Path) -> Preview:
    return preview_app(folder, "http://127.0.0.1:8000")


def test_preview_pages_load_the_reloader_and_allow_it(preview):
    response = Client(preview).get(f"/articles/{SLUG}", headers={"Accept-Encoding": "br, gzip"})

    assert response.status_code == 200
    assert response.text.endswith('<script src="/__preview/reload.js"></script></body>\n</html>')
    assert "script-src 'self'; connect-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Encoding" not in response.headers


def test_preview_shows_a_broken_files_problems_on_its_pages_and_production_keeps_the_last_good(preview, folder):
    client = Client(preview)
    before = client.get("/__preview/version").text
    path = folder / f"{SLUG}.md"

    edit(path, *BROKEN_TITLE)
    page = client.get(f"/articles/{SLUG}")
    widget = client.get(f"/embed/{SLUG}/takeaway")

    assert client.get("/__preview/version").text != before
    assert page.status_code == widget.status_code == 500
    assert PROBLEM_ROW.format(path=path) in page.text
    assert "<h1>This page cannot be shown: 1 problem to fix</h1>" in page.text
    assert client.get(f"/articles/{OTHER}").status_code == 200  # its link to the broken article is not its fault
    assert preview.app is not None
    production = Client(preview.app.wsgi_app).get(f"/articles/{SLUG}")
    assert production.status_code == 200
    assert "Is numbness a symptom of lupus" in production.text


def test_preview_shows_the_page_again_once_the_file_is_fixed(preview, folder):
    client = Client(preview)
    path = folder / f"{SLUG}.md"
    edit(path, *BROKEN_TITLE)
    assert client.get(f"/articles/{SLUG}").status_code == 500

    line = path.read_text(encoding="utf-8").splitlines()[3]
    edit(path, line, 'title: "Lupus: is numbness a symptom?"')
    response = client.get(f"/articles/{SLUG}")

    assert response.status_code == 200
    assert "Lupus: is numbness a symptom?" in response.text


def test_preview_of_a_folder_that_does_not_load_shows_every_problem_until_it_does(folder):
    path = folder / f"{SLUG}.md"
    edit(path, *BROKEN_TITLE)
    preview = preview_app(folder, "http://127.0.0.1:8000")
    client = Client(preview)

    broken = client.get(f"/embed/{OTHER}/sources")
    edit(path, BROKEN_TITLE[1], BROKEN_TITLE[0])
    fixed = client.get(f"/embed/{OTHER}/sources")

    assert broken.status_code == 500
    assert PROBLEM_ROW.format(path=path) in broken.text
    assert fixed.status_code == 200


def test_preview_problems_page_escapes_what_the_file_says(preview, folder):
    path = folder / f"{SLUG}.md"
    edit(path, "lang: en", "lang: <script>")

    response = Client(preview).get(f"/articles/{SLUG}")

    assert response.status_code == 500
    assert "<script>" not in response.text.replace('<script src="/__preview/reload.js"></script>', "")
    assert "&lt;script&gt;" in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
