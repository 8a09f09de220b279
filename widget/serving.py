"""Answering a request for a pre-rendered body: encodings, validators, conditional requests.

Shared by the fast path (:mod:`widget.fastpath`, plain WSGI) and the Flask views, so both send the
same bytes and the same headers. No Flask here.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from typing import Final, Literal

import brotli
from werkzeug.http import parse_accept_header, parse_date, parse_etags

Encoding = Literal["br", "gzip", "identity"]
# Preference among codings the client rates equally: smallest first.
ENCODINGS: Final[tuple[Encoding, ...]] = ("br", "gzip", "identity")
# Below this, compression saves less than its headers cost (nginx's gzip_min_length is 20; most CDNs
# use about 1 KB).
MIN_COMPRESS: Final = 512
# Request limits: no widget URL or header we read comes near them (gunicorn enforces its own).
MAX_PATH: Final = 1024
MAX_QUERY: Final = 2048
MAX_HEADER: Final = 8190  # gunicorn's limit_request_field_size
READ_HEADERS: Final = (
    "HTTP_ACCEPT_ENCODING",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_ORIGIN",
    "HTTP_ACCESS_CONTROL_REQUEST_HEADERS",
    "HTTP_HX_REQUEST",
    "HTTP_HX_CURRENT_URL",
    "HTTP_HX_TARGET",
    "HTTP_HX_TRIGGER",
    "HTTP_HX_TRIGGER_NAME",
    "HTTP_HX_BOOSTED",
)
GZIP_LEVEL: Final = 6  # zlib's default: -9 costs twice the time for about 1% smaller widgets
BROTLI_QUALITY: Final = 5  # beats gzip -9 on size at a fraction of quality 11's time


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Body:
    """One response body in every encoding worth keeping, with its validators.

    The headers that depend only on the bytes (validators, type, length, coding) are built here,
    once, so answering a request only joins two prepared tuples.
    """

    data: bytes
    etag: str  # strong, quoted; each encoding gets its own (RFC 9110 8.8.3: different bytes)
    last_modified: str  # an HTTP-date
    modified: datetime
    encoded: Mapping[Encoding, bytes] = field(default_factory=dict)
    # Whether the document loads a script (only ever our vendored htmx), so its CSP must admit it.
    scripts: bool = False
    etags: frozenset[str] = frozenset()
    validators: Mapping[Encoding, Headers] = field(default_factory=dict)  # what a 304 repeats
    representation: Mapping[Encoding, Headers] = field(default_factory=dict)  # what a 200 adds

    @classmethod
    def of(cls, html: str, modified: datetime) -> Body:
        """The identity body; :meth:`compressed` adds the encodings."""
        data = html.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()[:32]
        modified = modified.replace(microsecond=0)
        body = cls(data, f'"{digest}"', http_date(modified), modified, {"identity": data}, b"<script src=" in data)
        return body._with_headers()

    def compressed(self) -> Body:
        if len(self.data) < MIN_COMPRESS:
            return self
        encoded: dict[Encoding, bytes] = {
            "identity": self.data,
            "gzip": gzip.compress(self.data, GZIP_LEVEL, mtime=0),  # mtime=0: the same bytes every build
            "br": brotli.compress(self.data, quality=BROTLI_QUALITY),
        }
        return replace(self, encoded=encoded)._with_headers()

    def etag_for(self, encoding: Encoding) -> str:
        return self.etag if encoding == "identity" else f'{self.etag[:-1]}-{encoding}"'

    @property
    def compressible(self) -> bool:
        return len(self.encoded) > 1

    def _with_headers(self) -> Body:
        validators: dict[Encoding, Headers] = {}
        representation: dict[Encoding, Headers] = {}
        for encoding, payload in self.encoded.items():
            validators[encoding] = (("ETag", self.etag_for(encoding)), ("Last-Modified", self.last_modified))
            coding = (("Content-Encoding", encoding),) if encoding != "identity" else ()
            representation[encoding] = (
                *validators[encoding],
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(payload))),
                *coding,
            )
        etags = frozenset(self.etag_for(encoding) for encoding in self.encoded)
        return replace(self, etags=etags, validators=validators, representation=representation)


@lru_cache(maxsize=512)  # browsers send a handful of distinct values
def negotiate(accept_encoding: str | None, compressible: bool) -> Encoding:
    """The coding to send, by the request's q-values (RFC 9110 12.5.3); identity when none is acceptable.

    ``compressible``: whether br and gzip are on offer for this body, as well as identity.

    A request that refuses every coding we have (``identity;q=0``, ``*;q=0``) still gets the
    uncoded body, not a 406. RFC 9110 12.5.3: when no listed coding is available, "the origin
    server SHOULD send a response without any content coding unless the identity coding is
    indicated as unacceptable"; for that last case, 12.1 lets a server decide "that sending a
    response that doesn't conform to the user agent's preferences is better than sending a 406
    (Not Acceptable) response". We do: identity is what every client can read, and sending it keeps
    the status and body independent of Accept-Encoding, so a shared cache can never be handed an
    error that one client's header produced.
    """
    if not accept_encoding:
        return "identity"
    # Werkzeug parses the list and drops items whose q is not a valid qvalue (RFC 9110 12.4.2);
    # which coding wins is ours to pick, since its Accept lets "*" outrank a name rated lower.
    weights: dict[str, float] = {}
    for name, q in parse_accept_header(accept_encoding):
        name = name.lower()
        weights[name] = max(q, weights.get(name, 0.0))
    star = weights.get("*")
    best: Encoding = "identity"
    best_q = 0.0
    for encoding in ENCODINGS if compressible else ("identity",):
        rated = weights.get(encoding, weights.get("x-gzip") if encoding == "gzip" else None)
        if rated is None:
            # identity is acceptable unless excluded by name or by "*;q=0"; others need "*" or their name.
            rated = star if star is not None else (1.0 if encoding == "identity" else 0.0)
        if rated > best_q:
            best, best_q = encoding, rated
    return best


def not_modified(body: Body, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 13.1.2 and 13.1.3: If-None-Match wins; If-Modified-Since only without it."""
    return fresh(body.etags, body.modified, if_none_match, if_modified_since)


def fresh(
    etags: Collection[str], modified: datetime | None, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """Whether a client holding a copy may be told 304: ``etags`` are quoted, any of them names this version."""
    if if_none_match is not None:
        if if_none_match in etags:
            # The usual case, a cache sending back the one tag it was given: a set lookup of
            # 0.16 us where parse_etags costs about 3.3 us (python -m timeit).
            return True
        tags = parse_etags(if_none_match)
        # Weak comparison, as 13.1.2 requires; any of our encodings' tags names this same version.
        return tags.star_tag or any(tags.contains_weak(tag.strip('"')) for tag in etags)
    if if_modified_since and modified is not None:
        since = _since(if_modified_since)
        return since is not None and modified <= since  # an invalid date is ignored (13.1.3)
    return False


# Caches and browsers send back the Last-Modified they were given, so few distinct values arrive;
# parsing one costs about 5.6 us (werkzeug.http.parse_date, python -m timeit), as much as the
# rest of answering a request, and a memoized one about 0.1 us.
@lru_cache(maxsize=256)
def _since(value: str) -> datetime | None:
    try:
        return parse_date(value)
    except OverflowError:
        return None  # a year too large for a C long: parse_date lets parsedate_to_datetime's error through


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    payload: bytes  # empty for HEAD and 304


STATUS_LINES: Final = {200: "200 OK", 304: "304 Not Modified"}


def answer(
    body: Body,
    headers: Headers,
    *,
    method: str,
    accept_encoding: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> Answer:
    """The response for ``body``: a 200, or a 304 when the client's copy is current.

    ``headers`` are the response's own (policy, caching, Vary): see :func:`with_vary`.
    """
    encoding = negotiate(accept_encoding, body.compressible)
    if (if_none_match is not None or if_modified_since) and not_modified(body, if_none_match, if_modified_since):
        # 304 carries the validators and caching headers a 200 would (RFC 9110 15.4.5), not the body's.
        return Answer(304, [*headers, *body.validators[encoding]], b"")
    payload = b"" if method == "HEAD" else body.encoded[encoding]
    return Answer(200, [*headers, *body.representation[encoding]], payload)


def with_vary(headers: Mapping[str, str], compressible: bool) -> Headers:
    """The response's headers as a tuple, with Accept-Encoding added to Vary when the body has codings."""
    items = dict(headers)
    if compressible:
        items["Vary"] = f"{items['Vary']}, Accept-Encoding" if "Vary" in items else "Accept-Encoding"
    return tuple(items.items())


def http_date(moment: datetime | None = None) -> str:
    return format_datetime((moment or datetime.now(UTC)).replace(microsecond=0), usegmt=True)
