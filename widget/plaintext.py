"""Text from an operator (a setting, a partner's name): what it may hold, and how a message shows it.

Such text reaches pages, logs and terminals. Control characters and the invisible marks that
reorder or hide text (Unicode bidirectional controls, zero-width characters) make a reader see
something else than what is there, so they are refused; an error message quotes a value with
``repr``, which escapes them, and cuts it short.
"""

from __future__ import annotations

import re
from typing import Final

# C0 controls, DEL and C1 controls; ALM (U+061C); zero-width space to RLM (U+200B-U+200F); the
# embeddings and overrides (U+202A-U+202E); word joiner to the isolates (U+2060-U+2069); the BOM.
_HIDDEN: Final = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
SHOWN_LENGTH: Final = 80


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` a reader would not see as written, as ``U+XXXX``, or None."""
    match = _HIDDEN.search(text)
    return None if match is None else f"U+{ord(match[0]):04X}"


def shown(value: str, limit: int | None = SHOWN_LENGTH) -> str:
    """``value`` quoted for an error message: escaped by ``repr``, cut at ``limit`` characters (None: whole)."""
    if limit is None or len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"
