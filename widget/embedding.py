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


def content_security_policy(kind: Kind, frame_ancestors: str = "*") -> str:
    """CSP from ``default-src 'none'`` up, adding only what each response uses."""
    directives = [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
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


def response_headers(kind: Kind, max_age: int) -> dict[str, str]:
    headers = dict(
        BASE_HEADERS, **{"Content-Security-Policy": content_security_policy(kind)}
    )
    # Errors are not cached for long: the article may be published a minute later.
    headers["Cache-Control"] = cache_control(
        min(max_age, 60) if kind == "error" else max_age
    )
    if kind == "fragment":
        # Fragments are read by partner pages' scripts (htmx); no credentials, ever.
        headers["Access-Control-Allow-Origin"] = "*"
    return headers
