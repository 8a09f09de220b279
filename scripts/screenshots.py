"""Render each widget in both themes at phone and desktop widths, as PNGs for the README.

    .venv/bin/python scripts/screenshots.py                # the sample article lupus-numbness
    .venv/bin/python scripts/screenshots.py --slug SLUG --out DIR

Serves the sample content with a real server on a free loopback port and photographs each iframe
document (``/embed/<slug>/<kind>?theme=...``) through the same browser as the browser tests: Debian's
chromium driven by Playwright (``tests/browser/chromium.py``), headless, background traffic off.
The sources and sections widgets are shown with their first part open (``?open=``), so the picture
shows what they hold. Writes ``<kind>-<theme>-<width>.png`` (widths 375 and 1280 CSS px) to
``docs/screenshots/``, and the comparison table stacked at 320 px, ``comparison-stacked-320.png``
and ``comparison-stacked-dark-320.png``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any, Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # run as a file from the checkout: `tests` is a package there

from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from tests.browser.chromium import MissingTool, launch  # noqa: E402
from widget import create_app  # noqa: E402
from widget.settings import Settings  # noqa: E402

KINDS = ("takeaway", "comparison", "sources", "sections")
THEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
WIDTHS = {375: 812, 1280: 800}  # CSS px: a phone's width and height, a desktop's
# The comparison table at the narrowest phone width, where its rows stack with their column labels.
STACKED = 320
STACKED_HEIGHT = 568  # a 320 px phone's height; the picture is the whole page whatever the window
STACKED_NAMES = {"light": f"comparison-stacked-{STACKED}.png", "dark": f"comparison-stacked-dark-{STACKED}.png"}
FIRST_PART = {"sources": "sources", "sections": "overview"}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _starting(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _photograph(
    browser: Browser, url: str, viewport: tuple[int, int], theme: Literal["light", "dark"], path: Path
) -> int | str:
    """Write the whole height of ``url`` at the viewport's width, what a reader of that width scrolls through; the status."""
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=theme, reduced_motion="reduce"
    )
    try:
        page = context.new_page()
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status != 200:
            return response.status if response else "no response"
        full_height = page.evaluate("() => document.documentElement.scrollHeight")
        page.screenshot(path=path, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": full_height})
        return 200
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--slug", default="lupus-numbness", help="the article to photograph")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content" / "articles")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)

    server = make_server("127.0.0.1", 0, _starting, threaded=True, request_handler=_QuietHandler)
    base = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(Settings(content_dir=args.content, public_url=base))
    thread = threading.Thread(target=server.serve_forever, name="screenshots", daemon=True)
    thread.start()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            shots = [
                (kind, theme, viewport, args.out / f"{kind}-{theme}-{viewport[0]}.png")
                for kind in KINDS
                for theme in THEMES
                for viewport in WIDTHS.items()
            ]
            stacked = (STACKED, STACKED_HEIGHT)
            shots += [("comparison", theme, stacked, args.out / STACKED_NAMES[theme]) for theme in THEMES]
            for kind, theme, viewport, path in shots:
                query = f"?theme={theme}" + (f"&open={FIRST_PART[kind]}" if kind in FIRST_PART else "")
                status = _photograph(browser, f"{base}/embed/{args.slug}/{kind}{query}", viewport, theme, path)
                if status != 200:
                    print(f"screenshots: {args.slug}/{kind} answered {status}", file=sys.stderr)
                    return 1
                print(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)
            browser.close()
    except MissingTool as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
