"""What a cache file gives is held to what a parsed file could give, before any of it is served.

A cache file is a pickle that anyone able to write the cache folder can plant. The restricted
unpickler already keeps it to the model's classes; this check keeps the *values* to what the checker
makes: exact types field by field (a title must be a ``str``, never a ready-to-serve ``Markup``),
no forbidden characters in any text, web URLs only, and every ``Markup`` run made only of the tags
and attributes markdown-it renders for article text. Validating rather than signing the file needs
no key to keep anywhere (a key the server can read, whoever can plant a file as its user can read
too), and it holds whoever wrote the file. It costs about 1.0 ms an article on top of 0.6 ms to
unpickle it, against 10.7 ms to parse the file (200 articles, best of five, a shared 2-CPU machine),
so a warm start stays several times faster than a cold one; html.parser is a fifth of that 1.0 ms.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from markupsafe import Markup

from widget.markup import FORBIDDEN_CHARACTERS, is_web_url
from widget.names import SLUG_PATTERN

from .checker import Checked

_SLUG = re.compile(SLUG_PATTERN)
# The attributes markdown-it gives a link, with the ones widget.markup adds (title only if written).
_LINK_ATTRIBUTES = {"target": "_blank", "rel": "noopener noreferrer", "class": "hw-link"}
_TAGS = frozenset({"em", "strong", "code", "br", "a"})


class Untrusted(ValueError):
    """A cache entry holds something a parsed file could not."""


Check = Callable[[object], None]


def check_entry(label: object, entry: object) -> Checked:
    """``entry`` as read from a cache file for the file ``label``, or :class:`Untrusted`."""
    if type(label) is not str:
        raise Untrusted(f"{label!r} is not a file name")
    try:
        _checker(Checked)(entry)
    except Untrusted as exc:
        raise Untrusted(f"{label}: {exc}") from None
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
    given = _checker(tuple[str, int])
    given(code)
    for label, at in dates.items():
        _checker(str)(label)
        given(at)


_CHECKERS: dict[Any, Check] = {}


def _checker(hint: Any) -> Check:
    """A function that raises :class:`Untrusted` unless its value is exactly of type ``hint``.

    Made once per type and kept: checking a cache field by field must cost little next to parsing.
    """
    if hint in _CHECKERS:
        return _CHECKERS[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return _remember(hint, _union(args))
    if origin is tuple:
        return _remember(hint, _tuple(args))
    if origin is Literal:
        return _remember(hint, _literal(frozenset(args)))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    return _remember(hint, _exact(hint))


def _remember(hint: Any, check: Check) -> Check:
    _CHECKERS[hint] = check
    return check


def _union(arms: tuple[Any, ...]) -> Check:
    # Every union in the model is of concrete classes (or None), so the value's type picks the arm.
    by_type = {type(None) if arm is None else arm: _checker(arm) for arm in arms}

    def check(value: object) -> None:
        arm = by_type.get(type(value))
        if arm is None:
            raise Untrusted(f"a {type(value).__name__} where the model has one of {', '.join(map(str, arms))}")
        arm(value)

    return check


def _tuple(args: tuple[Any, ...]) -> Check:
    if args[-1] is Ellipsis:
        item = _checker(args[0])

        def check(value: object) -> None:
            if type(value) is not tuple:
                raise Untrusted(f"a {type(value).__name__} where the model has a tuple")
            for part in value:
                item(part)

        return check
    parts = tuple(_checker(arg) for arg in args)

    def check_fixed(value: object) -> None:
        if type(value) is not tuple or len(value) != len(parts):
            raise Untrusted(f"{value!r:.40} where the model has a tuple of {len(parts)}")
        for part, check_part in zip(value, parts, strict=True):
            check_part(part)

    return check_fixed


def _literal(allowed: frozenset[object]) -> Check:
    def check(value: object) -> None:
        if type(value) is not str or value not in allowed:
            raise Untrusted(f"{value!r:.40} where the model has one of {sorted(map(str, allowed))}")

    return check


def _dataclass(cls: type) -> Check:
    fields: list[tuple[str, Check]] = []

    def check(value: object) -> None:
        if type(value) is not cls:
            raise Untrusted(f"a {type(value).__name__} where the model has a {cls.__name__}")
        for name, check_field in fields:
            check_field(getattr(value, name))

    _remember(cls, check)  # before its fields: a ListItem holds ListItems
    names = {f.name for f in dataclasses.fields(cls)}
    fields.extend((name, _checker(hint)) for name, hint in get_type_hints(cls).items() if name in names)
    return check


def _exact(cls: type) -> Check:
    def check(value: object) -> None:
        if type(value) is not cls:  # exact: a Markup is a str, but not what a title may be
            raise Untrusted(f"a {type(value).__name__} where the model has a {cls.__name__}")
        if isinstance(value, str) and cls is str and FORBIDDEN_CHARACTERS.search(value):
            raise Untrusted(f"a control or bidirectional character in {value!r:.60}")
        if cls is Markup:
            _check_markup(str(value))

    return check


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


def _check_markup(html: str) -> None:
    def refuse(what: str) -> None:
        raise Untrusted(f"HTML that holds {what}, which article text never renders to")

    checker = _MarkupChecker(refuse)
    checker.feed(html)
    checker.close()


__all__ = ["Untrusted", "check_entry"]
