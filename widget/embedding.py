"""Response headers for each kind of response: data in, header dicts out, no Flask."""

from __future__ import annotations

from typing import Literal

Kind = Literal["embed", "fragment", "page", "error"]

# Sent on everything: no sniffing, no referrer leaking a reader's page, no powerful features.
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=(), browsing-topics=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def content_security_policy(kind: Kind, frame_ancestors: str = "*", asset_origin: str = "'self'") -> str:
    """CSP from ``default-src 'none'`` up, adding only what each response uses.

    ``asset_origin`` is where the stylesheet lives: the public URL, which behind a proxy or CDN is
    not always the origin the request came in on.
    """
    directives = [
        "default-src 'none'",
        f"style-src {asset_origin}",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    # CSP frame-ancestors, not X-Frame-Options: browsers never implemented its ALLOW-FROM.
    # Error pages are framed too: a partner's iframe should show our message, not a browser error.
    framed = kind in ("embed", "error")
    directives.append("frame-ancestors " + (frame_ancestors if framed else "'self'"))
    return "; ".join(directives)


def cache_control(max_age: int) -> str:
    return f"public, max-age={max_age}" if max_age else "no-cache"


def response_headers(kind: Kind, max_age: int, asset_origin: str = "'self'") -> dict[str, str]:
    csp = content_security_policy(kind, asset_origin=asset_origin)
    headers = dict(BASE_HEADERS, **{"Content-Security-Policy": csp})
    # Errors are not cached for long: the article may be published a minute later.
    headers["Cache-Control"] = cache_control(min(max_age, 60) if kind == "error" else max_age)
    if kind == "fragment":
        # Fragments are read by partner pages' scripts (htmx); no credentials, ever.
        headers["Access-Control-Allow-Origin"] = "*"
    return headers
