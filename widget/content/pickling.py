"""How the model is pickled: through its constructors, and unpickled through an allowlist of it."""

from __future__ import annotations

import copyreg
import pickle
from collections.abc import Callable
from dataclasses import fields
from typing import Any, Final

from markupsafe import Markup

from widget.markup import Cite, ListBlock, ListItem, Paragraph, Section, Text

from .checker import Checked
from .model import Article, Comparison, Problem, Related, Source

# What a cache file may describe: the classes the reducers below rebuild, our Markup maker, and
# dates (what Restricted lets through).
MODEL: Final = (
    Cite,
    Text,
    ListItem,
    Paragraph,
    ListBlock,
    Section,
    Source,
    Comparison,
    Related,
    Article,
    Problem,
    Checked,
)


def _markup(text: str) -> Markup:
    """Markup without its Python ``__new__`` (its text was escaped when it was first made)."""
    return str.__new__(Markup, text)


def _fast_pickling() -> None:
    """Rebuild the model through its constructors when the cache is read.

    A frozen dataclass with slots unpickles through dataclasses.fields() per object, which was most
    of reading the cache in a profile of 10,000 articles; a constructor call per object and Markup
    made without its Python __new__ take unpickling from 0.62 to 0.16 ms an article (200 generated
    articles, best of three).
    """

    def markup(text: Markup) -> tuple[Callable[..., Markup], tuple[object, ...]]:
        return _markup, (str(text),)

    def by_constructor(cls: type) -> Callable[[object], tuple[Callable[..., object], tuple[object, ...]]]:
        names = tuple(f.name for f in fields(cls))
        return lambda obj: (cls, tuple(getattr(obj, name) for name in names))

    copyreg.pickle(Markup, markup)
    for cls in MODEL:
        copyreg.pickle(cls, by_constructor(cls))


_fast_pickling()
_ALLOWED: Final[dict[str, frozenset[str]]] = {
    module: frozenset(cls.__name__ for cls in MODEL if cls.__module__ == module)
    for module in {cls.__module__ for cls in MODEL}
}
_ALLOWED[__name__] = frozenset({_markup.__name__})
_ALLOWED["datetime"] = frozenset({"date"})


class Restricted(pickle.Unpickler):
    """Unpickles only the article model, Markup, dates and builtin containers: a cache file can
    describe articles, never call anything else (the pickle module's own "restricting globals"
    recipe)."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get(module)
        if allowed is None or name not in allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of an article")
        return super().find_class(module, name)
