"""Auto-height: the frame takes the widget's height, with no script in Chromium and with resize.js elsewhere.

The partner pages are :mod:`tests.browser.fit_pages`' recipes on a loopback port of their own
(their own origin), framing the ``open`` widget server. "Fits" means the frame is as tall as the framed
document, to a pixel or two, so there is neither an inner scrollbar nor a gap.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Frame, Locator, Page

from tests.browser.chromium import MissingTool
from tests.browser.fit_pages import PageServer, generic_page, native_page, require_wp_embed, wordpress_page
from tests.browser.helpers import CLOSED_SUMMARY, KINDS

SLUG = "lupus-numbness"
TOLERANCE = 2  # CSS px: rounding of fractional layout heights
WAIT = 5.0  # seconds for a resize to arrive; messages and layout take milliseconds
# wp-embed.js clamps every height it is sent to 200-1000 px.
WP_MIN, WP_MAX = 200, 1000


@pytest.fixture(scope="module")
def partner() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.stop()


def _frame(page: Page) -> Frame:
    handle = page.locator("iframe").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None, "the partner page has no iframe document"
    frame.locator(".hw").wait_for()
    return frame


def _height(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "not laid out"
    return box["height"]


def _document_height(frame: Frame) -> float:
    # The body has no margin, so its border box is the document's height; no script needed to read it.
    return _height(frame.locator("body"))


def _wait_until_fits(page: Page, frame: Frame, *, low: float = 0, high: float = 1e9) -> tuple[float, float]:
    """Poll (bounded) until the iframe is as tall as its document (clamped to low..high); the last heights."""
    deadline = time.monotonic() + WAIT
    while True:
        outer, inner = _height(page.locator("iframe")), _document_height(frame)
        if abs(outer - min(max(inner, low), high)) <= TOLERANCE or time.monotonic() > deadline:
            return outer, inner
        page.wait_for_timeout(50)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("width", "start"), [(343, 150), (700, 150), (700, 3000)])
def test_native_frame_fits_its_widget_without_javascript(sites, visit, partner, kind, width, start):
    v = visit(js=False, width=width + 32, height=900)
    url = partner.put(
        f"/native/{kind}/{width}/{start}", native_page(f"{sites.widgets['open']}/embed/{SLUG}/{kind}", width, start)
    )

    v.page.goto(url)
    frame = _frame(v.page)
    outer, inner = _wait_until_fits(v.page, frame)

    assert abs(outer - inner) <= TOLERANCE, f"frame {outer} px for {inner} px of widget (it was {start} px)"
    assert abs(_height(v.page.locator("iframe")) - start) > TOLERANCE
    v.assert_clean()


@pytest.mark.parametrize("kind", ["takeaway", "sources", "sections"])
def test_generic_snippet_fits_and_refits_when_a_section_opens_and_closes(sites, visit, partner, kind):
    v = visit(width=420)
    url = partner.put(f"/generic/{kind}", generic_page(f"{sites.widgets['open']}/embed/{SLUG}/{kind}", 380))

    v.page.goto(url)
    frame = _frame(v.page)
    closed, inner = _wait_until_fits(v.page, frame)
    assert abs(closed - inner) <= TOLERANCE, f"frame {closed} px for {inner} px of widget"
    summary = frame.locator(CLOSED_SUMMARY).first.element_handle()  # this one, open or closed
    summary.click()
    opened, inner = _wait_until_fits(v.page, frame, low=closed + 20)
    assert opened > closed + 20 and abs(opened - inner) <= TOLERANCE, f"opened: frame {opened} px for {inner} px"
    summary.click()
    again, inner = _wait_until_fits(v.page, frame)

    assert abs(again - closed) <= TOLERANCE, f"closed again: {again} px, first {closed} px"
    v.assert_clean()


@pytest.fixture(scope="module")
def wp_embed() -> str:
    try:
        return require_wp_embed()
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.parametrize(("kind", "width"), [("takeaway", 343), ("takeaway", 600), ("sections", 343), ("sources", 600)])
def test_wordpress_frame_is_shown_and_fits(sites, visit, partner, wp_embed, kind, width):
    v = visit(width=width + 32, height=900)
    base = sites.widgets["open"]
    page = wordpress_page(f"{base}/embed/{SLUG}/{kind}", f"{base}/articles/{SLUG}", width, 300, wp_embed)

    v.page.goto(partner.put(f"/wordpress/{kind}/{width}", page))
    frame = _frame(v.page)
    closed, inner = _wait_until_fits(v.page, frame, low=WP_MIN, high=WP_MAX)

    # wp-embed.js shows the frame (drops its clip style) and hides the blockquote on our first message.
    assert v.page.locator("iframe").get_attribute("style") is None
    assert v.page.locator("blockquote").is_hidden()
    assert abs(closed - min(max(inner, WP_MIN), WP_MAX)) <= TOLERANCE, f"frame {closed} px for {inner} px"
    frame.locator(CLOSED_SUMMARY).first.click()
    opened, inner = _wait_until_fits(v.page, frame, low=WP_MIN, high=WP_MAX)
    assert opened > closed or closed == WP_MAX, f"opening a section left the frame at {opened} px"
    assert abs(opened - min(inner, WP_MAX)) <= TOLERANCE
    v.assert_clean()
