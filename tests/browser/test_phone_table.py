"""The comparison table at phone widths: stacked rows, each cell labelled, no sideways scrolling, still a table.

As an iframe document (its own width is the frame's) and as a server-side include on a partner page,
at 320 px; and at 1280 px the same table is an ordinary grid. The stacking follows the widget's
width (a container query), so an include in a narrow column of a wide page stacks too.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Frame, Page

from tests.browser.helpers import SLUGS

_CELLS = """() => [...document.querySelectorAll('.hw-table tbody td')].map(td => ({
  label: td.dataset.label,
  shown: getComputedStyle(td, '::before').content,
  display: getComputedStyle(td).display,
}))"""
_COLUMNS = "() => [...document.querySelectorAll('.hw-table thead th')].map(th => th.textContent.trim())"
_OVERFLOW = """() => {
  const region = document.querySelector('.hw-scroll');
  return {region: region.scrollWidth - region.clientWidth, page: document.documentElement.scrollWidth - innerWidth};
}"""


def _check_stacked(root: Page | Frame) -> None:
    columns = root.evaluate(_COLUMNS)
    cells = root.evaluate(_CELLS)
    overflow = root.evaluate(_OVERFLOW)

    assert overflow == {"region": 0, "page": 0}, f"scrolls sideways by {overflow} px"
    assert cells, "no table cells"
    assert {cell["display"] for cell in cells} == {"block"}
    assert all(cell["label"] in columns[1:] for cell in cells)
    assert all(cell["label"] in cell["shown"] for cell in cells), cells[:3]
    # Still a table to assistive technology, with its column headers.
    assert root.get_by_role("table").count() == 1
    assert root.get_by_role("columnheader").count() == len(columns)
    assert root.get_by_role("cell").count() == len(cells)


@pytest.mark.parametrize("slug", SLUGS)
def test_table_stacks_in_a_phone_wide_frame(sites, visit, slug):
    v = visit(width=320, height=800)

    v.page.goto(f"{sites.widgets['open']}/embed/{slug}/comparison")

    _check_stacked(v.page)
    v.assert_clean()


@pytest.mark.parametrize("slug", SLUGS)
def test_table_stacks_in_an_include_on_a_phone(sites, visit, slug):
    v = visit(width=320, height=800)

    v.page.goto(sites.partner_page("good", "partners", "ssi", slug, "comparison"))

    _check_stacked(v.page)
    v.assert_clean()


@pytest.mark.parametrize("slug", SLUGS)
def test_table_is_a_grid_on_a_desktop(sites, visit, slug):
    v = visit(width=1280, height=800)

    v.page.goto(f"{sites.widgets['open']}/embed/{slug}/comparison")

    cells = v.page.evaluate(_CELLS)
    assert {cell["display"] for cell in cells} == {"table-cell"}
    assert {cell["shown"] for cell in cells} == {"none"}
