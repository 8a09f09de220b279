"""What a cache file gives is held to what a parsed file could give, before any of it is served.

A cache file is a pickle that anyone able to write the cache folder can plant. The restricted
unpickler already keeps it to the model's classes; this check keeps the *values* to what the checker
makes: exact types field by field (a title must be a ``str``, never a ready-to-serve ``Markup``),
no forbidden characters in any text, web URLs only, and every ``Markup`` run made only of the tags
and attributes markdown-it renders for article text. Validating rather than signing the file needs
no key to keep anywhere, and holds even against someone who can read the whole machine.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from markupsafe import Markup

from widget.markup import FORBIDDEN_CHARACTERS, is_web_url

from .checker import Checked
from .schema import SLUG_PATTERN

_SLUG = re.compile(SLUG_PATTERN)
# The attributes markdown-it gives a link, with the ones widget.markup adds (title only if written).
_LINK_ATTRIBUTES = {"target": "_blank", "rel": "noopener noreferrer", "class": "hw-link"}
_TAGS = frozenset({"em", "strong", "code", "br", "a"})


class Untrusted(ValueError):
    """A cache entry holds something a parsed file could not."""


def check_entry(label: object, entry: object) -> Checked:
    """``entry`` as read from a cache file for the file ``label``, or :class:`Untrusted`."""
    if type(label) is not str:
        raise Untrusted(f"{label!r} is not a file name")
    _check(entry, Checked, label)
    assert isinstance(entry, Checked)
    article = entry.article
    if article is not None:
        if article.digest != entry.digest or article.slug != Path(label).stem or not _SLUG.match(article.slug):
            raise Untrusted(f"{label}: the article does not match its file")
        for source in article.sources:
            if not is_web_url(source.url):
                raise Untrusted(f"{label}: source [{source.number}] has a URL that is not http(s)")
    return entry


def check_dates(dates: dict[object, object], code: object) -> None:
    """The dates a cache file gives: (digest, whole seconds) by file name, and the same for the code."""
    _check(code, tuple[str, int], "code")
    for label, given in dates.items():
        _check(label, str, "dates")
        _check(given, tuple[str, int], f"dates[{label!r}]")


def _check(value: object, hint: Any, where: str) -> None:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        for arm in get_args(hint):
            try:
                _check(value, arm, where)
                return
            except Untrusted:
                continue
        raise Untrusted(f"{where}: {type(value).__name__} is not one of {hint}")
    if origin is tuple:
        if type(value) is not tuple:
            raise Untrusted(f"{where}: {type(value).__name__} is not a tuple")
        args = get_args(hint)
        items = args[:1] * len(value) if args[-1] is Ellipsis else args
        if len(items) != len(value):
            raise Untrusted(f"{where}: a tuple of {len(value)}, not {len(items)}")
        for i, (part, item) in enumerate(zip(value, items, strict=True)):
            _check(part, item, f"{where}[{i}]")
        return
    if origin is Literal:
        if type(value) is not str or value not in get_args(hint):
            raise Untrusted(f"{where}: {value!r} is not one of {get_args(hint)}")
        return
    if hint is None or hint is type(None):
        if value is not None:
            raise Untrusted(f"{where}: must be None")
        return
    if type(value) is not hint:  # exact: a Markup or a str subclass is not a str
        raise Untrusted(f"{where}: {type(value).__name__} is not {getattr(hint, '__name__', hint)}")
    if isinstance(value, str) and hint is str and FORBIDDEN_CHARACTERS.search(value):
        raise Untrusted(f"{where}: holds a control or bidirectional character")
    if hint is Markup:
        _check_markup(str(value), where)
    elif dataclasses.is_dataclass(hint):
        for name, field_hint in _hints(hint).items():
            _check(getattr(value, name), field_hint, f"{where}.{name}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {name: hint for name, hint in get_type_hints(cls).items() if name in names}


class _MarkupChecker(HTMLParser):
    def __init__(self, refuse: Callable[[str], None]) -> None:
        super().__init__(convert_charrefs=True)
        self.refuse = refuse

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in _TAGS or len(values) != len(attrs):
            self.refuse(f"<{tag}>")
        if tag != "a":
            if values:
                self.refuse(f"attributes on <{tag}>")
            return
        href = values.pop("href", None) or ""
        values.pop("title", None)
        if not is_web_url(href) or values != _LINK_ATTRIBUTES:
            self.refuse("a link that is not an http(s) link with the widget's attributes")
        for value in dict(attrs).values():
            self.handle_data(value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _TAGS:
            self.refuse(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if FORBIDDEN_CHARACTERS.search(data):
            self.refuse("a control or bidirectional character")

    def unknown_decl(self, data: str) -> None:
        self.refuse("a declaration")

    def handle_comment(self, data: str) -> None:
        self.refuse("a comment")

    def handle_decl(self, decl: str) -> None:
        self.refuse("a declaration")

    def handle_pi(self, data: str) -> None:
        self.refuse("a processing instruction")


def _check_markup(html: str, where: str) -> None:
    def refuse(what: str) -> None:
        raise Untrusted(f"{where}: HTML holds {what}, which article text never renders to")

    checker = _MarkupChecker(refuse)
    checker.feed(html)
    checker.close()


__all__ = ["Untrusted", "check_entry"]
