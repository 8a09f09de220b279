"""Links inside WordPress's sandbox (``allow-scripts`` only, no popups, no top navigation).

A ``target="_blank"`` link there is blocked by the browser. resize.js turns a click on one into
WordPress's ``link`` message, which ``wp-embed.js`` follows in the top window, to our own host only:
"Read the full article" goes to the article; a source's link goes to that source's entry on the
article page, where it opens normally.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import FrameLocator, expect

from tests.browser.chromium import MissingTool
from tests.browser.fit_pages import PageServer, require_wp_embed, wordpress_page
from tests.browser.helpers import OpenVisit, Sites, Visit

SLUG = "lupus-numbness"


@pytest.fixture(scope="module")
def partner() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def wp_embed() -> str:
    try:
        return require_wp_embed()
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)


def _open_wordpress_post(
    visit: OpenVisit, sites: Sites, partner: PageServer, wp_embed: str, kind: str, query: str = ""
) -> tuple[Visit, FrameLocator, str]:
    v = visit(width=640, height=900)
    v.stub_outbound()
    base = sites.widgets["open"]
    post = wordpress_page(f"{base}/embed/{SLUG}/{kind}{query}", f"{base}/articles/{SLUG}", 600, 400, wp_embed)
    v.page.goto(partner.put(f"/links/{kind}{query.replace('?', '/')}", post))
    frame = v.page.frame_locator("iframe")
    frame.locator(".hw").wait_for()
    expect(v.page.locator("iframe")).not_to_have_attribute("style", re.compile("clip"))
    return v, frame, base


def test_read_the_full_article_opens_in_the_top_window(sites, visit, partner, wp_embed):
    v, frame, base = _open_wordpress_post(visit, sites, partner, wp_embed, "takeaway")

    frame.get_by_role("link", name=re.compile("Read the full article")).click()

    v.page.wait_for_url(f"{base}/articles/{SLUG}")
    expect(v.page.locator("h1")).to_be_visible()
    v.assert_clean()


def test_a_source_link_reaches_its_source_through_the_article_page(sites, visit, partner, wp_embed):
    v, frame, base = _open_wordpress_post(visit, sites, partner, wp_embed, "sources", "?open=sources")
    link = frame.locator("li[value='3'] a.hw-source-title")
    href = link.get_attribute("href")

    link.click()

    v.page.wait_for_url(f"{base}/articles/{SLUG}#hw-{SLUG}-s3")
    entry = v.page.locator(f"#hw-{SLUG}-s3")
    expect(entry).to_be_visible()
    with v.page.expect_popup() as popup:
        entry.locator("a.hw-source-title").click()
    assert popup.value.url == href
    v.assert_clean()
