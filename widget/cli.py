"""Command-line tools.

``flask --app widget content check`` reports every problem in the article files at once; it is a
Flask plugin command (see pyproject.toml), so it runs without building the app: the point is to check
content that might not load. ``flask --app widget export DIR`` writes the pre-rendered site to disk.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .content import check_articles
from .export import CONFIG_NAME, ExportError, export_site
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
@click.option("--force", is_flag=True, help="Replace FOLDER if it exists and is not empty.")
@with_appcontext
def export_command(folder: Path, force: bool) -> None:
    """Write every widget, page and static file to FOLDER, with .gz/.br siblings and an nginx config."""
    try:
        report = export_site(current_app, folder, force=force)
    except ExportError as exc:
        raise click.UsageError(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Exported {report.files} files ({report.bytes:,} bytes) to {report.folder}.")
    click.echo(f"Serve it with nginx: include {report.folder / CONFIG_NAME} inside http {{}} (see its header).")
