"""What the browser tests share: the widgets, the servers' addresses, a recorded visit, page helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from playwright.sync_api import BrowserContext, ConsoleMessage, Frame, Locator, Page, Request, Response, Route
from playwright.sync_api import Error as PlaywrightError

from tests.support import ARTICLES
from widget.settings import EmbedPolicy
from widget.urls import WIDGETS as WIDGET_KINDS

Theme = Literal["light", "dark"]
Site = Literal["good", "stranger"]
SLUGS: Final = sorted(path.stem for path in ARTICLES.glob("*.md"))
KINDS: Final = tuple(str(kind) for kind in WIDGET_KINDS)
WIDGETS: Final = [(slug, kind) for slug in SLUGS for kind in KINDS]
# Widgets with parts that open lazily: htmx fetches the part, or without it a link leads to it.
LAZY_WIDGETS: Final = [(slug, kind) for slug, kind in WIDGETS if kind in ("sources", "sections")]
PARTNER_ID: Final = "good"
# Who may embed under which policy: the declared partner under both, anyone under "open".
ADMITTED: Final[list[tuple[Site, EmbedPolicy]]] = [("good", "partners"), ("good", "open"), ("stranger", "open")]
CLOSED_SUMMARY: Final = "details:not([open]) > summary"
# The no-script link a lazy expander holds until htmx swaps its part in.
FALLBACK_LINK: Final = ".hw-body > .hw-p > a.hw-fallback"
FALLBACK: Final = f"details > {FALLBACK_LINK}"
FALLBACK_IN_OPEN: Final = f"details[open] > {FALLBACK_LINK}"
# Everything a keyboard or pointer user can operate.
INTERACTIVE: Final = "a[href], summary, button, input, select, textarea, [tabindex]:not([tabindex='-1'])"


# The ``visit`` fixture: ``visit(js=False, width=320, height=800, theme="dark")`` opens a context and page.
OpenVisit = Callable[..., "Visit"]


@dataclass(frozen=True, slots=True)
class Sites:
    """Where everything runs: a widget server per embed policy, and the two partner sites' origins."""

    widgets: dict[EmbedPolicy, str]
    good: str
    stranger: str

    def origin(self, site: Site) -> str:
        return self.good if site == "good" else self.stranger

    def partner_page(self, site: Site, policy: EmbedPolicy, way: str, slug: str, kind: str, theme: str = "") -> str:
        return f"{self.origin(site)}/{policy}/{way}/{slug}/{kind}" + (f"?theme={theme}" if theme else "")


@dataclass
class Visit:
    """A browser context and its page, recording console errors, failed requests and responses."""

    context: BrowserContext
    page: Page
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    outbound: list[str] = field(default_factory=list)

    def watch(self) -> None:
        # On the context, so popups and frames are watched too.
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.console_errors.append(f"page error: {error.error}"))
        self.context.on("response", self._response)
        self.context.on("requestfailed", self._failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _response(self, response: Response) -> None:
        self.responses.append(response)
        if response.status >= 400:
            self.failed_requests.append(f"{response.request.method} {response.url}: HTTP {response.status}")

    def _failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def stub_outbound(self) -> None:
        """Answer every request leaving the loopback (a source's own site) with a stub page, and note it."""

        def answer(route: Route) -> None:
            self.outbound.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>outbound</title>")

        self.context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), answer)

    def silence_scripts(self) -> None:
        """Answer every script of the widget servers with an empty one: the page as no script shapes it.

        For the checks that need a script of their own (axe): chromium runs none of a page's
        callbacks when a context has JavaScript disabled, evaluated ones included, so axe would
        never finish there. Only the page's scripts are off; the browser stays as it was.
        """

        def empty(route: Route) -> None:
            route.fulfill(status=200, content_type="text/javascript", body="/* scripts off for this check */")

        self.context.route(re.compile(r"^http://127\.0\.0\.1:[0-9]+/static/.*\.js$"), empty)

    def assert_clean(self, *, console: Sequence[str] = (), failures: Sequence[str] = ()) -> None:
        """No console errors, failed requests or cookies, except the ones the test expects.

        ``console`` and ``failures`` are regular expressions: each must match at least one entry,
        and every entry must match one of them.
        """
        _assert_exactly("console errors", self.console_errors, console)
        _assert_exactly("failed requests", self.failed_requests, failures)
        assert self.context.cookies() == []
        set_cookie = [response.url for response in self.responses if _sets_cookie(response)]
        assert set_cookie == [], f"responses with Set-Cookie: {set_cookie}"


def _sets_cookie(response: Response) -> bool:
    try:
        return bool(response.header_values("set-cookie"))
    except PlaywrightError:
        return False  # the page it belonged to is gone (a popup the test closed): nothing left to read


def _assert_exactly(what: str, entries: Sequence[str], patterns: Sequence[str]) -> None:
    unexpected = [entry for entry in entries if not any(re.search(p, entry) for p in patterns)]
    missing = [p for p in patterns if not any(re.search(p, entry) for entry in entries)]
    assert not unexpected, f"unexpected {what}:\n  " + "\n  ".join(unexpected)
    assert not missing, f"expected {what} matching {missing}, got:\n  " + "\n  ".join(entries or ["(none)"])


# -- pages --------------------------------------------------------------------------------------------


def widget_frame(page: Page) -> Frame:
    """The loaded document inside the partner page's iframe."""
    handle = page.locator("iframe").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None, "the partner page has no iframe"
    frame.wait_for_load_state()
    return frame


def open_everything(root: Page | Frame | Locator, *, scripts: bool, limit: int = 1000) -> int:
    """Click closed summaries (outer before inner) until every <details> is open; the clicks it took.

    Works with JavaScript off: a click on a summary opens its <details> natively. With htmx on, a
    lazy part arrives after its click, holding closed expanders of its own (citations), so this
    waits for every swap before it looks again.
    """
    clicks = 0
    while clicks < limit:
        closed = root.locator(CLOSED_SUMMARY).locator("visible=true")
        if closed.count() == 0:
            if not scripts or root.locator(FALLBACK_IN_OPEN).count() == 0:
                return clicks
            wait_for_lazy_parts(root)
            continue
        # A real mouse click at the summary's centre. force: the summary is visible, and Playwright's
        # wait for it to stop moving (the expander above it just opened) would triple the time.
        closed.first.click(force=True)
        clicks += 1
    raise AssertionError(f"expanders still closed after {limit} clicks")


_OPEN_ALL = """() => {
  const closed = [...document.querySelectorAll('details:not([open])')];
  for (const details of closed) details.open = true;
  return closed.length;
}"""


def open_everything_quickly(root: Page | Frame, *, scripts: bool) -> None:
    """Open every <details> by setting ``open`` (a toggle, as a click gives), for checks that read the result.

    The keyboard and no-JavaScript tests click; this is for axe and target sizes, where hundreds of
    clicks would only cost time.
    """
    for _ in range(20):
        opened = root.evaluate(_OPEN_ALL)
        if scripts:
            wait_for_lazy_parts(root)
        if not opened:
            return
    raise AssertionError("expanders kept closing")


def wait_for_lazy_parts(root: Page | Frame | Locator) -> None:
    """With htmx on: every open lazy expander has swapped its fallback link for the part."""
    root.locator(FALLBACK_IN_OPEN).first.wait_for(state="detached")


def text_of(root: Page | Frame, selector: str) -> str:
    return " ".join(root.locator(selector).first.inner_text().split())
