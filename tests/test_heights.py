"""The stored widget heights: reading them, and the height at a width between the measured ones."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from widget.heights import HEIGHTS_FILE, NARROW_LIMIT, Heights, HeightsError, load_heights, store_heights
from widget.urls import WIDGETS

FIX = "run `.venv/bin/python scripts/measure_heights.py` to measure them again"


def test_stored_heights_cover_every_kind():
    heights = load_heights()

    assert set(heights.heights) == set(WIDGETS)
    assert all(len(values) == len(heights.widths) for values in heights.heights.values())


def test_store_then_load_round_trips(tmp_path):
    path = tmp_path / "heights.json"
    heights = {kind: (500 + i, 400 + i) for i, kind in enumerate(WIDGETS)}

    store_heights(path, (320, 760), heights)

    assert load_heights(path) == Heights((320, 760), MappingProxyType(heights))


@pytest.mark.parametrize(
    ("width", "height"),
    [(760, 400), (2000, 400), (320, 500), (540, 450), (539, 451), (160, 1000), (1, 500 * NARROW_LIMIT)],
)
def test_height_at_a_width(width, height):
    heights = Heights((320, 760), MappingProxyType(dict.fromkeys(WIDGETS, (500, 400))))

    assert heights.at("takeaway", width) == height


def test_missing_file_names_the_fix(tmp_path):
    path = tmp_path / "nowhere.json"

    with pytest.raises(HeightsError) as excinfo:
        load_heights(path)

    assert excinfo.value.args[0].startswith(f"{path}: the measured widget heights cannot be read (")
    assert excinfo.value.args[0].endswith(f"; {FIX}.")


def test_unordered_widths_are_refused(tmp_path):
    path = tmp_path / "heights.json"
    store_heights(path, (760, 320), dict.fromkeys(WIDGETS, (1, 2)))

    with pytest.raises(HeightsError) as excinfo:
        load_heights(path)

    assert excinfo.value.args[0] == f"{path}: 'widths' must ascend and every kind needs one height per width; {FIX}."


def test_the_default_file_is_beside_the_module():
    assert HEIGHTS_FILE.name == "heights.json"
    assert HEIGHTS_FILE.is_file()
