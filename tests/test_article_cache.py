"""What each article file gave, kept by its digest: reloads and restarts parse only the files that changed."""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import shutil
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from markupsafe import Markup

from tests.support import ARTICLES, PUBLIC_URL
from widget import create_app
from widget.content import Article, ArticleCache, check_articles, check_file, load_articles
from widget.content.pickling import Restricted
from widget.live import LiveContent
from widget.markup import Text
from widget.settings import Settings

SLUG = "lupus-numbness"
OTHER = "small-fiber-neuropathy-testing"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_restart_parses_nothing_and_gives_equal_articles(folder, tmp_path):
    file = tmp_path / "cache" / "articles.pickle"
    first = ArticleCache(file)
    fresh = load_articles(folder, cache=first)
    first.save()

    second = ArticleCache(file)
    again = load_articles(folder, cache=second)

    assert file.is_file()
    assert (first.hits, second.hits) == (0, 2)
    assert dict(again.articles) == dict(fresh.articles)
    assert again.warnings == fresh.warnings


def test_only_changed_files_are_parsed_again(folder, tmp_path):
    cache = ArticleCache(tmp_path / "articles.pickle")
    load_articles(folder, cache=cache)
    edit(folder / f"{SLUG}.md", "title: Is numbness", "title: Edited, is numbness")

    articles, problems = check_articles(folder, cache=cache)

    assert cache.hits == 1  # the other file
    assert articles[SLUG].title.startswith("Edited, is numbness")
    assert not [p for p in problems if p.severity == "error"]


def test_a_broken_file_is_reported_from_the_cache_too(folder):
    cache = ArticleCache()
    edit(folder / f"{OTHER}.md", "title:", "title: [unclosed")
    _, first = check_articles(folder, cache=cache)

    articles, second = check_articles(folder, cache=cache)

    assert cache.hits == 2
    assert OTHER not in articles
    assert [str(p) for p in second] == [str(p) for p in first]
    assert any(p.field == "front matter" and p.severity == "error" for p in second)


def test_removed_files_are_forgotten(folder):
    cache = ArticleCache()
    check_articles(folder, cache=cache)
    (folder / f"{OTHER}.md").unlink()

    check_articles(folder, cache=cache)

    assert list(cache.entries) == [str(folder / f"{SLUG}.md")]


def test_review_age_follows_the_day_not_the_cache(folder):
    cache = ArticleCache()
    _, today = check_articles(folder, date(2026, 6, 1), cache)
    _, later = check_articles(folder, date(2031, 6, 1), cache)

    assert cache.hits == 2
    assert not [p for p in today if p.field == "reviewed"]
    stale = [p for p in later if p.field == "reviewed"]
    assert len(stale) == 2
    assert all(p.severity == "warning" and "over a year ago" in p.message and p.line for p in stale)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a pickle", pickle.dumps(["a", "list"]), pickle.dumps(("other code", {}))],
    ids=["empty", "garbage", "wrong shape", "other code"],
)
def test_an_unusable_cache_file_is_ignored(folder, tmp_path, caplog, content):
    file = tmp_path / "articles.pickle"
    file.write_bytes(content)

    with caplog.at_level(logging.INFO, logger="widget.content"):
        cache = ArticleCache(file)
        catalogue = load_articles(folder, cache=cache)

    assert cache.hits == 0
    assert sorted(catalogue.articles) == [SLUG, OTHER]
    assert str(file) in caplog.text


def test_a_cache_that_cannot_be_written_fails_nothing(folder, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    cache = ArticleCache(blocker / "articles.pickle")
    load_articles(folder, cache=cache)

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        cache.save()

    assert "Could not write the article cache" in caplog.text


def test_the_app_keeps_its_cache_in_the_cache_dir_and_reloads_parse_only_changes(folder, tmp_path):
    settings = Settings(content_dir=folder, public_url=PUBLIC_URL, cache_dir=tmp_path / "cache")
    create_app(settings)
    app = create_app(settings)  # a restart
    live: LiveContent = app.extensions["widget.live"]

    assert live.cache.hits == 2
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [live.cache.file.name]  # type: ignore[union-attr]

    edit(folder / f"{SLUG}.md", "title: Is numbness", "title: Edited, is numbness")
    live.reload()

    assert live.cache.hits == 3
    assert b"Edited, is numbness" in app.test_client().get(f"/embed/{SLUG}/takeaway").data


def test_many_changed_files_are_parsed_in_several_processes_to_the_same_result(tmp_path, caplog):
    folder = tmp_path / "many"
    folder.mkdir()
    shutil.copy(ARTICLES / f"{SLUG}.md", folder)  # which each copy names as related
    for n in range(70):  # three tasks of PARALLEL_CHUNK files
        shutil.copy(ARTICLES / f"{OTHER}.md", folder / f"copy-{n:02d}.md")
        edit(folder / f"copy-{n:02d}.md", f"slug: {OTHER}", f"slug: copy-{n:02d}")
    edit(folder / "copy-07.md", "title:", "title: [unclosed")
    serial = ArticleCache(processes=1)
    parallel = ArticleCache(processes=2, parallel_from=2)

    expected = check_articles(folder, date(2026, 6, 1), serial)
    with caplog.at_level(logging.INFO, logger="widget.content"):
        found = check_articles(folder, date(2026, 6, 1), parallel)

    assert "Parsed 71 article files in 2 processes" in caplog.text
    assert found == expected
    assert len(found[0]) == 69  # not copy-07, nor the lupus article, whose related article is not here
    assert {p.file for p in found[1] if p.severity == "error"} == {
        str(folder / "copy-07.md"),
        str(folder / f"{SLUG}.md"),
    }


def test_a_file_gone_before_it_is_read_is_an_error_not_a_crash(folder):
    # Removed between listing the folder and reading it (an editor saving by rename, say).
    gone = folder / "removed-meanwhile.md"

    checked = check_file(gone)

    assert checked.article is None
    assert [(p.file, p.message) for p in checked.problems] == [(str(gone), "cannot be read: No such file or directory")]


class Exploit:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("touch /tmp/hw-cache-exploit-ran",))


def test_a_cache_file_can_describe_articles_and_nothing_else(folder, tmp_path, caplog):
    marker = Path("/tmp/hw-cache-exploit-ran")
    marker.unlink(missing_ok=True)
    file = tmp_path / "articles.pickle"
    file.write_bytes(pickle.dumps((ArticleCache(file).version, {"x": Exploit()})))

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        cache = ArticleCache(file)

    assert not marker.exists()
    assert cache.entries == {}
    assert "system is not part of an article" in caplog.text


def test_the_cache_version_covers_every_module_the_parser_imports():
    import ast

    import widget.content

    root = Path(widget.content.__file__).parent.parent  # widget/
    seen, todo = set(), ["content/__init__.py"]
    while todo:
        name = todo.pop()
        seen.add(name)
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        here = Path(name).parent
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("widget.")):
                # "from .model import x", "from widget.markup import x" and "from . import model" all
                # bring in a module of ours, relative to the importing file's package or to widget/.
                package = here.parents[node.level - 2] if node.level > 1 else here if node.level else Path()
                module_name = (node.module or "").removeprefix("widget.") if not node.level else node.module
                names = [module_name] if module_name else [alias.name for alias in node.names]
                for dotted in names:
                    target = package.joinpath(*dotted.split("."))
                    module = str(target / "__init__.py") if (root / target).is_dir() else f"{target}.py"
                    if module not in seen:
                        todo.append(module)

    assert seen == set(widget.content.PARSER_MODULES)


def test_when_the_parsing_processes_fail_the_files_are_parsed_here(folder, monkeypatch, caplog):
    def broken(paths: list[Path], processes: int) -> list[object]:
        raise RuntimeError("a parsing process exited with status 1")

    monkeypatch.setattr("widget.content.parallel.check_elsewhere", broken)
    monkeypatch.setattr("widget.content.parallel.PARALLEL_CHUNK", 1)  # two files are enough for two processes
    expected = check_articles(folder, date(2026, 6, 1), ArticleCache(processes=1))

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        found = check_articles(folder, date(2026, 6, 1), ArticleCache(processes=2, parallel_from=1))

    assert found == expected
    assert "Parsing in 2 processes failed (a parsing process exited with status 1)" in caplog.text


# -- the cache file's modes, owner, and what a planted one can do ----------------------------------


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_the_cache_is_written_0600_in_a_0700_folder_whatever_the_umask(folder, tmp_path, open_umask):
    file = tmp_path / "cache" / "articles.pickle"
    cache = ArticleCache(file)
    load_articles(folder, cache=cache)

    cache.save()

    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700


def saved_cache(folder: Path, tmp_path: Path) -> Path:
    file = tmp_path / "cache" / "articles.pickle"
    cache = ArticleCache(file)
    load_articles(folder, cache=cache)
    cache.save()
    return file


@pytest.mark.parametrize("which", ["file", "folder"])
def test_a_cache_others_can_write_is_refused(folder, tmp_path, caplog, which):
    file = saved_cache(folder, tmp_path)
    target = file if which == "file" else file.parent
    target.chmod(0o666 if which == "file" else 0o777)

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        cache = ArticleCache(file)
        catalogue = load_articles(folder, cache=cache)

    assert cache.hits == 0
    assert sorted(catalogue.articles) == [SLUG, OTHER]
    mode = "-rw-rw-rw-" if which == "file" else "drwxrwxrwx"
    assert f"{target} can be written by other users (mode {mode}); chmod go-w it; parsing every file" in caplog.text


def test_a_cache_another_user_owns_is_refused(folder, tmp_path, caplog, monkeypatch):
    file = saved_cache(folder, tmp_path)
    owner = file.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        cache = ArticleCache(file)

    assert cache.entries == {}
    assert f"{file.parent} belongs to user {owner}, not to this one ({owner + 1})" in caplog.text


def test_the_cache_is_not_written_into_a_folder_others_can_write(folder, tmp_path, caplog):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    cache = ArticleCache(shared / "articles.pickle")
    load_articles(folder, cache=cache)

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        cache.save()

    assert list(shared.iterdir()) == []
    assert "can be written by other users" in caplog.text


def planted(file: Path, change: Callable[[Article], Article]) -> None:
    """Replace the lupus article in a saved cache file with ``change`` of it, as an attacker could."""
    with file.open("rb") as handle:
        version, entries, dates, code = Restricted(handle).load()
    label = next(label for label in entries if label.endswith(f"{SLUG}.md"))
    entry = entries[label]
    entries[label] = dataclasses.replace(entry, article=change(entry.article))
    file.write_bytes(pickle.dumps((version, entries, dates, code)))
    file.chmod(0o600)


SCRIPT_TITLE = "<script>alert('cache')</script>"
JS_LINK = Markup('<a href="javascript:alert(1)" target="_blank" rel="noopener noreferrer" class="hw-link">x</a>')


@pytest.mark.parametrize(
    "change",
    [
        lambda a: dataclasses.replace(a, title=Markup(SCRIPT_TITLE)),
        lambda a: dataclasses.replace(a, takeaway=Text((JS_LINK,), "x")),
        lambda a: dataclasses.replace(a, takeaway=Text((Markup(SCRIPT_TITLE),), "x")),
        lambda a: dataclasses.replace(a, title="Numbness \u202egnp.exe"),
        lambda a: dataclasses.replace(a, sources=(dataclasses.replace(a.sources[0], url="javascript:alert(1)"),)),
    ],
    ids=["script-title", "javascript-href", "script-in-text", "bidi-title", "javascript-source"],
)
def test_a_planted_cache_cannot_serve_what_a_file_could_not(folder, tmp_path, caplog, change):
    settings = Settings(content_dir=folder, public_url=PUBLIC_URL, cache_dir=tmp_path / "cache", prerender_limit=0)
    first: LiveContent = create_app(settings).extensions["widget.live"]
    assert first.cache.file is not None
    planted(first.cache.file, change)

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        app = create_app(settings)  # the next start reads the planted file
    bodies = [app.test_client().get(f"/{mode}/{SLUG}/takeaway").text for mode in ("embed", "fragment")]

    assert app.extensions["widget.live"].cache.hits == 0  # the whole file is refused: every file parsed afresh
    assert "Ignored the article cache" in caplog.text
    for body in bodies:
        assert "<script>alert" not in body and "javascript:" not in body and "\u202e" not in body
        assert "Is numbness" in body


def test_a_cache_of_parsed_files_is_trusted_as_it_is(folder, tmp_path, caplog):
    file = saved_cache(folder, tmp_path)

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        cache = ArticleCache(file)
        load_articles(folder, cache=cache)

    assert cache.hits == 2
    assert "Ignored" not in caplog.text


def test_a_pool_that_takes_too_long_is_stopped_and_the_files_parsed_here(folder, monkeypatch, caplog):
    monkeypatch.setattr("widget.content.parallel.PARALLEL_CHUNK", 1)
    monkeypatch.setattr("widget.content.parallel.POOL_TIMEOUT", 0.0)  # spawning alone takes longer
    monkeypatch.setattr("widget.content.parallel.POOL_SECONDS_PER_FILE", 0.0)
    expected = check_articles(folder, date(2026, 6, 1), ArticleCache(processes=1))

    with caplog.at_level(logging.WARNING, logger="widget.content"):
        found = check_articles(folder, date(2026, 6, 1), ArticleCache(processes=2, parallel_from=1))

    assert found == expected
    assert "Parsing in 2 processes failed (the parsing processes took over 0 s); parsing in this one" in caplog.text
