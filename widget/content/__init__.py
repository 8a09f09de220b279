"""Article files in, immutable :class:`Article` objects out, or every problem at once.

Knows nothing of HTTP or Flask. The file format is described in ``docs/content-format.md``. The
package's modules, in the order a file meets them: :mod:`.frontmatter` (YAML, with
:mod:`.yamlerrors` turning its errors into sentences), :mod:`.schema` (fields), :mod:`.checker`
(one file), :mod:`.loading` (the folder), with :mod:`.model` the objects they make and
:mod:`.cache` (:mod:`.parallel`, :mod:`.pickling`, :mod:`.trust`) what remembers them.
:mod:`.skeleton` writes a new article file for editors to start from.
"""

from __future__ import annotations

from widget.markup import ListBlock  # the model's text types live in widget.markup
from widget.names import SLUG_PATTERN

from .cache import PARSER_MODULES, ArticleCache, code_digest
from .checker import MAX_FILE_BYTES, Checked, check_file, digest_of
from .loading import check_articles, load_articles
from .model import (
    Article,
    ArticleNotFound,
    Catalogue,
    Comparison,
    ContentError,
    InvalidContent,
    Problem,
    Related,
    Source,
    printable,
)

__all__ = [
    "MAX_FILE_BYTES",
    "PARSER_MODULES",
    "SLUG_PATTERN",
    "Article",
    "ArticleCache",
    "ArticleNotFound",
    "Catalogue",
    "Checked",
    "Comparison",
    "ContentError",
    "InvalidContent",
    "ListBlock",
    "Problem",
    "Related",
    "Source",
    "check_articles",
    "check_file",
    "code_digest",
    "digest_of",
    "load_articles",
    "printable",
]
