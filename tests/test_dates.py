"""Last-Modified dates (widget/dates.py): whole seconds, the same after a restart, never backwards,
never in the future.

Each test copies the tests' articles into a folder of its own, sets the file times by hand and
passes ``now`` in, so no test waits for the clock.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import ARTICLES
from widget.content import Article, ArticleCache, load_articles
from widget.dates import Before, Dates

SLUG = "lupus-numbness"
OTHER = "small-fiber-neuropathy-testing"
NOW = 1_800_000_000  # 2027-01-15
CODE = "code-digest"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The tests' articles, each file and the folder dated an hour before NOW."""
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    for path in [*folder.iterdir(), folder]:
        os.utime(path, (NOW - 3600, NOW - 3600))
    return folder


def articles_of(folder: Path) -> dict[str, Article]:
    return dict(load_articles(folder).articles)


def touch(path: Path, at: int) -> None:
    os.utime(path, (at, at))


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_first_sight_of_the_code_dates_every_body_now(folder):
    dates = Dates(folder, ArticleCache(), CODE)

    given = dates.of(articles_of(folder), "v1", None, NOW)

    assert given == {SLUG: NOW, OTHER: NOW, "": NOW}


def test_a_file_newer_than_the_code_is_dated_by_its_file_time(folder):
    cache = ArticleCache()
    cache.give_code(CODE, NOW - 7200)
    touch(folder / f"{SLUG}.md", NOW - 60)

    given = Dates(folder, cache, CODE).of(articles_of(folder), "v1", None, NOW)

    assert given == {SLUG: NOW - 60, OTHER: NOW - 3600, "": NOW - 60}


def test_a_file_time_in_the_future_is_dated_now(folder):
    cache = ArticleCache()
    cache.give_code(CODE, NOW - 7200)
    touch(folder / f"{SLUG}.md", NOW + 86400)

    given = Dates(folder, cache, CODE).of(articles_of(folder), "v1", None, NOW)

    assert given[SLUG] == NOW
    assert given[""] == NOW


def test_an_unchanged_file_keeps_its_date_whatever_its_file_time(folder):
    cache = ArticleCache()
    cache.give_code(CODE, NOW - 7200)
    dates = Dates(folder, cache, CODE)
    first = dates.of(articles_of(folder), "v1", None, NOW)
    touch(folder / f"{SLUG}.md", NOW - 10)  # a checkout or a copy: same bytes, new file time

    again = dates.of(articles_of(folder), "v1", None, NOW + 100)

    assert again[SLUG] == first[SLUG] == NOW - 3600


def test_a_changed_file_with_an_older_time_moves_forward(folder):
    cache = ArticleCache()
    cache.give_code(CODE, NOW - 7200)
    dates = Dates(folder, cache, CODE)
    path = folder / f"{SLUG}.md"
    first = dates.of(articles_of(folder), "v1", None, NOW)
    path.write_bytes(path.read_bytes() + b"\n")  # new bytes, the same article to a reader
    touch(path, NOW - 86400)  # a restored backup keeps its old file time

    again = dates.of(articles_of(folder), "v2", None, NOW + 100)

    assert again[SLUG] == first[SLUG] + 1


def test_the_article_served_before_keeps_the_date_it_was_served_with(folder):
    articles = articles_of(folder)
    before = Before(articles, {SLUG: at(NOW - 5000), OTHER: at(NOW - 4000), "": at(NOW - 4000)}, "v1")

    given = Dates(folder, ArticleCache(), CODE).of(articles, "v1", before, NOW)

    assert (given[SLUG], given[OTHER]) == (NOW - 5000, NOW - 4000)


def test_a_new_version_moves_the_index_past_the_one_served(folder):
    cache = ArticleCache()
    cache.give_code(CODE, NOW - 7200)
    articles = articles_of(folder)
    served = {SLUG: at(NOW - 3600), OTHER: at(NOW - 3600), "": at(NOW - 3600)}

    given = Dates(folder, cache, CODE).of(articles, "v2", Before(articles, served, "v1"), NOW)

    assert given[""] == NOW - 3600 + 1


def test_a_missing_file_is_dated_now(folder):
    cache = ArticleCache()
    cache.give_code(CODE, NOW - 7200)
    articles = articles_of(folder)
    (folder / f"{OTHER}.md").unlink()

    given = Dates(folder, cache, CODE).of(articles, "v1", None, NOW)

    assert given[OTHER] == NOW
