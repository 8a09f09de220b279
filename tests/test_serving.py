"""Answering a pre-rendered body: which coding, whether the client's copy is current, which headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from widget.serving import Answer, Body, Headers, answer, fresh, http_date, negotiate, not_modified, with_vary

MODIFIED = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
BIG = Body.of("<p>" + "Numbness in lupus has several causes. " * 40 + "</p>", MODIFIED).compressed()
SMALL = Body.of("<p>Short.</p>", MODIFIED)
OWN: Headers = (("Cache-Control", "public, max-age=300"), ("Vary", "Accept-Encoding"))
OVERFLOWING = "Fri, 04 Dec 99999999999999999999 02:21:13 GMT"


def respond(body: Body, **request: str | None) -> Answer:
    fields: dict[str, str | None] = {"accept_encoding": None, "if_none_match": None, "if_modified_since": None}
    fields.update(request)
    return answer(body, OWN, method="GET", **fields)


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        (None, "identity"),
        ("", "identity"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("GZIP", "gzip"),
        ("br;q=0.5, gzip;q=0.8, identity;q=0.1", "gzip"),
        ("gzip;q=0.5", "identity"),  # identity is acceptable at 1 unless named
        ("*", "br"),
        ("gzip;q=0, *", "br"),  # a name outranks "*"
        ("br;q=0, gzip;q=0, *", "identity"),
        ("br;q=nan", "identity"),  # an invalid qvalue drops the item (RFC 9110 12.4.2)
        ("br;q=2", "identity"),
        ("br;q=1e400", "identity"),
        (",;,;=;q", "identity"),
        ("deflate, zstd", "identity"),
    ],
)
def test_negotiate_picks_by_q_values(accept_encoding, expected):
    assert negotiate(accept_encoding, True) == expected


@pytest.mark.parametrize(
    "accept_encoding",
    ["identity;q=0", "*;q=0", "identity;q=0, *;q=0", "br;q=0, gzip;q=0, identity;q=0", "deflate, identity;q=0"],
)
@pytest.mark.parametrize("compressible", [True, False])
def test_negotiate_sends_identity_when_nothing_is_acceptable(accept_encoding, compressible):
    assert negotiate(accept_encoding, compressible) == "identity"


def test_negotiate_offers_only_identity_for_small_bodies():
    assert negotiate("br, gzip", False) == "identity"


@pytest.mark.parametrize("accept_encoding", ["identity;q=0", "*;q=0", "identity;q=0, *;q=0"])
def test_answer_to_a_client_refusing_every_coding_is_the_plain_body(accept_encoding):
    plain = respond(BIG)

    refused = respond(BIG, accept_encoding=accept_encoding)

    assert refused.status == 200
    assert refused.payload == plain.payload == BIG.data
    assert refused.headers == plain.headers
    assert "Content-Encoding" not in dict(refused.headers)


def test_answer_sends_the_coded_body_with_its_own_etag():
    result = respond(BIG, accept_encoding="br")

    headers = dict(result.headers)
    assert result.status == 200
    assert headers["Content-Encoding"] == "br"
    assert headers["ETag"] == BIG.etag_for("br") != BIG.etag
    assert headers["Content-Length"] == str(len(result.payload))
    assert headers["Vary"] == "Accept-Encoding"


def test_answer_to_head_has_the_headers_and_no_payload():
    result = answer(BIG, OWN, method="HEAD", accept_encoding="gzip", if_none_match=None, if_modified_since=None)

    assert result.status == 200
    assert result.payload == b""
    assert dict(result.headers)["Content-Length"] == str(len(BIG.encoded["gzip"]))


def test_answer_304_repeats_the_validators_and_caching_headers():
    result = respond(BIG, accept_encoding="gzip", if_none_match=BIG.etag_for("gzip"))

    assert result.status == 304
    assert result.payload == b""
    assert result.headers == [*OWN, ("ETag", BIG.etag_for("gzip")), ("Last-Modified", BIG.last_modified)]


@pytest.mark.parametrize(
    "if_none_match",
    [
        BIG.etag,
        BIG.etag_for("br"),  # another coding's tag names the same version (weak comparison)
        f"W/{BIG.etag}",
        f'"other", {BIG.etag_for("gzip")}',
        f'"other",W/{BIG.etag}',
        "*",
    ],
)
def test_not_modified_matches_any_tag_of_this_version(if_none_match):
    assert not_modified(BIG, if_none_match, None)


@pytest.mark.parametrize(
    "if_none_match",
    ['"other"', 'W/"other"', "", "W/", '"', ",,,", BIG.etag.strip('"') + "x", f'"{BIG.etag}"', "**"],
)
def test_not_modified_refuses_other_or_malformed_tags(if_none_match):
    assert not not_modified(BIG, if_none_match, None)


def test_not_modified_if_none_match_wins_over_a_date():
    # RFC 9110 13.1.3: If-Modified-Since is ignored when If-None-Match is present.
    assert not not_modified(BIG, '"other"', BIG.last_modified)


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (MODIFIED, True),
        (MODIFIED + timedelta(days=1), True),
        (MODIFIED - timedelta(seconds=1), False),
    ],
)
def test_not_modified_compares_dates_by_the_second(since, expected):
    assert not_modified(BIG, None, http_date(since)) is expected


@pytest.mark.parametrize(
    "if_modified_since",
    [
        OVERFLOWING,
        "Mon, 01 Jan 99999 00:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 +9999",
        "Sat, 99 Mar 2026 09:26:53 GMT",
        "not a date",
        "1" * 400,
        "",
    ],
)
def test_not_modified_ignores_a_date_it_cannot_read(if_modified_since):
    assert not not_modified(BIG, None, if_modified_since)


def test_answer_ignores_an_overflowing_date():
    result = respond(BIG, if_modified_since=OVERFLOWING)

    assert result.status == 200
    assert result.payload == BIG.data


def test_fresh_without_a_date_ignores_if_modified_since():
    assert not fresh(['"a"'], None, None, http_date(MODIFIED))


def test_with_vary_adds_accept_encoding_only_when_the_body_has_codings():
    own = {"Cache-Control": "no-cache", "Vary": "Origin"}

    assert dict(with_vary(own, True))["Vary"] == "Origin, Accept-Encoding"
    assert dict(with_vary(own, False))["Vary"] == "Origin"
    assert dict(with_vary({}, True))["Vary"] == "Accept-Encoding"
    assert "Vary" not in dict(with_vary({}, False))


def test_small_bodies_have_one_coding():
    assert not SMALL.compressed().compressible
    assert BIG.compressible
    assert BIG.etags == {BIG.etag_for(encoding) for encoding in ("br", "gzip", "identity")}
