"""axe-core finds nothing against WCAG 2.0, 2.1 and 2.2 A and AA on any widget or article page.

Every widget, as an iframe document (``embed``) and as an include on a partner's page
(``fragment``), in the light and the dark theme, with every expander open, at 320 px and at 1280 px;
the widgets with lazy parts also with no script (each part is then the link to it). ``no-script`` answers every script of ours with an empty file rather than
disabling JavaScript: in a context with JavaScript disabled chromium never runs axe's callbacks, so
axe could not report there. The page is the same: nothing of ours runs.

axe is evaluated into the page (``page.evaluate``), which the page's Content-Security-Policy does
not govern, so the widgets keep their real CSP and no ``bypass_csp`` is needed (bypassing it would
also let chromium ask for /favicon.ico, which the CSP otherwise forbids).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import LAZY_WIDGETS, SLUGS, WIDGETS, Sites, Visit, open_everything_quickly

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (320, 1280)
# With htmx a lazy part arrives as content; without script it is a link to the part. Widgets without
# lazy parts are the same markup either way, so only the lazy ones are checked a second time, without
# script, as iframe documents (an include without script is the same widget markup on a plainer page).
CASES = [(slug, kind, mode, "htmx") for slug, kind in WIDGETS for mode in ("embed", "fragment")] + [
    (slug, kind, "embed", "no-script") for slug, kind in LAZY_WIDGETS
]
_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => `${n.target.join(' ')}: ${n.failureSummary.replace(/\\s+/g, ' ')}`),
  }));
}"""


def _axe(v: Visit, axe_source: str) -> list[dict[str, Any]]:
    if not v.page.evaluate("() => typeof axe === 'object'"):
        v.page.evaluate(axe_source)
    violations: list[dict[str, Any]] = v.page.evaluate(_RUN, TAGS)
    return violations


def _check_widths(v: Visit, axe_source: str, *, scripts: bool) -> dict[str, list[str]]:
    """axe with every expander open (what is visible closed stays visible open), at each width."""
    found: dict[str, list[str]] = {}
    open_everything_quickly(v.page, scripts=scripts)
    for width in WIDTHS:
        v.page.set_viewport_size({"width": width, "height": 800})
        for violation in _axe(v, axe_source):
            found.setdefault(f"{width} px", []).append(
                f"{violation['id']} ({violation['impact']}): {violation['help']}\n      "
                + "\n      ".join(violation["nodes"])
            )
    return found


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"  {state}:\n    " + "\n    ".join(items) for state, items in found.items())


def _widget_url(sites: Sites, mode: str, script: str, slug: str, kind: str, theme: str) -> str:
    if mode == "embed":
        return f"{sites.widgets['partners']}/embed/{slug}/{kind}?theme={theme}"
    way = "include" if script == "htmx" else "ssi"
    return sites.partner_page("good", "partners", way, slug, kind, theme)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("slug", "kind", "mode", "script"), CASES)
def test_widget_has_no_axe_violations(sites, visit, axe_source, slug, kind, mode, script, theme):
    v = visit(theme=theme)
    if script == "no-script":
        v.silence_scripts()
    v.page.goto(_widget_url(sites, mode, script, slug, kind, theme))
    v.page.locator(".hw").wait_for()  # an include arrives after the page loads

    found = _check_widths(v, axe_source, scripts=script == "htmx")

    assert not found, f"axe violations ({', '.join(TAGS)}):\n{_report(found)}"
    v.assert_clean()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_has_no_axe_violations(sites, visit, axe_source, slug, theme):
    v = visit(theme=theme)
    v.page.goto(f"{sites.widgets['partners']}/articles/{slug}")

    found = _check_widths(v, axe_source, scripts=False)

    assert not found, f"axe violations ({', '.join(TAGS)}):\n{_report(found)}"
    v.assert_clean()


# -- reflow: WCAG 2.1 SC 1.4.10, which axe does not check ----------------------------------------------

# The page's width against the viewport's, and what sticks out past the right edge: positioned
# elements first (they escape the scroll containers whose box they are drawn in), then the rest.
_OVERFLOW = """() => {
  const root = document.documentElement;
  const past = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5);
  const name = el => `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} in ${el.parentElement.tagName.toLowerCase()}`
    + ` (${getComputedStyle(el).position}, right edge ${Math.round(el.getBoundingClientRect().right)} px)`;
  const positioned = past.filter(el => getComputedStyle(el).position !== 'static');
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits: (positioned.length ? positioned : past).slice(0, 5).map(name)};
}"""


def _sideways(overflow: dict[str, Any]) -> str:
    return (
        f"the page is {overflow['scrollWidth']} px wide in a {overflow['clientWidth']} px viewport; past its edge:\n  "
        + ("\n  ".join(overflow["culprits"]))
    )


@pytest.mark.parametrize("mode", ["embed", "fragment"])
@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_widget_reflows_at_320px_without_scrolling_sideways(sites, visit, slug, kind, mode):
    v = visit(width=320)
    v.page.goto(_widget_url(sites, mode, "htmx", slug, kind, "light"))
    v.page.locator(".hw").wait_for()

    open_everything_quickly(v.page, scripts=True)
    overflow = v.page.evaluate(_OVERFLOW)

    # The comparison table may scroll inside its own labelled region; the page itself must not.
    assert overflow["scrollWidth"] <= overflow["clientWidth"], _sideways(overflow)
    v.assert_clean()


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_reflows_at_320px_without_scrolling_sideways(sites, visit, slug):
    v = visit(width=320)
    v.page.goto(f"{sites.widgets['partners']}/articles/{slug}")

    open_everything_quickly(v.page, scripts=False)
    overflow = v.page.evaluate(_OVERFLOW)

    assert overflow["scrollWidth"] <= overflow["clientWidth"], _sideways(overflow)
    v.assert_clean()
