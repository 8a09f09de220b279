"""Measure each widget's document height in chromium at given frame widths (for ``widget/heights.json``).

Shared by ``scripts/measure_heights.py``, which stores the figures, and the browser test that checks
the stored figures against a fresh measurement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from playwright.sync_api import Browser

from widget.urls import WIDGETS, Widget

# Frame widths in CSS px: a small phone, a phone, micawber's default, WordPress's content column,
# a desktop default, and the widest frame oEmbed gives (the widget's max-width plus the frame's padding).
WIDTHS: Final = (320, 375, 400, 500, 600, 760)
_HEIGHT = "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"


def measure_heights(
    browser: Browser, base_url: str, slugs: Iterable[str], widths: tuple[int, ...] = WIDTHS
) -> dict[Widget, tuple[int, ...]]:
    """Per kind, the tallest article's closed document height at each width, in light theme."""
    slugs = tuple(slugs)
    measured: dict[Widget, list[int]] = {kind: [0] * len(widths) for kind in WIDGETS}
    for index, width in enumerate(widths):
        # The frame's viewport is the frame: its width is the iframe's width.
        context = browser.new_context(viewport={"width": width, "height": 200}, color_scheme="light")
        page = context.new_page()
        for slug in slugs:
            for kind in WIDGETS:
                response = page.goto(f"{base_url}/embed/{slug}/{kind}", wait_until="load")
                if response is None or response.status != 200:
                    raise RuntimeError(
                        f"{base_url}/embed/{slug}/{kind} answered {response.status if response else 'nothing'}"
                    )
                measured[kind][index] = max(measured[kind][index], int(page.evaluate(_HEIGHT)))
        context.close()
    return {kind: tuple(values) for kind, values in measured.items()}
