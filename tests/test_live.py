"""The content being served and its reloads: widget/live.py, with the dates of widget/dates.py.

The clock is passed in: dates count whole seconds, so each test moves the time on by hand.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from tests.support import ARTICLES
from widget.content import ArticleCache, Catalogue
from widget.live import LiveContent
from widget.table import Table

SLUG = "lupus-numbness"
OTHER = "small-fiber-neuropathy-testing"
START = 1_800_000_000  # 2027-01-15, after every file time in the tests' content


class Clock:
    """A clock that stands still until a test moves it on."""

    def __init__(self, at: int = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)

    def tick(self, seconds: int = 1) -> int:
        self.at += seconds
        return self.at


def no_table(catalogue: Catalogue, previous: Table | None, modified: object) -> Table:
    # These tests look at the dates; the bodies made from them are widget.table's (tests/test_table.py).
    return cast(Table, None)


def live(folder: Path, clock: Clock, cache: ArticleCache | None = None, code: str = "code-1") -> LiveContent:
    return LiveContent(folder, no_table, code, cache, clock=clock)


def seconds(content: LiveContent, slug: str) -> int:
    return int(content.snapshot.modified[slug].timestamp())


def edit(path: Path, old: str, new: str, at: int) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, (at, at))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


def test_a_first_start_dates_every_body_from_when_the_code_was_first_seen(folder):
    file_time = int((folder / f"{SLUG}.md").stat().st_mtime)

    content = live(folder, Clock())

    assert file_time < START
    # The code is new to this cache, so every body is dated from now, the first time it is seen.
    assert seconds(content, SLUG) == seconds(content, OTHER) == seconds(content, "") == START


def test_a_file_changed_while_stopped_gets_its_file_time(folder, tmp_path):
    clock = Clock()
    cache = tmp_path / "cache" / "articles.pickle"
    live(folder, clock, ArticleCache(cache))
    edit(folder / f"{SLUG}.md", "title: Is numbness", "title: Edited, is numbness", START + 10)

    clock.tick(20)
    restarted = live(folder, clock, ArticleCache(cache))

    assert seconds(restarted, SLUG) == START + 10
    assert seconds(restarted, OTHER) == START


def test_reload_dates_the_changed_article_and_keeps_the_others(folder):
    clock = Clock()
    content = live(folder, clock)
    before = dict(content.snapshot.modified)

    edit(folder / f"{SLUG}.md", "title: Is numbness", "title: Edited, is numbness", clock.tick())
    content.reload()

    assert content.snapshot.modified[OTHER] == before[OTHER]
    assert seconds(content, SLUG) == START + 1
    assert seconds(content, "") == START + 1  # the index changes with any article


def test_last_modified_is_the_same_in_every_process_and_after_a_restart(folder, tmp_path):
    clock = Clock()
    file = tmp_path / "cache" / "articles.pickle"
    first = live(folder, clock, ArticleCache(file))

    clock.tick(5)  # another process, later, reading the same cache file
    second = live(folder, clock, ArticleCache(file))

    assert second.snapshot.modified == first.snapshot.modified
    assert seconds(second, SLUG) == START


def test_without_a_cache_file_a_restart_moves_dates_forward_never_back(folder):
    clock = Clock()
    first = live(folder, clock)

    clock.tick()
    second = live(folder, clock)

    assert seconds(second, SLUG) == seconds(first, SLUG) + 1


def test_a_restored_backup_moves_on_after_a_restart_too(folder, tmp_path):
    clock = Clock()
    cache = tmp_path / "cache" / "articles.pickle"
    file = folder / f"{SLUG}.md"
    original = file.read_bytes()
    content = live(folder, clock, ArticleCache(cache))
    edit(file, "title: Is numbness", "title: Edited, is numbness", clock.tick())
    content.reload()
    edited = seconds(content, SLUG)

    clock.tick()
    file.write_bytes(original)  # the backup, with a file time older than the edit
    os.utime(file, (START - 3600, START - 3600))
    restarted = live(folder, clock, ArticleCache(cache))

    assert seconds(restarted, SLUG) == edited + 1


def test_last_modified_moves_with_an_edit_and_never_back(folder):
    clock = Clock()
    content = live(folder, clock)
    before, other = seconds(content, SLUG), seconds(content, OTHER)
    file = folder / f"{SLUG}.md"

    edit(file, "title: Is numbness", "title: Edited, is numbness", clock.tick())
    content.reload()
    edited = seconds(content, SLUG)
    # A restored backup keeps its old file time; readers' caches hold a newer date, so it must move on.
    clock.tick()
    edit(file, "title: Edited, is numbness", "title: Is numbness", before - 3600)
    content.reload()

    assert edited == before + 1
    assert seconds(content, OTHER) == other
    assert seconds(content, SLUG) == edited + 1


def test_two_edits_within_one_second_share_the_date(folder):
    clock = Clock()
    content = live(folder, clock)
    file = folder / f"{SLUG}.md"
    edit(file, "title: Is numbness", "title: Edited, is numbness", clock.tick())
    content.reload()

    edit(file, "title: Edited, is numbness", "title: Edited twice, is numbness", clock.at)
    content.reload()

    # Never in the future: the date cannot move past now, and the version (the ETag) tells them apart.
    assert seconds(content, SLUG) == START + 1


def test_a_new_rendering_code_dates_every_body_from_when_it_is_first_seen(folder, tmp_path):
    clock = Clock()
    file = tmp_path / "cache" / "articles.pickle"
    live(folder, clock, ArticleCache(file), code="code-1")

    clock.tick(60)
    deployed = live(folder, clock, ArticleCache(file), code="code-2")
    clock.tick(60)
    restarted = live(folder, clock, ArticleCache(file), code="code-2")

    assert seconds(deployed, SLUG) == seconds(restarted, SLUG) == START + 60


def test_reload_log_lines_escape_control_characters_in_file_names(folder, caplog):
    content = live(folder, Clock())
    (folder / "evil\nERROR forged line.md").write_text("no front matter\n", encoding="utf-8")

    with caplog.at_level(logging.ERROR, logger="widget.live"):
        content.reload()

    messages = [record.getMessage() for record in caplog.records if record.name == "widget.live"]
    assert messages == [
        f"Reload kept the last good version: {folder}/evil\\nERROR forged line.md:1: error: the file must start"
        " with a front matter block between two '---' lines"
    ]


def test_a_copy_that_kept_the_slug_does_not_hold_back_edits_to_the_original(folder):
    clock = Clock()
    content = live(folder, clock)
    original = folder / f"{SLUG}.md"
    shutil.copy(original, folder / f"{SLUG}-copy.md")  # sorts first: '-' comes before '.'
    edit(original, "byline: Health Widgets Medical Team", "byline: The Medical Team", clock.tick())

    snapshot = content.reload(persist=False)

    assert snapshot.catalogue.articles[SLUG].byline == "The Medical Team"
    assert [(p.file, p.field) for p in snapshot.errors] == [(str(folder / f"{SLUG}-copy.md"), "slug")]
