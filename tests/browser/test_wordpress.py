"""A real WordPress (Debian's 6.1, with MariaDB and PHP, on loopback) embeds a pasted article URL.

Two sites: ``plain``, where WordPress discovers our oEmbed endpoint and sanitises its answer (a
hidden, sandboxed iframe that ``wp-embed.js`` shows and sizes on our messages); and ``plugin``, with
``wordpress/health-widgets`` active, where our iframe arrives as we wrote it. Each post's only line
is a URL of ours. At a phone's and a desktop's width: the whole widget shows with no inner
scrollbar, the disclaimer is in view when scrolled to, the frame re-fits when a section opens and
closes, an outbound source is reachable, a ``?theme=dark`` URL gives a dark widget, and nothing
logs an error. :mod:`tests.browser.wordpress_site` starts and stops everything.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.chromium import MissingTool
from tests.browser.helpers import CLOSED_SUMMARY, OpenVisit, Sites, Visit
from tests.browser.wordpress_site import Database, Site, WordPressError, require_wordpress

SLUG = "lupus-numbness"
SITES = ("plain", "plugin")
WIDTHS = (375, 1280)
TOLERANCE = 2  # CSS px of rounding
WAIT = 10.0  # seconds for the frame to be shown and sized; it takes well under one
WP_MAX = 1000  # wp-embed.js never makes a frame taller
# How tall a frame may get on each site: WordPress's cap, or none with our own frame.
TALLEST = {"plain": WP_MAX, "plugin": 100_000}


@pytest.fixture(scope="module")
def wordpress(sites: Sites) -> Iterator[dict[str, Site]]:
    try:
        require_wordpress()
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)
    base = sites.widgets["open"]
    posts = {
        "takeaway": f"{base}/articles/{SLUG}",
        "sections": f"{base}/embed/{SLUG}/sections",
        "dark": f"{base}/embed/{SLUG}/takeaway?theme=dark",
    }
    with tempfile.TemporaryDirectory(prefix="hw-wordpress-") as folder:
        root = Path(folder)
        (root / "db").mkdir()
        database = Database(root / "db")
        started: list[Site] = []
        try:
            database.start()
            for name in SITES:
                site = Site(name, root / name, database, base, plugin=name == "plugin")
                site.build()
                site.install(posts)
                site.start()
                started.append(site)
            yield {site.name: site for site in started}
        except WordPressError as exc:
            pytest.fail(str(exc), pytrace=False)
        finally:
            for site in started:
                site.stop()
            database.stop()


def _open_post(visit: OpenVisit, site: Site, post: str, width: int) -> tuple[Visit, Frame]:
    v = visit(width=width, height=900)
    v.stub_outbound()
    v.page.goto(site.posts[post])
    iframe = v.page.locator("iframe")
    # Discovered: hidden (clipped) until our first message reaches wp-embed.js.
    expect(iframe).not_to_have_attribute("style", re.compile("clip"), timeout=WAIT * 1000)
    handle = iframe.element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None, f"{site.posts[post]}: the post has no widget frame"
    frame.locator(".hw").wait_for()
    return v, frame


def _heights(page: Page, frame: Frame) -> tuple[float, float]:
    box = page.locator("iframe").bounding_box()
    assert box is not None
    inner = frame.evaluate("() => document.documentElement.getBoundingClientRect().height")
    return box["height"], float(inner)


def _wait_fit(page: Page, frame: Frame, tallest: float) -> tuple[float, float]:
    """Poll (bounded) until the frame is as tall as its document, up to ``tallest``; the last heights."""
    deadline = time.monotonic() + WAIT
    while True:
        outer, inner = _heights(page, frame)
        if abs(outer - min(inner, tallest)) <= TOLERANCE or time.monotonic() > deadline:
            return outer, inner
        page.wait_for_timeout(50)


def _clean(v: Visit) -> None:
    # WordPress's own pages set no cookie for a visitor; the only console entries would be ours.
    v.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", SITES)
def test_whole_widget_shows_with_no_inner_scrollbar(wordpress, visit, name, width):
    v, frame = _open_post(visit, wordpress[name], "takeaway", width)

    outer, inner = _wait_fit(v.page, frame, TALLEST[name])
    overflow = frame.evaluate("() => document.documentElement.scrollHeight - innerHeight")
    disclaimer = frame.locator(".hw-disclaimer")
    disclaimer.scroll_into_view_if_needed()

    assert abs(outer - inner) <= TOLERANCE, f"frame {outer} px for {inner} px of widget"
    assert overflow <= TOLERANCE, f"the frame scrolls by {overflow} px inside"
    expect(disclaimer).to_be_in_viewport()
    _clean(v)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", SITES)
def test_frame_refits_when_a_section_opens_and_closes(wordpress, visit, name, width):
    v, frame = _open_post(visit, wordpress[name], "sections", width)
    closed, _ = _wait_fit(v.page, frame, TALLEST[name])
    summary = frame.locator(CLOSED_SUMMARY).first.element_handle()

    summary.click()
    frame.locator("details[open] .hw-body .hw-p").first.wait_for()
    opened, inner = _wait_fit(v.page, frame, TALLEST[name])
    summary.click()
    again, _ = _wait_fit(v.page, frame, TALLEST[name])

    assert opened > closed, f"opening a section left the frame at {opened} px"
    assert abs(opened - min(inner, TALLEST[name])) <= TOLERANCE, f"opened: frame {opened} px for {inner} px"
    assert abs(again - closed) <= TOLERANCE, f"closed again: {again} px, first {closed} px"
    _clean(v)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", SITES)
def test_an_outbound_source_is_reachable(wordpress, visit, sites, name, width):
    v, frame = _open_post(visit, wordpress[name], "takeaway", width)
    frame.get_by_text(re.compile(r"^Sources cited here")).click()
    link = frame.locator(".hw-source-list li a.hw-source-title").first
    href = link.get_attribute("href")

    if name == "plugin":
        # Our own frame, unsandboxed: the link opens its new tab.
        with v.page.expect_popup() as popup:
            link.click()
        assert popup.value.url == href
    else:
        # WordPress's sandbox blocks new tabs: resize.js sends the reader to the source's entry on
        # the article page (wp-embed.js's "link" message), where the same link opens.
        link.click()
        v.page.wait_for_url(re.compile(re.escape(f"{sites.widgets['open']}/articles/{SLUG}#hw-{SLUG}-s") + r"[0-9]+"))
        entry = v.page.locator(f"#{v.page.url.rsplit('#', 1)[1]}")
        expect(entry).to_be_visible()
        with v.page.expect_popup() as popup:
            entry.locator("a.hw-source-title").click()
        assert popup.value.url == href
    _clean(v)


@pytest.mark.parametrize("name", SITES)
def test_a_dark_url_gives_a_dark_widget(wordpress, visit, name):
    v, frame = _open_post(visit, wordpress[name], "dark", 1280)

    expect(frame.locator("body")).to_have_class(re.compile(r"\bhw-theme-dark\b"))
    background = frame.evaluate("() => getComputedStyle(document.querySelector('.hw')).backgroundColor")
    assert background == "rgb(20, 24, 29)", background  # the dark palette's --hw-bg, #14181d
    _clean(v)
