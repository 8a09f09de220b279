"""Browser fixtures: real servers on loopback ports, one chromium per session, one context per test.

The widget server runs twice, once per embed policy (``open`` and ``partners``), each a threaded
Werkzeug server on a free port. Two partner sites run on two more ports, so each is its own origin:
``good``, declared as partner ``good`` in the partners file both widget servers read, and
``stranger``, declared nowhere. :mod:`tests.browser.partner_site` generates their pages.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.browser.chromium import MissingTool, launch, require_axe, require_chromium
from tests.browser.helpers import PARTNER_ID, OpenVisit, Sites, Theme, Visit
from tests.browser.partner_site import PartnerServer, PartnerSite
from tests.support import ARTICLES
from widget import create_app
from widget.settings import DEFAULT_PRERENDER_LIMIT, EmbedPolicy, Settings


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # pytest shows failures, not access logs


def _starting(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    good_site = PartnerSite("Good Health (a declared partner)", PARTNER_ID)
    stranger_site = PartnerSite("Stranger News (not declared)", None)
    good, stranger = PartnerServer(good_site), PartnerServer(stranger_site)
    # Every server is bound before any app is built: the partners file names the good site's origin,
    # and each app's public URL names its own port.
    partners_file = tmp_path_factory.mktemp("partners") / "partners.toml"
    partners_file.write_text(
        f'[partners.{PARTNER_ID}]\nname = "Good Health"\norigins = ["{good.origin}"]\n', encoding="utf-8"
    )
    servers: dict[EmbedPolicy, BaseWSGIServer] = {}
    for policy in ("open", "partners"):
        server = make_server("127.0.0.1", 0, _starting, threaded=True, request_handler=_QuietHandler)
        url = f"http://127.0.0.1:{server.server_port}"
        # The "partners" server renders each body on its first request, as a large catalogue does
        # (widget.table), so the browser sees both ways of serving.
        limit = 0 if policy == "partners" else DEFAULT_PRERENDER_LIMIT
        settings = Settings(
            content_dir=ARTICLES,
            public_url=url,
            partners_file=partners_file,
            embed_policy=policy,
            prerender_limit=limit,
        )
        server.app = create_app(settings)
        servers[policy] = server
    urls: dict[EmbedPolicy, str] = {policy: f"http://127.0.0.1:{s.server_port}" for policy, s in servers.items()}
    good_site.widgets = stranger_site.widgets = {str(policy): url for policy, url in urls.items()}
    threads = [threading.Thread(target=s.serve_forever, name=f"widgets-{p}", daemon=True) for p, s in servers.items()]
    for thread in threads:
        thread.start()
    good.start()
    stranger.start()
    yield Sites(urls, good.origin, stranger.origin)
    for server in servers.values():
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=10)
    good.stop()
    stranger.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        require_chromium()
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    try:
        return require_axe().read_text(encoding="utf-8")
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def visit(browser: Browser) -> Iterator[OpenVisit]:
    """Open a fresh context with one page: ``visit(js=False, width=320, theme="dark")``."""
    contexts: list[BrowserContext] = []

    def open_visit(*, js: bool = True, width: int = 1280, height: int = 800, theme: Theme = "light") -> Visit:
        context = browser.new_context(
            java_script_enabled=js,
            viewport={"width": width, "height": height},
            color_scheme=theme,
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        result = Visit(context, context.new_page())
        result.watch()
        return result

    yield open_visit
    for context in contexts:
        context.close()
