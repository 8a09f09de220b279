"""Web origins as a browser serializes them: widget/origins.py."""

from __future__ import annotations

import pytest

from widget.origins import normalize_origin


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://a.org", "https://a.org"),
        ("HTTP://LocalHost:8001", "http://localhost:8001"),
        ("https://a.org:443", "https://a.org"),
        ("http://a.org:80", "http://a.org"),
        ("http://a.org:443", "http://a.org:443"),
        ("https://a.org:80", "https://a.org:80"),
        ("https://a.org:8443", "https://a.org:8443"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://[0:0:0:0:0:0:0:1]", "https://[::1]"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("https://health-news.co.uk", "https://health-news.co.uk"),
    ],
)
def test_normalize_origin_accepted(value, expected):
    result = normalize_origin(value)

    assert result == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "null",
        "*",
        "https://*.a.org",
        "a.org",
        "//a.org",
        "https://",
        "https://:443",
        "https://a.org/",
        "https://a.org/x",
        "https://a.org?x=1",
        "https://a.org#top",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "ftp://a.org",
        "ws://a.org",
        "https://user@a.org",
        "https://user:pass@a.org",
        "https://a.org:99999",
        "https://a.org:65536",
        "https://a.org:0",
        "https://a.org:",
        "https://a.org:http",
        " https://a.org",
        "https://a.org ",
        "https://a.org\n",
        "https://a .org",
        "https://a.org.",
        "https://a..org",
        "https://-a.org",
        "https://a_b.org",
        "https://bücher.example",
        "https://\u212a.org",  # KELVIN SIGN, which case-insensitive matching could fold to "k"
        "https://xn--zz.example",
        "http://127.1",
        "http://0x7f.0.0.1",
        "http://010.0.0.1",
        "https://[::1",
        "https://[fe80::1%25eth0]",
        "https://[not-ipv6]",
        "https://" + "a" * 64 + ".org",
    ],
)
def test_normalize_origin_refused(value):
    result = normalize_origin(value)

    assert result is None
