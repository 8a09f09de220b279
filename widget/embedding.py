"""Who may embed us and how responses are cached: data in, header dicts out, no Flask.

The bodies never depend on the partner: one cached body serves everyone, and what differs per
partner (who may frame us, who may read a fragment) travels in headers computed per request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from .partners import Partner, Partners, normalize_origin
from .settings import EmbedPolicy, Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# What a response is, for its headers: a body of the three kinds of widget.urls.HeaderKind, or an error.
ResponseKind = Literal["embed", "fragment", "page", "error", "fragment-error"]

# Sent on everything: no sniffing, no referrer leaking a reader's page, no powerful features.
BASE_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
}
# What htmx 2 sends: always HX-Request and HX-Current-URL, the others when it can.
HTMX_REQUEST_HEADERS: Final = (
    "HX-Request",
    "HX-Current-URL",
    "HX-Target",
    "HX-Trigger",
    "HX-Trigger-Name",
    "HX-Boosted",
)
# Every response header htmx 2.0.11 reads; unexposed, Chrome logs "Refused to get unsafe header"
# for each one on every cross-origin request.
HTMX_RESPONSE_HEADERS: Final = (
    "HX-Trigger",
    "HX-Trigger-After-Swap",
    "HX-Trigger-After-Settle",
    "HX-Location",
    "HX-Redirect",
    "HX-Refresh",
    "HX-Retarget",
    "HX-Reswap",
    "HX-Reselect",
    "HX-Push-Url",
    "HX-Replace-Url",
    "HX-Push",
)
PREFLIGHT_MAX_AGE: Final = 7200
# Statuses decided by the request's headers rather than its URL (see error_cache_control).
REQUEST_ERRORS: Final = frozenset({406, 431})
# For responses that are no page of ours (preflights, static files, the odd framework answer).
FALLBACK_CSP: Final = "default-src 'none'; frame-ancestors 'none'"  # Chrome's cap; Firefox allows a day


@dataclass(frozen=True, slots=True)
class Policy:
    """The operator's choice (``open`` or ``partners``) and the declared partners."""

    policy: EmbedPolicy
    partners: Partners

    def frame_ancestors(self, partner: Partner | None = None) -> str:
        # CSP frame-ancestors, not X-Frame-Options: browsers never implemented its ALLOW-FROM.
        if self.policy == "open":
            return "*"
        origins = partner.origins if partner else self.partners.origins
        return " ".join(origins) or "'none'"

    def cors_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin to grant, or None: an origin the policy does not admit gets nothing."""
        if self.policy == "open":
            return "*"
        if origin is None or (normalized := normalize_origin(origin)) is None:
            return None  # includes "null": sandboxed frames and file: pages are nobody in particular
        return normalized if self.partners.by_origin(normalized) else None


def content_security_policy(
    kind: ResponseKind, frame_ancestors: str = "*", asset_origin: str = "'self'", scripts: bool = False
) -> str:
    """CSP from ``default-src 'none'`` up, adding only what each response uses.

    ``asset_origin`` is where our stylesheet and htmx live: the public URL, which behind a proxy or
    CDN is not always the origin the request came in on. ``scripts`` admits the vendored htmx and the
    requests it makes for lazy parts, in documents that have lazy parts.
    """
    directives = ["default-src 'none'", f"style-src {asset_origin}"]
    if scripts:
        directives += [f"script-src {asset_origin}", f"connect-src {asset_origin}"]
    directives += ["base-uri 'none'", "form-action 'none'"]
    # Error documents are framed too: a partner's iframe should show our message, not a browser error.
    framed = kind in ("embed", "error")
    directives.append("frame-ancestors " + (frame_ancestors if framed else "'self'"))
    return "; ".join(directives)


def cache_control(max_age: int, *, s_maxage: int = 0, stale_while_revalidate: int = 0, stale_if_error: int = 0) -> str:
    """Cache-Control for a body browsers and shared caches may keep (RFC 9111 5.2.2, RFC 5861)."""
    if not max_age:
        return "no-cache"
    parts = [f"public, max-age={max_age}"]
    if s_maxage:
        parts.append(f"s-maxage={s_maxage}")
    if stale_while_revalidate:
        parts.append(f"stale-while-revalidate={stale_while_revalidate}")
    if stale_if_error:
        parts.append(f"stale-if-error={stale_if_error}")
    return ", ".join(parts)


def widget_cache_control(settings: Settings) -> str:
    """Cache-Control for every widget and page, as the operator configured it."""
    return cache_control(
        settings.cache_max_age,
        s_maxage=settings.cache_s_maxage,
        stale_while_revalidate=settings.cache_stale_while_revalidate,
        stale_if_error=settings.cache_stale_if_error,
    )


def error_cache_control(status: int | None, max_age: int) -> str:
    """Cache-Control for an error: briefly shareable when the URL alone caused it, else never stored.

    A shared cache keys on the URL, so an error made by one client's headers (431: one is too long;
    406: no coding acceptable) or by the server's state (500, 503) would be served to every reader
    of a URL that works. Errors of the URL itself (400, 404, 414, and 501 for an oEmbed format we do
    not implement) are kept at most a minute, because the article may be published a minute later.
    """
    if status is not None and (status in REQUEST_ERRORS or (status >= 500 and status != 501)):
        return "no-store"
    return cache_control(min(max_age, 60))


def cors_headers(grant: str | None) -> dict[str, str]:
    """Headers for a cross-origin read of a fragment; credentials are never allowed."""
    headers = {"Vary": "Origin"}
    if grant:
        headers["Access-Control-Allow-Origin"] = grant
        headers["Access-Control-Expose-Headers"] = ", ".join(HTMX_RESPONSE_HEADERS)
    return headers


def preflight_headers(grant: str | None) -> dict[str, str]:
    """The answer to a CORS preflight (OPTIONS): htmx's HX-* headers make every request preflighted."""
    headers = dict(BASE_HEADERS, Vary="Origin, Access-Control-Request-Headers")
    headers["Content-Security-Policy"] = FALLBACK_CSP
    if grant:
        headers.update(
            {
                "Access-Control-Allow-Origin": grant,
                "Access-Control-Allow-Methods": "GET, HEAD",
                "Access-Control-Allow-Headers": ", ".join(HTMX_REQUEST_HEADERS),
                "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
            }
        )
    return headers


def response_headers(
    kind: ResponseKind,
    max_age: int,
    asset_origin: str = "'self'",
    *,
    frame_ancestors: str = "*",
    cors: str | None = None,
    scripts: bool = False,
    cache: str | None = None,
    status: int | None = None,
) -> dict[str, str]:
    """Headers for one kind of response.

    ``cache`` is the full Cache-Control for successes, if set; ``status`` is an error's, which
    decides whether any cache may keep it (:func:`error_cache_control`).
    """
    csp = content_security_policy(kind, frame_ancestors, asset_origin, scripts)
    headers = dict(BASE_HEADERS, **{"Content-Security-Policy": csp})
    if kind in ("error", "fragment-error"):
        headers["Cache-Control"] = error_cache_control(status, max_age)
    else:
        headers["Cache-Control"] = cache or cache_control(max_age)
    if kind in ("fragment", "fragment-error"):
        headers.update(cors_headers(cors))
    return headers


def oembed_headers(max_age: int, asset_origin: str = "'self'") -> dict[str, str]:
    """Headers for an oEmbed answer, under either policy: readable by any page's script.

    oEmbed answers are public metadata about a public URL (title, size, the iframe markup), which
    consumers' JavaScript fetches cross-origin; they grant nothing, because whether the iframe they
    describe may be shown is the widget's own frame-ancestors. Credentials are never allowed, and
    the grant is the same for every Origin, so nothing varies by it.
    """
    headers = dict(BASE_HEADERS, **{"Content-Security-Policy": content_security_policy("fragment", "*", asset_origin)})
    headers["Cache-Control"] = cache_control(max_age)
    headers["Access-Control-Allow-Origin"] = "*"
    return headers


class SecureDefaults:
    """WSGI middleware: the base security headers on every response that lacks them.

    Our own responses set theirs; this covers the others (WhiteNoise's static files and its 304,
    405 and 416 answers, Flask's automatic OPTIONS). The fast path answers before it, unwrapped.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def secured(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            extra = [(name, value) for name, value in BASE_HEADERS.items() if name.lower() not in present]
            if "content-security-policy" not in present:
                extra.append(("Content-Security-Policy", FALLBACK_CSP))
            if "content-type" not in present and not status.startswith(("204", "304")):
                extra.append(("Content-Type", "text/plain; charset=utf-8"))
            return start_response(status, headers + extra, exc_info)

        return self.app(environ, secured)
