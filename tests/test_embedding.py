"""Response headers as pure functions: kind, max-age, policy and origin in, header dict out."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from tests.support import HTMX_READS, HTMX_SENDS
from widget.embedding import (
    HTMX_REQUEST_HEADERS,
    HTMX_RESPONSE_HEADERS,
    Policy,
    cache_control,
    content_security_policy,
    cors_headers,
    error_cache_control,
    oembed_headers,
    preflight_headers,
    response_headers,
    widget_cache_control,
)
from widget.partners import Partner, Partners
from widget.settings import Settings

KINDS = ["embed", "fragment", "page", "error", "fragment-error"]
FRAGMENT_KINDS = ["fragment", "fragment-error"]
PUBLIC = "https://widgets.example.org"
DEMO = Partner("demo", "Demo", ("http://localhost:8001", "http://127.0.0.1:8001"), "auto")
OTHER = Partner("other", "Other", ("https://other.example",), "dark")
PARTNERS = Partners(MappingProxyType({"demo": DEMO, "other": OTHER}))


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
    [("embed", "*"), ("error", "*"), ("fragment", "'self'"), ("page", "'self'"), ("fragment-error", "'self'")],
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
        ("fragment-error", "'self'"),
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
        ("fragment-error", 300, "public, max-age=60"),
        ("fragment-error", 0, "no-cache"),
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


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "public, max-age=300, s-maxage=600, stale-while-revalidate=60, stale-if-error=86400"),
        ({"cache_s_maxage": 0, "cache_stale_while_revalidate": 0}, "public, max-age=300, stale-if-error=86400"),
        ({"cache_stale_if_error": 0, "cache_max_age": 5}, "public, max-age=5, s-maxage=600, stale-while-revalidate=60"),
        ({"cache_max_age": 0}, "no-cache"),  # no max-age: every cache revalidates, whatever the extensions say
    ],
)
def test_widget_cache_control_follows_the_settings(tmp_path, fields, expected):
    settings = Settings(content_dir=tmp_path, **fields)

    assert widget_cache_control(settings) == expected


@pytest.mark.parametrize("status", [406, 431, 500, 502, 503])
@pytest.mark.parametrize("kind", ["error", "fragment-error"])
def test_errors_made_by_request_headers_or_the_server_are_never_stored(kind, status):
    headers = response_headers(kind, 300, status=status)

    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("status", [None, 400, 404, 405, 414, 501])
@pytest.mark.parametrize("kind", ["error", "fragment-error"])
def test_errors_of_the_url_are_kept_a_minute_at_most(kind, status):
    assert response_headers(kind, 300, status=status)["Cache-Control"] == "public, max-age=60"
    assert response_headers(kind, 30, status=status)["Cache-Control"] == "public, max-age=30"
    assert response_headers(kind, 0, status=status)["Cache-Control"] == "no-cache"


def test_error_cache_control_ignores_the_widget_cache():
    full = "public, max-age=300, s-maxage=600"

    assert response_headers("error", 300, cache=full, status=404)["Cache-Control"] == "public, max-age=60"
    assert error_cache_control(431, 300) == "no-store"


def test_oembed_headers_let_any_script_read_public_metadata():
    headers = oembed_headers(300, PUBLIC)

    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    # The grant is the same for every origin, so caches need not key on Origin; never credentials.
    assert "Vary" not in headers
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    ("kind", "cors"),
    [("embed", None), ("fragment", "*"), ("page", None), ("error", None), ("fragment-error", "*")],
)
def test_only_fragments_allow_any_origin(kind, cors):
    headers = response_headers(kind, 300, cors="*")

    assert headers.get("Access-Control-Allow-Origin") == cors
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize("kind", FRAGMENT_KINDS)
@pytest.mark.parametrize("grant", ["*", "http://localhost:8001"])
def test_fragments_grant_the_given_origin_and_expose_htmx_headers(kind, grant):
    headers = response_headers(kind, 300, cors=grant)

    assert headers["Access-Control-Allow-Origin"] == grant
    assert headers["Access-Control-Expose-Headers"].split(", ") == HTMX_READS
    assert headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize("kind", FRAGMENT_KINDS)
def test_fragments_without_a_grant_still_vary_on_origin(kind):
    headers = response_headers(kind, 300)

    assert headers["Vary"] == "Origin"
    assert [name for name in headers if name.startswith("Access-Control-")] == []


@pytest.mark.parametrize("kind", ["embed", "page", "error"])
def test_documents_never_carry_cors_even_when_given(kind):
    headers = response_headers(kind, 300, cors="http://localhost:8001")

    assert [name for name in headers if name.startswith("Access-Control-")] == []
    assert "Vary" not in headers


@pytest.mark.parametrize("kind", KINDS)
def test_csp_scripts_admit_only_the_asset_origin(kind):
    csp = directives(content_security_policy(kind, asset_origin=PUBLIC, scripts=True))

    assert csp["script-src"] == PUBLIC
    assert csp["connect-src"] == PUBLIC
    assert csp["default-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]


@pytest.mark.parametrize("kind", KINDS)
def test_csp_without_scripts_has_no_script_or_connect_src(kind):
    csp = directives(content_security_policy(kind, asset_origin=PUBLIC))

    assert "script-src" not in csp
    assert "connect-src" not in csp


def test_response_headers_passes_scripts_to_the_csp():
    with_scripts = directives(response_headers("embed", 300, PUBLIC, scripts=True)["Content-Security-Policy"])

    without = directives(response_headers("embed", 300, PUBLIC)["Content-Security-Policy"])

    assert with_scripts["script-src"] == with_scripts["connect-src"] == PUBLIC
    assert "script-src" not in without


def test_response_headers_passes_frame_ancestors_to_documents():
    headers = response_headers("embed", 300, frame_ancestors="http://localhost:8001")

    assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == "http://localhost:8001"


# -- CORS helpers ---------------------------------------------------------------------------------


def test_cors_headers_refused():
    assert cors_headers(None) == {"Vary": "Origin"}


@pytest.mark.parametrize("grant", ["*", "http://localhost:8001"])
def test_cors_headers_granted(grant):
    assert cors_headers(grant) == {
        "Vary": "Origin",
        "Access-Control-Allow-Origin": grant,
        "Access-Control-Expose-Headers": ", ".join(HTMX_READS),
    }


def test_htmx_header_lists_match_field_notes():
    assert list(HTMX_RESPONSE_HEADERS) == HTMX_READS
    assert list(HTMX_REQUEST_HEADERS) == HTMX_SENDS


@pytest.mark.parametrize("grant", ["*", "http://localhost:8001"])
def test_preflight_headers_granted(grant):
    headers = preflight_headers(grant)

    assert headers["Access-Control-Allow-Origin"] == grant
    assert headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert headers["Access-Control-Allow-Headers"].split(", ") == HTMX_SENDS
    assert headers["Access-Control-Max-Age"] == "7200"
    assert "Origin" in [v.strip() for v in headers["Vary"].split(",")]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Credentials" not in headers


def test_preflight_headers_refused_grant_nothing():
    headers = preflight_headers(None)

    assert [name for name in headers if name.startswith("Access-Control-")] == []
    assert "Origin" in [v.strip() for v in headers["Vary"].split(",")]
    assert headers["X-Content-Type-Options"] == "nosniff"


# -- Policy: who may frame and who may read -------------------------------------------------------


@pytest.mark.parametrize("partner", [None, DEMO, OTHER])
def test_policy_open_frames_and_reads_for_everyone(partner):
    policy = Policy("open", PARTNERS)

    assert policy.frame_ancestors(partner) == "*"
    assert policy.cors_origin("https://evil.example") == "*"
    assert policy.cors_origin(None) == "*"


def test_policy_partners_frame_ancestors_lists_every_origin_sorted():
    policy = Policy("partners", PARTNERS)

    assert policy.frame_ancestors() == "http://127.0.0.1:8001 http://localhost:8001 https://other.example"


@pytest.mark.parametrize(
    ("partner", "expected"),
    [(DEMO, "http://localhost:8001 http://127.0.0.1:8001"), (OTHER, "https://other.example")],
)
def test_policy_partners_frame_ancestors_for_one_partner(partner, expected):
    policy = Policy("partners", PARTNERS)

    assert policy.frame_ancestors(partner) == expected


def test_policy_partners_without_partners_frames_for_nobody():
    policy = Policy("partners", Partners.empty())

    assert policy.frame_ancestors() == "'none'"
    assert policy.cors_origin("http://localhost:8001") is None


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("http://localhost:8001", "http://localhost:8001"),
        ("HTTP://LOCALHOST:8001", "http://localhost:8001"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("https://other.example:443", "https://other.example"),
        ("https://evil.example", None),
        ("http://localhost:8002", None),
        ("https://localhost:8001", None),
        ("http://localhost:8001/", None),
        ("http://localhost:8001.evil.example", None),
        ("null", None),
        ("", None),
        (None, None),
    ],
)
def test_policy_partners_cors_origin(origin, expected):
    policy = Policy("partners", PARTNERS)

    assert policy.cors_origin(origin) == expected


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
