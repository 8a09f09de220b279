"""Every URL the server answers, as typed keys: parsed from a request, built into a link, written to a file.

One definition of the URL grammar. A key names one response body (:data:`BodyKey`): the fast path and
the views look it up in the table, the table renders it, the export writes it to ``key.file()``, the
nginx config routes to that file, oEmbed reads pasted URLs with :func:`parse`, and the access log names
its route. Each kind of key declares its path as segments (a literal, or a field with the grammar it
accepts) and the file it is exported to; everything else is derived from that declaration, so adding
a URL is one class here plus its template.

No Flask here, and nothing about the catalogue: :func:`parse` checks the grammar (a request that
fails it gets a :class:`Refusal`, with the status and the sentence a reader sees); whether the
article and its part exist is the table's to say, and :func:`missing` explains a miss.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal
from urllib.parse import parse_qsl, urlencode

from .names import MAX_SLUG, NAME_PATTERN

if TYPE_CHECKING:
    from .content import Article, Catalogue
    from .partners import Partner, Partners

Widget = Literal["takeaway", "comparison", "sources", "sections"]
WIDGETS: Final[tuple[Widget, ...]] = ("takeaway", "comparison", "sources", "sections")
Mode = Literal["embed", "fragment"]
MODES: Final[tuple[Mode, ...]] = ("embed", "fragment")
Theme = Literal["light", "dark", "auto"]
THEMES: Final[tuple[Theme, ...]] = ("light", "dark", "auto")
DEFAULT_THEME: Final[Theme] = "auto"
# What decides a response's headers: a framed document, an include read cross-origin, or a page of ours.
HeaderKind = Literal["embed", "fragment", "page"]

_NAME = re.compile(NAME_PATTERN)
_WIDGET_NAMES: Final[dict[str, Widget]] = {widget: widget for widget in WIDGETS}
_THEME_NAMES: Final[dict[str, Theme]] = {theme: theme for theme in THEMES}
# The routes Flask answers itself, by the name the access log gives them.
SERVICES: Final = {"oembed": "/oembed", "healthz": "/healthz", "readyz": "/readyz"}
STATIC_PREFIX: Final = "/static/"
MAX_QUERY_FIELDS: Final = 50


def _(message: str) -> str:
    """Marks a reader-facing sentence for extraction; the views translate it when they answer."""
    return message


# What each widget is called where it is named (frame titles, embed codes), in the reader's language.
WIDGET_LABELS: Final[dict[Widget, str]] = {
    "takeaway": _("Key takeaway"),
    "comparison": _("Comparison table"),
    "sources": _("Sources"),
    "sections": _("Article sections"),
}

# -- refusals ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request names no body: the status, and a sentence (with ``params``) a reader sees.

    A sentence never repeats what the request said: an error page on our domain must not publish
    an attacker's words (a health site's page that says "stop your medication" is content spoofing).
    It names the parameter and what it accepts, and lists only names of ours.
    """

    status: int
    message: str
    params: Mapping[str, str] = field(default_factory=dict)


NOT_FOUND: Final = Refusal(404, _("There is nothing at this address."))
BAD_QUERY: Final = Refusal(400, _("The query string is not valid UTF-8."))
BAD_SLUG: Final = Refusal(400, _("That is not a valid article name: use lowercase letters, digits and single hyphens."))
UNKNOWN_ARTICLE: Final = Refusal(404, _("There is no article at this address."))
UNKNOWN_PARTNER: Final = Refusal(400, _("The 'partner' parameter names no declared partner."))
UNKNOWN_WIDGET: Final = Refusal(
    404, _("There is no widget of that name. The widgets are: %(widgets)s."), {"widgets": ", ".join(WIDGETS)}
)
BAD_THEME: Final = Refusal(400, _("The 'theme' parameter must be one of %(themes)s."), {"themes": ", ".join(THEMES)})


# -- the keys ---------------------------------------------------------------------------------------


class _Field:
    """A path segment that holds one of the key's fields."""

    def __init__(self, name: str, pattern: str) -> None:
        self.name = name
        self.pattern = pattern  # for the nginx routes, which must match exactly what parse() accepts


_SLUG: Final = _Field("slug", NAME_PATTERN)
_WIDGET_FIELD: Final = _Field("widget", "|".join(WIDGETS))
_PART: Final = _Field("part", NAME_PATTERN)
Segment = str | _Field


class _Key:
    """What every kind of key declares: its path, its export file and the headers it gets."""

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]] = ()  # the fields, in order: dataclass sets it

    PATH: ClassVar[tuple[Segment, ...]]
    FILE: ClassVar[str]  # format string over the key's fields (and, for documents, their query)
    ROUTE: ClassVar[str]  # the access log's name for it
    HEADERS: ClassVar[HeaderKind] = "page"
    # Whether ?partner= applies: it picks a partner's default theme and narrows frame-ancestors.
    PARTNERED: ClassVar[bool] = False

    def path(self) -> str:
        values = _fields(self)
        return "/" + "/".join(s if isinstance(s, str) else values[s.name] for s in self.PATH) if self.PATH else "/"

    def query(self) -> Mapping[str, str]:
        return {}

    def url(self, public_url: str) -> str:
        query = self.query()
        return public_url + self.path() + (f"?{urlencode(query)}" if query else "")

    def file(self) -> PurePosixPath:
        """Where the export writes this body, relative to its root (every part matches NAME_PATTERN)."""
        return PurePosixPath(self.FILE.format(**_fields(self)))


def _fields(key: _Key) -> dict[str, str]:
    return {name: getattr(key, name) or "" for name in field_names(type(key))}


def field_names(key_type: type[_Key]) -> tuple[str, ...]:
    """A kind of key's fields, in order (its path's fields, then those its query gives)."""
    return key_type.__match_args__


@dataclass(frozen=True, slots=True)
class Index(_Key):
    PATH = ()
    FILE = "index.html"
    ROUTE = "index"


@dataclass(frozen=True, slots=True)
class ArticlePage(_Key):
    slug: str
    PATH = ("articles", _SLUG)
    FILE = "articles/{slug}/index.html"
    ROUTE = "articles"


@dataclass(frozen=True, slots=True)
class Fragment(_Key):
    slug: str
    widget: Widget
    PATH = ("fragment", _SLUG, _WIDGET_FIELD)
    FILE = "fragment/{slug}/{widget}/index.html"
    ROUTE = "fragment"
    HEADERS = "fragment"
    PARTNERED = True


@dataclass(frozen=True, slots=True)
class Part(_Key):
    """One part of a widget (a section, the source list), which htmx swaps into its expander."""

    slug: str
    widget: Widget
    part: str
    PATH = ("fragment", _SLUG, _WIDGET_FIELD, _PART)
    FILE = "fragment/{slug}/{widget}/{part}/index.html"
    ROUTE = "fragment-part"
    HEADERS = "fragment"
    PARTNERED = True


@dataclass(frozen=True, slots=True)
class Embed(_Key):
    """A widget as a whole document, for an <iframe>: ``?theme=`` and ``?open=`` pick the variant."""

    slug: str
    widget: Widget
    theme: Theme = DEFAULT_THEME
    open: str | None = None
    PATH = ("embed", _SLUG, _WIDGET_FIELD)
    # "_" for no open part: no part is named "_", and nginx picks the file from the query alone.
    FILE = "embed/{slug}/{widget}/{theme}/{open}.html"
    ROUTE = "embed"
    HEADERS = "embed"
    PARTNERED = True

    def query(self) -> Mapping[str, str]:
        query = {"open": self.open} if self.open else {}
        return query | ({"theme": self.theme} if self.theme != DEFAULT_THEME else {})

    def file(self) -> PurePosixPath:
        return PurePosixPath(self.FILE.format(**(_fields(self) | {"open": self.open or "_"})))


BodyKey = Index | ArticlePage | Fragment | Part | Embed
KEY_TYPES: Final[tuple[type[BodyKey], ...]] = (Index, ArticlePage, Fragment, Part, Embed)
# parse() looks a path up by its first segment and its length.
_BY_SHAPE: Final[dict[tuple[str, int], type[BodyKey]]] = {
    (cls.PATH[0] if cls.PATH else "", len(cls.PATH)): cls for cls in KEY_TYPES
}


@dataclass(frozen=True, slots=True)
class Request:
    """What a URL asks for: the body, and the declared partner it names (``?partner=``), if any."""

    key: BodyKey
    partner: Partner | None = None


# -- parsing ----------------------------------------------------------------------------------------


def parse(path: str, query: str | Mapping[str, str], partners: Partners) -> Request | Refusal:
    """The body a path and query name, or why they name none (the grammar only; see :func:`missing`).

    ``path`` is PATH_INFO as the WSGI server gives it; ``query`` the raw query string, or its
    parameters already read by :func:`query_params`.
    """
    params = query_params(query) if isinstance(query, str) else query
    if params is None:
        return BAD_QUERY
    segments = path.split("/")[1:] if path != "/" else []
    cls = _BY_SHAPE.get((segments[0] if segments else "", len(segments)))
    if cls is None or path[:1] != "/":
        return NOT_FOUND
    values: dict[str, Any] = {}
    declared: tuple[Segment, ...] = cls.PATH
    for spec, raw in zip(declared, segments, strict=True):
        if isinstance(spec, str):
            if raw != spec:
                return NOT_FOUND
            continue
        if spec.name == "slug" and (len(raw) > MAX_SLUG or not _NAME.fullmatch(raw)):
            return BAD_SLUG
        if spec.name == "widget" and raw not in _WIDGET_NAMES:
            return UNKNOWN_WIDGET
        values[spec.name] = raw  # a part's name: the table knows which exist (a miss is a 404)
    partner = None
    if cls.PARTNERED and (partner_id := params.get("partner")) is not None:
        partner = partners.get(partner_id)
        if partner is None:
            return UNKNOWN_PARTNER
    if cls is Embed:
        raw_theme = params.get("theme")
        if raw_theme is None:
            values["theme"] = partner.theme if partner and partner.theme else DEFAULT_THEME
        elif (values.setdefault("theme", _THEME_NAMES.get(raw_theme))) is None:
            return BAD_THEME
        # "" is kept: no part has that name, so the lookup misses and missing() explains it.
        values["open"] = params.get("open")
    return Request(cls(**values), partner)


def query_params(query: str) -> dict[str, str] | None:
    """First value of each parameter (as Werkzeug's ``request.args.get`` reads it); None if not UTF-8."""
    if not query:
        return {}
    params: dict[str, str] = {}
    if "%" not in query and "+" not in query:
        # The usual widget query (theme=dark&open=sources) needs no decoding: splitting it by hand
        # takes 0.7 us, parse_qsl 3.5 us (timeit, this query). The fast path parses each URL once
        # (its LRU), so this counts on a URL's first request and in the views.
        for pair in query.split("&", MAX_QUERY_FIELDS):
            if pair:
                key, _sep, value = pair.partition("=")
                params.setdefault(key, value)
        return params
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=MAX_QUERY_FIELDS)
    except (ValueError, UnicodeDecodeError):
        return None
    for key, value in pairs:
        params.setdefault(key, value)
    return params


def theme_of(params: Mapping[str, str]) -> Theme | None:
    """The ``?theme=`` a URL asks for, if it is one we have."""
    return _THEME_NAMES.get(params.get("theme", ""))


def route_name(path: str) -> str:
    """The access log's name for what a path asks for: which kind of thing, never the reader's URL."""
    segments = path.split("/")[1:] if path != "/" else []
    cls = _BY_SHAPE.get((segments[0] if segments else "", len(segments)))
    if cls is not None:
        return cls.ROUTE
    for name, service in SERVICES.items():
        if path == service:
            return name
    if path.startswith(STATIC_PREFIX):
        return "static"
    head = segments[0] if segments else ""
    return head if any(cls.PATH[:1] == (head,) for cls in KEY_TYPES) else "other"


# -- what exists ------------------------------------------------------------------------------------


def parts_of(article: Article, widget: Widget) -> tuple[str, ...]:
    """The parts of a widget that open on demand (and so the values ``?open=`` accepts)."""
    if widget == "sections":
        return ("overview", *(f"section-{section.id}" for section in article.sections))
    if widget == "sources":
        return ("sources",)
    return ()


def keys_of(article: Article) -> Iterator[BodyKey]:
    """Every body of one article, in the order the export writes them."""
    slug = article.slug
    yield ArticlePage(slug)
    for widget in WIDGETS:
        parts = parts_of(article, widget)
        yield Fragment(slug, widget)
        for part in parts:
            yield Part(slug, widget, part)
        for theme in THEMES:
            for open_part in (None, *parts):
                yield Embed(slug, widget, theme, open_part)


def count_of(article: Article) -> int:
    """How many keys :func:`keys_of` yields, without building them."""
    counts = (len(parts_of(article, widget)) for widget in WIDGETS)
    return 1 + sum(1 + parts + len(THEMES) * (1 + parts) for parts in counts)


def article_of(key: BodyKey, catalogue: Catalogue) -> Article | None:
    """The article a key belongs to (None for the index, or an article that does not exist)."""
    return None if isinstance(key, Index) else catalogue.articles.get(key.slug)


def exists(key: BodyKey, catalogue: Catalogue) -> bool:
    """Whether a URL can name ``key``: its article exists and has that part."""
    if isinstance(key, Index):
        return True
    article = catalogue.articles.get(key.slug)
    if article is None:
        return False
    if isinstance(key, Part):
        return key.part in parts_of(article, key.widget)
    if isinstance(key, Embed):
        return key.open is None or key.open in parts_of(article, key.widget)
    return True


def missing(key: BodyKey, catalogue: Catalogue) -> Refusal:
    """Why a well-formed key names no body: its article, or its part, does not exist."""
    article = article_of(key, catalogue)
    if article is None:
        return UNKNOWN_ARTICLE
    widget: Widget = key.widget if isinstance(key, Part | Embed) else "takeaway"
    parts = ", ".join(parts_of(article, widget))
    if isinstance(key, Part):
        return Refusal(
            404,
            _("The %(widget)s widget has no such part; its parts are: %(parts)s."),
            {"widget": widget, "parts": parts or _("none")},
        )
    return Refusal(
        400,
        _("The 'open' parameter names no part of the %(widget)s widget; it has: %(parts)s."),
        {"widget": widget, "parts": parts or _("no parts that open")},
    )


# -- links ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute URLs: a fragment lands on a partner's page, where a relative URL would point home."""

    public_url: str
    # Plain static name -> content-hashed name (see widget.assets); a name not in it is served as is.
    manifest: Mapping[str, str] = field(default_factory=dict)

    def to(self, key: BodyKey) -> str:
        return key.url(self.public_url)

    def static(self, name: str) -> str:
        return f"{self.public_url}{STATIC_PREFIX}{self.manifest.get(name, name)}"

    def widget(self, mode: Mode, slug: str, widget: Widget) -> str:
        return self.to(Embed(slug, widget) if mode == "embed" else Fragment(slug, widget))

    def article(self, slug: str) -> str:
        return self.to(ArticlePage(slug))

    def home(self) -> str:
        return self.to(Index())

    def service(self, name: str) -> str:
        return self.public_url + SERVICES[name]
