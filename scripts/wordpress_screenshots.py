"""Photograph a real WordPress post whose only line is our article URL: the old server, today's, our plugin.

    .venv/bin/python scripts/wordpress_screenshots.py                 # old server: the commit BEFORE
    .venv/bin/python scripts/wordpress_screenshots.py --before REV --out DIR

Three sites of Debian's WordPress on one MariaDB, started and stopped with the browser tests'
harness (``tests/browser/wordpress_site.py``), each with a post ``/articles/lupus-numbness``:

- ``before``: the widget server as it was at ``--before`` (extracted with ``git archive`` into a
  temporary folder and run there in a process of its own), WordPress discovering its oEmbed;
- ``after``: today's server from this checkout, no plugin;
- ``plugin``: today's server, with ``wordpress/health-widgets`` active.

Writes ``wordpress-before-1280.png``, ``wordpress-after-1280.png``, ``wordpress-after-375.png``,
``wordpress-after-block-375.png`` (the URL pasted in the block editor) and
``wordpress-plugin-1280.png`` to ``docs/screenshots/``, each cropped to the post (its title and
content), with a desktop's scrollbars drawn at 1280 px so that the old frame's inner scrollbar shows, and
prints each frame's size and sandbox and whether the page scrolls sideways.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from io import BytesIO
from pathlib import Path
from typing import Any, Final

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # run as a file from the checkout: `tests` is a package there

from playwright.sync_api import Browser, Page, Route, sync_playwright  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from tests.browser.chromium import ARGS, MissingTool, require_chromium  # noqa: E402
from tests.browser.wordpress_site import Database, Site, WordPressError, require_wordpress  # noqa: E402
from widget import create_app  # noqa: E402
from widget.settings import Settings  # noqa: E402

SLUG: Final = "lupus-numbness"
# The last commit before auto-height, oEmbed in WordPress's shape and the plugin (issue 13).
BEFORE: Final = "454145a"
SITES: Final = ("before", "after", "plugin")
# (site, post, width in CSS px): SLUG is the post whose only line is the URL; "block-editor" is the same
# URL pasted in WordPress 6.1's block editor, which saves it inside an embed block whose stylesheet
# gives the frame `max-width: 100%` (wp-includes/blocks/embed/style.css). A bare line has no such
# rule, so there a 500 px frame is wider than a phone.
SHOTS: Final = (
    ("before", SLUG, 1280),
    ("after", SLUG, 1280),
    ("after", SLUG, 375),
    ("after", "block-editor", 375),
    ("plugin", SLUG, 1280),
)
VIEWPORT_HEIGHT: Final = 900
DESKTOP: Final = 1024  # CSS px from which a window draws classic scrollbars
MARGIN: Final = 24  # CSS px kept around the post, so the crop shows the page it sits on
SETTLE: Final = 10.0  # seconds for the frame to be shown and sized; it takes well under one
START_TIMEOUT: Final = 30.0  # seconds for the old server to answer; it takes about one
# The post's content as the block editor saves a pasted URL (an embed block around the bare line).
BLOCK: Final = """<!-- wp:embed {{"url":"{url}","type":"rich","providerNameSlug":"health-widgets"}} -->
<figure class="wp-block-embed is-type-rich is-provider-health-widgets wp-block-embed-health-widgets"><div class="wp-block-embed__wrapper">
{url}
</div></figure>
<!-- /wp:embed -->"""
# The old server, run from its own checkout so that `import widget` is the old package.
OLD_SERVER: Final = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from widget import create_app
from widget.settings import Settings
port = int(sys.argv[1])
app = create_app(Settings(content_dir=Path("content/articles"), public_url=f"http://127.0.0.1:{port}"))
make_server("127.0.0.1", port, app, threaded=True).serve_forever()
"""


class OldServerError(RuntimeError):
    """The old widget server did not start; the message has its output."""


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _starting(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _extract(revision: str, folder: Path) -> None:
    """The project's files at ``revision``, without touching this checkout's worktrees or index."""
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", revision], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"wordpress_screenshots: git archive {revision} failed: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")


def _start_old_server(checkout: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", OLD_SERVER, str(port)],
            cwd=checkout,
            env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OldServerError(f"the old widget server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/articles/{SLUG}", timeout=2):
                return process, base
        except OSError:  # not listening yet, or an error status (HTTPError is an OSError)
            time.sleep(0.2)
    process.terminate()
    raise OldServerError(
        f"the old widget server did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()[-2000:]}"
    )


def _launch(playwright: Any, *, scrollbars: bool) -> Browser:
    """As tests/browser/chromium.launch; ``scrollbars`` draws them, which headless chromium does not by default."""
    args = [*ARGS, "--no-sandbox"] if os.geteuid() == 0 else list(ARGS)  # chromium needs it as root
    browser: Browser = playwright.chromium.launch(
        executable_path=require_chromium(),
        headless=True,
        args=args,
        ignore_default_args=["--hide-scrollbars"] if scrollbars else None,
    )
    return browser


def _stop(site: Site) -> None:
    """Stop a site and the workers PHP_CLI_SERVER_WORKERS forked, which outlive ``Site.stop`` (it ends only their parent)."""
    process = site._process
    workers: list[int] = []
    if process is not None and process.poll() is None:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.is_file() else []
    site.stop()
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):  # it ended with its parent
            os.kill(pid, signal.SIGTERM)


def _keep_loopback(route: Route) -> None:
    # Nothing leaves the machine: WordPress's pages ask for nothing outside, and a screenshot must not.
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.abort()


def _settle(page: Page) -> None:
    """Wait (bounded) until the post's frame is shown and its height stops changing."""
    frame_box = page.locator("iframe").first
    frame_box.wait_for(state="attached")
    deadline = time.monotonic() + SETTLE
    last = -1.0
    while time.monotonic() < deadline:
        style = frame_box.get_attribute("style") or ""
        box = frame_box.bounding_box()
        height = box["height"] if box else 0.0
        if "clip" not in style and height == last and height > 0:
            return
        last = height
        page.wait_for_timeout(250)


_FACTS: Final = """() => ({
  sandbox: document.querySelector('main iframe').getAttribute('sandbox'),
  scrollWidth: document.documentElement.scrollWidth,
})"""


def _photograph(browser: Browser, url: str, width: int, path: Path) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": VIEWPORT_HEIGHT}, color_scheme="light", reduced_motion="reduce"
    )
    try:
        context.route("**/*", _keep_loopback)
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        _settle(page)
        # The frame's own document, loaded and with its fonts: a frame that is never resized is the
        # right size before its content arrives.
        widget = page.frame_locator("main iframe").first.locator(".hw").first
        widget.wait_for(timeout=SETTLE * 1000)
        widget.evaluate("() => document.fonts.ready")
        top = page.locator("main h1").first.bounding_box()
        bottom = page.locator("main iframe").first.bounding_box()
        if top is None or bottom is None:
            raise WordPressError(f"{url}: no post title or widget frame to photograph")
        y = max(0.0, top["y"] - MARGIN)
        height = bottom["y"] + bottom["height"] + MARGIN - y
        page.screenshot(path=path, full_page=True, clip={"x": 0, "y": y, "width": width, "height": height})
        facts = page.evaluate(_FACTS)
        name = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        print(
            f"{name}: frame {bottom['width']:.0f} x {bottom['height']:.0f} px, sandbox {facts['sandbox']!r},"
            f" page {facts['scrollWidth']} px wide in a {width} px window"
        )
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--before", default=BEFORE, help="the git revision of the old server")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content" / "articles")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    try:
        require_wordpress()
        require_chromium()
    except MissingTool as exc:
        print(f"wordpress_screenshots: {exc}", file=sys.stderr)
        return 1

    server = make_server("127.0.0.1", 0, _starting, threaded=True, request_handler=_QuietHandler)
    today = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(Settings(content_dir=args.content, public_url=today))
    thread = threading.Thread(target=server.serve_forever, name="widgets", daemon=True)
    thread.start()
    args.out.mkdir(parents=True, exist_ok=True)
    old: subprocess.Popen[bytes] | None = None
    sites: list[Site] = []
    with tempfile.TemporaryDirectory(prefix="hw-wp-shots-") as folder:
        root = Path(folder)
        (root / "db").mkdir()
        database = Database(root / "db")
        try:
            _extract(args.before, root / "before-checkout")
            old, before = _start_old_server(root / "before-checkout", root / "old-server.log")
            database.start()
            for name in SITES:
                site = Site(name, root / name, database, before if name == "before" else today, plugin=name == "plugin")
                site.build()
                url = f"{site.widgets_url}/articles/{SLUG}"
                site.install({SLUG: url, "block-editor": BLOCK.format(url=url)})
                site.start()
                sites.append(site)
            by_name = {site.name: site for site in sites}
            with sync_playwright() as playwright:
                # A desktop draws classic scrollbars, which take width and show the old frame's inner
                # one; a phone's overlay scrollbars take none, as with headless chromium's default.
                browsers = {True: _launch(playwright, scrollbars=True), False: _launch(playwright, scrollbars=False)}
                for name, post, width in SHOTS:
                    stem = f"wordpress-{name}" + ("-block" if post != SLUG else "")
                    browser = browsers[width >= DESKTOP]
                    _photograph(browser, by_name[name].posts[post], width, args.out / f"{stem}-{width}.png")
                for browser in browsers.values():
                    browser.close()
        except (WordPressError, OldServerError) as exc:
            print(f"wordpress_screenshots: {exc}", file=sys.stderr)
            return 1
        finally:
            for site in sites:
                _stop(site)
            database.stop()
            if old is not None:
                old.terminate()
                old.wait(timeout=10)
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
