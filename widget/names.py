"""The grammar of the names in our URLs: article slugs, section ids, part names and partner ids.

Lowercase words joined by single hyphens: safe as a file name and as an nginx regex, and never in
need of escaping in a URL. The article checker and the URL model both read it from here, so a file
name the checker accepts is always a path segment the server answers.
"""

from __future__ import annotations

from typing import Final

NAME_PATTERN: Final = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_PATTERN: Final = f"^{NAME_PATTERN}$"
MAX_SLUG: Final = 100
