"""A server that cannot start prints its problems and exits 1: widget/startup.py and wsgi.py."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ARTICLES
from widget.content import InvalidContent, Problem
from widget.partners import PartnersError
from widget.settings import SettingsError
from widget.startup import create_or_exit

PROJECT = Path(__file__).resolve().parent.parent


def test_create_or_exit_returns_what_the_factory_builds():
    assert create_or_exit(lambda: "app") == "app"


@pytest.mark.parametrize(
    ("error", "printed"),
    [
        pytest.param(
            InvalidContent(
                [
                    Problem("a.md", "title", "must not be empty", 4),
                    Problem("a.md", "sources[1]", "source [1] 'x' is never cited", 12, "warning"),
                    Problem("b.md", "", "is not valid UTF-8", 2),
                ]
            ),
            "a.md:4: error: title: must not be empty\nb.md:2: error: is not valid UTF-8\n",
            id="content",
        ),
        pytest.param(
            PartnersError("p.toml: a: origin: bad", "p.toml: b: theme: bad"),
            "p.toml: a: origin: bad\np.toml: b: theme: bad\n",
            id="partners",
        ),
        pytest.param(
            SettingsError("WIDGET_CACHE_MAX_AGE must be an integer, got '5m'."),
            "WIDGET_CACHE_MAX_AGE must be an integer, got '5m'.\n",
            id="settings",
        ),
    ],
)
def test_create_or_exit_prints_each_problem_and_exits_1(error, printed):
    stream = io.StringIO()

    def factory() -> object:
        raise error

    with pytest.raises(SystemExit) as excinfo:
        create_or_exit(factory, stream)

    assert excinfo.value.code == 1
    assert stream.getvalue() == printed


def test_wsgi_with_invalid_content_prints_the_problems_and_no_traceback(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    path = folder / "lupus-numbness.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Is numbness", "title: Lupus: is numbness", 1), encoding="utf-8")
    env = {**os.environ, "WIDGET_CONTENT_DIR": str(folder), "WIDGET_LOG_LEVEL": "ERROR"}

    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{path}:4: error: front matter: put this title in quotes: it contains ': '"]
