"""A dark widget framed in a dark partner page shows no white frame.

The partner page is dark (background #111, ``color-scheme: dark``). Its iframe either asks for
``theme=dark`` and sets ``color-scheme: dark`` on the frame (the README's recipe for a dark page), or
leaves the theme at ``auto`` on a reader whose system is dark. If the framed document's colour scheme
differed from the frame's, chromium would paint the frame's canvas opaque white; the widget's own
background would show as white too if its dark palette failed. Pixels are read from screenshots.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import WIDGETS, widget_frame
from tests.browser.png import decode

# Dark enough: the page is #111111 and the dark palette's background #14181d, surface #1e252d.
DARKEST_ALLOWED_MAX = 0x40


def _pixel(page: Page, x: int, y: int) -> tuple[int, int, int]:
    """The colour at (x, y) of a screenshot of the page (a one-pixel clip of it, quick to decode)."""
    return decode(page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})).pixel(0, 0)


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_dark_partner_page_shows_no_white_frame(sites, visit, slug, kind):
    v = visit(theme="dark", height=1200)  # the reader's system is dark; the whole frame in view
    light: dict[str, dict[str, str]] = {}

    for theme in ("dark", "auto"):  # the README's dark-page recipe, then the widget following the system
        v.page.goto(sites.partner_page("good", "partners", "iframe", slug, kind, theme if theme == "dark" else ""))
        widget_frame(v.page).locator(".hw").wait_for()
        box = v.page.locator("iframe").bounding_box()
        assert box is not None
        # The page beside the frame; just inside each corner of the frame; and its middle.
        x0, y0 = int(box["x"]), int(box["y"])
        x1, y1 = int(box["x"] + box["width"]) - 1, int(box["y"] + box["height"]) - 1
        points = {
            "page": (x0 // 2, y0 - 4),
            "top left": (x0 + 2, y0 + 2),
            "top right": (x1 - 2, y0 + 2),
            "bottom left": (x0 + 2, y1 - 2),
            "bottom right": (x1 - 2, y1 - 2),
            "middle": ((x0 + x1) // 2, (y0 + y1) // 2),
        }
        for name, (x, y) in points.items():
            red, green, blue = _pixel(v.page, x, y)
            if max(red, green, blue) > DARKEST_ALLOWED_MAX:
                light.setdefault(theme, {})[name] = f"#{red:02x}{green:02x}{blue:02x} at ({x}, {y})"

    assert light == {}, f"light pixels in a dark page: {light}"
    v.assert_clean()
