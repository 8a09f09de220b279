"""Keyboard alone: Tab reaches every control of every widget, with a visible focus; Enter and Space toggle.

Each widget as an iframe document (``embed``) and as an include on a partner's page (``fragment``),
with htmx (the lazy parts arrive as the reader opens them) and with JavaScript off (a context with
it disabled; each lazy part then holds a link to it).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import FALLBACK_LINK, INTERACTIVE, WIDGETS, Sites, Visit

MAX_STEPS = 2000
# Where focus is after a key press: the element, whether it is a control of ours met for the first
# time, and whether its focus shows. A seen control is marked with data-kb-seen, so the controls
# that Tab never reached are the ones left unmarked at the end.
_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {where: 'nowhere'};
  if (!el.closest('.hw')) return {where: 'partner'};
  const style = getComputedStyle(el);
  const first = !el.hasAttribute('data-kb-seen');
  el.setAttribute('data-kb-seen', '');
  const details = el.tagName === 'SUMMARY' ? el.parentElement : null;
  return {
    where: 'widget',
    first,
    label: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${el.textContent.trim().slice(0, 50)}"`,
    focusVisible: el.matches(':focus-visible'),
    indicator: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
    summary: details !== null,
    open: details ? details.open : null,
    lazy: details ? details.hasAttribute('data-hx-get') : false,
  };
}"""
_IS_OPEN = "() => document.activeElement.parentElement.open"
_NOT_REACHED = """(selector) => [...document.querySelectorAll('.hw')].flatMap(w => [...w.querySelectorAll(selector)])
  .filter(el => !el.hasAttribute('data-kb-seen'))
  .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${el.textContent.trim().slice(0, 50)}"`)"""


def _url(sites: Sites, mode: str, scripts: bool, slug: str, kind: str) -> str:
    if mode == "embed":
        return f"{sites.widgets['partners']}/embed/{slug}/{kind}"
    return sites.partner_page("good", "partners", "include" if scripts else "ssi", slug, kind)


def _toggle_with_keys(v: Visit, info: dict[str, Any], scripts: bool) -> None:
    """On a closed summary: Enter opens it (and with htmx its part arrives); Space closes and reopens."""
    keyboard = v.page.keyboard
    keyboard.press("Enter")
    assert v.page.evaluate(_IS_OPEN), f"Enter did not open {info['label']}"
    if info["lazy"] and scripts:
        v.page.locator(f"details:has(> summary[data-kb-seen]:focus) > {FALLBACK_LINK}").wait_for(state="detached")
    keyboard.press("Space")
    assert not v.page.evaluate(_IS_OPEN), f"Space did not close {info['label']}"
    keyboard.press("Space")
    assert v.page.evaluate(_IS_OPEN), f"Space did not reopen {info['label']}"


@pytest.mark.parametrize("scripts", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("mode", ["embed", "fragment"])
@pytest.mark.parametrize(("slug", "kind"), WIDGETS)
def test_keyboard_reaches_and_toggles_every_control(sites, visit, slug, kind, mode, scripts):
    v = visit(js=scripts)
    v.page.goto(_url(sites, mode, scripts, slug, kind))
    v.page.locator(".hw").wait_for()  # an include arrives after the page loads
    reached: list[str] = []
    no_indicator: list[str] = []

    for _ in range(MAX_STEPS):
        v.page.keyboard.press("Tab")
        info = v.page.evaluate(_FOCUS)
        if info["where"] == "partner":
            continue
        if info["where"] == "nowhere":
            if reached:
                break  # past the last control
            continue
        if not info["first"]:
            break  # round again
        reached.append(info["label"])
        if not (info["focusVisible"] and info["indicator"]):
            no_indicator.append(info["label"])
        if info["summary"] and not info["open"]:
            _toggle_with_keys(v, info, scripts)
    else:
        pytest.fail(f"Tab never left the widget in {MAX_STEPS} presses")

    assert reached, "Tab reached no control"
    assert v.page.evaluate(_NOT_REACHED, INTERACTIVE) == []
    assert no_indicator == [], "focused without a visible focus indicator"
    assert v.page.locator(".hw details:not([open])").count() == 0
    v.assert_clean()
