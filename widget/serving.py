"""Answering a request for a pre-rendered body: encodings, validators, conditional requests.

Shared by the fast path (:mod:`widget.fastpath`, plain WSGI) and the Flask views, so both send the
same bytes and the same headers. No Flask here.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Final, Literal

import brotli

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


@dataclass(frozen=True, slots=True)
class Body:
    """One response body in every encoding worth keeping, with its validators."""

    data: bytes
    etag: str  # strong, quoted; each encoding gets its own (RFC 9110 8.8.3: different bytes)
    last_modified: str  # an HTTP-date
    modified: datetime
    encoded: Mapping[Encoding, bytes] = field(default_factory=dict)
    # Whether the document loads a script (only ever our vendored htmx), so its CSP must admit it.
    scripts: bool = False

    @classmethod
    def of(cls, html: str, modified: datetime) -> Body:
        """The identity body; :meth:`compressed` adds the encodings."""
        data = html.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()[:32]
        modified = modified.replace(microsecond=0)
        return cls(data, f'"{digest}"', http_date(modified), modified, {"identity": data}, b"<script src=" in data)

    def compressed(self) -> Body:
        if len(self.data) < MIN_COMPRESS:
            return self
        encoded: dict[Encoding, bytes] = {
            "identity": self.data,
            "gzip": gzip.compress(self.data, GZIP_LEVEL, mtime=0),  # mtime=0: the same bytes every build
            "br": brotli.compress(self.data, quality=BROTLI_QUALITY),
        }
        return replace(self, encoded=encoded)

    def etag_for(self, encoding: Encoding) -> str:
        return self.etag if encoding == "identity" else f'{self.etag[:-1]}-{encoding}"'

    @property
    def etags(self) -> frozenset[str]:
        return frozenset(self.etag_for(encoding) for encoding in self.encoded)


def negotiate(accept_encoding: str | None, available: Mapping[Encoding, bytes]) -> Encoding | None:
    """The coding to send, by the request's q-values (RFC 9110 12.5.3); None when none is acceptable."""
    if not accept_encoding:
        return "identity"
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0  # a q we cannot read is no consent
                q = min(max(q, 0.0), 1.0)
        weights[name] = max(q, weights.get(name, 0.0)) if name in weights else q
    star = weights.get("*")
    best: Encoding | None = None
    best_q = 0.0
    for encoding in ENCODINGS:
        if encoding not in available:
            continue
        rated = weights.get(encoding, weights.get("x-gzip") if encoding == "gzip" else None)
        if rated is None:
            # identity is acceptable unless excluded by name or by "*;q=0"; others need "*" or their name.
            rated = star if star is not None else (1.0 if encoding == "identity" else 0.0)
        if rated > best_q:
            best, best_q = encoding, rated
    return best


def not_modified(body: Body, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 13.1.2 and 13.1.3: If-None-Match wins; If-Modified-Since only without it."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        # Weak comparison, as 13.1.2 requires; any of our encodings' tags names this same version.
        return "*" in tags or not tags.isdisjoint(body.etags)
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an invalid date is ignored (13.1.3)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return body.modified <= since
    return False


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    payload: bytes  # empty for HEAD and 304


STATUS_LINES: Final = {200: "200 OK", 304: "304 Not Modified", 406: "406 Not Acceptable"}


def answer(
    body: Body,
    headers: Mapping[str, str],
    *,
    method: str,
    accept_encoding: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> Answer | None:
    """The response for ``body``; None when no acceptable encoding exists (the caller sends 406)."""
    encoding = negotiate(accept_encoding, body.encoded)
    if encoding is None:
        return None
    etag = body.etag_for(encoding)
    out = [*headers.items(), ("ETag", etag), ("Last-Modified", body.last_modified)]
    vary = headers.get("Vary")
    if len(body.encoded) > 1:
        vary = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
        out = [(k, v) for k, v in out if k != "Vary"] + [("Vary", vary)]
    if not_modified(body, if_none_match, if_modified_since):
        # 304 carries the validators and caching headers a 200 would (RFC 9110 15.4.5), not the body's.
        return Answer(304, out, b"")
    payload = body.encoded[encoding]
    out.append(("Content-Type", "text/html; charset=utf-8"))
    out.append(("Content-Length", str(len(payload))))
    if encoding != "identity":
        out.append(("Content-Encoding", encoding))
    return Answer(200, out, b"" if method == "HEAD" else payload)


def http_date(moment: datetime | None = None) -> str:
    return format_datetime((moment or datetime.now(UTC)).replace(microsecond=0), usegmt=True)
