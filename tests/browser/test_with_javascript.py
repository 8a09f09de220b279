"""JavaScript on: parts expand in place, in the iframe and in the cross-origin include; refusals fall back.

The declared partner is admitted under both embed policies, the undeclared one under ``open`` only.
Under ``partners`` the browser refuses the undeclared origin (CORS for the include, CSP
frame-ancestors for the iframe), and the page keeps working through the links the recipes leave in
place. A partner that left htmx at its default settings (``selfRequestsOnly``) still opens everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Frame, Page, Request, expect

from tests.browser.helpers import (
    ADMITTED,
    FALLBACK,
    FALLBACK_LINK,
    KINDS,
    LAZY_WIDGETS,
    SLUGS,
    WIDGETS,
    Visit,
    open_everything,
    widget_frame,
)

# A refusal is the browser's, the same for every widget: each widget of one article is enough.
REFUSED = [(SLUGS[0], kind) for kind in KINDS]
# The text a swapped-in part shows, against the text of the markup the server sent for it.
_SAME_TEXT = """(body, html) => {
  const norm = s => s.replace(/\\s+/g, ' ').trim();
  const sent = document.createElement('template');
  sent.innerHTML = html;
  return norm(body.textContent) === norm(sent.content.textContent) && norm(body.textContent).length > 40;
}"""


def _url_is(url: str | None) -> Callable[[Request], bool]:
    return lambda request: request.url == url


def _expand_lazy_parts(v: Visit, root: Page | Frame, origin: str | None) -> int:
    """Open each lazy part with a click; htmx must fetch it (with its headers) and swap it in place."""
    lazy = root.locator("details[data-hx-get]")
    count = lazy.count()
    assert count >= 1
    for index in range(count):
        details = lazy.nth(index)
        url = details.get_attribute("data-hx-get")
        with v.page.expect_request(_url_is(url)) as requested:
            details.locator(":scope > summary").click()
        request = requested.value
        headers = request.all_headers()
        response = request.response()

        assert headers.get("hx-request") == "true"
        assert headers.get("hx-current-url") == root.url
        assert response is not None
        assert response.status == 200
        if origin is not None:  # cross-origin: the browser sent the Origin and read the grant
            assert headers.get("origin") == origin
            assert response.header_value("access-control-allow-origin") in (origin, "*")
        expect(details.locator(f":scope > {FALLBACK_LINK}")).to_have_count(0)
        assert details.locator(":scope > .hw-body").evaluate(_SAME_TEXT, response.text())
    return count


@pytest.mark.parametrize(("site", "policy"), ADMITTED)
@pytest.mark.parametrize(("slug", "kind"), LAZY_WIDGETS)
def test_iframe_expands_parts_in_place(sites, visit, site, policy, slug, kind):
    v = visit()
    v.page.goto(sites.partner_page(site, policy, "iframe", slug, kind))
    frame = widget_frame(v.page)
    frame_url = frame.url

    _expand_lazy_parts(v, frame, origin=None)  # our own document: same-origin requests

    assert frame.url == frame_url
    v.assert_clean()


@pytest.mark.parametrize(("site", "policy"), ADMITTED)
@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_include_swaps_in_and_expands_parts_in_place(sites, visit, site, policy, slug, kind):
    v = visit()
    origin = sites.origin(site)
    page_url = sites.partner_page(site, policy, "include", slug, kind)
    fragment_url = f"{sites.widgets[policy]}/fragment/{slug}/{kind}"

    with v.page.expect_response(lambda response: response.url == fragment_url) as answered:
        v.page.goto(page_url)
    expect(v.page.locator(".hw")).to_be_visible()

    response = answered.value
    headers = response.request.all_headers()
    assert v.page.locator(".partner-include").count() == 0  # the placeholder was swapped out
    assert headers.get("hx-request") == "true"
    assert headers.get("hx-current-url") == page_url
    assert headers.get("origin") == origin
    assert response.header_value("access-control-allow-origin") == (origin if policy == "partners" else "*")
    assert response.header_value("access-control-allow-credentials") is None
    if kind in ("sources", "sections"):
        _expand_lazy_parts(v, v.page, origin=origin)
    else:  # no lazy parts: its expanders and citation markers open natively, on the partner's page
        open_everything(v.page, scripts=True)
        assert v.page.locator("details:not([open])").count() == 0
        expect(v.page.locator("details.hw-cite .hw-cite-card").first).to_be_visible()
    assert v.page.url == page_url
    v.assert_clean()


@pytest.mark.parametrize(("slug", "kind"), REFUSED)
def test_undeclared_origin_include_is_refused_and_its_link_remains(sites, visit, slug, kind):
    v = visit()
    widgets = sites.widgets["partners"]
    fragment_url = f"{widgets}/fragment/{slug}/{kind}"

    with v.page.expect_event("requestfailed"):
        v.page.goto(sites.partner_page("stranger", "partners", "include", slug, kind))
    link = v.page.locator(".partner-include > a")
    expect(link).to_be_visible()
    assert v.page.locator(".hw").count() == 0
    link.click()

    v.page.wait_for_url(f"{widgets}/articles/{slug}")
    expect(v.page.locator(".hw-takeaway")).to_be_visible()
    v.assert_clean(
        console=[
            f"^Access to XMLHttpRequest at '{re.escape(fragment_url)}' from origin '{re.escape(sites.stranger)}'"
            " has been blocked by CORS policy",
            r"^Failed to load resource: net::ERR_FAILED$",
            # htmx reports the refused request (its error events log to the console).
            r"^htmx:sendError\b",
            r"^htmx:afterRequest\b",
        ],
        failures=[f"^GET {re.escape(fragment_url)}: net::ERR_FAILED$"],
    )


@pytest.mark.parametrize(("slug", "kind"), REFUSED)
def test_undeclared_origin_iframe_is_refused_and_its_link_remains(sites, visit, slug, kind):
    v = visit()
    widgets = sites.widgets["partners"]
    embed_url = f"{widgets}/embed/{slug}/{kind}"

    with v.page.expect_event("requestfailed"):
        v.page.goto(sites.partner_page("stranger", "partners", "iframe", slug, kind))
    frame = v.page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    assert frame.url.startswith("chrome-error://")  # the browser refused to show our document here
    link = v.page.locator(".partner-fallback > a")
    expect(link).to_be_visible()
    link.click()

    v.page.wait_for_url(f"{widgets}/articles/{slug}")
    expect(v.page.locator(".hw-takeaway")).to_be_visible()
    v.assert_clean(
        console=[
            f"^Framing '{re.escape(widgets)}/' violates the following Content Security Policy directive:"
            f' "frame-ancestors {re.escape(sites.good)}". The request has been blocked.'
        ],
        failures=[f"^GET {re.escape(embed_url)}: net::ERR_BLOCKED_BY_RESPONSE$"],
    )


@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_htmx_at_its_default_settings_still_opens_everything(sites, visit, slug, kind):
    v = visit()
    widgets = sites.widgets["partners"]
    with v.page.expect_console_message(lambda message: "htmx:invalidPath" in message.text):
        v.page.goto(sites.partner_page("good", "partners", "htmx-default", slug, kind))

    # htmx refused the cross-origin include (selfRequestsOnly): the placeholder's link is still there.
    link = v.page.locator(".partner-include > a")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == f"{widgets}/articles/{slug}"
    # The widget the partner's server included: every expander opens natively though htmx refuses
    # to fetch the lazy ones, and each of those holds the link to its part.
    lazy = v.page.locator("details[data-hx-get]").count()
    open_everything(v.page, scripts=False)
    assert v.page.locator("details:not([open])").count() == 0
    fallbacks = v.page.locator(FALLBACK)
    assert fallbacks.count() == lazy
    if lazy:
        part_id = fallbacks.first.evaluate("a => a.closest('details').id")
        fallbacks.first.click()
        v.page.wait_for_url(f"**#{part_id}")
        expect(v.page.locator(f"details#{part_id}[open] > .hw-body")).to_be_visible()
        assert v.page.locator(f"details#{part_id} > {FALLBACK_LINK}").count() == 0

    # One refusal for the include, one for each lazy part opened; nothing else.
    assert sum(1 for error in v.console_errors if re.match(r"htmx:invalidPath\b", error)) == 1 + lazy
    v.assert_clean(console=[r"^htmx:invalidPath\b"])
