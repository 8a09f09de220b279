"""Measure each widget's height in chromium at the oEmbed frame widths and store them in widget/heights.json.

    .venv/bin/python scripts/measure_heights.py

Run it after a change to the templates, the stylesheet or the sample content moves the heights (the
browser test ``tests/browser/test_heights.py`` fails and says so). Serves ``content/articles`` on a
free loopback port and measures through the browser tests' chromium (``tests/browser/measure.py``).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # run as a file from the checkout: `tests` is a package there

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from tests.browser.chromium import MissingTool, launch  # noqa: E402
from tests.browser.measure import WIDTHS, measure_heights  # noqa: E402
from widget import create_app  # noqa: E402
from widget.heights import HEIGHTS_FILE, store_heights  # noqa: E402
from widget.settings import Settings  # noqa: E402

CONTENT = PROJECT_ROOT / "content" / "articles"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _starting(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def main() -> int:
    server = make_server("127.0.0.1", 0, _starting, threaded=True, request_handler=_QuietHandler)
    base = f"http://127.0.0.1:{server.server_port}"
    server.app = create_app(Settings(content_dir=CONTENT, public_url=base))
    thread = threading.Thread(target=server.serve_forever, name="measure", daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            heights = measure_heights(browser, base, sorted(path.stem for path in CONTENT.glob("*.md")))
            browser.close()
    except MissingTool as exc:
        print(f"measure_heights: {exc}", file=sys.stderr)
        return 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    store_heights(HEIGHTS_FILE, WIDTHS, heights)
    print(HEIGHTS_FILE.read_text(encoding="utf-8"), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
