"""How tall each widget is at a given frame width, from heights measured in a real browser.

``heights.json`` beside this module holds, for each widget kind and each measured frame width, the
height in CSS pixels of the tallest sample article's document with every expander closed, as
Debian's chromium lays it out (``scripts/measure_heights.py`` writes it; a browser test measures
again and fails when the stored figures drift). oEmbed answers with these, so a consumer that cannot
auto-size a frame (micawber, WordPress before the frame's first message) still shows the whole widget.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

from .urls import WIDGETS, Widget

HEIGHTS_FILE: Final = Path(__file__).with_name("heights.json")
NARROW_LIMIT: Final = 2


class HeightsError(ValueError):
    """The stored heights cannot be used; the message names the file and the fix."""


@dataclass(frozen=True, slots=True)
class Heights:
    """Measured frame widths (ascending) and, per kind, the widget's height at each of them."""

    widths: tuple[int, ...]
    heights: Mapping[Widget, tuple[int, ...]]

    @property
    def max_width(self) -> int:
        """The widest frame measured: wider, the widget keeps its own maximum width and height."""
        return self.widths[-1]

    def at(self, kind: Widget, width: int) -> int:
        """The height at ``width``: straight-line between the two measured widths around it, rounded up.

        Narrower than the narrowest measured width, text wraps onto more lines still: the height
        grows in inverse proportion to the width from there, up to :data:`NARROW_LIMIT` times the
        narrowest height (a frame that narrow is unreadable anyway). Wider than the widest, it stays.
        """
        heights = self.heights[kind]
        if width >= self.widths[-1]:
            return heights[-1]
        if width <= self.widths[0]:
            grown = -(-heights[0] * self.widths[0] // max(width, 1))  # ceiling, in integers
            return min(grown, heights[0] * NARROW_LIMIT)
        upper = next(i for i, w in enumerate(self.widths) if w >= width)
        (w0, w1), (h0, h1) = self.widths[upper - 1 : upper + 1], heights[upper - 1 : upper + 1]
        return -(-(h0 * (w1 - width) + h1 * (width - w0)) // (w1 - w0))


def load_heights(path: Path = HEIGHTS_FILE) -> Heights:
    """Read ``heights.json``; a missing or malformed file stops startup with the command that rewrites it."""
    fix = "run `.venv/bin/python scripts/measure_heights.py` to measure them again"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        widths = tuple(int(w) for w in data["widths"])
        heights = {kind: tuple(int(h) for h in data["heights"][kind]) for kind in WIDGETS}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HeightsError(f"{path}: the measured widget heights cannot be read ({exc}); {fix}.") from None
    if not widths or list(widths) != sorted(set(widths)) or any(len(h) != len(widths) for h in heights.values()):
        raise HeightsError(f"{path}: 'widths' must ascend and every kind needs one height per width; {fix}.")
    return Heights(widths, MappingProxyType(heights))


def store_heights(path: Path, widths: tuple[int, ...], heights: Mapping[Widget, tuple[int, ...]]) -> None:
    """Write what :func:`load_heights` reads, one kind a line so a re-measurement's diff is readable."""
    lines = [f'    "{kind}": {json.dumps(list(heights[kind]))}' for kind in WIDGETS]
    path.write_text(
        f'{{\n  "widths": {json.dumps(list(widths))},\n  "heights": {{\n' + ",\n".join(lines) + "\n  }\n}\n",
        encoding="utf-8",
    )


__all__ = ["HEIGHTS_FILE", "Heights", "HeightsError", "load_heights", "store_heights"]
