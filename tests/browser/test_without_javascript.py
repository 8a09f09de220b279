"""JavaScript off: every widget renders, every part opens and reads, citations reach their sources, links work.

Each page is the declared partner's, in a browser context with JavaScript disabled. The iframe
embed (under both embed policies) and the server-side include show the widget itself; the htmx
include shows its fallback link, which leads to the article page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.helpers import (
    FALLBACK,
    FALLBACK_LINK,
    LAZY_WIDGETS,
    SLUGS,
    WIDGETS,
    OpenVisit,
    Sites,
    Visit,
    open_everything,
    open_everything_quickly,
    text_of,
    widget_frame,
)
from widget.settings import EmbedPolicy

# (way, policy): the iframe under both policies; a server-side include is fetched by the partner's
# server, where no embed policy applies, so once is enough.
WAYS = [("iframe", "partners"), ("iframe", "open"), ("ssi", "partners")]
# Text in the widget that is not on screen, other than the visually hidden labels (.hw-vh) meant for
# screen readers. Once every <details> is open there must be none.
_HIDDEN_TEXT = """() => {
  const hidden = [];
  for (const el of document.querySelectorAll('.hw, .hw *')) {
    if (el.closest('.hw-vh')) continue;
    const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.data.trim()).join(' ');
    if (own && !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) {
      hidden.push(`${el.tagName.toLowerCase()}.${el.className}: ${own.slice(0, 60)}`);
    }
  }
  return hidden;
}"""
# Each citation marker that opens in place: its number, and the source card it opened.
_CITES = """() => [...document.querySelectorAll('details.hw-cite')].map(d => {
  const card = d.querySelector(':scope > .hw-cite-card');
  const link = card && card.querySelector('a.hw-source-title');
  return {
    id: d.id,
    open: d.open,
    marker: d.querySelector(':scope > summary').textContent.replace(/[^0-9]/g, ''),
    card: card ? card.textContent.trim() : '',
    visible: card ? card.checkVisibility() : false,
    link: link ? link.href : '',
  };
})"""
_LINKS = """() => [...document.querySelectorAll('.hw a[href]')].map(a => ({
  href: a.href, raw: a.getAttribute('href'), target: a.target, rel: a.rel, text: a.textContent.trim(),
}))"""


def _open_partner_page(visit: OpenVisit, sites: Sites, policy: EmbedPolicy, way: str, slug: str, kind: str) -> Visit:
    v = visit(js=False)
    v.stub_outbound()
    v.page.goto(sites.partner_page("good", policy, way, slug, kind))
    return v


def _widget(v: Visit, way: str) -> Page | Frame:
    return widget_frame(v.page) if way == "iframe" else v.page


def _assert_cites_reach_their_source(root: Page | Frame) -> int:
    cites = root.evaluate(_CITES)
    for cite in cites:
        assert cite["open"], cite
        assert cite["visible"], cite
        assert cite["card"].startswith(f"{cite['marker']}. "), cite
        assert cite["link"].startswith("https://"), cite
    return len(cites)


@pytest.mark.parametrize(("way", "policy"), WAYS)
@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_widget_opens_and_reads_without_javascript(sites, visit, way, policy, slug, kind):
    v = _open_partner_page(visit, sites, policy, way, slug, kind)
    root = _widget(v, way)
    url_before = root.url
    widgets = sites.widgets[policy]

    expect(root.locator(".hw")).to_be_visible()
    open_everything(root, scripts=False)

    assert text_of(root, ".hw .hw-title, .hw .hw-summary-heading")
    assert root.locator("details:not([open])").count() == 0
    assert root.evaluate(_HIDDEN_TEXT) == []
    # Without script a lazy part holds a link to the part (followed below), never an empty box.
    for body in root.locator("details > .hw-body").all():
        expect(body).not_to_be_empty()
    # Citation markers open their source in place, without navigating. The sources widget is the
    # list itself, and the sections widget's markers are in its parts (checked below, once open).
    cites = _assert_cites_reach_their_source(root)
    assert cites > 0 or kind in ("sources", "sections")
    assert root.url == url_before
    # Every link leads somewhere: an anchor to an id on the page, a page of ours that answers, or a
    # source's own site (absolute https, in a new tab that cannot reach back into this page).
    ids = set(root.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)"))
    for link in root.evaluate(_LINKS):
        if link["raw"].startswith("#"):
            assert link["raw"][1:] in ids, link
        elif link["href"].startswith(widgets + "/"):
            response = v.context.request.get(link["href"])
            assert response.status == 200, link
            response.dispose()
        else:
            assert urlsplit(link["href"]).scheme == "https", link
            assert link["target"] == "_blank", link
            assert "noopener" in link["rel"].split(), link
    v.assert_clean()


@pytest.mark.parametrize("way", ["iframe", "ssi"])
@pytest.mark.parametrize(("slug", "kind"), LAZY_WIDGETS)
def test_lazy_parts_open_through_their_link_without_javascript(sites, visit, way, slug, kind):
    v = _open_partner_page(visit, sites, "partners", way, slug, kind)
    page_url = v.page.url
    count = _widget(v, way).locator(FALLBACK).count()
    assert count >= 1

    for index in range(count):
        if index:
            v.page.goto(page_url)
        root = _widget(v, way)
        details = root.locator(f"details:has(> {FALLBACK_LINK})").nth(index)
        part_id = details.get_attribute("id")
        details.locator(":scope > summary").click()
        link = details.locator(f":scope > {FALLBACK_LINK}")
        expect(link).to_be_visible()
        link.click()
        # The frame (iframe) or the page (include) now shows the widget with that part open, in view.
        root = _widget(v, way)
        root.wait_for_url(f"**#{part_id}")

        opened = root.locator(f"details#{part_id}")
        expect(opened).to_have_attribute("open", "")
        assert opened.locator(f":scope > {FALLBACK_LINK}").count() == 0
        assert root.evaluate("document.querySelector(':target')?.id") == part_id
        assert len(text_of(root, f"#{part_id} > .hw-body")) > 40
        # Its citation markers open in place too: the first one by a click, then all of them.
        cites = opened.locator("details.hw-cite > summary")
        if cites.count():
            cites.first.click()
            expect(opened.locator("details.hw-cite[open] .hw-cite-card").first).to_be_visible()
        open_everything_quickly(root, scripts=False)
        _assert_cites_reach_their_source(root)
    v.assert_clean()


@pytest.mark.parametrize("way", ["iframe", "ssi"])
@pytest.mark.parametrize("slug", SLUGS)
def test_links_open_in_a_new_tab_without_javascript(sites, visit, way, slug):
    v = _open_partner_page(visit, sites, "partners", way, slug, "takeaway")
    root = _widget(v, way)
    open_everything(root, scripts=False)

    with v.page.expect_popup() as article_tab:
        root.locator(".hw-footer a").first.click()
    with v.page.expect_popup() as source_tab:
        root.locator("a.hw-source-title").first.click()

    article = article_tab.value
    article.wait_for_load_state()
    assert article.url == f"{sites.widgets['partners']}/articles/{slug}"
    expect(article.locator(".hw-takeaway")).to_be_visible()
    source_tab.value.wait_for_load_state()
    assert v.outbound == [source_tab.value.url]
    assert root.locator(".hw").count() == 1  # the partner page stayed where it was
    v.assert_clean()


@pytest.mark.parametrize("slug", SLUGS)
def test_include_falls_back_to_its_link_without_javascript(sites, visit, slug):
    v = visit(js=False)
    v.page.goto(sites.partner_page("good", "partners", "include", slug, "takeaway"))

    link = v.page.locator(".partner-include > a")
    expect(link).to_be_visible()
    link.click()

    v.page.wait_for_url(f"{sites.widgets['partners']}/articles/{slug}")
    expect(v.page.locator(".hw-takeaway")).to_be_visible()
    v.assert_clean()


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_markers_and_backrefs_reach_each_other_without_javascript(sites, visit, slug):
    v = visit(js=False)
    base = f"{sites.widgets['partners']}/articles/{slug}"
    v.page.goto(base)
    hrefs = v.page.locator("a.hw-cite").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs, "the article cites its sources"

    # The first marker of each source. The source list starts closed; following a marker opens it.
    for href in dict.fromkeys(hrefs):
        v.page.locator(f'a.hw-cite[href="{href}"]').first.click()
        v.page.wait_for_url(base + href)
        source = v.page.locator(href)
        expect(source).to_be_visible()
        assert v.page.evaluate("document.querySelector(':target')?.id") == href[1:]
        # ...and its back-references lead to every spot that cites it.
        backrefs = source.locator(".hw-backrefs a")
        for target in backrefs.evaluate_all("els => els.map(a => a.getAttribute('href'))"):
            assert v.page.locator(target).count() == 1, target
        target = backrefs.first.get_attribute("href") or ""
        backrefs.first.click()
        v.page.wait_for_url(base + target)
        expect(v.page.locator(target)).to_be_visible()
    v.assert_clean()
