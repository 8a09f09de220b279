"""A folder of article files to a :class:`Catalogue`: every file checked, then the links between them."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType

from .cache import ArticleCache
from .model import Article, Catalogue, InvalidContent, Problem, printable

logger = logging.getLogger(__name__)

REVIEW_WARNING_AGE = timedelta(days=365)
FUTURE_GRACE = timedelta(days=1)


def check_articles(
    folder: Path, today: date | None = None, cache: ArticleCache | None = None
) -> tuple[dict[str, Article], list[Problem]]:
    """Read and check every article file in ``folder``; never raises for bad content.

    Returns the articles that have no errors, and every problem (errors and warnings) found.
    ``cache`` remembers what each file's bytes gave, so an unchanged file is not parsed again.
    """
    today = today or date.today()
    found: dict[str, tuple[str, Article, bool]] = {}  # slug -> (file, article, whether the file has errors)
    problems: list[Problem] = []
    paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    articles = []
    for path in paths:
        if path.suffix == ".md" and path.is_file():
            articles.append(path)
        else:
            problems.append(Problem(str(path), "", "is not an article file (*.md) and was ignored", severity="warning"))
    files = cache if cache is not None else ArticleCache()
    seen = files.check_all(articles)
    # A slug belongs to the file named after it: a copy that kept the slug is the file in the wrong
    # (its checker error says so), so it neither blames the original nor holds its edits back.
    owners = {c.article.slug: label for label, c in seen.items() if c.article and Path(label).stem == c.article.slug}
    for label, checked in seen.items():
        problems.extend(checked.problems)
        article = checked.article
        if article is None:
            continue
        if today - article.reviewed > REVIEW_WARNING_AGE:
            message = f"was last reviewed on {article.reviewed}, over a year ago"
            problems.append(Problem(label, "reviewed", message, checked.reviewed_line, "warning"))
        # An error, not a warning: the page would tell readers a review happened that has not. A day's
        # grace, for an editor whose today is already tomorrow here (UTC+14 is 14 hours ahead of UTC).
        future = article.reviewed > today + FUTURE_GRACE
        if future:
            message = f"{article.reviewed} is in the future (today is {today}); give the date of the last review"
            problems.append(Problem(label, "reviewed", message, checked.reviewed_line))
        if owners.get(article.slug, label) != label:
            continue
        if article.slug in found:
            problems.append(Problem(label, "slug", f"'{article.slug}' is already used by {found[article.slug][0]}"))
            continue
        found[article.slug] = (label, article, future or any(p.severity == "error" for p in checked.problems))
    if not any(path.suffix == ".md" for path in paths):
        problems.append(Problem(str(folder), "", "holds no article files (*.md)"))
    # A link to an article whose file has errors is not this file's mistake: that file's errors say
    # what to fix, and a reload keeps serving the last good version of it, link target included.
    named_broken = {Path(label).stem for label, c in seen.items() if any(p.severity == "error" for p in c.problems)}
    for slug, (label, article, broken) in list(found.items()):
        for i, related in enumerate(article.related):
            if related.slug and related.slug not in found and related.slug not in named_broken:
                problems.append(Problem(label, f"related[{i + 1}].slug", f"there is no article '{related.slug}'"))
                broken = True
        found[slug] = (label, article, broken)
    return {slug: article for slug, (_, article, broken) in found.items() if not broken}, problems


def load_articles(folder: Path, today: date | None = None, cache: ArticleCache | None = None) -> Catalogue:
    """Load the content folder, or raise :class:`InvalidContent` naming every error."""
    articles, problems = check_articles(folder, today, cache)
    if any(p.severity == "error" for p in problems):
        raise InvalidContent(problems)
    warnings = tuple(problems)
    for warning in warnings:
        logger.warning("%s", warning)
    logger.info("Loaded %d articles from %s", len(articles), printable(str(folder)))
    return Catalogue(MappingProxyType(dict(sorted(articles.items()))), warnings)
