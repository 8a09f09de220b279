"""The stored widget heights (``widget/heights.json``, which oEmbed answers with) match chromium today.

Measured again from the tests' copy of the sample articles, which is the content the figures were
taken from. When a template, the stylesheet or the content moves a height past the tolerance, run
``scripts/measure_heights.py`` and commit the new figures.
"""

from __future__ import annotations

from tests.browser.helpers import SLUGS
from tests.browser.measure import WIDTHS, measure_heights
from widget.heights import load_heights

# CSS px, or a fraction of the height, whichever is larger: fonts and rounding differ a little
# between machines; a widget that gained or lost a line is a real change.
TOLERANCE_PX = 12
TOLERANCE_SHARE = 0.03


def test_stored_heights_match_a_fresh_measurement(sites, browser):
    stored = load_heights()

    fresh = measure_heights(browser, sites.widgets["open"], SLUGS)

    assert stored.widths == WIDTHS
    drift = {
        f"{kind} at {width} px": f"stored {old}, measured {new}"
        for kind, heights in fresh.items()
        for width, old, new in zip(WIDTHS, stored.heights[kind], heights, strict=True)
        if abs(old - new) > max(TOLERANCE_PX, TOLERANCE_SHARE * new)
    }
    assert drift == {}, f"run scripts/measure_heights.py: {drift}"
