"""The table of bodies: rendered whole at load, or each body on its first request into a bounded cache.

Whichever way a body was made, a reader and a cache see the same bytes and validators; a reload keeps
what did not change; the on-request cache never holds more than its budget.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from tests.support import ARTICLES, PUBLIC_URL
from widget import create_app
from widget.content import load_articles
from widget.live import LiveContent, start_watching
from widget.settings import Settings
from widget.table import Table
from widget.urls import BodyKey, Embed, Fragment, parts_of

SLUG = "lupus-numbness"
OTHER = "small-fiber-neuropathy-testing"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def make_app(content_dir: Path, *, limit: int, cache_mb: int = 64, cache_dir: Path | None = None) -> Flask:
    settings = Settings(
        content_dir=content_dir,
        public_url=PUBLIC_URL,
        prerender_limit=limit,
        render_cache_mb=cache_mb,
        cache_dir=cache_dir,
    )
    return create_app(settings)


def live_of(app: Flask) -> LiveContent:
    return app.extensions["widget.live"]  # type: ignore[no-any-return]


def readyz(app: Flask) -> dict[str, object]:
    return json.loads(app.test_client().get("/readyz").data)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def whole() -> Flask:
    return make_app(ARTICLES, limit=100)


@pytest.fixture
def on_request() -> Flask:
    return make_app(ARTICLES, limit=0)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    return folder


def test_every_body_has_the_same_bytes_either_way(whole, on_request):
    rendered_whole = dict(live_of(whole).snapshot.table.items())
    lazy = live_of(on_request).snapshot.table

    assert list(lazy) == list(rendered_whole)
    for key, body in rendered_whole.items():
        made = lazy.get(key)
        assert made is not None, key
        assert (made.data, made.etag, made.encoded, made.scripts) == (body.data, body.etag, body.encoded, body.scripts)


def test_the_same_url_gets_the_same_answer_either_way(whole, on_request):
    paths = ["/", f"/articles/{SLUG}", f"/fragment/{SLUG}/sources", f"/fragment/{SLUG}/sections/overview"]
    paths += [f"/embed/{SLUG}/sections?theme=dark&open=overview", f"/embed/{OTHER}/takeaway?theme=light"]
    for path in paths:
        for encoding in ("br", "gzip", "identity"):
            a = whole.test_client().get(path, headers={"Accept-Encoding": encoding})
            b = on_request.test_client().get(path, headers={"Accept-Encoding": encoding})
            assert (b.status_code, b.data, b.headers["ETag"]) == (a.status_code, a.data, a.headers["ETag"]), path
            assert b.headers.get("Content-Encoding") == a.headers.get("Content-Encoding")


def test_readyz_says_how_bodies_are_held(whole, on_request):
    assert readyz(whole)["prerendered"] is True
    assert readyz(whole)["rendered"] == readyz(whole)["bodies"]

    before = readyz(on_request)
    assert before["prerendered"] is False
    assert before["bodies"] == readyz(whole)["bodies"]
    assert before["rendered"] == 1  # the index: every request for "/" would need it
    client = on_request.test_client()
    client.get(f"/fragment/{SLUG}/comparison")
    client.get(f"/fragment/{SLUG}/comparison")
    assert readyz(on_request)["rendered"] == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/fragment/{SLUG}/sections/no-such-part", 404),
        (f"/embed/{SLUG}/sections?open=no-such-part", 400),
        (f"/embed/{SLUG}/takeaway?open=overview", 400),  # a part of another widget
        (f"/embed/{SLUG}/takeaway?theme=sepia", 400),
        ("/fragment/no-such-article/takeaway", 404),
        (f"/fragment/{SLUG}/no-such-widget", 404),
    ],
)
def test_what_does_not_exist_is_not_rendered_on_request(on_request, path, status):
    response = on_request.test_client().get(path)

    assert response.status_code == status
    assert readyz(on_request)["rendered"] == 1


def test_reload_keeps_unchanged_bodies_and_dates_the_changed_ones(content_dir):
    for limit in (100, 0):
        app = make_app(content_dir, limit=limit)
        live = live_of(app)
        client = app.test_client()
        before = {path: client.get(path) for path in (f"/fragment/{SLUG}/takeaway", f"/fragment/{OTHER}/takeaway")}
        article = content_dir / f"{SLUG}.md"
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("title: Is numbness", "title: Edited, is numbness", 1), encoding="utf-8")
        try:
            old_version = live.snapshot.version
            live.reload()
            after = {path: client.get(path) for path in before}
        finally:
            article.write_text(text, encoding="utf-8")

        assert live.snapshot.errors == ()
        assert live.snapshot.version != old_version
        assert b"Edited, is numbness" in client.get(f"/embed/{SLUG}/takeaway").data
        unchanged = f"/fragment/{OTHER}/takeaway"
        assert after[unchanged].headers["ETag"] == before[unchanged].headers["ETag"]
        assert after[unchanged].headers["Last-Modified"] == before[unchanged].headers["Last-Modified"]


def test_reload_of_unchanged_files_changes_nothing(content_dir):
    app = make_app(content_dir, limit=0)
    live = live_of(app)
    app.test_client().get(f"/fragment/{SLUG}/sources")
    body = live.snapshot.table.get(Fragment(SLUG, "sources"))

    first = live.snapshot
    live.reload()

    assert live.snapshot.version == first.version
    assert live.snapshot.modified == first.modified
    # Carried over as it was: nothing rendered again, the same object in memory.
    assert live.snapshot.table.get(Fragment(SLUG, "sources")) is body


def test_on_request_cache_stays_within_its_budget():
    catalogue = load_articles(ARTICLES)
    made: list[BodyKey] = []

    def page(key: BodyKey, _catalogue: object) -> str:
        made.append(key)
        return f"<p>{key}</p>" + "x" * 3000  # about 6.7 KB a body: its bytes, encodings and overhead

    now = datetime.now(UTC)
    modified = {"": now, **dict.fromkeys(catalogue.articles, now)}
    table = Table(catalogue, page, modified, prerender=False, cache_bytes=20_000)

    keys = list(table)
    for key in keys:
        body = table.get(key)
        assert body is not None
        assert body.data.startswith(b"<p>")
        assert table.cached_bytes <= 20_000
    assert table.rendered < len(keys)  # the least recently used went out
    # The most recent stays; asking again renders nothing new.
    count = len(made)
    assert table.get(keys[-1]) is not None
    assert len(made) == count
    # An old one comes back by rendering it again, to the same bytes.
    first = keys[1]
    again = table.get(first)
    assert again is not None and len(made) == count + 1


def test_concurrent_first_requests_get_equal_bodies(on_request):
    table = live_of(on_request).snapshot.table
    catalogue = live_of(on_request).snapshot.catalogue
    keys = [Embed(SLUG, "sections", "dark", part) for part in parts_of(catalogue.get(SLUG), "sections")]
    seen: list[bytes] = []
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            for key in keys:
                body = table.get(key)
                assert body is not None
                seen.append(body.etag.encode() + body.data)
        except BaseException as exc:  # noqa: BLE001 - reported below, from the main thread
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(seen)) == len(keys)


def test_a_render_that_fails_on_request_gets_the_error_page_with_every_header(on_request, caplog):
    table = live_of(on_request).snapshot.table

    def broken(*args: object) -> str:
        raise RuntimeError("a bug in a template")

    table._render = broken  # noqa: SLF001

    response = on_request.test_client().get(f"/fragment/{SLUG}/comparison")

    assert response.status_code == 500
    assert "Content-Security-Policy" in response.headers
    assert b"Traceback" not in response.data and b"a bug in a template" not in response.data
    assert "Rendering /fragment/lupus-numbness/comparison failed" in caplog.text


def test_a_watcher_started_after_a_change_still_sees_it(content_dir):
    # A gunicorn worker forked after the folder changed, but before the master reloaded, inherits the
    # master's older content: its watcher must compare with what that content was read from.
    app = make_app(content_dir, limit=0)
    live = live_of(app)
    edit(content_dir / f"{SLUG}.md", "title: Is numbness", "title: Edited, is numbness")

    start_watching(live, 0.05)
    deadline = time.monotonic() + 5
    while live.reloads == 0 and time.monotonic() < deadline:
        time.sleep(0.05)

    assert live.reloads >= 1
    assert b"Edited, is numbness" in app.test_client().get(f"/embed/{SLUG}/takeaway").data


@pytest.mark.parametrize("limit", [100, 0])
def test_an_edit_that_keeps_the_date_is_still_served(content_dir, limit):
    # Dates count whole seconds: an edit within the second of the last one (or a file given back its
    # old time) may keep the article's date. What is served must follow the bytes, not the date.
    app = make_app(content_dir, limit=limit)
    client = app.test_client()
    client.get(f"/embed/{SLUG}/takeaway")
    file = content_dir / f"{SLUG}.md"
    stat = file.stat()
    edit(file, "title: Is numbness", "title: Edited, is numbness")
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    live_of(app).reload()

    assert b"Edited, is numbness" in client.get(f"/embed/{SLUG}/takeaway").data
    assert b"Edited, is numbness" in client.get(f"/fragment/{SLUG}/takeaway").data
