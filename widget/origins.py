"""Web origins (``scheme://host[:port]``) as a browser serializes them, for partners and the public URL.

One grammar for every origin a setting declares: it reaches CSP headers, CORS grants and the
exported nginx.conf, so nothing but a scheme, a host and a port may pass.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
ORIGIN_HELP: Final = "an origin like 'https://health.example.org' (scheme, host and optional port; no path)"

# Only what a browser puts in an Origin header: no userinfo, path, query, fragment or whitespace.
# re.fullmatch, unlike "$", does not let a trailing newline through.
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?",
    re.ASCII | re.IGNORECASE,
)
# An LDH label (RFC 1123); IDNs must be written in punycode ("xn--..."), as browsers send them.
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
# WHATWG URL: a host whose last label is a number (decimal or 0x hex) is parsed as an IPv4 address.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*", re.ASCII)


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` as a browser serializes it, or None if ``value`` is not exactly an origin."""
    match = _ORIGIN.fullmatch(value)
    if match is None:
        return None
    scheme = match["scheme"].lower()
    host = _normalize_host(match["host"])
    if host is None:
        return None
    if match["port"] is None:
        return f"{scheme}://{host}"
    port = int(match["port"])
    if not 0 < port <= 65535:
        return None
    # Browsers leave the default port out of the Origin header, so "https://a.org:443" must match it.
    return f"{scheme}://{host}" if port == DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


def _normalize_host(raw: str) -> str | None:
    if raw.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError:
            return None
    host = raw.lower()
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # Only dotted-quad decimal: browsers would rewrite "127.1" or "0x7f.0.0.1", so they never match.
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            return None
    for label in labels:
        if label.startswith("xn--"):
            try:
                label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                return None
    return host
