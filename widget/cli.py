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

from .content import check_articles, printable
from .export import CONFIG_NAME, ExportError, export_site
from .partners import PartnersError, load_partners
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
@click.option(
    "--partners",
    "partners_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Partners file to check too (default: WIDGET_PARTNERS_FILE, or partners.toml).",
)
def check(folder: Path | None, partners_file: Path | None) -> None:
    """Check every article file and the partners file; exit 1 on any error (warnings alone exit 0)."""
    if folder is None or partners_file is None:
        try:
            settings = Settings.from_env()
        except SettingsError as exc:
            raise click.UsageError(str(exc)) from None
        folder = folder or settings.content_dir
        partners_file = partners_file or settings.partners_file
    if not folder.is_dir():
        raise click.UsageError(f"--dir must be a folder of article files, got '{printable(str(folder))}'.")
    articles, problems = check_articles(folder)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")  # printable: names may hold escape codes
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if partners_file is not None:
        try:
            load_partners(partners_file)
        except PartnersError as exc:
            for line in exc.problems:
                click.echo(printable(str(line)), err=True)
            errors += len(exc.problems)
    summary = f"{len(articles)} article(s) checked in {folder}: {errors} error(s), {warnings} warning(s)."
    click.echo(printable(summary))
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
