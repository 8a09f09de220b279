"""Command-line tools.

``flask --app widget content check`` reports every problem in the article files at once;
``content new SLUG`` writes a valid article of placeholders to start from; ``content schema``
writes the front matter's JSON Schema for editors. They are Flask plugin commands (see
pyproject.toml), so they run without building the app: the point is to check content that might
not load. ``flask --app widget export DIR`` writes the pre-rendered site to disk.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .content import check_articles, printable
from .content.schema import front_matter_schema
from .content.skeleton import LANGUAGES, SkeletonError, new_article
from .export import CONFIG_NAME, ExportError, export_site
from .partners import PartnersError, load_partners
from .settings import PROJECT_ROOT, Settings, SettingsError

SCHEMA_FILE = PROJECT_ROOT / "docs" / "article.schema.json"


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
    _, problems = check_articles(folder)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")  # printable: names may hold escape codes
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    files = [str(p) for p in folder.iterdir() if p.suffix == ".md" and p.is_file() and not p.name.startswith(".")]
    broken = {p.file for p in problems if p.severity == "error"}
    with_errors = sum(file in broken for file in files)
    if partners_file is not None:
        files.append(str(partners_file))
        try:
            load_partners(partners_file)
        except PartnersError as exc:
            for line in exc.problems:
                click.echo(printable(str(line)), err=True)
            errors += len(exc.problems)
            with_errors += 1
    click.echo(summary(len(files), with_errors, errors, warnings))
    if errors:
        raise SystemExit(1)


def summary(files: int, with_errors: int, errors: int, warnings: int) -> str:
    """The last line of a check: "3 files checked: 2 valid, 1 with errors (4 errors, 1 warning)"."""
    return (
        f"{_count(files, 'file')} checked: {files - with_errors} valid, {with_errors} with errors "
        f"({_count(errors, 'error')}, {_count(warnings, 'warning')})"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@content.command("new")
@click.argument("slug")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="The article's language.")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of article files (default: WIDGET_CONTENT_DIR, or content/articles).",
)
def new(slug: str, lang: str, folder: Path | None) -> None:
    """Write SLUG.md, a new article of placeholders, each field with a comment; it passes check as written."""
    folder = folder or _content_dir()
    try:
        path = new_article(folder, slug, lang, date.today(), SCHEMA_FILE)
    except SkeletonError as exc:
        raise click.UsageError(printable(str(exc))) from None
    click.echo(f"Wrote {printable(str(path))}. Preview it: flask --app widget preview --dir {printable(str(folder))}")


def _content_dir() -> Path:
    try:
        return Settings.from_env().content_dir
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@content.command("schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=SCHEMA_FILE,
    show_default=True,
    help="Where to write the JSON Schema of the front matter.",
)
def schema(output: Path) -> None:
    """Write the JSON Schema of an article's front matter (for editors' completion and underlines)."""
    output.write_text(schema_text(), encoding="utf-8")
    click.echo(f"Wrote {printable(str(output))}.")


def schema_text() -> str:
    """The schema file's text: generated from the model, so it cannot drift from what the checker takes."""
    return json.dumps(front_matter_schema(), indent=2, ensure_ascii=False) + "\n"


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
