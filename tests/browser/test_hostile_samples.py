"""The hostile samples (tests/hostile/inert) in a real browser: every page renders, no script runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Dialog
from werkzeug.serving import make_server

from tests.browser.conftest import _QuietHandler
from tests.browser.helpers import OpenVisit, open_everything_quickly
from widget import create_app
from widget.settings import PROJECT_ROOT, Settings
from widget.urls import WIDGETS

HOSTILE = PROJECT_ROOT / "tests" / "hostile" / "inert"
SLUGS = sorted(path.stem for path in HOSTILE.glob("*.md"))


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, lambda environ, start_response: [], threaded=True, request_handler=_QuietHandler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(Settings(content_dir=HOSTILE, public_url=url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()
    thread.join(5)


def _pages(base: str, slug: str) -> list[str]:
    pages = [f"{base}/articles/{slug}"]
    for kind in WIDGETS:
        pages += [f"{base}/embed/{slug}/{kind}", f"{base}/embed/{slug}/{kind}?theme=dark"]
    return pages


@pytest.mark.parametrize("slug", SLUGS)
def test_hostile_samples_run_no_script(hostile_site: str, visit: OpenVisit, slug: str) -> None:
    v = visit()
    dialogs: list[str] = []

    # Every sample's payload calls alert(), prompt() or confirm(), or sets a global: none may happen.
    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    v.page.on("dialog", on_dialog)
    executed = []

    for url in _pages(hostile_site, slug):
        v.page.goto(url)
        v.page.locator(".hw").first.wait_for()
        open_everything_quickly(v.page, scripts=True)  # lazy parts arrive through htmx
        executed.append(v.page.evaluate("() => Object.keys(window).filter(k => /pwn|xss|hacked/i.test(k))"))

    assert dialogs == []
    assert all(found == [] for found in executed)
    v.assert_clean()
