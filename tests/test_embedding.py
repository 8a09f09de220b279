"""Response headers as pure functions: kind and max-age in, header dict out."""

from __future__ import annotations

import pytest

from widget.embedding import cache_control, content_security_policy, response_headers

KINDS = ["embed", "fragment", "page", "error"]


def directives(csp: str) -> dict[str, str]:
    pairs = (part.strip().partition(" ") for part in csp.split(";") if part.strip())
    return {name: value.strip() for name, _, value in pairs}


@pytest.mark.parametrize("kind", KINDS)
def test_csp_starts_from_nothing(kind):
    csp = content_security_policy(kind)

    assert csp.startswith("default-src 'none'")
    assert "script-src" not in csp
    assert "unsafe-inline" not in csp
    assert directives(csp)["base-uri"] == "'none'"
    assert directives(csp)["form-action"] == "'none'"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("embed", "*"), ("error", "*"), ("fragment", "'self'"), ("page", "'self'")],
)
def test_csp_frame_ancestors_default(kind, expected):
    csp = content_security_policy(kind)

    assert directives(csp)["frame-ancestors"] == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("embed", "https://a.example https://b.example"),
        ("error", "https://a.example https://b.example"),
        ("fragment", "'self'"),
        ("page", "'self'"),
    ],
)
def test_csp_frame_ancestors_partners(kind, expected):
    csp = content_security_policy(kind, frame_ancestors="https://a.example https://b.example")

    assert directives(csp)["frame-ancestors"] == expected


@pytest.mark.parametrize("kind", KINDS)
def test_csp_style_src_is_the_asset_origin(kind):
    default = content_security_policy(kind)

    public = content_security_policy(kind, asset_origin="https://widgets.example.org")

    assert directives(default)["style-src"] == "'self'"
    assert directives(public)["style-src"] == "https://widgets.example.org"


@pytest.mark.parametrize("kind", KINDS)
def test_response_headers_always_sent(kind):
    headers = response_headers(kind, 300)

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == content_security_policy(kind)
    assert "X-Frame-Options" not in headers
    assert "Access-Control-Allow-Credentials" not in headers
    assert "Set-Cookie" not in headers


@pytest.mark.parametrize(
    ("kind", "max_age", "expected"),
    [
        ("embed", 300, "public, max-age=300"),
        ("fragment", 300, "public, max-age=300"),
        ("page", 300, "public, max-age=300"),
        ("error", 300, "public, max-age=60"),
        ("error", 30, "public, max-age=30"),
        ("embed", 86400, "public, max-age=86400"),
        ("embed", 0, "no-cache"),
        ("fragment", 0, "no-cache"),
        ("page", 0, "no-cache"),
        ("error", 0, "no-cache"),
    ],
)
def test_response_headers_cache_control(kind, max_age, expected):
    headers = response_headers(kind, max_age)

    assert headers["Cache-Control"] == expected


@pytest.mark.parametrize(
    ("max_age", "expected"), [(0, "no-cache"), (1, "public, max-age=1"), (300, "public, max-age=300")]
)
def test_cache_control(max_age, expected):
    assert cache_control(max_age) == expected


@pytest.mark.parametrize(("kind", "cors"), [("embed", None), ("fragment", "*"), ("page", None), ("error", None)])
def test_only_fragments_allow_any_origin(kind, cors):
    headers = response_headers(kind, 300)

    assert headers.get("Access-Control-Allow-Origin") == cors


def test_response_headers_passes_asset_origin():
    headers = response_headers("embed", 300, "https://widgets.example.org")

    assert directives(headers["Content-Security-Policy"])["style-src"] == "https://widgets.example.org"


def test_response_headers_returns_a_fresh_dict():
    first = response_headers("embed", 300)
    first["X-Content-Type-Options"] = "changed"
    first["Cache-Control"] = "changed"

    second = response_headers("embed", 300)

    assert second["X-Content-Type-Options"] == "nosniff"
    assert second["Cache-Control"] == "public, max-age=300"
