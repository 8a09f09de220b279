"""The URL model: every key reads back from its own URL, refusals name what was wrong, routes are named."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest

from tests.support import ARTICLES, PUBLIC_URL
from widget.content import load_articles
from widget.names import NAME_PATTERN
from widget.partners import Partners
from widget.urls import (
    BAD_QUERY,
    BAD_SLUG,
    BAD_THEME,
    NOT_FOUND,
    UNKNOWN_ARTICLE,
    UNKNOWN_PARTNER,
    UNKNOWN_WIDGET,
    ArticlePage,
    BodyKey,
    Embed,
    Fragment,
    Index,
    Links,
    Part,
    Refusal,
    Request,
    count_of,
    exists,
    keys_of,
    missing,
    parse,
    query_params,
    route_name,
)

CATALOGUE = load_articles(ARTICLES)
NO_PARTNERS = Partners.empty()
ALL_KEYS: list[BodyKey] = [Index(), *(key for article in CATALOGUE.articles.values() for key in keys_of(article))]
LUPUS = "lupus-numbness"


def path_and_query(url: str) -> tuple[str, str]:
    path, _, query = url.removeprefix(PUBLIC_URL).partition("?")
    return path, query


def test_every_key_reads_back_from_its_own_url():
    for key in ALL_KEYS:
        path, query = path_and_query(key.url(PUBLIC_URL))

        assert parse(path, query, NO_PARTNERS) == Request(key), key


def test_every_key_exists_and_is_counted():
    assert all(exists(key, CATALOGUE) for key in ALL_KEYS)
    assert len(ALL_KEYS) == 1 + sum(count_of(article) for article in CATALOGUE.articles.values())
    assert len(set(ALL_KEYS)) == len(ALL_KEYS)


def test_every_key_has_its_own_file_of_safe_names():
    files = [key.file() for key in ALL_KEYS]

    assert len(set(files)) == len(files)
    name = re.compile(rf"(?:{NAME_PATTERN}|_|index)(?:\.html)?")
    for file in files:
        assert not file.is_absolute()
        assert all(name.fullmatch(part) for part in file.parts), file


@pytest.mark.parametrize(
    ("key", "url", "file"),
    [
        (Index(), "/", "index.html"),
        (ArticlePage(LUPUS), f"/articles/{LUPUS}", f"articles/{LUPUS}/index.html"),
        (Fragment(LUPUS, "sources"), f"/fragment/{LUPUS}/sources", f"fragment/{LUPUS}/sources/index.html"),
        (Part(LUPUS, "sections", "overview"), f"/fragment/{LUPUS}/sections/overview", None),
        (Embed(LUPUS, "takeaway"), f"/embed/{LUPUS}/takeaway", f"embed/{LUPUS}/takeaway/auto/_.html"),
        (
            Embed(LUPUS, "sections", "dark", "overview"),
            f"/embed/{LUPUS}/sections?open=overview&theme=dark",
            f"embed/{LUPUS}/sections/dark/overview.html",
        ),
    ],
)
def test_key_url_and_file(key, url, file):
    assert key.url(PUBLIC_URL) == PUBLIC_URL + url
    if file:
        assert key.file() == PurePosixPath(file)


@pytest.mark.parametrize(
    ("path", "query", "refusal"),
    [
        ("/nope", "", NOT_FOUND),
        ("/embed", "", NOT_FOUND),
        (f"/embed/{LUPUS}/takeaway/extra", "", NOT_FOUND),
        (f"//articles/{LUPUS}", "", NOT_FOUND),
        (f"/articles/{LUPUS}/", "", NOT_FOUND),
        ("/articles/Not_A_Slug", "", BAD_SLUG),
        ("/embed/" + "a" * 101 + "/takeaway", "", BAD_SLUG),
        (f"/embed/{LUPUS}/bogus", "", UNKNOWN_WIDGET),
        (f"/embed/{LUPUS}/takeaway", "theme=neon", BAD_THEME),
        (f"/embed/{LUPUS}/takeaway", "theme=", BAD_THEME),
        (f"/embed/{LUPUS}/takeaway", "partner=nobody", UNKNOWN_PARTNER),
        (f"/fragment/{LUPUS}/takeaway", "partner=nobody", UNKNOWN_PARTNER),
        (f"/embed/{LUPUS}/takeaway", "theme=%ff", BAD_QUERY),
    ],
)
def test_parse_refuses_with_the_sentence_a_reader_sees(path, query, refusal):
    assert parse(path, query, NO_PARTNERS) == refusal


def test_refusals_never_hold_the_request():
    spoof = "IMPORTANT stop your medication"

    for query in (f"theme={spoof}", f"partner={spoof}"):
        refusal = parse(f"/embed/{LUPUS}/takeaway", query, NO_PARTNERS)

        assert isinstance(refusal, Refusal)
        assert "medication" not in refusal.message % refusal.params


def test_partner_parameter_is_ignored_where_it_means_nothing():
    assert parse(f"/articles/{LUPUS}", "partner=nobody", NO_PARTNERS) == Request(ArticlePage(LUPUS))


def test_missing_explains_an_article_or_a_part():
    assert missing(Fragment("no-such-article", "takeaway"), CATALOGUE) == UNKNOWN_ARTICLE
    part = missing(Part(LUPUS, "sources", "overview"), CATALOGUE)
    assert (part.status, part.params["parts"]) == (404, "sources")
    opened = missing(Embed(LUPUS, "takeaway", "auto", "sources"), CATALOGUE)
    assert (opened.status, opened.params["parts"]) == (400, "no parts that open")


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/", "index"),
        (f"/articles/{LUPUS}", "articles"),
        (f"/embed/{LUPUS}/takeaway", "embed"),
        (f"/fragment/{LUPUS}/takeaway", "fragment"),
        (f"/fragment/{LUPUS}/sections/overview", "fragment-part"),
        ("/static/widget.css", "static"),
        ("/oembed", "oembed"),
        ("/healthz", "healthz"),
        ("/readyz", "readyz"),
        ("/embed/x", "embed"),
        ("/wp-login.php", "other"),
    ],
)
def test_route_name_is_the_kind_of_thing_asked_for(path, route):
    assert route_name(path) == route


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("", {}),
        ("theme=dark&open=sources", {"theme": "dark", "open": "sources"}),
        ("theme=dark&theme=light", {"theme": "dark"}),
        ("open=", {"open": ""}),
        ("theme=d%61rk+x", {"theme": "dark x"}),
        ("theme=%ff", None),
    ],
)
def test_query_params_read_the_first_value_like_werkzeug(query, params):
    assert query_params(query) == params


def test_links_build_absolute_urls():
    links = Links(PUBLIC_URL, {"widget.css": "widget.abc.css"})

    assert links.home() == f"{PUBLIC_URL}/"
    assert links.article(LUPUS) == f"{PUBLIC_URL}/articles/{LUPUS}"
    assert links.widget("fragment", LUPUS, "sources") == f"{PUBLIC_URL}/fragment/{LUPUS}/sources"
    assert links.static("widget.css") == f"{PUBLIC_URL}/static/widget.abc.css"
    assert links.service("oembed") == f"{PUBLIC_URL}/oembed"


@pytest.mark.parametrize("path", [f"//articles/{LUPUS}", f"//embed/{LUPUS}/takeaway", f"/articles//{LUPUS}"])
def test_a_doubled_slash_is_a_plain_404_through_the_app(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Location" not in response.headers
