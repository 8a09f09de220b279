"""What the tests share that is not a fixture: where their own content lives, the public URL, and the
htmx headers partners rely on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

# The tests' own copy of two full articles, so an editor's change to content/ never breaks a test
# (the sample content has a test of its own: tests/test_sample_content.py).
ARTICLES: Final = Path(__file__).resolve().parent / "content" / "articles"
PUBLIC_URL: Final = "https://widgets.example.org"
# The one script every widget document loads (static/resize.js: it reports the height to the parent).
RESIZE_SRC: Final = re.compile(re.escape(f"{PUBLIC_URL}/static/resize") + r"(\.[0-9a-f]{12})?\.js")
# Every response header htmx 2.0.11 reads: a cross-origin read must expose each one.
HTMX_READS: Final = [
    "HX-Trigger",
    "HX-Trigger-After-Swap",
    "HX-Trigger-After-Settle",
    "HX-Location",
    "HX-Redirect",
    "HX-Refresh",
    "HX-Retarget",
    "HX-Reswap",
    "HX-Reselect",
    "HX-Push-Url",
    "HX-Replace-Url",
    "HX-Push",
]
HTMX_SENDS: Final = ["HX-Request", "HX-Current-URL", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-Boosted"]
