"""``flask --app widget content check``: report every problem in the article files at once.

Registered as a Flask plugin command (see pyproject.toml) so it runs without building the app:
the point is to check content that might not load.
"""

from __future__ import annotations

from pathlib import Path

import click

from .content import check_articles
from .settings import Settings, SettingsError


@click.group("content", help="Work with the article files.")
def content() -> None:
    pass


@content.command("check")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of article files (default: WIDGET_CONTENT_DIR, or content/articles).",
)
def check(folder: Path | None) -> None:
    """Check every article file; exit 1 if any has an error (warnings alone exit 0)."""
    if folder is None:
        try:
            folder = Settings.from_env().content_dir
        except SettingsError as exc:
            raise click.UsageError(str(exc)) from None
    elif not folder.is_dir():
        raise click.UsageError(f"--dir must be a folder of article files, got '{folder}'.")
    articles, problems = check_articles(folder)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(articles)} article(s) checked in {folder}: {errors} error(s), {warnings} warning(s).")
    if errors:
        raise SystemExit(1)


@click.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder: Path) -> None:
    """Write every widget, page and static file to FOLDER, with .gz/.br siblings and an nginx config."""
    raise click.UsageError("export is not written yet.")
