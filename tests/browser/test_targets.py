"""Every control of every widget is at least 24 by 24 CSS pixels (WCAG 2.2 SC 2.5.8, Target Size (Minimum)).

Measured with every expander open, at 320 px and at 1280 px, as an iframe document and as an
include, with htmx (lazy parts arrive as content) and, for widgets with lazy parts, without script
(each holds a link to its part instead).

The one exemption is the criterion's own "Inline" exception: a link that flows in a line of text
(``display: inline``, inside a block whose other text is on the same lines) is sized by the text
around it, and enlarging it would break the line. In these widgets that covers: a source's title
and its DOI link (within the line "Title · Site PMID … DOI …"), the footer's "Read the full
article" (after "By … ·"), and links written in the article's text. Not exempt, because they are
controls of their own rather than words of a sentence: every <summary> (sections, key points, the
source list, the citation markers [n]), the article page's citation links and back-references,
the "Read this section" links a lazy part holds without script, and the scrollable table region.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import INTERACTIVE, LAZY_WIDGETS, SLUGS, WIDGETS, Sites, Visit, open_everything_quickly

WIDTHS = (320, 1280)
MINIMUM = 24
WIDGET_SCRIPTS = [
    (slug, kind, script)
    for slug, kind in WIDGETS
    for script in (("htmx", "no-js") if (slug, kind) in LAZY_WIDGETS else ("htmx",))
]
_UNDERSIZED = """([selector, minimum]) => {
  const isInline = el => ['inline', 'contents'].includes(getComputedStyle(el).display);
  // The text of the block the link flows in, without the link and without screen-reader-only labels.
  const textAround = link => {
    let block = link.parentElement;
    while (block && isInline(block)) block = block.parentElement;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let text = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (link.contains(node) || node.parentElement.closest('.hw-vh')) continue;
      text += node.data;
    }
    return text.trim();
  };
  const inSentence = el => el.tagName === 'A' && getComputedStyle(el).display === 'inline' && textAround(el) !== '';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.closest('.hw, .hw-site') || !el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    // A hundredth of a pixel for layout rounding.
    if (box.width >= minimum - 0.01 && box.height >= minimum - 0.01) continue;
    if (inSentence(el)) continue;
    const name = `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} "${el.textContent.trim().slice(0, 40)}"`;
    small.push(`${name}: ${box.width.toFixed(1)} x ${box.height.toFixed(1)} px`);
  }
  return small;
}"""


def _widget_url(sites: Sites, mode: str, scripts: bool, slug: str, kind: str) -> str:
    if mode == "embed":
        return f"{sites.widgets['partners']}/embed/{slug}/{kind}"
    return sites.partner_page("good", "partners", "include" if scripts else "ssi", slug, kind)


def _undersized(v: Visit) -> dict[int, list[str]]:
    """At each width, the controls smaller than the minimum that the inline exception does not cover."""
    found: dict[int, list[str]] = {}
    for width in WIDTHS:
        v.page.set_viewport_size({"width": width, "height": 800})
        if undersized := v.page.evaluate(_UNDERSIZED, [INTERACTIVE, MINIMUM]):
            found[width] = undersized
    return found


def _report(found: dict[int, list[str]]) -> str:
    lines = [f"smaller than {MINIMUM} x {MINIMUM} px and not inline in a sentence:"]
    for width, items in found.items():
        lines += [f"  at {width} px:", *(f"    {item}" for item in items)]
    return "\n".join(lines)


@pytest.mark.parametrize("mode", ["embed", "fragment"])
@pytest.mark.parametrize(("slug", "kind", "script"), WIDGET_SCRIPTS)
def test_targets_are_at_least_24px(sites, visit, slug, kind, script, mode):
    scripts = script == "htmx"
    v = visit(js=scripts)
    v.page.goto(_widget_url(sites, mode, scripts, slug, kind))
    v.page.locator(".hw").wait_for()

    open_everything_quickly(v.page, scripts=scripts)
    found = _undersized(v)

    assert not found, _report(found)
    v.assert_clean()


@pytest.mark.parametrize("slug", SLUGS)
def test_article_page_targets_are_at_least_24px(sites, visit, slug):
    v = visit()
    v.page.goto(f"{sites.widgets['partners']}/articles/{slug}")

    open_everything_quickly(v.page, scripts=False)
    found = _undersized(v)

    assert not found, _report(found)
    v.assert_clean()
