"""`flask --app widget content check`: widget/cli.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from functools import partial

import pytest
from click.testing import CliRunner

from tests.support import ARTICLES
from widget.cli import SCHEMA_FILE, content
from widget.content import check_articles
from widget.settings import PROJECT_ROOT

# A day when neither sample article is over a year past its review, so the count stays 4.
TODAY = date(2026, 3, 10)

INVALID = """\
---
slug: broken
lang: en
title: Is this broken?
byline: Health Widgets Medical Team
published: 2026-01-10
reviewed: 2026-01-12
takeaway: Yes. [1]
key_takeaways:
  - It is. [1]
sources:
  - title: Source one
    site: Site A
    url: javascript:alert(1)
---

The overview. [1]
"""

URL_ERROR = "sources[1].url: must be an absolute http:// or https:// URL, got 'javascript:alert(1)'"


@pytest.fixture
def runner(monkeypatch):
    # The command checks against date.today(); pin it so the review-age warning cannot appear.
    monkeypatch.setattr("widget.cli.check_articles", partial(check_articles, today=TODAY))
    return CliRunner()


@pytest.fixture
def invalid_dir(content_dir):
    (content_dir / "broken.md").write_text(INVALID, encoding="utf-8")
    return content_dir


def test_check_sample_content(runner):
    result = runner.invoke(content, ["check", "--dir", str(ARTICLES)])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[-1] == "3 files checked: 3 valid, 0 with errors (0 errors, 4 warnings)"
    assert lines[:-1] == [
        f"{ARTICLES / 'lupus-numbness.md'}:83: warning: sources[11]: has the same URL as source [10]: https://pubmed.ncbi.nlm.nih.gov/?term=The+neuropathies+of+vasculitis",
        f"{ARTICLES / 'lupus-numbness.md'}:83: warning: sources[11]: has the same title and site as source [10]: 'The neuropathies of vasculitis.' (PubMed)",
        f"{ARTICLES / 'lupus-numbness.md'}:89: warning: sources[13]: has the same URL as source [4]: https://www.mayoclinic.org/diseases-conditions/peripheral-neuropathy/symptoms-causes/syc-20352061",
        f"{ARTICLES / 'lupus-numbness.md'}:89: warning: sources[13]: has the same title and site as source [4]: 'Peripheral neuropathy - Symptoms and causes' (Mayo Clinic)",
    ]
    assert result.stderr == ""


def test_check_invalid_folder(runner, invalid_dir):
    result = runner.invoke(content, ["check", "--dir", str(invalid_dir)])

    assert result.exit_code == 1
    assert result.stderr == f"{invalid_dir / 'broken.md'}:14: error: {URL_ERROR}\n"
    assert result.stdout == "2 files checked: 1 valid, 1 with errors (1 error, 0 warnings)\n"


def test_check_reports_every_file(runner, invalid_dir):
    (invalid_dir / "empty.md").write_text("No front matter.\n", encoding="utf-8")

    result = runner.invoke(content, ["check", "--dir", str(invalid_dir)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{invalid_dir / 'broken.md'}:14: error: {URL_ERROR}",
        f"{invalid_dir / 'empty.md'}:1: error: the file must start with a front matter block between two '---' lines",
    ]
    assert result.stdout == "3 files checked: 1 valid, 2 with errors (2 errors, 0 warnings)\n"


def test_check_empty_folder(runner, content_dir):
    result = runner.invoke(content, ["check", "--dir", str(content_dir)])

    assert result.exit_code == 1
    assert result.stderr == f"{content_dir}: error: holds no article files (*.md)\n"


def test_check_dir_missing(runner, tmp_path):
    missing = tmp_path / "no-such-folder"

    result = runner.invoke(content, ["check", "--dir", str(missing)])

    assert result.exit_code == 2
    assert f"Error: --dir must be a folder of article files, got '{missing}'." in result.output


def test_check_dir_is_a_file(runner, tmp_path):
    file = tmp_path / "article.md"
    file.write_text(INVALID, encoding="utf-8")

    result = runner.invoke(content, ["check", "--dir", str(file)])

    assert result.exit_code == 2
    assert "is a file" in result.output


def test_check_reads_content_dir_from_environment(runner, invalid_dir):
    result = runner.invoke(content, ["check"], env={"WIDGET_CONTENT_DIR": str(invalid_dir)})

    assert result.exit_code == 1
    assert f"{invalid_dir / 'broken.md'}:14: error: {URL_ERROR}" in result.stderr


def test_check_bad_content_dir_in_environment(runner, tmp_path):
    missing = tmp_path / "no-such-folder"

    result = runner.invoke(content, ["check"], env={"WIDGET_CONTENT_DIR": str(missing)})

    assert result.exit_code == 2
    assert f"Error: WIDGET_CONTENT_DIR must be a folder of article files, got '{missing}'." in result.output


def test_flask_command_checks_content_that_would_not_load(invalid_dir):
    # WIDGET_CONTENT_DIR points at the broken folder too: building the app would raise
    # InvalidContent, so this passes only if the command runs without creating the app.
    env = {**os.environ, "WIDGET_CONTENT_DIR": str(invalid_dir)}
    command = [sys.executable, "-m", "flask", "--app", "widget", "content", "check", "--dir", str(invalid_dir)]

    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert result.stderr == f"{invalid_dir / 'broken.md'}:14: error: {URL_ERROR}\n"
    assert result.stdout == "2 files checked: 1 valid, 1 with errors (1 error, 0 warnings)\n"


def test_check_reports_an_invalid_partners_file(runner, tmp_path):
    partners = tmp_path / "partners.toml"
    partners.write_text('[partners.acme]\nname = "Acme"\norigins = ["https://*.acme.example"]\n', encoding="utf-8")

    result = runner.invoke(content, ["check", "--dir", str(ARTICLES), "--partners", str(partners)])

    assert result.exit_code == 1
    assert str(partners) in result.stderr
    assert "acme" in result.stderr
    assert result.output.splitlines()[-1] == "3 files checked: 2 valid, 1 with errors (1 error, 4 warnings)"


def test_check_escapes_control_characters_in_file_names(runner, content_dir):
    # A name with a newline would forge a line of output; one with ESC would drive the terminal.
    (content_dir / "evil\n2026 error: forged\x1b[2J.txt").write_text("", encoding="utf-8")
    (content_dir / "example.md").write_text(INVALID.replace("slug: broken", "slug: example"), encoding="utf-8")

    result = runner.invoke(content, ["check", "--dir", str(content_dir)])

    assert "\x1b" not in result.output
    lines = result.output.splitlines()
    assert (
        f"{content_dir}/evil\\n2026 error: forged\\x1b[2J.txt: warning: is not an article file (*.md) and was ignored"
        in lines
    )
    assert not any(line.startswith("2026 error: forged") for line in lines)


def test_check_summary_counts_files_and_problems(runner, tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    (folder / "broken.md").write_text(INVALID.replace("reviewed: 2026-01-12", "reviewed: 2026-02-30"), encoding="utf-8")
    partners = tmp_path / "partners.toml"
    partners.write_text("", encoding="utf-8")

    result = runner.invoke(content, ["check", "--dir", str(folder), "--partners", str(partners)])

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "4 files checked: 3 valid, 1 with errors (2 errors, 4 warnings)"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_new_writes_an_article_that_passes_check_as_written(content_dir, lang):
    result = CliRunner().invoke(content, ["new", "lupus-fatigue", "--lang", lang, "--dir", str(content_dir)])

    assert result.exit_code == 0, result.output
    path = content_dir / "lupus-fatigue.md"
    assert result.output.startswith(f"Wrote {path}.")
    articles, problems = check_articles(content_dir)
    assert problems == []
    article = articles["lupus-fatigue"]
    assert (article.lang, article.reviewed, len(article.sources)) == (lang, date.today(), 2)
    assert article.comparison is not None and article.comparison.note is not None


def test_new_comments_every_field_and_names_the_schema(content_dir):
    CliRunner().invoke(content, ["new", "lupus-fatigue", "--dir", str(content_dir)])

    lines = (content_dir / "lupus-fatigue.md").read_text(encoding="utf-8").splitlines()

    assert lines[1].startswith("# yaml-language-server: $schema=")
    assert (content_dir / lines[1].split("$schema=")[1]).resolve() == SCHEMA_FILE.resolve()
    fields = [line for line in lines[2 : lines.index("---", 1)] if line[:1].isalpha()]
    assert [field for field in fields if "  # " not in field] == []  # each top-level field has its comment


def test_new_never_replaces_a_file(content_dir):
    (content_dir / "lupus-fatigue.md").write_text("mine", encoding="utf-8")

    result = CliRunner().invoke(content, ["new", "lupus-fatigue", "--dir", str(content_dir)])

    assert result.exit_code == 2
    assert (
        f"Error: {content_dir / 'lupus-fatigue.md'} already exists; pick another slug or edit that file."
        in result.output
    )
    assert (content_dir / "lupus-fatigue.md").read_text(encoding="utf-8") == "mine"


def test_new_refuses_a_bad_slug(content_dir):
    result = CliRunner().invoke(content, ["new", "Lupus Fatigue", "--dir", str(content_dir)])

    assert result.exit_code == 2
    assert (
        "Error: 'Lupus Fatigue' is not a slug: use lowercase letters, digits and single hyphens, e.g. 'lupus-fatigue'."
        in result.output
    )
    assert list(content_dir.iterdir()) == []
